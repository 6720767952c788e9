"""Corollary 3.3: predicted vs measured convergence-time ratio t2*/t1* of two classes (Sec. 3.2 of the paper).

The hitting times of ``P >= 1 - delta`` on each class come from the closed forms (the corollary), from the
integrated derived flow, and from gradient descent on the real two-layer network at ``lr`` and ``lr / 2``,
Richardson-extrapolated (:mod:`dynamics.experiments.sharpness`).

Examples
--------
>>> EXPERIMENT.name, len(EXPERIMENT.sizes["quick"]["grid"]), len(EXPERIMENT.sizes["full"]["grid"])
('corollary_ratio', 2, 4)
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from scipy.special import expit

import derivations

from ..groundtruth.data import repeated_points
from ..groundtruth.initialization import balanced_init
from ..groundtruth.training import train
from ..theory.corollary import convergence_time_ratio
from ..theory.flow import integrate
from . import style
from .claims import TOLERANCES, ClaimRecord, number_key
from .registry import Experiment
from .sweeping import sweep_values
from .sharpness import first_crossing, halved_lrs, relative_discrepancy

__all__ = ["CorollaryResult", "run", "figures", "claims", "EXPERIMENT", "SIZES", "DEFAULT_GRID", "DEFAULT_DELTAS",
           "CLOSED_FORM_TOLERANCE"]

#: (norm1, norm2, p1) settings and allowed errors delta.
DEFAULT_GRID = ((1.0, 1.0, 0.5), (2.0, 1.0, 0.5), (1.0, 1.0, 0.7), (1.5, 0.75, 0.6))
DEFAULT_DELTAS = (0.2, 0.1, 0.05, 0.02, 0.01)
#: Class 2 starts ahead (|v0| > u0), so the exact ratio differs from its approximation and approaches it as
#: delta -> 0, as the corollary says.
U0, V0 = 0.05, -0.5
#: Samples of the dense flow solution per setting; hitting times are interpolated linearly between them
#: (relative error ~1e-6, far below the GD tolerances).
FLOW_SAMPLES = 20_001
#: A flow that has not reached every level by the closed forms' horizon gets this many doublings of it.
HORIZON_DOUBLINGS = 4
#: GD and the flow run this factor past the later closed-form hitting time, so every level is crossed.
HORIZON_MARGIN = 1.05
#: Points per class and input dimension of the repeated-points data.
N_POINTS, DIMENSION = 20, 4
#: The closed-form times t1*, t2* against the flow's crossings: these are interpolated linearly on the
#: FLOW_SAMPLES grid (relative error ~1e-6), so that is the bound, not integration error.
CLOSED_FORM_TOLERANCE = 1e-6

#: The figure's closed-form curve runs from the largest delta down to this one (or the smallest measured, if
#: smaller), on this many log-spaced points: at 1e-6 the ratio is within 1e-4 of its delta -> 0 limit, so the
#: approach the corollary describes is visible (gradient descent there would need ~1e5 times longer runs).
CURVE_SMALLEST_DELTA, CURVE_POINTS = 1e-6, 120
#: Figure style: the lightest viridis shade used (lighter ones vanish on white), a legend size readable in print,
#: gradient descent as hollow black markers (a colour no theory line has), the delta -> 0 limits dotted.
LIGHTEST = 0.8
LEGEND_SIZE = 8
GD_MARKER, GD_COLOUR, GD_MARKER_SIZE = "o", "black", 6
LIMIT_STYLE = ":"
#: The delta axis ends this factor past the largest delta, so that its markers are not cut by the frame.
DELTA_MARGIN = 1.25
#: CLOSED_FORM_TOLERANCE as the report's criterion has always printed it ("1e-6", not "1e-06").
_CLOSED_FORM_TEXT = f"{CLOSED_FORM_TOLERANCE:.0e}".replace("e-0", "e-")

#: Keyword arguments of :func:`run` at each size (the report's, the examples' and the tests').
SIZES = {"quick": {"grid": DEFAULT_GRID[:2]}, "full": {"grid": DEFAULT_GRID}}


@dataclass(frozen=True)
class CorollaryResult:
    """Exact, formula, approximate and measured t2*/t1* per setting and allowed error delta.

    Attributes
    ----------
    grid : tuple of (float, float, float)
        The (||x1||, ||x2||, p1) of each row (``S`` settings).
    deltas : tuple of float
        Allowed errors delta (``D`` of them).
    exact, formula, approximate : ndarray, shape (S, D)
        t2*/t1* from the closed-form times, from the corollary's formula, and its delta -> 0 limit
        (||x1|| / ||x2||) (p1 / (1 - p1)).
    measured : ndarray, shape (S, D)
        t2*/t1* from the Richardson-extrapolated GD hitting times.
    gd_times, flow_times : ndarray, shape (S, 2, D)
        Hitting times of classes 1 and 2: Richardson GD (``lr``, ``lr / 2``), and the integrated derived flow.
    max_relative_error : float
        Measured ratio against the flow's ratio (largest relative error).
    time_error, raw_time_error : float
        Largest relative error of the GD hitting times against the flow's: Richardson, and GD at ``lr`` alone
        (the O(lr) gap the extrapolation removes).
    closed_form_error : float
        Closed-form times (the corollary's t1*, t2*) against the flow's hitting times.
    lr : float
        The coarser learning rate of the Richardson pair.
    curve_deltas : ndarray, shape (M,)
        Log-spaced deltas of the figure's closed-form curve, from ``max(deltas)`` down to
        ``min(CURVE_SMALLEST_DELTA, min(deltas))``.
    curve_exact : ndarray, shape (S, M)
        The exact t2*/t1* (closed-form times) on ``curve_deltas``.
    u0, v0 : float
        Initial logits of class 1 and class 2 (balanced modes).
    """

    grid: tuple
    deltas: tuple
    exact: np.ndarray
    formula: np.ndarray
    approximate: np.ndarray
    measured: np.ndarray
    gd_times: np.ndarray
    flow_times: np.ndarray
    max_relative_error: float
    time_error: float
    raw_time_error: float
    closed_form_error: float
    lr: float
    curve_deltas: np.ndarray
    curve_exact: np.ndarray
    u0: float = U0
    v0: float = V0


def _flow_hitting_times(n1, n2, p1, levels, horizon):
    """Times the integrated two-layer flow reaches each level of P on class 1 and on class 2."""
    for _ in range(HORIZON_DOUBLINGS + 1):
        t = np.linspace(0.0, horizon, FLOW_SAMPLES)
        traj = integrate(derivations.two_layer("bce"), _mode_state(n1, n2), t,
                         parameters={"n_1": n1, "n_2": n2, "p": p1})
        c1, c2 = expit(traj.logits["class_1"][:, 0]), expit(-traj.logits["class_2"][:, 0])
        times = np.array([[first_crossing(t, c, level) for level in levels] for c in (c1, c2)])
        if np.all(np.isfinite(times)):
            return times
        horizon *= 2
    raise RuntimeError(f"the integrated flow did not reach P = {np.max(levels)} on both classes by t = {horizon / 2}")


def _mode_state(n1, n2):
    """Balanced modes with logits U0 on class 1 and V0 on class 2 (y = n sqrt(|u|/n), z = +-sqrt(|u|/n))."""
    return [np.sqrt(n1 * U0), np.sqrt(U0 / n1), np.sqrt(n2 * abs(V0)), -np.sqrt(abs(V0) / n2)]


def _gd_times_chunk(chunk, seeds, *, deltas, lr):
    """A sweep's chunk of ``(data, init, horizon)``: GD's hitting times of both classes at ``lr`` and ``lr / 2``,
    each (2, len(deltas)) (the data drawn by the caller; ``seeds`` unused)."""
    out = []
    for data, init, horizon in chunk:
        times = []
        for eta in halved_lrs(lr):  # a record at every step: the crossing is interpolated, error O(lr^2)
            gd = train(data.X, data.labels, init.W0, init.Z0, lr=eta, steps=int(np.ceil(horizon / eta)))
            c1, c2 = expit(gd.logits[:, 0]), expit(-gd.logits[:, -1])
            times.append(np.array([[first_crossing(gd.t, c, 1 - d) for d in deltas] for c in (c1, c2)]))
        out.append(np.array(times))
    return out


def run(grid: tuple[tuple[float, float, float], ...] = DEFAULT_GRID, deltas: tuple[float, ...] = DEFAULT_DELTAS,
        *, lr: float = 0.02, seed: int = 1, executor: Any = None) -> CorollaryResult:
    """For each (||x1||, ||x2||, p1) and delta: exact, formula, approximate and GD-measured t2*/t1*.

    GD runs at ``lr`` and ``lr / 2``; the hitting times of both classes are Richardson-extrapolated and
    compared with those of the integrated derived flow (a uniform time-scale error cancels in the ratio but
    not in the times, so both are reported).

    Parameters
    ----------
    grid : tuple of (norm1, norm2, p1)
        Input norms of the two classes and the frequency of class 1.
    deltas : tuple of float
        Allowed errors: the hitting time of class k is the first time its P reaches ``1 - delta``.
    lr : float
        Coarser learning rate of the Richardson pair (``lr`` and ``lr / 2``).
    seed : int
        Seed of the data (numpy ``default_rng``; the settings' data are drawn one after the other from it).
    executor : optional
        Where the gradient-descent runs go, one setting per chunk (anything :func:`dynamics.sweep.sweep`
        takes; default in this process); the result does not depend on it.

    Returns
    -------
    CorollaryResult
        The ratios (exact, formula, approximate, measured) per setting and delta, the hitting times of GD and
        of the flow, and their discrepancies.
    """
    rng = np.random.default_rng(seed)
    deltas = np.asarray(deltas, float)
    exact, formula, approx, flow_times, closed, runs = [], [], [], [], [], []
    for n1, n2, p1 in grid:
        r = convergence_time_ratio(deltas, norm1=n1, norm2=n2, p1=p1, u0=U0, v0=V0)
        exact.append(r.exact)
        formula.append(r.formula)
        approx.append(r.approximate)
        horizon = HORIZON_MARGIN * max(np.max(r.t1), np.max(r.t2))
        flow = _flow_hitting_times(n1, n2, p1, 1 - deltas, horizon)
        flow_times.append(flow)
        closed.append(relative_discrepancy(np.array([r.t1, r.t2]), flow))
        data = repeated_points(rng, norms=(n1, n2), p=p1, n_points=N_POINTS, dimension=DIMENSION)
        runs.append((data, balanced_init(data, u0=U0, v0=V0), horizon))
    times = sweep_values(functools.partial(_gd_times_chunk, deltas=deltas, lr=lr), runs, chunk_size=1,
                         executor=executor, desc="corollary ratio")
    raw_times = [t[0] for t in times]
    gd_times = [2 * t[1] - t[0] for t in times]
    curve_deltas = np.geomspace(np.max(deltas), min(CURVE_SMALLEST_DELTA, np.min(deltas)), CURVE_POINTS)
    curve = [convergence_time_ratio(curve_deltas, norm1=n1, norm2=n2, p1=p1, u0=U0, v0=V0).exact
             for n1, n2, p1 in grid]
    gd_times, flow_times, raw_times = np.array(gd_times), np.array(flow_times), np.array(raw_times)
    measured = gd_times[:, 1] / gd_times[:, 0]
    flow_ratio = flow_times[:, 1] / flow_times[:, 0]
    return CorollaryResult(
        grid=tuple(grid), deltas=tuple(deltas), exact=np.array(exact), formula=np.array(formula),
        approximate=np.array(approx), measured=measured, gd_times=gd_times, flow_times=flow_times,
        max_relative_error=relative_discrepancy(measured, flow_ratio),
        time_error=relative_discrepancy(gd_times, flow_times),
        raw_time_error=relative_discrepancy(raw_times, flow_times),
        closed_form_error=float(max(closed)), lr=lr, curve_deltas=curve_deltas, curve_exact=np.array(curve),
        u0=U0, v0=V0)


def _colours(n: int) -> np.ndarray:
    """``n`` colours from dark to light along viridis: they tell ordered series apart in grey-scale too."""
    return matplotlib.colormaps["viridis"](np.linspace(0.0, LIGHTEST, n))


def figures(result: CorollaryResult) -> dict[str, Figure]:
    """Draw t2*/t1* against delta: exact closed form (lines), GD (hollow markers), the delta -> 0 limit (dotted).

    Parameters
    ----------
    result : CorollaryResult
        A result of :func:`run`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``{"cor33_ratio": Figure}``, drawn without pyplot (no backend is selected).
    """
    fig, ax = style.new_figure(figsize=(10, 4.8))
    fig.set_layout_engine("constrained")
    colours = _colours(len(result.grid))
    styles = [s for s in style.LINESTYLES if s != LIMIT_STYLE]  # dotted is the limits' style
    gd = {"marker": GD_MARKER, "markerfacecolor": "none", "markeredgecolor": GD_COLOUR, "linestyle": "none",
          "markersize": GD_MARKER_SIZE, "markeredgewidth": 1.0}
    for i, (n1, n2, p1) in enumerate(result.grid):
        ax.plot(result.curve_deltas, result.curve_exact[i], color=colours[i], linestyle=styles[i % len(styles)],
                label=rf"$\|x_1\| = {n1:g},\ \|x_2\| = {n2:g},\ p_1 = {p1:g}$")
        ax.axhline(result.approximate[i][0], color=colours[i], linewidth=0.9, linestyle=LIMIT_STYLE)
        ax.plot(result.deltas, result.measured[i], **gd)
    handles, _ = ax.get_legend_handles_labels()
    handles += [Line2D([], [], color="black", label="exact ratio of the closed-form times"),
                Line2D([], [], label=f"gradient descent (lr = {result.lr:g} and {result.lr / 2:g}, extrapolated)",
                       **gd),
                Line2D([], [], color="black", linewidth=0.9, linestyle=LIMIT_STYLE,
                       label=r"$\delta \to 0$ limit $(\|x_1\|/\|x_2\|)\,p_1/(1 - p_1)$")]
    ax.legend(handles=handles, fontsize=LEGEND_SIZE, loc="center left", bbox_to_anchor=(1.02, 0.5))
    ax.set(xscale="log", xlim=(result.curve_deltas[-1], DELTA_MARGIN * result.curve_deltas[0]),
           ylim=(0.0, 1.1 * max(np.max(result.approximate), np.max(result.curve_exact))),
           xlabel=r"allowed error $\delta$ (the time $t_k^*$ to reach $P \geq 1 - \delta$ on class $k$)",
           ylabel=r"$t_2^* / t_1^*$",
           title=rf"Corollary 3.3 from $u_0 = {result.u0:g}$, $v_0 = {result.v0:g}$ (class 2 starts ahead)")
    return {"cor33_ratio": fig}


def _setting_key(setting) -> str:
    n1, n2, p1 = setting
    return f"n1={n1:g},n2={n2:g},p1={p1:g}"


def claims(result: CorollaryResult) -> list[ClaimRecord]:
    """State the claim ``cor33_ratio``: the corollary's ratio is the exact one; GD matches the flow's times and ratio.

    Parameters
    ----------
    result : CorollaryResult
        A result of :func:`run`.

    Returns
    -------
    list of ClaimRecord
        ``cor33_ratio``.
    """
    theory = {_setting_key(g): {number_key(d): float(v) for d, v in zip(result.deltas, row)}
              for g, row in zip(result.grid, result.exact)}
    measured = {_setting_key(g): {number_key(d): float(v) for d, v in zip(result.deltas, row)}
                for g, row in zip(result.grid, result.measured)}
    formula_err = float(np.max(np.abs(result.formula - result.exact) / result.exact))
    err = max(result.time_error, result.max_relative_error)
    passed = (err <= TOLERANCES["gd_time"] and formula_err <= TOLERANCES["quadrature"]
              and result.closed_form_error <= CLOSED_FORM_TOLERANCE)
    return [ClaimRecord(
        "cor33_ratio", "Sec. 3.2, Corollary 3.3",
        "t2*/t1* from the closed forms equals the corollary's formula and matches GD", theory, measured, err, passed,
        "measured", TOLERANCES["gd_time"],
        "hitting times t1*, t2* of P >= 1 - delta on each class: GD at lr and lr/2 (checked at every "
        "step, crossing interpolated), Richardson-extrapolated, against the integrated derived flow; "
        f"max relative error of the times and of their ratio <= {TOLERANCES['gd_time']:g} (a uniform "
        "time-scale error cancels in the ratio, not in the times); the formula equals the exact ratio "
        f"within {TOLERANCES['quadrature']:g} and the closed-form times equal the flow's within "
        f"{_CLOSED_FORM_TEXT} (the flow's crossings are interpolated on a grid)")]


EXPERIMENT = Experiment(name="corollary_ratio", title="Corollary 3.3: the convergence-time ratio t2*/t1* (Sec. 3.2)",
                        order=60, sizes=SIZES, run=run, figures=figures, claims=claims)
