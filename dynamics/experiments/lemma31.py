"""Lemma 3.1 at a finite learning rate: under H1-H3 nothing but the class modes moves (the paper's Sec. 3).

Under H1 (classes in opposite cones), H2 (every hidden unit active on exactly
one class) and H3 (output weights positive on class 1's units, negative on
class 2's), the lemma states that along the gradient flow the activation
patterns and the signs of ``Z`` never change and class k's points only update
the units of ``I_k`` (those serving class k).  This module checks it for
gradient descent at a finite learning rate on random cone data, for BCE and
the hinge loss, and runs a control from the same data whose initialization
breaks H2, to show what the counts look like when the lemma does not apply.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from . import style
from .claims import ClaimRecord
from .registry import Experiment, redraw
from .sweeping import sweep_values
from ..groundtruth.assumptions import check_binary, check_h2, partition, require
from ..groundtruth.data import cone_points
from ..groundtruth.initialization import cone_init
from ..groundtruth.training import class_gradients, train

__all__ = ["Lemma31Counts", "Lemma31Result", "run", "figures", "claims", "SIZES", "EXPERIMENT", "INIT_NOISE",
           "CONTROL_NOISE", "CHANGES_ALLOWED"]

#: Initialization noise of the units around their cone axis: small enough that every unit is active on its own
#: class only (H2) for the report's datasets (``cone_init``'s default).
INIT_NOISE = 0.05
#: Initialization noise of the control run (dataset 0, its units perturbed 6 times more): its units are active
#: on points of both classes, so H2 fails, and patterns and signs move.
CONTROL_NOISE = 0.3
#: Lemma 3.1 is exact: the number of pattern changes, sign changes and cross-class updates must be 0.
CHANGES_ALLOWED = 0


@dataclass(frozen=True)
class Lemma31Counts:
    """What moved in gradient descent on S datasets with L losses (R records each).

    Attributes
    ----------
    pattern_changes : ndarray (S, L, R) of int
        Entries (point, unit) of the activation pattern ``W x > 0`` that differ from the initial pattern.
    sign_changes : ndarray (S, L, R) of int
        Output weights whose sign differs from that of ``Z0``.
    cross_class_updates : ndarray (S, L) of int
        Non-zero entries of the input-weight gradient of class k's points (at the final weights) on units that
        do not serve class k at initialization, summed over k = 1, 2.
    margins : ndarray (S, L, R, 2)
        Mean signed logit ``s u`` (s = +1 on class 1, -1 on class 2) of each class's points: how far it learned.
    assumptions_hold : ndarray (S,) of bool
        H1, H2 and H3 all hold for the dataset and its initialization.
    h2_holds : ndarray (S,) of bool
        H2 holds (the assumption the control breaks).
    """

    pattern_changes: np.ndarray
    sign_changes: np.ndarray
    cross_class_updates: np.ndarray
    margins: np.ndarray
    assumptions_hold: np.ndarray
    h2_holds: np.ndarray

    @property
    def total(self) -> int:
        """All pattern changes (summed over records), sign changes (idem) and cross-class updates."""
        return int(self.pattern_changes.sum() + self.sign_changes.sum() + self.cross_class_updates.sum())


@dataclass(frozen=True)
class Lemma31Result:
    """Lemma 3.1 checked by gradient descent, with a control that breaks H2.

    Attributes
    ----------
    losses : tuple of str
        The losses trained (axis L of the counts).
    t : ndarray (R,)
        Flow time ``lr * step`` of each record.
    satisfying : Lemma31Counts
        The datasets 0..S-1 (seeds), each checked to satisfy H1-H3.
    control : Lemma31Counts
        Dataset 0 again (S = 1), its units initialized with noise :data:`CONTROL_NOISE`, so H2 fails.
    init_noise : float
        Initialization noise of the datasets in ``satisfying``.
    lr : float
        Learning rate.
    steps : int
        Gradient-descent steps.
    n_per_class : tuple of int
        Points of class 1 and class 2.
    dimension : int
        Input dimension.
    half_angle : float
        Half-angle of each class's cone (< pi/4 keeps H1).
    """

    losses: tuple
    t: np.ndarray
    satisfying: Lemma31Counts
    control: Lemma31Counts
    lr: float
    steps: int
    n_per_class: tuple
    dimension: int
    half_angle: float
    init_noise: float


def _one_dataset(stream, noise, enforce, *, losses, n_per_class, dimension, half_angle, lr, steps, record_every,
                 retry):
    """Train every loss from cone data drawn from ``stream`` and ``cone_init(noise=noise)``; count what moved.

    ``enforce``: refuse a dataset breaking H1-H3; with ``retry``, draw it again from its stream first.
    Returns ``(pattern changes, sign changes, cross-class updates, margins)`` per loss, whether H1-H3 and H2
    hold, and the record times."""
    rng = np.random.default_rng(stream)

    def draw(rng=rng):
        data = cone_points(rng, n_per_class=n_per_class, dimension=dimension, half_angle=half_angle)
        init = cone_init(rng, data, noise=noise)
        return data, init, check_binary(data.X, data.labels, init.W0, init.Z0)

    # under a chosen seed, a dataset that breaks H1-H3 is drawn again from the same stream
    data, init, reports = redraw(draw, lambda drawn: all(r.holds for r in drawn[2]),
                                 what="cone data satisfying H1-H3") if enforce and retry else draw()
    W0, Z0 = init.W0, init.Z0
    if enforce:
        require(*reports)
    part = partition(W0, data.X, data.labels)
    sign = np.where(data.labels == 1, 1.0, -1.0)
    rows, t = [[], [], [], []], None
    for loss in losses:
        trained = train(data.X, data.labels, W0, Z0, loss=loss, lr=lr, steps=steps, record_every=record_every)
        t = trained.t
        rows[0].append(np.sum(trained.patterns != trained.patterns[0], axis=(1, 2)))
        rows[1].append(np.sum(np.sign(trained.Z_history) != np.sign(Z0), axis=1))
        grads = class_gradients(data.X, data.labels, trained.W, trained.Z, loss=loss)
        rows[2].append(sum(int(np.count_nonzero(grads[k][0][part != k])) for k in (1, 2)))
        signed = trained.logits * sign
        rows[3].append(np.stack([signed[:, data.labels == k].mean(axis=1) for k in (1, 2)], axis=1))
    return (*rows, all(r.holds for r in reports), check_h2(data.X, data.labels, W0).holds, t)


def _datasets_chunk(chunk, seeds, **common):
    """A sweep's chunk of datasets ``(stream, noise, enforce)`` (each seeded by its own stream; ``seeds`` unused)."""
    return [_one_dataset(stream, noise, enforce, **common) for stream, noise, enforce in chunk]


def _counts(measured):
    """Stack the measurements of :func:`_one_dataset` into :class:`Lemma31Counts`."""
    patterns, signs, cross, margins, holds, h2 = ([m[i] for m in measured] for i in range(6))
    return Lemma31Counts(pattern_changes=np.array(patterns, dtype=int), sign_changes=np.array(signs, dtype=int),
                         cross_class_updates=np.array(cross, dtype=int), margins=np.array(margins),
                         assumptions_hold=np.array(holds), h2_holds=np.array(h2))


def run(*, datasets: int, losses: Sequence[str] = ("bce", "hinge"), n_per_class: tuple[int, int] = (10, 10),
        dimension: int = 6,
        half_angle: float = 0.4, init_noise: float = INIT_NOISE, lr: float = 0.5, steps: int = 300,
        record_every: int = 10, seed: int | None = None, executor: Any = None) -> Lemma31Result:
    """Gradient descent on random cone data under H1-H3: count pattern changes, sign changes, cross-class updates.

    Parameters
    ----------
    datasets : int
        Number of random datasets (seeds 0..datasets-1), each with its own initialization.
    losses : sequence of str
        Losses to train each dataset with.
    n_per_class : (int, int)
        Points of class 1 and class 2.
    dimension : int
        Input dimension.
    half_angle : float
        Half-angle of each class's cone around its axis, in (0, pi/4) (H1).
    init_noise : float
        Standard deviation of the noise added to each unit's initial direction (small keeps H2).
    lr : float
        Learning rate (finite: the lemma is stated for the flow).
    steps, record_every : int
        Gradient-descent steps, and the record spacing of the pattern and sign counts.
    seed : int, optional
        None: the datasets are seeds 0..datasets-1 and the control seed 0 (numpy ``default_rng``).  An int:
        one stream per dataset and one for the control, spawned from ``numpy.random.SeedSequence(seed)``;
        a dataset breaking H1-H3 is then drawn again from its stream rather than refused.
    executor : optional
        Where the datasets (and the control) run, one per chunk (anything :func:`dynamics.sweep.sweep` takes;
        default in this process); the result does not depend on it (each dataset draws from its own stream).

    Returns
    -------
    Lemma31Result
        The counts per loss under H1-H3 and in the control, and the parameters.

    Raises
    ------
    dynamics.groundtruth.assumptions.AssumptionError
        If a dataset or its initialization violates H1-H3 (the control is exempt: it breaks H2 on purpose),
        with ``seed=None``.
    RuntimeError
        With an int ``seed``, if no draw in :data:`~dynamics.experiments.registry.MAX_REDRAWS` satisfies H1-H3.
    """
    common = dict(losses=tuple(losses), n_per_class=tuple(n_per_class), dimension=dimension, half_angle=half_angle,
                  lr=lr, steps=steps, record_every=record_every)
    streams = (tuple(range(datasets)) + (0,) if seed is None
               else tuple(np.random.SeedSequence(seed).spawn(datasets + 1)))
    settings = [(stream, init_noise, True) for stream in streams[:datasets]]
    settings += [(stream, CONTROL_NOISE, False) for stream in streams[datasets:]]
    measured = sweep_values(functools.partial(_datasets_chunk, retry=seed is not None, **common), settings,
                            chunk_size=1, executor=executor, desc="lemma 3.1 datasets")
    satisfying, control, t = _counts(measured[:datasets]), _counts(measured[datasets:]), measured[0][-1]
    return Lemma31Result(losses=tuple(losses), t=t, satisfying=satisfying, control=control, lr=float(lr),
                         steps=int(steps), n_per_class=tuple(n_per_class), dimension=int(dimension),
                         half_angle=float(half_angle), init_noise=float(init_noise))


#: The report's sizes: 2 random datasets for a quick look, 5 for the report.
SIZES = {"quick": {"datasets": 2}, "full": {"datasets": 5}}


def figures(result: Lemma31Result) -> dict[str, Figure]:
    """Draw pattern and sign changes over training, and the class margins.

    Changes under H1-H3 (0, as the lemma says) and in the control that breaks H2; and the class margins,
    which grow all along.

    Parameters
    ----------
    result : Lemma31Result
        A result of :func:`run`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``{"lemma31_finite_lr": Figure}``, drawn without pyplot (no backend is selected).
    """
    fig, axes = style.new_figure(1, 3, figsize=(13, 3.8))
    sat, ctl = result.satisfying, result.control
    datasets = sat.pattern_changes.shape[0]
    for ax, what, label in ((axes[0], "pattern_changes", "activation patterns changed\n(point, unit) pairs"),
                            (axes[1], "sign_changes", "output weights with changed sign")):
        ax.axhline(0.0, label="Lemma 3.1 (H1-H3): 0", **style.series(0))
        for j, loss in enumerate(result.losses):
            # the losses' counts coincide (all 0 under H1-H3): nested sizes keep each loss's markers visible
            size = {"markersize": style.NESTED_MARKER_SIZES[1 + j % (len(style.NESTED_MARKER_SIZES) - 1)],
                    "markevery": max(1, result.t.size // style.MARKER_TARGET)}
            for s in range(datasets):
                ax.plot(result.t, getattr(sat, what)[s, j],
                        label=f"GD, H1-H3, {loss} ({datasets} datasets)" if s == 0 else None,
                        **(style.markers(j) | size))
            ax.plot(result.t, getattr(ctl, what)[0, j], label=f"GD, control: H2 broken, {loss}",
                    **(style.markers(len(result.losses) + j) | size))
        ax.set(xlabel=style.TIME_LABEL, ylabel=label)
        ax.legend(fontsize=style.LEGEND_FONTSIZE)
    for ax, what in ((axes[0], "patterns"), (axes[1], "signs of Z")):
        field = getattr(sat, "pattern_changes" if what == "patterns" else "sign_changes")
        ax.set_title(f"{what} at lr = {result.lr:g}: {int(field.max())} changed under H1-H3", fontsize=10)
    i = 0
    for j, loss in enumerate(result.losses):
        for k in (1, 2):
            for s in range(datasets):
                axes[2].plot(result.t, sat.margins[s, j, :, k - 1],
                             label=f"class {k}, {loss}: {datasets} lines, one per dataset" if s == 0 else None,
                             **style.series(i))
            i += 1
    axes[2].set(xlabel=style.TIME_LABEL, ylabel=r"mean signed logit $s\,u$ of the class",
                title="H1-H3 runs: the classes are learned")
    # between the hinge plateaus (below) and the growing bce margins (above)
    axes[2].legend(fontsize=style.LEGEND_FONTSIZE, loc="lower right", bbox_to_anchor=(1.0, 0.3))
    fig.tight_layout()
    return {"lemma31_finite_lr": fig}


def claims(result: Lemma31Result) -> list[ClaimRecord]:
    """State the claim ``lemma31_finite_lr``: no pattern change, sign change or cross-class update under H1-H3.

    Parameters
    ----------
    result : Lemma31Result
        A result of :func:`run`.

    Returns
    -------
    list of ClaimRecord
        ``lemma31_finite_lr``.
    """
    sat = result.satisfying
    changed, signs = int(sat.pattern_changes.sum()), int(sat.sign_changes.sum())
    cross = int(sat.cross_class_updates.sum())
    passed = sat.total == CHANGES_ALLOWED and bool(np.all(sat.assumptions_hold))
    return [ClaimRecord("lemma31_finite_lr", "Sec. 3.1, Lemma 3.1",
                        f"under H1-H3, at a finite learning rate ({result.lr:g}), activation patterns and signs of Z "
                        "never change and class k's updates touch only the units of I_k", {"changes": CHANGES_ALLOWED},
                        {"pattern_changes": changed, "sign_changes": signs, "cross_class_updates": cross,
                         "datasets": int(sat.assumptions_hold.size)}, float(sat.total), passed,
                        "measured", float(CHANGES_ALLOWED), "GD on random cone data satisfying H1-H3 (BCE and "
                        "hinge): the number of activation-pattern changes, sign changes of Z and class-k updates "
                        "outside I_k must be 0")]


EXPERIMENT = Experiment(name="lemma31",
                        title="Lemma 3.1 at a finite learning rate: fixed patterns and signs (Sec. 3.1)",
                        order=90, sizes=SIZES, run=run, figures=figures, claims=claims)
