"""Multi-class independence: Lemma A.1 checked on a real softmax network (the paper's App. A.2).

Under H4-H6 (classes along orthogonal directions, unit k active on class k only,
``Z`` positive on its diagonal and non-positive elsewhere) gradient descent on
``softmax(Z relu(W x))`` keeps every activation pattern and every sign of ``Z``;
class k's points move only row k of ``W``; and each class learns exactly as it
would alone, its time rescaled by its frequency.  This module trains the real
network (:func:`dynamics.groundtruth.training.train_softmax`) and measures all four.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy.special import softmax

from . import style
from .claims import TOLERANCES, ClaimRecord
from .registry import Experiment
from ..groundtruth.assumptions import check_h4, check_h5, check_h6, require
from ..groundtruth.data import multiclass_points
from ..groundtruth.initialization import multiclass_init
from ..groundtruth.training import softmax_class_gradients, train_softmax

__all__ = ["MulticlassResult", "run", "figures", "claims", "SIZES", "EXPERIMENT", "RECORDS"]

#: About this many records per run (every ``steps // RECORDS`` steps): smooth curves even for the fastest class,
#: which rises within a few dozen steps.
RECORDS = 300
#: The time axis ends this factor past the time every class has covered RISE_SHOWN of its rise in confidence.
RISE_SHOWN, WINDOW_MARGIN = 0.95, 1.2
#: About this many markers of the classes trained alone, log-spaced in time so that the fast classes' rise shows.
ALONE_MARKERS = 25
#: Figure style: the lightest viridis shade used (lighter ones vanish on white), a legend size readable in print,
#: the runs of each class alone as hollow black markers (a colour no line has).
LIGHTEST = 0.8
LEGEND_SIZE = 8
ALONE_MARKER, ALONE_COLOUR, ALONE_MARKER_SIZE = "o", "black", 5
#: Output weights at initialization: a positive diagonal and a small negative off-diagonal (H6).
Z0_DIAGONAL, Z0_OFF_DIAGONAL = 0.2, -0.05


@dataclass(frozen=True)
class MulticlassResult:
    """Lemma A.1 measured on a softmax network trained jointly and class by class.

    Attributes
    ----------
    classes : int
        Number of classes C (numbered 0..C-1 in the data, 1..C in figures).
    t : ndarray (R,)
        Flow time ``lr * step`` of each record.
    confidences : ndarray (R, C)
        Mean P(true class) over each class's points, all classes trained together.
    patterns_fixed : bool
        Unit k is active exactly on class k's points, at every record.
    signs_preserved : bool
        The diagonal of ``Z`` stays > 0 and the off-diagonal <= 0, at every record.
    rows_untouched : bool
        At the final weights, class k's points give a zero gradient to every row j != k of ``W``.
    max_cross_update : float
        Largest absolute entry of those rows' gradients (summed over class k's points); 0 when untouched.
    alone_confidences : ndarray (R, C)
        Mean P(class k) of class k's points when class k is trained alone (learning rate times its frequency).
    alone_vs_joint : float
        Largest absolute logit difference between training each class alone and all together.
    norms : tuple of float
        Input norm of each class.
    per_class : tuple of int
        Number of points of each class.
    lr : float
        Learning rate of the joint run.
    steps : int
        Gradient-descent steps.
    """

    classes: int
    t: np.ndarray
    confidences: np.ndarray
    patterns_fixed: bool
    signs_preserved: bool
    rows_untouched: bool
    max_cross_update: float
    alone_confidences: np.ndarray
    alone_vs_joint: float
    norms: tuple
    per_class: tuple
    lr: float
    steps: int


def _cross_class_update(X, labels, W, Z) -> float:
    """Largest entry of the gradient that class k's points give to a row j != k of ``W`` (sum over the points).

    From the training room's per-class softmax gradient (its share of the mean loss, times n for the sum).
    """
    grads = softmax_class_gradients(X, labels, W, Z)
    rows = np.arange(Z.shape[0])
    return len(labels) * max(float(np.max(np.abs(dW[rows != k]))) for k, (dW, _) in grads.items())


def run(*, classes: int, steps: int, per_class: Sequence[int] = (1, 2, 3, 4),
        norms: Sequence[float] = (0.6, 0.9, 1.2, 1.5), dimension: int = 6, lr: float = 0.5,
        seed: int = 3) -> MulticlassResult:
    """Lemma A.1 on a real softmax network: fixed patterns, kept signs, untouched rows, classes learning alone.

    Parameters
    ----------
    classes : int
        Number of classes C (at most ``len(per_class)`` and ``len(norms)``; the first C entries are used).
    steps : int
        Gradient-descent steps of every run.
    per_class : sequence of int
        Points per class (unequal, so the classes have different frequencies).
    norms : sequence of float
        Input norm of each class.
    dimension : int
        Input dimension (>= C: the classes lie along orthonormal directions, H4).
    lr : float
        Learning rate of the joint run; class k alone runs at ``lr * p_k`` (its frequency), which gives the
        same steps as its share of the joint mean loss.
    seed : int
        Seed of the data's random directions.

    Returns
    -------
    MulticlassResult
        Each class's confidence in the joint run and trained alone, and whether patterns stay fixed, signs are
        kept and other classes' rows stay untouched (with the largest cross-class update).

    Raises
    ------
    dynamics.groundtruth.assumptions.AssumptionError
        If the data or initialization violates H4-H6.

    Examples
    --------
    >>> result = run(classes=2, steps=10)
    >>> bool(result.patterns_fixed), bool(result.signs_preserved), bool(result.rows_untouched)
    (True, True, True)
    >>> result.confidences.shape  # steps + 1 records, one column per class
    (11, 2)
    """
    rng = np.random.default_rng(seed)
    per_class, norms = tuple(per_class)[:classes], tuple(norms)[:classes]
    data = multiclass_points(rng, classes=classes, per_class=per_class, dimension=dimension, norm=norms)
    init = multiclass_init(data, diagonal=Z0_DIAGONAL, off_diagonal=Z0_OFF_DIAGONAL)
    require(check_h4(data.X, data.labels), check_h5(data.X, data.labels, init.W0), check_h6(init.Z0))
    every = max(1, steps // RECORDS)
    joint = train_softmax(data.X, data.labels, init.W0, init.Z0, lr=lr, steps=steps, record_every=every)
    own = np.eye(classes, dtype=bool)[data.labels]  # (n, h): unit k is meant to fire on class k only
    patterns = np.all(joint.patterns == own[None])
    diag = np.einsum("rkk->rk", joint.Z_history)
    off = joint.Z_history[:, ~np.eye(classes, dtype=bool)]
    signs = bool(np.all(diag > 0) and np.all(off <= 0))
    # The last record is the forward pass at the final weights.
    cross = _cross_class_update(data.X, data.labels, joint.W, joint.Z)
    probs = softmax(joint.logits, axis=2)[:, np.arange(data.labels.size), data.labels]
    conf = np.stack([probs[:, data.labels == k].mean(axis=1) for k in range(classes)], axis=1)
    alone, gap = [], 0.0
    for k in range(classes):
        sel = data.labels == k
        single = train_softmax(data.X[sel], data.labels[sel], init.W0, init.Z0, lr=lr * sel.mean(), steps=steps,
                               record_every=every)
        gap = max(gap, float(np.max(np.abs(single.logits - joint.logits[:, sel]))))
        alone.append(softmax(single.logits, axis=2)[:, :, k].mean(axis=1))
    return MulticlassResult(classes=classes, t=joint.t, confidences=conf, patterns_fixed=bool(patterns),
                            signs_preserved=signs, rows_untouched=cross == 0.0, max_cross_update=cross,
                            alone_confidences=np.stack(alone, axis=1), alone_vs_joint=gap, norms=norms,
                            per_class=per_class, lr=float(lr), steps=int(steps))


#: The report's sizes: the same run at both (it takes well under a second).
SIZES = {"quick": {"classes": 4, "steps": 600}, "full": {"classes": 4, "steps": 600}}


def _colours(n: int) -> np.ndarray:
    """``n`` colours from dark to light along viridis: they tell ordered series apart in grey-scale too."""
    return matplotlib.colormaps["viridis"](np.linspace(0.0, LIGHTEST, n))


def _window(result: MulticlassResult) -> float:
    """End of the time axis: WINDOW_MARGIN times the time by which every class covered RISE_SHOWN of its rise."""
    start, end = result.confidences[0], result.confidences[-1]
    risen = result.confidences >= start + RISE_SHOWN * (end - start)
    return WINDOW_MARGIN * float(max(result.t[np.argmax(risen[:, k])] for k in range(result.classes)))


def figures(result: MulticlassResult) -> dict[str, Figure]:
    """Draw each class's confidence trained with all classes (lines) and alone (hollow markers).

    Classes are numbered 1..C, as in the paper; the time axis ends shortly after the slowest class has learned.

    Parameters
    ----------
    result : MulticlassResult
        A result of :func:`run`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``{"lemma_a1_multiclass": Figure}``, drawn without pyplot (no backend is selected).

    Examples
    --------
    >>> list(figures(run(classes=2, steps=10)))
    ['lemma_a1_multiclass']
    """
    fig, ax = style.new_figure(figsize=(10, 4.6))
    fig.set_layout_engine("constrained")
    colours = _colours(result.classes)
    styles = [s for s in style.LINESTYLES if s != ":"]  # a dotted line is the chance level
    window = _window(result)
    shown = int(np.searchsorted(result.t, window, side="right"))
    marked = np.unique(np.concatenate([[0], np.rint(np.geomspace(1, max(shown - 1, 1), ALONE_MARKERS))]).astype(int))
    alone = {"marker": ALONE_MARKER, "markerfacecolor": "none", "markeredgecolor": ALONE_COLOUR,
             "linestyle": "none", "markersize": ALONE_MARKER_SIZE, "markeredgewidth": 0.8}
    frequencies = np.asarray(result.per_class) / sum(result.per_class)
    for k in range(result.classes):
        points = f"{result.per_class[k]} point{'s' if result.per_class[k] != 1 else ''}"
        ax.plot(result.t, result.confidences[:, k], color=colours[k], linestyle=styles[k % len(styles)],
                label=rf"class {k + 1}: $\|x\| = {result.norms[k]:g}$, {points}, $p_{k + 1} = {frequencies[k]:.2g}$")
        ax.plot(result.t[marked], result.alone_confidences[marked, k], **alone)
    ax.axhline(1 / result.classes, color="0.6", linewidth=0.8, linestyle=":")
    handles, _ = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color="black", label="all classes trained together (lines)"),
                Line2D([], [], label=r"each class trained alone, learning rate $\times\ p_k$", **alone),
                Line2D([], [], color="0.6", linewidth=0.8, linestyle=":",
                       label=f"chance, 1/{result.classes}")]
    ax.legend(handles=handles, fontsize=LEGEND_SIZE, loc="center left", bbox_to_anchor=(1.02, 0.5))
    ax.set(xlabel=style.TIME_LABEL, ylabel="mean probability of the true class", xlim=(0.0, window),
           ylim=(0.0, 1.02),
           title="Lemma A.1: each class learns as if alone\n"
                 f"(largest logit difference, together vs alone: {result.alone_vs_joint:.1e})")
    return {"lemma_a1_multiclass": fig}


def claims(result: MulticlassResult) -> list[ClaimRecord]:
    """State the claim ``multiclass_lemma_a1``: patterns, signs and rows exact, and joint = alone up to rounding.

    Parameters
    ----------
    result : MulticlassResult
        A result of :func:`run`.

    Returns
    -------
    list of ClaimRecord
        ``multiclass_lemma_a1``.

    Examples
    --------
    >>> [claim.id for claim in claims(run(classes=2, steps=10))]
    ['multiclass_lemma_a1']
    """
    alone_equals_joint = result.alone_vs_joint <= TOLERANCES["exact"]
    passed = result.patterns_fixed and result.signs_preserved and result.rows_untouched and alone_equals_joint
    return [ClaimRecord("multiclass_lemma_a1", "App. A.2, Lemma A.1",
                        "softmax network under H4-H6: patterns fixed, signs of Z kept, rows j != k untouched by "
                        "class k, and each class learns exactly as it would alone",
                        {"patterns_fixed": True, "signs_preserved": True, "rows_untouched": True,
                         "alone_equals_joint": True},
                        {"patterns_fixed": result.patterns_fixed, "signs_preserved": result.signs_preserved,
                         "rows_untouched": result.rows_untouched, "alone_equals_joint": alone_equals_joint},
                        result.alone_vs_joint, passed, "measured", TOLERANCES["exact"],
                        "softmax GD: patterns, signs and untouched rows hold exactly, and the largest logit gap "
                        f"between training all classes jointly and each alone is <= {TOLERANCES['exact']:g} "
                        "(rounding only)")]


EXPERIMENT = Experiment(name="multiclass", title="Lemma A.1: independent class modes in a softmax network (App. A.2)",
                        order=95, sizes=SIZES, run=run, figures=figures, claims=claims)
