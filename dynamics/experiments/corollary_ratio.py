"""Corollary 3.3: predicted vs measured convergence-time ratio t2*/t1* (PAPER.md §4)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from ..corollary import convergence_time_ratio
from ..data import repeated_points
from ..initialization import balanced_init
from ..training import train

__all__ = ["CorollaryResult", "corollary_ratio", "DEFAULT_GRID"]

#: (norm1, norm2, p1) settings and allowed errors delta.
DEFAULT_GRID = ((1.0, 1.0, 0.5), (2.0, 1.0, 0.5), (1.0, 1.0, 0.7), (1.5, 0.75, 0.6))
DEFAULT_DELTAS = (0.2, 0.1, 0.05, 0.02, 0.01)
#: Class 2 starts ahead (|v0| > u0), so the exact ratio differs from its approximation and approaches it as
#: delta -> 0, as the corollary says.
U0, V0 = 0.05, -0.5


@dataclass(frozen=True)
class CorollaryResult:
    grid: tuple
    deltas: tuple
    exact: np.ndarray         # (settings, deltas)
    formula: np.ndarray
    approximate: np.ndarray
    measured: np.ndarray
    max_relative_error: float  # measured vs exact
    lr: float


def _first_crossing(t, confidence, level):
    hit = np.flatnonzero(confidence >= level)
    if hit.size == 0:
        return np.nan
    i = hit[0]
    if i == 0:
        return t[0]
    # linear interpolation between the records around the crossing
    c0, c1 = confidence[i - 1], confidence[i]
    return t[i - 1] + (level - c0) / (c1 - c0) * (t[i] - t[i - 1])


def corollary_ratio(grid=DEFAULT_GRID, deltas=DEFAULT_DELTAS, *, lr=0.01, rng=None) -> CorollaryResult:
    """For each (norm1, norm2, p1) and delta: exact, formula, approximate and GD-measured t2*/t1*."""
    rng = rng or np.random.default_rng(1)
    deltas = np.asarray(deltas, float)
    exact, formula, approx, measured = [], [], [], []
    for n1, n2, p1 in grid:
        r = convergence_time_ratio(deltas, norm1=n1, norm2=n2, p1=p1, u0=U0, v0=V0)
        exact.append(r.exact)
        formula.append(r.formula)
        approx.append(r.approximate)
        data = repeated_points(rng, norms=(n1, n2), p=p1, n_points=20, dimension=4)
        init = balanced_init(data, u0=U0, v0=V0)
        steps = int(np.ceil(1.05 * max(np.max(r.t1), np.max(r.t2)) / lr))
        run = train(data.X, data.labels, init.W0, init.Z0, lr=lr, steps=steps)
        c1 = expit(run.logits[:, 0])
        c2 = expit(-run.logits[:, -1])
        measured.append([_first_crossing(run.t, c2, 1 - d) / _first_crossing(run.t, c1, 1 - d) for d in deltas])
    exact, measured = np.array(exact), np.array(measured)
    return CorollaryResult(tuple(grid), tuple(deltas), exact, np.array(formula), np.array(approx), measured,
                           float(np.max(np.abs(measured - exact) / exact)), lr)
