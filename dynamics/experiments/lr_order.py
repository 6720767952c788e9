"""Gradient descent approaches the gradient flow linearly in the learning rate (the theory is the flow).

The paper's results are stated for the gradient flow, the limit of gradient
descent as the learning rate goes to 0.  Gradient descent at learning rate lr
is a first-order (Euler) discretisation of that flow, so its gap to the theory
at a fixed flow time must shrink like lr: on log-log axes, slope 1.  This module
measures the slope for the two-layer network (BCE and hinge, balanced
initialization, eq. (14) and Theorem 5.1) and for a deep chain of N = 3 layers
(eq. (5)), comparing gradient descent on the real networks with the theory's
balanced logit :func:`dynamics.theory.balanced_logit.logit`.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from matplotlib.figure import Figure

from . import style
from .claims import TOLERANCES, ClaimRecord, number_key
from .registry import Experiment
from .sweeping import sweep_values
from ..groundtruth.data import repeated_points
from ..groundtruth.initialization import balanced_init, deep_balanced_init
from ..groundtruth.training import train, train_deep
from ..theory.balanced_logit import logit

__all__ = ["LrOrderResult", "run", "figures", "claims", "log_log_slope", "SIZES", "EXPERIMENT", "MODELS",
           "TWO_LAYER_HORIZONS", "DEEP_HORIZON", "DEEP_LR_FACTOR"]

#: The models, in the order of the result's rows: (label, loss, depth).
MODELS = (("two_layer bce", "bce", 2), ("two_layer hinge", "hinge", 2), ("deep N=3 bce", "bce", 3))
#: Two-layer data: class 1 of norm 0.7 at frequency 0.3 (class 2 of norm 1.3), 10 points in 5 dimensions; the
#: balanced initialization starts class 1's logit at U0 (class 2's at V0).  Seeded for the data's directions.
TWO_LAYER_DATA = {"norms": (0.7, 1.3), "p": 0.3, "n_points": 10, "dimension": 5}
TWO_LAYER_SEED, U0, V0 = 5, 0.05, -0.1
#: Flow time at which GD and theory are compared, per loss (rounded to whole steps at each lr); both logits are
#: still growing there (hinge: u = 0.094, far below its margin 1), so the gap is the discretisation's.
TWO_LAYER_HORIZONS = {"bce": 6.0, "hinge": 1.5}
#: The deep chain: one point of norm 0.8 (class 1), N = 3 weight layers, balanced from logit 0.1, compared at t = 3.
DEEP_NORM, DEEP_DEPTH, DEEP_U0, DEEP_HORIZON = 0.8, 3, 0.1, 3.0
#: The deep chain runs at half the two-layer learning rates (as the report always has).
DEEP_LR_FACTOR = 0.5


def log_log_slope(lrs: ArrayLike, errors: ArrayLike) -> float:
    """Least-squares slope of ``log |errors|`` against ``log lrs`` (1 for an error proportional to lr).

    Parameters
    ----------
    lrs : array_like, shape (M,)
        Learning rates (> 0), at least two.
    errors : array_like, shape (M,)
        The error measured at each learning rate (nonzero; its sign is ignored).

    Returns
    -------
    float
        The slope of the degree-1 least-squares fit.

    Examples
    --------
    >>> round(log_log_slope([0.1, 0.2, 0.4], [3e-3, 6e-3, 1.2e-2]), 12)
    1.0
    """
    return float(np.polyfit(np.log(lrs), np.log(np.abs(errors)), 1)[0])


@dataclass(frozen=True)
class LrOrderResult:
    """Gradient descent at several learning rates against the theory, at a fixed flow time, per model.

    Attributes
    ----------
    models : tuple of str
        Model labels (rows M), as in :data:`MODELS`.
    lrs : ndarray (M, L)
        Learning rates of each model's runs (the deep chain's are ``DEEP_LR_FACTOR`` times the others).
    t : ndarray (M, L)
        Flow time ``lr * steps`` of the compared record (the horizon, rounded to whole steps).
    gd : ndarray (M, L)
        Logit of the first point (class 1) after gradient descent on the real network.
    theory : ndarray (M, L)
        The theory's logit at the same flow time.
    """

    models: tuple
    lrs: np.ndarray
    t: np.ndarray
    gd: np.ndarray
    theory: np.ndarray

    @property
    def errors(self) -> np.ndarray:
        """``|GD - theory|``, (M, L)."""
        return np.abs(self.gd - self.theory)

    @property
    def slopes(self) -> np.ndarray:
        """Log-log slope of the error against the learning rate, per model (M,)."""
        return np.array([log_log_slope(lrs, err) for lrs, err in zip(self.lrs, self.errors)])


def _two_layer(loss, lr, seed):
    """``(t, GD logit, theory logit)`` of the two-layer network trained at ``lr`` to its horizon."""
    data = repeated_points(np.random.default_rng(seed), **TWO_LAYER_DATA)
    init = balanced_init(data, u0=U0, v0=V0)
    steps = int(round(TWO_LAYER_HORIZONS[loss] / lr))
    trained = train(data.X, data.labels, init.W0, init.Z0, loss=loss, lr=lr, steps=steps, record_every=steps)
    t = float(trained.t[-1])
    theory = logit(t, loss=loss, norm=TWO_LAYER_DATA["norms"][0], p=TWO_LAYER_DATA["p"], u0=U0)
    return (t, float(trained.logits[-1, 0]), float(theory))


def _deep(loss, depth, lr):
    """``(t, GD logit, theory logit)`` of the deep chain trained at ``lr`` to its horizon."""
    x = np.array([DEEP_NORM, 0.0, 0.0])
    init = deep_balanced_init(x, depth=depth, u0=DEEP_U0)
    steps = int(round(DEEP_HORIZON / lr))
    trained = train_deep(x[None], np.array([1]), init, loss=loss, lr=lr, steps=steps, record_every=steps)
    t = float(trained.t[-1])
    return (t, float(trained.logits[-1, 0]), float(logit(t, loss=loss, norm=DEEP_NORM, u0=DEEP_U0, depth=depth)))


def _runs_chunk(chunk, seeds, *, seed):
    """A sweep's chunk of ``(loss, depth, lr)`` runs (the two-layer data seeded by ``seed``; ``seeds`` unused)."""
    return [_two_layer(loss, lr, seed) if depth == 2 else _deep(loss, depth, lr) for loss, depth, lr in chunk]


def run(*, lrs: Sequence[float], seed: int = TWO_LAYER_SEED, executor: Any = None) -> LrOrderResult:
    """Gradient descent at each learning rate against the theory at a fixed flow time, for every model.

    Parameters
    ----------
    lrs : sequence of float
        The two-layer learning rates (at least 2, > 0); the deep chain runs at ``DEEP_LR_FACTOR`` times them.
    seed : int
        Seed of the two-layer data's directions (numpy ``default_rng``); the deep chain draws nothing.
    executor : optional
        Where the runs go, one (model, learning rate) per chunk (anything :func:`dynamics.sweep.sweep` takes;
        default in this process); the result does not depend on it.

    Returns
    -------
    LrOrderResult
        Per model (rows of :data:`MODELS`), the learning rates used, the flow time reached, GD and theory.

    Raises
    ------
    ValueError
        If ``lrs`` is not one-dimensional or has fewer than 2 learning rates (a slope needs two).
    """
    lrs = np.asarray(lrs, dtype=float)
    if lrs.ndim != 1 or lrs.size < 2:
        raise ValueError(f"lrs must be a sequence of at least 2 learning rates (a slope needs two), got {lrs!r}")
    used = [lrs if depth == 2 else lrs * DEEP_LR_FACTOR for _, _, depth in MODELS]
    settings = [(loss, depth, lr) for (_, loss, depth), model_lrs in zip(MODELS, used) for lr in model_lrs]
    runs = sweep_values(functools.partial(_runs_chunk, seed=seed), settings, chunk_size=1, executor=executor,
                        desc="learning-rate order")
    rows = [runs[m * lrs.size:(m + 1) * lrs.size] for m in range(len(MODELS))]
    t, gd, theory = np.array(rows).transpose(2, 0, 1)
    return LrOrderResult(models=tuple(label for label, _, _ in MODELS), lrs=np.array(used), t=t, gd=gd,
                         theory=theory)


#: The report's sizes: three learning rates for a quick look, four for the report.
SIZES = {"quick": {"lrs": (0.2, 0.1, 0.05)}, "full": {"lrs": (0.2, 0.1, 0.05, 0.025)}}


def figures(result: LrOrderResult) -> dict[str, Figure]:
    """Draw |GD - theory| against the learning rate on log-log axes, per model.

    A slope-1 reference line goes through each model's smallest learning rate.

    Parameters
    ----------
    result : LrOrderResult
        A result of :func:`run`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``{"gd_vs_theory_order": Figure}``, drawn without pyplot (no backend is selected).
    """
    fig, ax = style.new_figure(figsize=(6.5, 4.2))
    for i, (model, lrs, err, slope) in enumerate(zip(result.models, result.lrs, result.errors, result.slopes)):
        ax.plot(lrs, err, label=f"GD, {model} (slope {slope:.3f})", **style.markers(i))
        last = np.argmin(lrs)
        ax.plot(lrs, err[last] * lrs / lrs[last], label="slope 1 (first order), each model (lines)" if i == 0 else None,
                **style.series(i))
    ax.set(xscale="log", yscale="log", xlabel="learning rate", ylabel="|GD - theory| of the logit at a fixed time",
           title="gradient descent approaches the flow linearly in the learning rate")
    ax.legend(fontsize=7)
    return {"gd_vs_theory_order": fig}


def claims(result: LrOrderResult) -> list[ClaimRecord]:
    """State the claim ``gd_vs_theory_order``: every log-log slope within ``TOLERANCES["order_slope"]`` of 1.

    Parameters
    ----------
    result : LrOrderResult
        A result of :func:`run`.

    Returns
    -------
    list of ClaimRecord
        ``gd_vs_theory_order``.
    """
    slopes = dict(zip(result.models, map(float, result.slopes)))
    worst = max(abs(s - 1) for s in slopes.values())
    lrs = result.lrs[0]
    return [ClaimRecord("gd_vs_theory_order", "Sec. 3.1 (gradient flow = lr -> 0)",
                        "the gap between GD and the theory shrinks linearly in the learning rate (log-log slope 1)",
                        {k: 1.0 for k in slopes}, slopes, worst, worst <= TOLERANCES["order_slope"], "measured",
                        TOLERANCES["order_slope"], "log-log slope of |GD - theory| at the final time against the "
                        f"learning rate ({', '.join(number_key(v) for v in lrs)}); each slope within "
                        f"{TOLERANCES['order_slope']:g} of 1")]


EXPERIMENT = Experiment(name="lr_order", title="Gradient descent approaches the flow linearly in the learning rate",
                        order=100, sizes=SIZES, run=run, figures=figures, claims=claims)
