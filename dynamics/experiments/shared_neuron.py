"""A neuron shared by both classes, H2 relaxed (Sec. 3.4 of the paper, Theorem 3.4, Figs. 3 and 7).

One hidden unit sees ``x1`` (class 1) with pre-activation ``alpha`` and ``x2`` (class 2) with ``beta``; its
output weight is ``z``.  ODE (4) keeps ``c = alpha^2 + beta^2 - z^2`` and ends with one ReLU dead: which one
(Theorem 3.4) depends on the side of the separatrix ``C_c`` the initialization lies on; for ``c < 0``
``beta`` always dies (Fig. 7).  The worked initializations of the theorem are run through ODE (4) and through
gradient descent on the real network at ``lr`` and ``lr / 2``, Richardson-extrapolated.

Examples
--------
>>> EXPERIMENT.name, EXPERIMENT.sizes["quick"]["lr"]
('shared_neuron', 0.04)
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.integrate
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from scipy.special import expit

import derivations

from ..groundtruth.initialization import shared_neuron_init
from ..groundtruth.training import train
from ..theory.compiled import compile_flow
from ..theory.flow import integrate
from ..theory.shared_neuron import (SEPARATRIX_EXTENT, WORKED_INITS, classify, shared_neuron_fixed_point,
                                    shared_neuron_separatrix)
from . import style
from .claims import TOLERANCES, ClaimRecord, gd_time_criterion, number_key
from .registry import Experiment
from .sweeping import sweep_values
from .sharpness import LOG_TIME_STEP, evaluate_sorted, halved_lrs, richardson, time_shift

__all__ = ["SharedNeuronResult", "run", "figures", "claims", "EXPERIMENT", "SIZES", "separatrix", "C_POSITIVE",
           "C_NEGATIVE"]

#: Invariant levels of Figs. 3 (c > 0) and 7 (c < 0).
C_POSITIVE, C_NEGATIVE = 1.0, -0.5
#: (||x1||, ||x2||, p) of ODE (4): unit norms, equal sampling.
NORM1, NORM2, FREQUENCY = 1.0, 1.0, 0.5
#: (alpha0, beta0, z0) of the c > 0 trajectories of Fig. 3, on the level C_POSITIVE (alpha0^2 + beta0^2 - z0^2 = 1),
#: spread over the sheet and mirrored by (alpha, beta, z) -> (beta, alpha, -z): five end with beta dead, five with
#: alpha dead, two of them after crossing the plane alpha = beta.
POSITIVE_STARTS = ((1.5, 1.0, 1.5), (1.0, 1.5, 1.5), (1.0, 0.5, 0.5), (0.5, 1.0, 0.5), (0.8, 0.6, 0.0),
                   (0.6, 0.8, 0.0), (1.0, 0.5, -0.5), (0.5, 1.0, -0.5), (1.5, 1.0, -1.5), (1.0, 1.5, -1.5))
#: (alpha0, beta0) of the c < 0 trajectories of Fig. 7 (z0 > 0 on the level C_NEGATIVE).
NEGATIVE_STARTS = ((0.2, 1.0), (0.5, 0.5), (0.1, 1.5))
#: Theory curves: this many samples on [0, 2 horizon].
THEORY_SAMPLES = 300
#: About this many GD records per worked initialization (the stride is ``steps // RECORDS``).
RECORDS = 100
#: The separatrix far from the fixed point is retraced from its point at this distance from it, densely: the
#: backward flow speeds up away from the saddle, so samples even in log-time leave kinks at the ends.
SEPARATRIX_SEED_DISTANCE = 0.05
#: Points of each densely retraced branch (evenly spaced along the curve), and the tolerances of that retrace.
SEPARATRIX_BRANCH_POINTS, SEPARATRIX_RTOL, SEPARATRIX_ATOL = 400, 1e-11, 1e-13

#: Keyword arguments of :func:`run` at each size (the report's, the examples' and the tests').
SIZES = {"quick": {"lr": 0.04}, "full": {"lr": 0.01}}


@dataclass(frozen=True)
class SharedNeuronResult:
    """Trajectories of ODE (4), its separatrix, and the worked initializations in theory and in GD.

    Attributes
    ----------
    fixed_point : tuple of float
        ``(alpha, beta, z)`` of the saddle on the level ``c = C_POSITIVE``.
    separatrix : ndarray, shape (N, 3)
        Points ``(alpha, beta, z)`` on ``C_c``, ``c = C_POSITIVE`` (both branches, alpha, beta >= 0), in
        increasing ``z``, dense up to the ends of both branches.
    positive_trajectories : tuple of ndarray, shape (T, 3) each
        ODE (4) from :data:`POSITIVE_STARTS` on ``c = C_POSITIVE``.
    positive_outcomes : tuple of str
        How each of them ends by ODE (4) (:data:`dynamics.theory.shared_neuron.OUTCOMES`).
    negative_trajectories : tuple of ndarray, shape (T, 3) each
        ODE (4) from :data:`NEGATIVE_STARTS` on ``c = C_NEGATIVE``.
    negative_outcomes, negative_outcomes_gd : tuple of str
        How the ``c < 0`` initializations end: by ODE (4), and by GD on the real network.
    worked_t : ndarray, shape (T,)
        Flow times of the theory curves.
    worked_theory : dict
        Worked initialization -> ``(T, 3)`` array of ``(alpha, beta, z)`` by ODE (4).
    worked_theory_p : dict
        Worked initialization -> ``(T, 2)`` array: ``P(class 1 on x1)``, ``P(class 2 on x2)``.
    worked_gd_t : ndarray, shape (R,)
        Flow times of the GD records.
    worked_gd : dict
        Worked initialization -> ``(R, 3)`` array of ``(alpha, beta, z)`` of the real network trained at ``lr``.
    outcomes_theory, outcomes_gd : dict
        Worked initialization -> outcome (:data:`dynamics.theory.shared_neuron.OUTCOMES`).
    max_state_error : float
        Largest absolute gap between the states of GD at ``lr`` and ODE (4).
    gd_time_error, gd_raw_time_error : float
        Richardson GD (``lr``, ``lr / 2``), and GD at ``lr`` alone, against ODE (4), as relative time shifts
        (worst worked initialization).
    lr : float
        The coarser learning rate of the Richardson pair.
    negative_gd_t : ndarray, shape (Q,)
        Flow times of the GD records of the ``c < 0`` runs.
    negative_gd : tuple of ndarray, shape (Q, 3) each
        ``(alpha, beta, z)`` of the real network trained at ``lr`` from each ``c < 0`` initialization.
    """

    fixed_point: tuple
    separatrix: np.ndarray
    positive_trajectories: tuple
    negative_trajectories: tuple
    negative_outcomes: tuple
    worked_t: np.ndarray
    worked_theory: dict
    worked_theory_p: dict
    worked_gd_t: np.ndarray
    worked_gd: dict
    outcomes_theory: dict
    outcomes_gd: dict
    max_state_error: float
    gd_time_error: float
    gd_raw_time_error: float
    negative_outcomes_gd: tuple
    lr: float
    positive_outcomes: tuple
    negative_gd_t: np.ndarray
    negative_gd: tuple


def _fixed_point(c: float = C_POSITIVE) -> tuple:
    """The fixed point ``(alpha*, beta*, 0)`` of ODE (4) on the level ``c`` (from the theory room)."""
    return shared_neuron_fixed_point(c, norm1=NORM1, norm2=NORM2, p=FREQUENCY)


def separatrix(c: float = C_POSITIVE, *, length: float = 200.0) -> np.ndarray:
    """The separatrix ``C_c`` of Fig. 3 at this experiment's norms and frequency.

    Parameters
    ----------
    c : float
        Level of the invariant ``alpha^2 + beta^2 - z^2``.
    length : float
        Longest backward flow time of a branch.

    Returns
    -------
    ndarray, shape (N, 3)
        Points ``(alpha, beta, z)`` with ``alpha, beta >= 0`` (empty if the fixed point has no stable direction);
        see :func:`dynamics.theory.shared_neuron.shared_neuron_separatrix`.
    """
    return shared_neuron_separatrix(c, norm1=NORM1, norm2=NORM2, p=FREQUENCY, length=length)


def _dense_separatrix(coarse: np.ndarray, c: float = C_POSITIVE, *, length: float = 200.0) -> np.ndarray:
    """The separatrix ``coarse`` (from :func:`separatrix`) with its far ends retraced densely, sorted by ``z``.

    From the point of each branch at :data:`SEPARATRIX_SEED_DISTANCE` from the fixed point the derived flow of
    ODE (4) is integrated backwards (as :func:`separatrix` does) until ``alpha`` or ``beta`` reaches 0, ``|z|``
    reaches ``SEPARATRIX_EXTENT`` or the time ``length``; the branch is resampled evenly along its length.
    """
    if not coarse.size:
        return coarse
    rates, _ = compile_flow(derivations.shared_neuron())
    params = (NORM1, NORM2, FREQUENCY)  # the order of derivations.shared_neuron().parameters
    fixed = np.array(_fixed_point(c))

    def leave(_, x):
        return min(x[0], x[1], SEPARATRIX_EXTENT - abs(x[2]))

    leave.terminal = True
    distance = np.linalg.norm(coarse - fixed, axis=1)
    pieces = [coarse[distance <= SEPARATRIX_SEED_DISTANCE]]
    for side in (coarse[:, 2] < fixed[2], coarse[:, 2] > fixed[2]):
        if not side.any():
            continue
        seed = coarse[side][np.argmin(np.abs(distance[side] - SEPARATRIX_SEED_DISTANCE))]
        sol = scipy.integrate.solve_ivp(lambda _, x: [-float(f(*x, *params)) for f in rates], (0, length), seed,
                                        rtol=SEPARATRIX_RTOL, atol=SEPARATRIX_ATOL, dense_output=True, events=leave)
        times = np.linspace(0, sol.t[-1], 20 * SEPARATRIX_BRANCH_POINTS)
        arc = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(sol.sol(times).T, axis=0), axis=1))])
        branch = sol.sol(np.interp(np.linspace(0, arc[-1], SEPARATRIX_BRANCH_POINTS), arc, times)).T
        pieces.append(branch[(branch[:, 0] >= 0) & (branch[:, 1] >= 0)])
    curve = np.vstack(pieces)
    return curve[np.argsort(curve[:, 2])]


def _two_points():
    """The two points of the worked example: ``x1`` of class 1 and ``x2`` of class 2, orthogonal unit vectors."""
    x1, x2 = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    return x1, x2, np.vstack([x1, x2]), np.array([1, 2])


def _states(run_) -> np.ndarray:
    """``(alpha, beta, z)`` of the shared unit at every record: its pre-activations on x1, x2 and its weight."""
    return np.column_stack([run_.preactivations[:, 0, 0], run_.preactivations[:, 1, 0], run_.Z_history[:, 0]])


def _pair_chunk(chunk, seeds, *, lr, steps, record):
    """A sweep's chunk of initializations ``(alpha0, beta0, z0)``: GD at ``lr`` and ``lr / 2``; per
    initialization ``(t of the coarse run, [states at lr, states at lr / 2])`` (``seeds`` unused)."""
    x1, x2, X, labels = _two_points()
    out = []
    for init in chunk:
        w = shared_neuron_init(x1, x2, alpha0=init[0], beta0=init[1], z0=init[2])
        runs = [train(X, labels, w.W0, w.Z0, lr=eta, steps=steps * k, record_every=record * k)
                for k, eta in enumerate(halved_lrs(lr), start=1)]
        out.append((runs[0].t, [_states(r) for r in runs]))
    return out


def _end_chunk(chunk, seeds, *, lr, steps, record):
    """A sweep's chunk of initializations: GD at ``lr``; per initialization ``(t, states)`` (``seeds`` unused)."""
    x1, x2, X, labels = _two_points()
    out = []
    for init in chunk:
        w = shared_neuron_init(x1, x2, alpha0=init[0], beta0=init[1], z0=init[2])
        end = train(X, labels, w.W0, w.Z0, lr=lr, steps=steps, record_every=record)
        out.append((end.t, _states(end)))
    return out


def run(*, horizon: float = 12.0, lr: float = 0.01, executor: Any = None) -> SharedNeuronResult:
    """Hyperboloid trajectories, separatrix, and the worked initializations: theory vs GD on a real network.

    Parameters
    ----------
    horizon : float
        Half the flow time covered: ODE (4) is the mean loss of one x1 and one x2 (p = 1/2) on time
        ``2 horizon``.
    lr : float
        Coarser learning rate of the Richardson pair (``lr`` and ``lr / 2``).
    executor : optional
        Where the gradient-descent runs go, one initialization per chunk (anything :func:`dynamics.sweep.sweep`
        takes; default in this process); the result does not depend on it.

    Returns
    -------
    SharedNeuronResult
        The fixed point and separatrix, trajectories for c > 0 and c < 0, and theory against GD on the worked
        initializations (outcomes and time discrepancies).
    """
    model = derivations.shared_neuron()
    params = {"n_1": NORM1, "n_2": NORM2, "p": FREQUENCY}
    t = np.linspace(0, 2 * horizon, THEORY_SAMPLES)
    pos_inits = list(POSITIVE_STARTS)
    pos = integrate(model, np.array(pos_inits), t, parameters=params)
    pos_outcomes = tuple(classify(*pos.states[-1, k, :2]) for k in range(len(pos_inits)))
    neg_inits = [(a, b, np.sqrt(a**2 + b**2 - C_NEGATIVE)) for a, b in NEGATIVE_STARTS]
    neg = integrate(model, np.array(neg_inits), t, parameters=params)
    neg_outcomes = tuple(classify(*neg.states[-1, k, :2]) for k in range(len(neg_inits)))
    # Worked initializations: (4) is p = 1/2 on time 2t; GD on the mean loss of one x1 and one x2 has p = 1/2.
    inits = list(WORKED_INITS)
    worked = integrate(model, np.array(inits, float), t, parameters=params)
    steps = int(round(2 * horizon / lr))
    gd, outcomes_gd, errors, shifts, raw = {}, {}, [], [], []
    record = max(1, steps // RECORDS)
    pairs = sweep_values(functools.partial(_pair_chunk, lr=lr, steps=steps, record=record), inits, chunk_size=1,
                         executor=executor, desc="shared neuron")
    for init, (coarse_t, both) in zip(inits, pairs):
        states = both[0]
        gd[init] = states
        outcomes_gd[init] = classify(states[-1, 0], states[-1, 1])
        grids = evaluate_sorted(lambda s, init=init: integrate(model, np.array(init, float), s,
                                                               parameters=params).states[:, 0],
                                coarse_t, coarse_t * (1 + LOG_TIME_STEP), coarse_t * (1 - LOG_TIME_STEP))
        errors.append(np.max(np.abs(grids[0] - states)))
        shifts.append(time_shift(coarse_t, richardson(*both), *grids))
        raw.append(time_shift(coarse_t, states, *grids))
    neg_steps = int(round(2 * 2 * horizon / lr))  # twice the worked flow time: every c < 0 run has decided by then
    ends = sweep_values(functools.partial(_end_chunk, lr=lr, steps=neg_steps, record=record), list(neg_inits),
                        chunk_size=1, executor=executor, desc="shared neuron, c < 0")
    neg_states = [states for _, states in ends]
    neg_gd = [classify(states[-1, 0], states[-1, 1]) for states in neg_states]
    neg_t = ends[-1][0] if ends else None
    theory = {init: worked.states[:, k] for k, init in enumerate(inits)}
    theory_p = {init: np.column_stack([expit(worked.logits["class_1"][:, k]), expit(-worked.logits["class_2"][:, k])])
                for k, init in enumerate(inits)}
    outcomes = {init: classify(*worked.states[-1, k, :2]) for k, init in enumerate(inits)}
    return SharedNeuronResult(
        fixed_point=_fixed_point(), separatrix=_dense_separatrix(separatrix()),
        positive_trajectories=tuple(pos.states[:, k] for k in range(len(pos_inits))),
        negative_trajectories=tuple(neg.states[:, k] for k in range(len(neg_inits))), negative_outcomes=neg_outcomes,
        worked_t=t, worked_theory=theory, worked_theory_p=theory_p, worked_gd_t=np.arange(0, steps + 1, record) * lr,
        worked_gd=gd, outcomes_theory=outcomes, outcomes_gd=outcomes_gd, max_state_error=float(max(errors)),
        gd_time_error=float(max(shifts)), gd_raw_time_error=float(max(raw)), negative_outcomes_gd=tuple(neg_gd), lr=lr,
        positive_outcomes=pos_outcomes, negative_gd_t=neg_t,
        negative_gd=tuple(neg_states))


#: How the figure tells outcomes apart: legend text, colour and dash (a class's colour when it takes the neuron;
#: the dashes keep them apart in grey-scale).
OUTCOME_STYLE = {"beta_dies": ("β dies: class 1 takes the neuron", style.CLASS_COLORS[1], "-"),
                 "alpha_dies": ("α dies: class 2 takes the neuron", style.CLASS_COLORS[2], "--"),
                 "both_dead": ("α and β die: the neuron is lost", "0.3", ":"),
                 "undecided": ("undecided at the horizon", "0.55", "-.")}
#: Samples per direction of the drawn sheet c = C_POSITIVE, and its opacity (the trajectories behind it show).
SHEET_SAMPLES, SHEET_ALPHA = 41, 0.6
#: Basins are filled in their outcome's colour blended this far towards white (lines stay readable on them); the
#: two lightnesses differ, and the basin where alpha dies is hatched too, so that they differ in grey-scale.
BASIN_LIGHTNESS = {"beta_dies": 0.86, "alpha_dies": 0.7}
BASIN_HATCH = {"beta_dies": None, "alpha_dies": "//"}
#: Hatch lines are the basin's colour blended this far towards white: visible, yet lighter than trajectories.
HATCH_LIGHTNESS = 0.4
#: Degrees left blank beside the unrolled sheet, so that runs along its edges (a dead ReLU) stay visible.
EDGE_MARGIN = 3.0
#: The c < 0 panel ends this factor past the last death of beta (theory or GD).
DEATH_MARGIN = 1.3
#: Fig. 3 Right quantities, in the order of their columns: (label, colour, dash).
_WORKED_QUANTITIES = (("$\\alpha_t$", style.CLASS_COLORS[1], "-"), ("$\\beta_t$", style.CLASS_COLORS[2], "--"),
                      ("$P_t(x_1 \\in D_1)$", style.CLASS_COLORS[1], "-."),
                      ("$P_t(x_2 \\in D_2)$", style.CLASS_COLORS[2], ":"))


def _angle(alpha, beta):
    """Angle ``arctan(beta / alpha)`` in degrees: 0 on ``beta = 0``, 90 on ``alpha = 0``."""
    return np.degrees(np.arctan2(beta, alpha))


def _separatrix_angle(curve: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(z, angle)`` along the separatrix, sorted by ``z`` (on ``c > 0`` it is a graph over ``z``)."""
    order = np.argsort(curve[:, 2])
    return curve[order, 2], _angle(curve[order, 0], curve[order, 1])


def _beta_side(curve: np.ndarray, alpha, beta, z) -> np.ndarray:
    """True where a point of the level of ``curve`` lies on the side of the separatrix where beta dies.

    That side is the one of smaller angle (larger alpha); past the ends of the curve, which reach ``alpha = 0``
    (top) and ``beta = 0`` (bottom), the whole width of the sheet is on one side.
    """
    zs, angles = _separatrix_angle(curve)
    return _angle(alpha, beta) < np.interp(z, zs, angles)


def _sheet(result: SharedNeuronResult, z_range: tuple[float, float]):
    """The sheet ``c = C_POSITIVE``, ``alpha, beta >= 0`` on ``z_range``: coordinates and basin colours."""
    angle, z = np.meshgrid(np.linspace(0, np.pi / 2, SHEET_SAMPLES), np.linspace(*z_range, SHEET_SAMPLES))
    radius = np.sqrt(C_POSITIVE + z**2)
    alpha, beta = radius * np.cos(angle), radius * np.sin(angle)
    colors = np.empty(z.shape + (4,))
    colors[...] = (*_basin_color("alpha_dies"), 1.0)
    colors[_beta_side(result.separatrix, alpha, beta, z)] = (*_basin_color("beta_dies"), 1.0)
    return alpha, beta, z, colors


def _basin_color(outcome: str) -> tuple:
    return style.light(OUTCOME_STYLE[outcome][1], BASIN_LIGHTNESS[outcome])


def _basin_fill(outcome: str) -> dict:
    """Keywords of a filled basin (``fill_betweenx``, legend ``Patch``): colour, and hatch where there is one."""
    hatch = BASIN_HATCH[outcome]
    keywords = {"facecolor": _basin_color(outcome), "linewidth": 0}
    if hatch:
        keywords.update(hatch=hatch, edgecolor=style.light(OUTCOME_STYLE[outcome][1], HATCH_LIGHTNESS))
    return keywords


def _outcome_line(outcome: str) -> dict:
    _, color, dash = OUTCOME_STYLE[outcome]
    return {"color": color, "linestyle": dash, "linewidth": 1.5}


def _draw_sheet_panels(result: SharedNeuronResult, ax3, ax2) -> None:
    """Fig. 3 Left: the sheet c > 0 in 3-D and unrolled, basins filled, separatrix, trajectories by outcome."""

    states = np.vstack(result.positive_trajectories + (result.separatrix,))
    z_range = (float(states[:, 2].min()), float(states[:, 2].max()))
    alpha, beta, z, colors = _sheet(result, z_range)
    ax3.plot_surface(alpha, beta, z, facecolors=colors, shade=False, linewidth=0, antialiased=False, alpha=SHEET_ALPHA,
                     rstride=1, cstride=1)
    zs, angles = _separatrix_angle(result.separatrix)
    z_fill = np.linspace(*z_range, 10 * SHEET_SAMPLES)  # one polygon per basin: no seams between pieces
    border = np.interp(z_fill, zs, angles)
    ax2.fill_betweenx(z_fill, 0, border, **_basin_fill("beta_dies"))
    ax2.fill_betweenx(z_fill, border, 90, **_basin_fill("alpha_dies"))
    for traj, outcome in zip(result.positive_trajectories, result.positive_outcomes):
        line = _outcome_line(outcome)
        ax3.plot(*traj.T, **line, zorder=3)
        ax3.plot(*traj[0], marker="o", color=line["color"], markersize=4, linestyle="none", zorder=4)
        ax2.plot(_angle(traj[:, 0], traj[:, 1]), traj[:, 2], **line)
        ax2.plot(_angle(traj[0, 0], traj[0, 1]), traj[0, 2], marker="o", color=line["color"], markersize=4)
    ax3.plot(*result.separatrix.T, color="black", linewidth=2.4, zorder=5)
    ax2.plot(angles, zs, color="black", linewidth=2.4)
    fixed = result.fixed_point
    ax3.plot(*fixed, marker="*", color="black", markersize=12, linestyle="none", zorder=6)
    ax2.plot(_angle(fixed[0], fixed[1]), fixed[2], marker="*", color="black", markersize=12, linestyle="none")
    ax3.computed_zorder = False
    ax3.view_init(elev=18, azim=30)
    ax3.set(xlabel="$\\alpha = w \\cdot x_1$", ylabel="$\\beta = w \\cdot x_2$", zlabel="$z$",
            xlim=(0, alpha.max()), ylim=(0, beta.max()), zlim=z_range,
            title=f"Fig. 3 Left: ODE (4) on the sheet $c = {C_POSITIVE:g}$")
    ax2.set(xlim=(-EDGE_MARGIN, 90 + EDGE_MARGIN), ylim=z_range, xticks=(0, 45, 90), ylabel="$z$",
            xlabel="angle $\\arctan(\\beta/\\alpha)$ on the sheet (degrees)",
            title=f"the sheet $c = {C_POSITIVE:g}$ unrolled: a dead ReLU is an edge")
    ax2.set_xticklabels(["0°\n($\\beta = 0$)", "45°\n($\\alpha = \\beta$)", "90°\n($\\alpha = 0$)"])
    present = [o for o in OUTCOME_STYLE if o in result.positive_outcomes]
    handles = [Line2D([], [], label=f"ODE (4), {OUTCOME_STYLE[o][0]}", **_outcome_line(o)) for o in present]
    handles += [Line2D([], [], marker="o", color="0.3", linestyle="none", markersize=4, label="initialization"),
                Line2D([], [], color="black", linewidth=2.4, label=f"separatrix $C_{{{C_POSITIVE:g}}}$"),
                Line2D([], [], marker="*", color="black", linestyle="none", markersize=12,
                       label="fixed point $(\\alpha^*, \\beta^*, 0)$"),
                Patch(label="basin where β dies", **_basin_fill("beta_dies")),
                Patch(label="basin where α dies", **_basin_fill("alpha_dies"))]
    ax2.legend(handles=handles, fontsize=style.LEGEND_FONTSIZE, loc="upper center", bbox_to_anchor=(0.5, -0.22),
               ncol=2, frameon=False)


def _first_zero(t: np.ndarray, values: np.ndarray) -> float:
    """First time ``values`` is <= 0 (the death of a ReLU), or the last time if it never is."""
    dead = np.flatnonzero(values <= 0)
    return float(t[dead[0]] if dead.size else t[-1])


def _draw_negative(result: SharedNeuronResult, ax) -> None:
    """Fig. 7: beta_t for c < 0, ODE (4) against GD: it reaches 0 in finite time.

    Lines take the colour of their outcome, as in the other panels (all blue when beta dies everywhere), and differ
    by dash pattern; GD markers by shape.
    """
    pairs = list(zip(result.negative_trajectories, result.negative_gd))
    end = DEATH_MARGIN * max(max(_first_zero(result.worked_t, traj[:, 1]), _first_zero(result.negative_gd_t, gd[:, 1]))
                             for traj, gd in pairs)
    shown = result.negative_gd_t <= end  # markers thinned over the window drawn, not over the whole run
    for i, (traj, gd) in enumerate(pairs):
        alpha0, beta0, z0 = traj[0]
        line = {**style.theory_line(i), "color": OUTCOME_STYLE[result.negative_outcomes[i]][1]}  # colour: outcome
        ax.plot(result.worked_t, traj[:, 1], label=f"$\\alpha_0 = {alpha0:g}$, $\\beta_0 = {beta0:g}$, "
                f"$z_0 = {z0:.3g}$", **line)
        ax.plot(result.negative_gd_t[shown], gd[shown, 1], **style.gd_markers(i, int(shown.sum())))
    ax.axhline(0, color="0.5", linewidth=0.6)
    dead = sum(o == "beta_dies" for o in result.negative_outcomes_gd)
    ax.set(xlim=(0, end), xlabel=style.TIME_LABEL, ylabel="$\\beta_t = w_t \\cdot x_2$",
           title=f"Fig. 7: $c = {C_NEGATIVE:g} < 0$, β reaches 0 in finite time\n"
                 f"(blue: β dies; GD: β dies in {dead} of {len(result.negative_outcomes_gd)})")
    ax.legend(handles=ax.get_legend_handles_labels()[0] + style.theory_gd_handles(result.lr),
              fontsize=style.LEGEND_FONTSIZE)


def _gd_quantities(gd: np.ndarray) -> tuple:
    """alpha, beta and the true-class probabilities of the real network (a dead ReLU outputs 0)."""
    alpha, beta, z = gd.T
    return alpha, beta, expit(z * np.maximum(alpha, 0)), expit(-z * np.maximum(beta, 0))


def _draw_worked(result: SharedNeuronResult, axes) -> list:
    """Fig. 3 Right: alpha_t, beta_t and both probabilities for each worked initialization, theory and GD."""
    for ax, init in zip(axes, result.worked_theory):
        theory, p = result.worked_theory[init], result.worked_theory_p[init]
        curves = (theory[:, 0], theory[:, 1], p[:, 0], p[:, 1])
        for k, ((_, color, dash), curve, measured) in enumerate(zip(_WORKED_QUANTITIES, curves,
                                                                     _gd_quantities(result.worked_gd[init]))):
            ax.plot(result.worked_t, curve, color=color, linestyle=dash, linewidth=1.6)
            ax.plot(result.worked_gd_t, measured, **style.gd_markers(k, len(result.worked_gd_t)))
        outcome, measured_outcome = result.outcomes_theory[init], result.outcomes_gd[init]
        gd_says = "GD agrees" if measured_outcome == outcome else f"GD: {OUTCOME_STYLE[measured_outcome][0]}"
        ax.set(xlabel=style.TIME_LABEL, xlim=(0, result.worked_t[-1]),
               title=f"$(\\alpha_0, \\beta_0, z_0) = ({init[0]:g}, {init[1]:g}, {init[2]:g})$\n"
                     f"{OUTCOME_STYLE[outcome][0]} ({gd_says})")
    axes[0].set_ylabel("pre-activation, probability")
    handles = [Line2D([], [], color=c, linestyle=d, linewidth=1.6, label=f"ODE (4): {label}")
               for label, c, d in _WORKED_QUANTITIES]
    handles += [Line2D([], [], label=f"GD (lr = {result.lr:g}): {label}", **style.gd_markers(k))
                for k, (label, _, _) in enumerate(_WORKED_QUANTITIES)]
    return handles


def figures(result: SharedNeuronResult) -> dict[str, Figure]:
    """Draw Figs. 3 and 7: the sheet c > 0 with its separatrix and basins, c < 0, and the worked inits.

    Top: trajectories of ODE (4) on the sheet ``c = C_POSITIVE`` in 3-D and unrolled (angle against ``z``),
    coloured by outcome over the two basins the separatrix divides it into; ``beta_t`` for ``c < 0`` (Fig. 7),
    ODE (4) against gradient descent.  Bottom (Fig. 3 Right): ``alpha_t``, ``beta_t`` and the two true-class
    probabilities of each worked initialization, ODE (4) as lines and gradient descent as hollow markers.

    Parameters
    ----------
    result : SharedNeuronResult
        A result of :func:`run`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``{"fig3_shared_neuron": Figure}``, drawn without pyplot (no backend is selected).
    """
    fig = Figure(figsize=(16, 10.5), layout="constrained")
    grid = fig.add_gridspec(2, 3, height_ratios=(1.25, 1))
    ax3 = fig.add_subplot(grid[0, 0], projection="3d")
    ax2, axn = fig.add_subplot(grid[0, 1]), fig.add_subplot(grid[0, 2])
    worked = [fig.add_subplot(grid[1, k]) for k in range(3)]
    _draw_sheet_panels(result, ax3, ax2)
    _draw_negative(result, axn)
    handles = _draw_worked(result, worked)
    fig.legend(handles=handles, loc="outside lower center", ncol=4, fontsize=style.LEGEND_FONTSIZE, frameon=False)
    fig.suptitle("Theorem 3.4: one ReLU shared by both classes (H2 relaxed), "
                 "$\\|x_1\\| = \\|x_2\\| = 1$, $x_1 \\perp x_2$, $p = 1/2$")
    return {"fig3_shared_neuron": fig}


def _init_key(init) -> str:
    return ",".join(number_key(v) for v in init)


def claims(result: SharedNeuronResult) -> list[ClaimRecord]:
    """State the claims ``thm34_worked_inits`` (Theorem 3.4, Fig. 3) and ``thm34_negative_c`` (Fig. 7).

    Parameters
    ----------
    result : SharedNeuronResult
        A result of :func:`run`.

    Returns
    -------
    list of ClaimRecord
        ``thm34_worked_inits``, ``thm34_negative_c`` (in this order).
    """
    theory = {_init_key(i): result.outcomes_theory[i] for i in WORKED_INITS}
    measured = {_init_key(i): result.outcomes_gd[i] for i in WORKED_INITS}
    stated = {_init_key(i): o for i, o in WORKED_INITS.items()}
    both_negative = result.negative_outcomes + result.negative_outcomes_gd
    return [
        ClaimRecord("thm34_worked_inits", "Sec. 3.4, Theorem 3.4, Fig. 3",
                    "the worked initializations end as the paper states, in theory (ODE (4)) and in GD on a real "
                    "network with a shared neuron", theory,
                    {"outcomes": measured, "richardson_time_shift": result.gd_time_error,
                     "single_lr_time_shift": result.gd_raw_time_error}, result.gd_time_error,
                    theory == stated and measured == stated and result.gd_time_error <= TOLERANCES["gd_time"],
                    "measured", TOLERANCES["gd_time"],
                    "outcomes (which ReLU dies) of ODE (4) and of GD equal the paper's; and "
                    + gd_time_criterion("the states (alpha, beta, z) of every worked init")),
        ClaimRecord("thm34_negative_c", "Sec. 3.4, App. A.8, Fig. 7", "for c < 0 every trajectory ends with beta = 0",
                    {"outcomes": list(result.negative_outcomes)}, {"outcomes": list(result.negative_outcomes_gd)},
                    float(sum(o != "beta_dies" for o in both_negative)), all(o == "beta_dies" for o in both_negative),
                    "measured", 0.0,
                    "number of c < 0 initializations that do not end with beta = 0, by ODE (4) or by GD on the real "
                    "shared-neuron network from the same initializations, must be 0"),
    ]


EXPERIMENT = Experiment(name="shared_neuron",
                        title="A neuron shared by both classes (Sec. 3.4, Theorem 3.4, Figs. 3, 7)", order=30,
                        sizes=SIZES, run=run, figures=figures, claims=claims)
