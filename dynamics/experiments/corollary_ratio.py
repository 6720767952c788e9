"""Corollary 3.3: predicted vs measured convergence-time ratio t2*/t1* (Sec. 3.2)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

import derivations

from ..theory.corollary import convergence_time_ratio
from ..theory.flow import integrate
from ..groundtruth.data import repeated_points
from ..groundtruth.initialization import balanced_init
from ..groundtruth.training import train
from .sharpness import first_crossing, halved_lrs, relative_discrepancy

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
    measured: np.ndarray       # t2*/t1* from the Richardson-extrapolated GD hitting times
    gd_times: np.ndarray       # (settings, 2, deltas): Richardson GD (lr, lr/2) hitting times of classes 1, 2
    flow_times: np.ndarray     # (settings, 2, deltas): hitting times of the integrated derived flow
    max_relative_error: float  # measured ratio vs the flow's ratio
    time_error: float          # max relative error of the GD hitting times against the flow's
    raw_time_error: float      # the same for GD at lr alone (the O(lr) gap the extrapolation removes)
    closed_form_error: float   # closed-form times (the corollary's t1*, t2*) vs the flow's hitting times
    lr: float


#: Samples of the dense flow solution per setting; hitting times are interpolated linearly between them
#: (relative error ~1e-6, far below the GD tolerances).
FLOW_SAMPLES = 20_001


#: A flow that has not reached every level by the closed forms' horizon gets this many doublings of it.
HORIZON_DOUBLINGS = 4


def _flow_hitting_times(n1, n2, p1, levels, horizon):
    """Times the integrated two-layer flow reaches each level of P on class 1 and on class 2."""
    for _ in range(HORIZON_DOUBLINGS + 1):
        t = np.linspace(0.0, horizon, FLOW_SAMPLES)
        traj = integrate(derivations.two_layer("bce"), _mode_state(n1, n2), t,
                         parameters={"n_1": n1, "n_2": n2, "p": p1})
        c1, c2 = expit(traj.logits["class 1"][:, 0]), expit(-traj.logits["class 2"][:, 0])
        times = np.array([[first_crossing(t, c, level) for level in levels] for c in (c1, c2)])
        if np.all(np.isfinite(times)):
            return times
        horizon *= 2
    raise RuntimeError(f"the integrated flow did not reach P = {np.max(levels)} on both classes by t = {horizon / 2}")


def _mode_state(n1, n2):
    """Balanced modes with logits U0 on class 1 and V0 on class 2 (y = n sqrt(|u|/n), z = +-sqrt(|u|/n))."""
    return [np.sqrt(n1 * U0), np.sqrt(U0 / n1), np.sqrt(n2 * abs(V0)), -np.sqrt(abs(V0) / n2)]


def corollary_ratio(grid=DEFAULT_GRID, deltas=DEFAULT_DELTAS, *, lr=0.02, rng=None) -> CorollaryResult:
    """For each (norm1, norm2, p1) and delta: exact, formula, approximate and GD-measured t2*/t1*.

    GD runs at ``lr`` and ``lr / 2``; the hitting times of both classes are Richardson-extrapolated and
    compared with those of the integrated derived flow (a uniform time-scale error cancels in the ratio but
    not in the times, so both are reported).
    """
    rng = rng or np.random.default_rng(1)
    deltas = np.asarray(deltas, float)
    exact, formula, approx, gd_times, raw_times, flow_times, closed = [], [], [], [], [], [], []
    for n1, n2, p1 in grid:
        r = convergence_time_ratio(deltas, norm1=n1, norm2=n2, p1=p1, u0=U0, v0=V0)
        exact.append(r.exact)
        formula.append(r.formula)
        approx.append(r.approximate)
        horizon = 1.05 * max(np.max(r.t1), np.max(r.t2))
        flow = _flow_hitting_times(n1, n2, p1, 1 - deltas, horizon)
        flow_times.append(flow)
        closed.append(relative_discrepancy(np.array([r.t1, r.t2]), flow))
        data = repeated_points(rng, norms=(n1, n2), p=p1, n_points=20, dimension=4)
        init = balanced_init(data, u0=U0, v0=V0)
        times = []
        for eta in halved_lrs(lr):  # a record at every step: the crossing is interpolated, error O(lr^2)
            run = train(data.X, data.labels, init.W0, init.Z0, lr=eta, steps=int(np.ceil(horizon / eta)))
            c1, c2 = expit(run.logits[:, 0]), expit(-run.logits[:, -1])
            times.append(np.array([[first_crossing(run.t, c, 1 - d) for d in deltas] for c in (c1, c2)]))
        raw_times.append(times[0])
        gd_times.append(2 * times[1] - times[0])
    gd_times, flow_times, raw_times = np.array(gd_times), np.array(flow_times), np.array(raw_times)
    measured = gd_times[:, 1] / gd_times[:, 0]
    flow_ratio = flow_times[:, 1] / flow_times[:, 0]
    return CorollaryResult(tuple(grid), tuple(deltas), np.array(exact), np.array(formula), np.array(approx),
                           measured, gd_times, flow_times, relative_discrepancy(measured, flow_ratio),
                           relative_discrepancy(gd_times, flow_times), relative_discrepancy(raw_times, flow_times),
                           float(max(closed)), lr)
