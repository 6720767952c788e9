"""Deep chains: eq. (5) against gradient descent, and the time to confidence against depth (Sec. 4 of the
paper, Fig. 4).

A balanced chain of ``N`` weight layers on one point follows eq. (5); gradient
descent on real deep chains (:func:`dynamics.groundtruth.training.train_deep`)
at ``lr`` and ``lr / 2``, Richardson-extrapolated, is compared with the
integrated derived ``N``-dimensional flow.  Whether a deeper chain reaches a
confidence sooner depends on the initial logit and the input norm: from ``u0``
above the crossover ``u0*`` (:func:`dynamics.depth_crossover`) the deeper chain
is faster, from below it is slower.  The experiment measures that order with
gradient descent on both sides of ``u0*``.

Examples
--------
>>> from dynamics.experiments import depth
>>> sorted(depth.SIZES["quick"])
['depths', 'lr', 'points']
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from matplotlib.lines import Line2D
from scipy.special import expit

import derivations

from ..agreement import agreement
from ..groundtruth.initialization import deep_balanced_init
from ..groundtruth.training import train_deep
from ..theory.balanced_logit import depth_crossover, logit, time_to_confidence
from ..theory.flow import integrate
from ..validation import require_positive
from . import style
from .claims import TOLERANCES, ClaimRecord, gd_time_criterion, number_key
from .registry import Experiment
from .sweeping import sweep_values
from .sharpness import LOG_TIME_STEP, evaluate_sorted, first_crossing, halved_lrs, richardson, time_shift

__all__ = ["DepthResult", "run", "figures", "claims", "EXPERIMENT", "SIZES", "DEFAULT_SETTINGS", "U0",
           "ORDER_DEPTHS", "ORDER_U0", "ORDER_NORM", "CROSSOVER_DEPTHS", "OVERSHOOT", "RECORDS"]

#: (N, norm) of Fig. 4, from u0 = U0.
DEFAULT_SETTINGS = ((4, 0.1), (4, 0.5), (8, 0.1))
#: Initial logit of Fig. 4.
U0 = 0.1
#: The depth order measured by gradient descent: two depths at unit norm, from an initial logit on each side of
#: their crossover (u0* = 0.0033 for N = 2 vs 4 at P = 0.99): the deeper chain is slower from 1e-3, faster from 0.1.
ORDER_DEPTHS = (2, 4)
ORDER_U0 = (1e-3, 0.1)
ORDER_NORM = 1.0
#: Depths whose crossover u0*(2, N) with the two-layer network is drawn (one scan each, ~0.3 s).
CROSSOVER_DEPTHS = (3, 4, 6, 8, 12, 16)
#: Gradient descent runs this far past the theory's time to confidence so that the crossing is recorded.
OVERSHOOT = 1.1
#: About this many records of each Fig. 4 run (every ``steps // RECORDS`` steps, and the last step).
RECORDS = 50

#: Keyword arguments of :func:`run` at each size (the report's, the examples' and the tests').
SIZES = {"quick": {"lr": 0.02, "depths": (2, 4, 8), "points": 41},
         "full": {"lr": 0.01, "depths": tuple(range(2, 17)), "points": 201}}


@dataclass(frozen=True)
class DepthResult:
    """Eq. (5) against gradient descent on deep chains, times to confidence and the depth order.

    Attributes
    ----------
    settings : tuple of (int, float)
        ``(N, ||x||)`` of every Fig. 4 chain (S of them), from ``u0``.
    u0 : float
        Initial logit of the Fig. 4 chains.
    horizon, lr : float
        Flow-time horizon of the Fig. 4 chains; learning rate of the coarse GD run (the fine one is ``lr / 2``).
    t : ndarray, shape (T,)
        Flow times of the theory curves.
    theory_u : ndarray, shape (S, T)
        Eq. (5) (closed form / quadrature inversion) at ``t``.
    gd_t : ndarray, shape (R,)
        Flow times of the GD records, as the runs recorded them (the same for every setting).
    gd_u : ndarray, shape (S, R)
        Logit of GD at ``lr``.
    gd_final_extrapolated : ndarray, shape (S,)
        Richardson GD (lr, lr/2) logit at the horizon.
    agreement : tuple of Agreement, length S
        GD at ``lr`` vs the integrated flow, on P.
    gd_time_error, gd_raw_time_error : tuple of float, length S
        Richardson GD and GD at ``lr`` alone vs the integrated derived flow, as a relative time shift.
    quadrature_error : float
        Eq. (5) vs the integrated ``N``-dimensional flow (max relative, every setting).
    depths : ndarray, shape (D,)
        Depths of the time-to-confidence curves.
    norms : tuple of float, length M
        Input norms of the time-to-confidence curves.
    confidence : float
        Target P of the times to confidence and of the depth order.
    times_to_confidence : ndarray, shape (M, D)
        Theory's time to ``confidence`` from ``u0``.
    small_u0 : float
        The smaller initial logit (below the crossover at unit norm).
    times_to_confidence_small : ndarray, shape (M, D)
        Theory's time to ``confidence`` from ``small_u0``.
    crossover_depths : tuple of int, length K
        Depths N (of CROSSOVER_DEPTHS, up to ``max(depths)``) whose crossover with N = 2 is computed.
    crossover_u0 : ndarray, shape (M, K)
        ``u0*(2, N)``: above it depth N reaches ``confidence`` before N = 2.
    order_depths, order_u0 : tuple
        The two depths and the two initial logits of the measured depth order (at ``order_norm``).
    order_norm : float
        Input norm of the measured depth order.
    order_theory_times : ndarray, shape (2, 2)
        ``(u0, depth)``: hitting time of ``confidence`` by the integrated derived flow.
    order_gd_times : ndarray, shape (2, 2)
        The same, Richardson GD (lr, lr/2) on real deep chains, the crossing checked at every step.
    order_crossover : float
        ``u0*`` between the two order depths.
    order_reduced_error : float
        The integrated flow's hitting times vs eq. (5)'s times (max relative).
    """

    settings: tuple
    u0: float
    horizon: float
    lr: float
    t: np.ndarray
    theory_u: np.ndarray
    gd_t: np.ndarray
    gd_u: np.ndarray
    gd_final_extrapolated: np.ndarray
    agreement: tuple
    gd_time_error: tuple
    gd_raw_time_error: tuple
    quadrature_error: float
    depths: np.ndarray
    norms: tuple
    confidence: float
    times_to_confidence: np.ndarray
    small_u0: float
    times_to_confidence_small: np.ndarray
    crossover_depths: tuple
    crossover_u0: np.ndarray
    order_depths: tuple
    order_u0: tuple
    order_norm: float
    order_theory_times: np.ndarray
    order_gd_times: np.ndarray
    order_crossover: float
    order_reduced_error: float


def _unit_point(norm: float) -> np.ndarray:
    x = np.zeros(3)
    x[0] = norm
    return x


def _chain_state(x, W0, layers0, Z0) -> list:
    """The derived flow's state of a balanced chain: y = w.x, then every layer and z."""
    return [float(W0[0] @ x)] + [float(d[0]) for d in layers0] + [float(Z0[0])]


def _fig4_chain(depth, norm, t, lr, steps, record):
    """One Fig. 4 chain: GD at lr and lr/2 against the integrated flow, and eq. (5) at ``t``."""
    x = _unit_point(norm)
    init = deep_balanced_init(x, depth=depth, u0=U0)
    W0, layers0, Z0 = init.W0, init.layers0, init.Z0
    runs = [train_deep(x[None], np.array([1]), W0, layers0, Z0, lr=eta, steps=steps * k, record_every=record * k)
            for k, eta in enumerate(halved_lrs(lr), start=1)]
    run = runs[0]
    model, state = derivations.deep(depth), _chain_state(x, W0, layers0, Z0)

    def flow_logit(times):
        return integrate(model, state, times, parameters={"n": norm, "p": 1.0}).logits["class_1"][:, 0]

    on_t, on_run, ahead, behind = evaluate_sorted(flow_logit, t, run.t, run.t * (1 + LOG_TIME_STEP),
                                                  run.t * (1 - LOG_TIME_STEP))
    theory = logit(t, u0=U0, norm=norm, depth=depth)
    extrapolated = richardson(runs[0].logits[:, 0], runs[1].logits[:, 0])
    return dict(theory=theory, gd_t=run.t, gd_u=run.logits[:, 0], final=float(extrapolated[-1]),
                quad=float(np.max(np.abs(theory - on_t) / on_t)),
                err=time_shift(run.t, extrapolated, on_run, ahead, behind),
                raw=time_shift(run.t, run.logits[:, 0], on_run, ahead, behind),
                agree=agreement(expit(on_run), expit(run.logits[:, 0])))


def run(settings: tuple[tuple[int, float], ...] = DEFAULT_SETTINGS, *, horizon: float = 10.0, lr: float = 0.01,
        depths: tuple[int, ...] = tuple(range(2, 17)), norms: tuple[float, ...] = (0.1, 0.5, 1.0),
        confidence: float = 0.99, points: int = 201, executor: Any = None) -> DepthResult:
    """Eq. (5) vs GD on real deep chains, the time to confidence against depth, and the measured depth order.

    Parameters
    ----------
    settings : tuple of (int, float)
        ``(N, ||x||)`` of the chains compared with GD (Fig. 4), from ``u0 = U0``; at least one.
    horizon : float
        Flow time the Fig. 4 chains run to (> 0).
    lr : float
        Learning rate of the coarse GD runs (> 0); the fine runs use ``lr / 2``.
    depths : tuple of int
        Depths (>= 2) of the time-to-confidence curves.
    norms : tuple of float
        Input norms (> 0) of the time-to-confidence and crossover curves.
    confidence : float
        Target P in (0.5, 1) of the times to confidence and of the depth order.
    points : int
        Number of flow times of the theory curves (>= 2).
    executor : optional
        Where the gradient-descent chains go, one Fig. 4 setting or depth-order cell per chunk (anything
        :func:`dynamics.sweep.sweep` takes; default in this process); the result does not depend on it.

    Returns
    -------
    DepthResult
        Its shapes depend on the lengths of ``settings``, ``depths`` and ``norms`` only; the GD time axis is the
        runs' own recorded times, whatever ``lr``.

    Raises
    ------
    ValueError
        If ``settings`` is empty; ``horizon`` or ``lr`` is not a finite number > 0; ``points`` is not an
        integer >= 2; or ``lr`` is so large that GD takes no step before ``horizon`` (``round(horizon / lr) < 1``).
    TypeError
        If ``horizon`` or ``lr`` is not a number.
    """
    if not settings:
        raise ValueError("settings must hold at least one (depth, norm) pair, got an empty sequence")
    horizon, lr = float(require_positive("horizon", horizon)), float(require_positive("lr", lr))
    if isinstance(points, bool) or not isinstance(points, (int, np.integer)) or points < 2:
        raise ValueError(f"points must be an integer >= 2, got {points!r}")
    t = np.linspace(0, horizon, points)
    steps = int(round(horizon / lr))
    if steps < 1:
        raise ValueError(f"lr must be below twice the horizon ({2 * horizon:g}) so that GD takes at least one step, "
                         f"got {lr!r}")
    record = max(1, steps // RECORDS)
    chains = sweep_values(functools.partial(_fig4_chunk, t=t, lr=lr, steps=steps, record=record), list(settings),
                          chunk_size=1, executor=executor, desc="depth chains")
    depths = np.asarray(depths)

    def times_from(u0):
        return np.array([[float(time_to_confidence(confidence, u0=u0, norm=n, depth=int(d))) for d in depths]
                         for n in norms])

    crossover_depths = tuple(d for d in CROSSOVER_DEPTHS if d <= max(depths))
    crossover = np.array([depth_crossover(2, d, confidence=confidence, norm=np.asarray(norms)).u0
                          for d in crossover_depths]).T.reshape(len(norms), len(crossover_depths))
    order_theory, order_gd, order_reduced = _depth_order(confidence, lr, executor)
    return DepthResult(
        settings=tuple(settings), u0=U0, horizon=horizon, lr=lr, t=t,
        theory_u=np.array([c["theory"] for c in chains]), gd_t=chains[0]["gd_t"],
        gd_u=np.array([c["gd_u"] for c in chains]), gd_final_extrapolated=np.array([c["final"] for c in chains]),
        agreement=tuple(c["agree"] for c in chains), gd_time_error=tuple(c["err"] for c in chains),
        gd_raw_time_error=tuple(c["raw"] for c in chains), quadrature_error=float(max(c["quad"] for c in chains)),
        depths=depths, norms=tuple(norms), confidence=float(confidence), times_to_confidence=times_from(U0),
        small_u0=ORDER_U0[0], times_to_confidence_small=times_from(ORDER_U0[0]), crossover_depths=crossover_depths,
        crossover_u0=crossover, order_depths=ORDER_DEPTHS, order_u0=ORDER_U0, order_norm=ORDER_NORM,
        order_theory_times=order_theory, order_gd_times=order_gd,
        order_crossover=float(depth_crossover(*ORDER_DEPTHS, confidence=confidence, norm=ORDER_NORM).u0),
        order_reduced_error=order_reduced)


def _order_chunk(chunk, seeds, *, level, lr):
    """A sweep's chunk of ``(u0, depth, reduced time)``: the flow's hitting time of ``level`` and Richardson GD's
    on a real chain, per cell (``seeds`` unused)."""
    x = _unit_point(ORDER_NORM)
    out = []
    for u0, depth, reduced in chunk:
        init = deep_balanced_init(x, depth=depth, u0=u0)
        W0, layers0, Z0 = init.W0, init.layers0, init.Z0
        hit = integrate(derivations.deep(depth), _chain_state(x, W0, layers0, Z0), [0.0, OVERSHOOT * reduced],
                        parameters={"n": ORDER_NORM, "p": 1.0}, targets={"class_1": level})
        theory = float(hit.hitting_times["class_1"][0])
        crossings = []
        for eta in halved_lrs(lr):
            chain = train_deep(x[None], np.array([1]), W0, layers0, Z0, lr=eta,
                               steps=int(np.ceil(OVERSHOOT * theory / eta)))
            crossings.append(first_crossing(chain.t, chain.logits[:, 0], level))
        out.append((theory, float(richardson(*crossings))))
    return out


def _fig4_chunk(chunk, seeds, *, t, lr, steps, record):
    """A sweep's chunk of Fig. 4 settings ``(depth, norm)``: :func:`_fig4_chain` of each (``seeds`` unused)."""
    return [_fig4_chain(depth, norm, t, lr, steps, record) for depth, norm in chunk]


def _depth_order(confidence, lr, executor=None):
    """Times to ``confidence`` of the ORDER_DEPTHS chains from each ORDER_U0: the hitting time of the integrated
    derived N-dimensional flow (checked against eq. (5)'s closed form / quadrature), and Richardson GD on real
    deep chains (the crossing checked at every step and interpolated)."""
    level = np.log(confidence / (1 - confidence))  # sigma(u) = confidence
    reduced = np.array([[float(time_to_confidence(confidence, u0=u0, norm=ORDER_NORM, depth=d))
                         for d in ORDER_DEPTHS] for u0 in ORDER_U0])
    cells = [(u0, depth, reduced[i, j]) for i, u0 in enumerate(ORDER_U0) for j, depth in enumerate(ORDER_DEPTHS)]
    found = sweep_values(functools.partial(_order_chunk, level=level, lr=lr), cells, chunk_size=1,
                         executor=executor, desc="depth order")
    theory, measured = (np.array([cell[k] for cell in found]).reshape(reduced.shape) for k in (0, 1))
    return theory, measured, float(np.max(np.abs(theory - reduced) / reduced))


#: Most depth ticks on an axis: past this many depths every other one is labelled (ticks stay integers).
MAX_DEPTH_TICKS = 10
#: Colour of each input norm in the norm panels (a sequential purple family, light to dark as the norm grows): apart
#: from the palette colours that tell the chains of the first two panels apart, so no colour means two things.
NORM_COLORS = ("#8E7CC3", "#5E3C99", "#2D004B")
#: Dash pattern of each input norm in the norm panels (the same in both): the norms read apart in grey-scale too.
NORM_LINESTYLES = style.LINESTYLES[:3]
#: Theory points and line width of the time-to-confidence curves from each initial logit (u0 of Fig. 4, the smaller
#: one): the dash patterns tell the norms apart, these tell the initial logits apart.
U0_MARKERS, U0_LINEWIDTHS = ("o", "x"), (2.2, 1.0)


def _norm_style(i: int) -> dict[str, Any]:
    """Colour and dash pattern of the ``i``-th input norm in the norm panels."""
    return {"color": NORM_COLORS[i % len(NORM_COLORS)], "linestyle": NORM_LINESTYLES[i % len(NORM_LINESTYLES)]}


def _depth_ticks(ax, depths) -> None:
    """Ticks at the depths themselves (integers only), thinned to at most MAX_DEPTH_TICKS."""
    depths = np.asarray(sorted(set(int(d) for d in depths)))
    stride = -(-len(depths) // MAX_DEPTH_TICKS)
    ax.set_xticks(depths[::stride])
    ax.set_xlim(depths[0] - 0.5, depths[-1] + 0.5)


def _norm_label(norm: float) -> str:
    return f"$\\|x\\| = {norm:g}$"


def figures(result: DepthResult) -> dict[str, Figure]:
    """Draw Fig. 4: eq. (5) against GD; the time to confidence against depth from two initial logits; the crossover u0*.

    Theory is drawn as coloured lines (one colour and dash per chain or norm), gradient descent on real deep chains
    as black hollow markers; every legend entry names both.  Depth axes carry integer ticks only.

    Parameters
    ----------
    result : DepthResult
        A result of :func:`run`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``{"fig4_depth": Figure}``, drawn without pyplot (no backend is selected).
    """

    fig, axes = style.new_figure(1, 4, figsize=(19, 5.2))
    fig.set_layout_engine("constrained")
    pairs, labels = [], []
    for i, (depth, norm) in enumerate(result.settings):
        for ax, theory, measured in ((axes[0], result.theory_u[i], result.gd_u[i]),
                                     (axes[1], expit(result.theory_u[i]), expit(result.gd_u[i]))):
            line, = ax.plot(result.t, theory, **style.theory_line(i))
            marks, = ax.plot(result.gd_t, measured, **style.gd_markers(i, len(result.gd_t)))
        pairs.append((line, marks))
        labels.append(f"$N = {depth}$, {_norm_label(norm)}")
    notes = style.theory_gd_handles(result.lr)
    for ax in axes[:2]:
        ax.legend(handles=pairs + notes, labels=labels + [h.get_label() for h in notes],
                  handler_map={tuple: HandlerTuple(ndivide=None)}, fontsize=style.LEGEND_FONTSIZE,
                  loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=2, frameon=False)  # below: curves stay visible
        ax.set(xlabel=style.TIME_LABEL, xlim=(0, result.t[-1]))
    axes[0].set(ylabel="logit $u_t$", title=f"eq. (5) from $u_0 = {result.u0:g}$: logit")
    axes[1].set(ylabel="$P_t = \\sigma(u_t)$", title=f"eq. (5) from $u_0 = {result.u0:g}$: probability")
    for i, norm in enumerate(result.norms):
        for times, marker, width in zip((result.times_to_confidence[i], result.times_to_confidence_small[i]),
                                        U0_MARKERS, U0_LINEWIDTHS):
            axes[2].plot(result.depths, times, marker=marker, markersize=5, linewidth=width, **_norm_style(i))
    gd_shapes = {}
    for k, u0 in enumerate(result.order_u0):
        shape = style.MARKERS[k % len(style.MARKERS)]
        gd_shapes[u0] = shape
        axes[2].plot(result.order_depths, result.order_gd_times[k], marker=shape, markersize=10,
                     markerfacecolor="none", markeredgewidth=1.4, linestyle="none", color=style.GD_COLOR)
    handles = [Line2D([], [], linewidth=1.6, label=f"theory, {_norm_label(norm)}", **_norm_style(i))
               for i, norm in enumerate(result.norms)]
    handles += [Line2D([], [], color="0.35", marker=marker, markersize=5, linewidth=width,
                       label=f"theory from $u_0 = {u0:g}$")
                for u0, marker, width in zip((result.u0, result.small_u0), U0_MARKERS, U0_LINEWIDTHS)]
    handles += [Line2D([], [], marker=gd_shapes[u0], markersize=8, markerfacecolor="none", markeredgewidth=1.4,
                       linestyle="none", color=style.GD_COLOR,
                       label=f"GD (lr = {result.lr:g}, Richardson), $u_0 = {u0:g}$, {_norm_label(result.order_norm)}")
                for u0 in result.order_u0]
    axes[2].legend(handles=handles, fontsize=style.LEGEND_FONTSIZE, loc="upper center", bbox_to_anchor=(0.5, -0.16),
                   ncol=2, frameon=False)
    axes[2].set(xlabel="depth $N$", ylabel=f"time to $P = {result.confidence:g}$", yscale="log",
                title="deeper is faster only from $u_0 > u_0^*(\\|x\\|)$ (next panel)")
    _depth_ticks(axes[2], result.depths)
    if result.crossover_depths:
        for i, norm in enumerate(result.norms):
            axes[3].plot(result.crossover_depths, result.crossover_u0[i], marker="o", markersize=3, linewidth=1.6,
                         label=f"theory, {_norm_label(norm)}", **_norm_style(i))
        axes[3].set(xlabel="depth $N$", ylabel="crossover $u_0^*(2, N)$", yscale="log",
                    title=f"depth $N$ beats $N = 2$ to $P = {result.confidence:g}$ iff $u_0 > u_0^*$")
        _depth_ticks(axes[3], result.crossover_depths)
        axes[3].legend(fontsize=style.LEGEND_FONTSIZE)
    else:
        axes[3].set_axis_off()
    fig.suptitle("Deep chains of $N$ weight layers on one point (Sec. 4, Fig. 4)")
    return {"fig4_depth": fig}


def _setting_key(depth, norm) -> str:
    return f"N={depth},norm={number_key(norm)}"


def claims(result: DepthResult) -> list[ClaimRecord]:
    """State the claims ``deep_logits`` and ``depth_order``.

    ``deep_logits``: eq. (5) and the flow against GD on real chains; ``depth_order``: the measured depth order.

    Parameters
    ----------
    result : DepthResult
        A result of :func:`run`.

    Returns
    -------
    list of ClaimRecord
        ``deep_logits``, ``depth_order`` (in this order).
    """
    theory = {_setting_key(d, n): float(u[-1]) for (d, n), u in zip(result.settings, result.theory_u)}
    measured = {_setting_key(d, n): {"u(10) Richardson": float(x), "u(10) at lr": float(u[-1]),
                                     "richardson_time_shift": e}
                for (d, n), u, e, x in zip(result.settings, result.gd_u, result.gd_time_error,
                                           result.gd_final_extrapolated)}
    err = max(result.gd_time_error)
    logits = ClaimRecord(
        "deep_logits", "Sec. 4, eq. (5), Fig. 4",
        "u(10) from u0 = 0.1 by quadrature inversion of eq. (5) equals the integrated flow and is matched by GD on "
        "real deep chains", theory, measured, err,
        err <= TOLERANCES["gd_time"] and result.quadrature_error <= TOLERANCES["quadrature"], "measured",
        TOLERANCES["gd_time"], gd_time_criterion("the logit of every (N, ||x||) chain")
        + f"; quadrature inversion vs integrated flow within {TOLERANCES['quadrature']:g} (relative)")
    return [logits, _order_claim(result)]


def _order_claim(result: DepthResult) -> ClaimRecord:
    """Deeper reaches confidence sooner only from u0 above the crossover u0*: the order measured on both sides."""
    shallow, deep_ = result.order_depths
    labels = [f"u0={number_key(u0)}" for u0 in result.order_u0]
    theory = {"crossover_u0": result.order_crossover, "flow_vs_eq5_relative": result.order_reduced_error,
              **{lab: {f"N={d}": float(v) for d, v in zip(result.order_depths, row)}
                 for lab, row in zip(labels, result.order_theory_times)}}
    measured = {lab: {f"N={d}": float(v) for d, v in zip(result.order_depths, row)}
                for lab, row in zip(labels, result.order_gd_times)}
    err = float(np.max(np.abs(result.order_gd_times - result.order_theory_times) / result.order_theory_times))
    deeper_faster_theory = result.order_theory_times[:, 1] < result.order_theory_times[:, 0]
    deeper_faster_gd = result.order_gd_times[:, 1] < result.order_gd_times[:, 0]
    below, above = (u0 < result.order_crossover for u0 in result.order_u0)
    sides_ok = bool(below and not above)  # the two initial logits straddle u0*
    order_ok = bool(np.array_equal(deeper_faster_gd, deeper_faster_theory)
                    and np.array_equal(deeper_faster_theory, [False, True]))
    return ClaimRecord(
        "depth_order", "Sec. 4, eq. (5), Fig. 4",
        f"a deeper chain reaches P = {result.confidence:g} sooner only from initial logits above the crossover u0* "
        f"(N = {shallow} vs {deep_}, ||x|| = {result.order_norm:g}: u0* = {result.order_crossover:.3g}); from below "
        f"it is slower",
        theory, measured, err, sides_ok and order_ok and err <= TOLERANCES["gd_time"]
        and result.order_reduced_error <= TOLERANCES["quadrature"], "measured",
        TOLERANCES["gd_time"],
        f"times to P = {result.confidence:g} of N = {shallow} and {deep_} chains from u0 = "
        f"{', '.join(map(number_key, result.order_u0))} (one below, one above u0*): gradient descent at lr and lr/2 "
        f"on the real chains, crossing checked at every step, Richardson-extrapolated, against the hitting times of "
        f"the integrated derived flow within {TOLERANCES['gd_time']:g} (relative); those equal eq. (5)'s times "
        f"within {TOLERANCES['quadrature']:g}; and the measured order (deeper slower below u0*, faster above) equal "
        f"to the derived one")


EXPERIMENT = Experiment(name="depth", title="Deep chains: eq. (5) and the time to confidence against depth "
                        "(Sec. 4, Fig. 4)", order=40, sizes=SIZES, run=run, figures=figures, claims=claims)
