"""Sigmoidal learning and the exact 1/(||x|| p) time scaling (Sec. 3.2 of the paper, eq. (3), Fig. 2 Right).

A balanced class-1 mode of the two-layer network learns along ``P_t = sigma(u_bar(||x|| p t))``: one master
curve for every norm ``||x||`` and frequency ``p``.  The theory is the derived flow, integrated; gradient
descent on the real network runs at ``lr`` and ``lr / 2`` and is Richardson-extrapolated
(:mod:`dynamics.experiments.sharpness`), so that a theory 1% off in its time scale fails.

Examples
--------
>>> EXPERIMENT.name, sorted(EXPERIMENT.sizes["quick"])
('sigmoidal', ['horizon', 'lr'])
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.legend_handler import HandlerTuple
from scipy.special import expit

import derivations

from ..agreement import Agreement, agreement
from ..groundtruth.data import repeated_points
from ..groundtruth.initialization import mode_init
from ..groundtruth.training import train
from ..theory.balanced_logit import logit
from ..theory.flow import integrate
from . import style
from .claims import TOLERANCES, ClaimRecord, gd_time_criterion
from .registry import Experiment
from .sweeping import sweep_values
from .sharpness import LOG_TIME_STEP, evaluate_sorted, halved_lrs, richardson, time_shift

__all__ = ["SigmoidalResult", "run", "figures", "claims", "EXPERIMENT", "SIZES", "DEFAULT_SETTINGS", "U0"]

#: (c, norm, p) of Fig. 2 Right plus a frequency variation.
DEFAULT_SETTINGS = ((0.0, 0.5, 1.0), (0.0, 1.0, 1.0), (0.1, 1.0, 1.0), (0.0, 1.0, 0.5))
#: Initial class-1 logit of every setting.
U0 = 0.01
#: Highest class-1 frequency of the data: the data need both classes, so p = 1 runs at this frequency
#: with time rescaled (class 1 then follows the p = 1 flow on its own).
MAX_DATA_FREQUENCY = 0.9
#: Points per class and input dimension of the repeated-points data of every setting.
N_POINTS, DIMENSION = 10, 4
#: About this many GD records per run (the record stride is ``steps // RECORDS``).
RECORDS = 60
#: The master curve is sampled on s = ||x|| p t in [0, MASTER_EXTENT] at MASTER_POINTS points.
MASTER_EXTENT, MASTER_POINTS = 12.0, 121

#: Keyword arguments of :func:`run` at each size (the report's, the examples' and the tests').
SIZES = {"quick": {"horizon": 60.0, "lr": 0.1}, "full": {"horizon": 120.0, "lr": 0.05}}


@dataclass(frozen=True)
class SigmoidalResult:
    """Theory vs gradient descent for each setting (c, ||x||, p), and the collapse onto one master curve.

    Attributes
    ----------
    settings : tuple of (float, float, float)
        The (c, ||x||, p) of each row below (``S`` settings).
    t : ndarray, shape (T,)
        Flow times of the theory curves.
    theory_y, theory_p : ndarray, shape (S, T)
        Hidden pre-activation ``y_t`` and class-1 probability ``P_t`` of the integrated derived flow.
    gd_t : ndarray, shape (R,)
        Flow times of the GD records (time of class 1, ``lr`` x step after rescaling by the frequency).
    gd_y, gd_p : ndarray, shape (S, R)
        The same quantities measured on the real network trained at ``lr``.
    agreement : tuple of Agreement, length S
        ``P`` of GD at ``lr`` against the flow, per setting.
    master_t, master_p : ndarray, shape (MASTER_POINTS,)
        The master curve ``sigma(u_bar(s))`` (closed form) on ``s = ||x|| p t``.
    collapse_error : float
        Closed-form master curve against the flow integrated at each balanced (||x||, p) and rescaled to
        ``s`` (largest relative error), and against the master flow itself.
    gd_time_error, gd_raw_time_error : tuple of float, length S
        Richardson GD (``lr``, ``lr / 2``), and GD at ``lr`` alone, against the flow, as relative time shifts.
    collapse_settings : tuple
        The balanced settings (c = 0), in order: those rescaled onto the master curve.
    gd_collapse_error : tuple of float, one per ``collapse_settings`` entry
        Richardson GD rescaled to ``s = ||x|| p t`` against the master flow, as relative time shifts.
    lr : float
        The coarser learning rate of the Richardson pair.
    """

    settings: tuple
    t: np.ndarray
    theory_y: np.ndarray
    theory_p: np.ndarray
    gd_t: np.ndarray
    gd_y: np.ndarray
    gd_p: np.ndarray
    agreement: tuple[Agreement, ...]
    master_t: np.ndarray
    master_p: np.ndarray
    collapse_error: float
    gd_time_error: tuple
    gd_raw_time_error: tuple
    collapse_settings: tuple
    gd_collapse_error: tuple
    lr: float


def _initial_modes(c, norm):
    """(y0, z0) with invariant c and logit U0 on class 1 (App. A.3 hyperbolic chart, theta0 from U0)."""
    if c == 0:
        return np.sqrt(norm * U0), np.sqrt(U0 / norm)
    theta0 = np.arcsinh(2 * norm * U0 / c)
    return np.sqrt(c) * np.cosh(theta0 / 2), np.sqrt(c) / norm * np.sinh(theta0 / 2)


def _flow_state(model, y0, z0, norm, p):
    """``(y, u)`` of class 1 along the derived flow (integrated), as a function of flow times."""
    def at(times):
        traj = integrate(model, [y0, z0, y0, -z0], times, parameters={"n_1": norm, "n_2": norm, "p": p})
        return np.column_stack([traj.states[:, 0, 0], traj.logits["class_1"][:, 0]])
    return at


def _flow_logit(model, y0, z0, norm, p):
    """The class-1 logit of the derived flow (integrated) as a function of flow time."""
    def at(times):
        return integrate(model, [y0, z0, y0, -z0], times, parameters={"n_1": norm, "n_2": norm, "p": p}
                         ).logits["class_1"][:, 0]
    return at


def _shifted(times):
    return times * (1 + LOG_TIME_STEP), times * (1 - LOG_TIME_STEP)


def _gd_chunk(chunk, seeds, *, lr, steps, record):
    """A sweep's chunk of ``(data, init, scale)``: GD at ``lr`` and ``lr / 2`` (times ``scale``); per setting
    ``(t, class-1 pre-activation, logit at lr, logit at lr / 2)`` of the first point (``seeds`` unused)."""
    out = []
    for data, init, scale in chunk:
        runs = [train(data.X, data.labels, init.W0, init.Z0, lr=eta * scale, steps=steps * k,
                      record_every=record * k) for k, eta in enumerate(halved_lrs(lr), start=1)]
        out.append((runs[0].t, runs[0].preactivations[:, 0, 0], runs[0].logits[:, 0], runs[1].logits[:, 0]))
    return out


def run(settings: tuple[tuple[float, float, float], ...] = DEFAULT_SETTINGS, *, horizon: float = 120.0,
        lr: float = 0.05, points: int = 241, seed: int = 0, executor: Any = None) -> SigmoidalResult:
    """Theory (derived flow, integrated) vs GD on the real network for each (c, ||x||, p).

    GD runs at ``lr`` and ``lr / 2``; their Richardson extrapolation is compared with the flow in time
    (:mod:`dynamics.experiments.sharpness`), directly and after rescaling every balanced setting to
    ``s = ||x|| p t`` (the collapse onto one master curve, measured rather than assumed).

    Parameters
    ----------
    settings : tuple of (c, norm, p)
        Invariant ``c >= 0``, input norm and class-1 frequency of each run.
    horizon : float
        Flow time of class 1 covered by theory and GD.
    lr : float
        Coarser learning rate of the Richardson pair (``lr`` and ``lr / 2``).
    points : int
        Samples of the theory curves on ``[0, horizon]``.
    seed : int
        Seed of the data (numpy ``default_rng``; the settings' data are drawn one after the other from it).
    executor : optional
        Where the gradient-descent runs go, one setting per chunk (anything :func:`dynamics.sweep.sweep`
        takes; default in this process); the result does not depend on it.

    Returns
    -------
    SigmoidalResult
        Theory and GD curves per setting, the collapse onto the master curve, and the time discrepancies.
    """
    rng = np.random.default_rng(seed)
    model = derivations.two_layer("bce")
    t = np.linspace(0.0, horizon, points)
    steps = int(round(horizon / lr))
    record = max(1, steps // RECORDS)
    master_s = np.linspace(0.0, MASTER_EXTENT, MASTER_POINTS)
    master_flow = _flow_logit(model, np.sqrt(U0), np.sqrt(U0), 1.0, 1.0)
    master = evaluate_sorted(master_flow, master_s, *_shifted(master_s))
    th_y, th_p, gd_y, gd_p, agree, err, raw, collapse, rescaled = [], [], [], [], [], [], [], [], []
    drawn = []
    for c, norm, p in settings:
        y0, z0 = _initial_modes(c, norm)
        data = repeated_points(rng, norms=(norm, norm), p=min(p, MAX_DATA_FREQUENCY), n_points=N_POINTS,
                               dimension=DIMENSION)
        init = mode_init(data, y0=(y0, y0), z0=(z0, -z0))
        drawn.append((data, init, p / data.frequencies[1]))  # run GD long enough that class 1 sees p * t of flow
    trained = sweep_values(functools.partial(_gd_chunk, lr=lr, steps=steps, record=record), drawn, chunk_size=1,
                           executor=executor, desc="sigmoidal")
    for (c, norm, p), (data, _, _), (coarse_t, coarse_y, coarse_u, fine_u) in zip(settings, drawn, trained):
        y0, z0 = _initial_modes(c, norm)
        flow_t = coarse_t * data.frequencies[1] / p
        # one integration of the derived flow on every grid this setting needs
        grids = (t, flow_t, *_shifted(flow_t), master_s / (norm * p))
        values = evaluate_sorted(_flow_state(model, y0, z0, norm, p), *grids)
        logits = [v[:, 1] for v in values]
        th_y.append(values[0][:, 0])
        th_p.append(expit(logits[0]))
        gd_y.append(coarse_y)
        gd_p.append(expit(coarse_u))
        extrapolated = richardson(coarse_u, fine_u)
        err.append(time_shift(flow_t, extrapolated, *logits[1:4]))
        raw.append(time_shift(flow_t, coarse_u, *logits[1:4]))
        agree.append(agreement(expit(logits[1]), gd_p[-1]))
        if c == 0:
            s = flow_t * norm * p
            keep = s <= master_s[-1]
            on_master = evaluate_sorted(master_flow, s[keep], *_shifted(s[keep]))
            collapse.append(time_shift(s[keep], extrapolated[keep], *on_master))
            rescaled.append(np.max(np.abs(logits[4] - master[0]) / master[0]))
    gd_t = np.arange(0, steps + 1, record) * lr
    if gd_t[-1] != steps * lr:
        gd_t = np.append(gd_t, steps * lr)
    closed_form = logit(master_s, u0=U0)  # the closed form, against the integrated flows above
    closed = float(np.max(np.abs(closed_form - master[0]) / closed_form))
    return SigmoidalResult(
        settings=tuple(settings), t=t, theory_y=np.array(th_y), theory_p=np.array(th_p), gd_t=gd_t,
        gd_y=np.array(gd_y), gd_p=np.array(gd_p), agreement=tuple(agree), master_t=master_s,
        master_p=expit(closed_form), collapse_error=float(max(rescaled + [closed])), gd_time_error=tuple(err),
        gd_raw_time_error=tuple(raw), collapse_settings=tuple(s for s in settings if s[0] == 0),
        gd_collapse_error=tuple(collapse), lr=lr)


#: The time axes end where every setting's theory P has reached this level ...
FIT_LEVEL = 0.99
#: ... times this margin: learning is over by then (the runs go on to the horizon, the axes need not).
FIT_MARGIN = 1.2
#: Colour of the master curve: none of the settings' colours (those are indexed from 0).
MASTER_COLOR = style.COLORS[4]


def _fitted_end(result: SigmoidalResult) -> float:
    """End of the time axes: FIT_MARGIN past the time every theory P reaches FIT_LEVEL (the horizon at most)."""
    reached = np.all(result.theory_p >= FIT_LEVEL, axis=0)
    if not reached.any():
        return float(result.t[-1])
    return float(min(result.t[-1], FIT_MARGIN * result.t[np.argmax(reached)]))


def _setting_label(c: float, norm: float, p: float) -> str:
    return f"$c = {c:g}$, $\\|x\\| = {norm:g}$, $p = {p:g}$"


def figures(result: SigmoidalResult) -> dict[str, Figure]:
    """Draw Fig. 2 Right: ``y_t`` and ``P_t`` per (c, ||x||, p), GD overlaid; right panel: the master-curve collapse.

    Theory (the integrated derived flow) is drawn as coloured lines with one dash pattern per setting, gradient
    descent on the real network as black hollow markers with one shape per setting; every legend entry shows both.
    The time axes end soon after every setting has learnt (:data:`FIT_LEVEL`, :data:`FIT_MARGIN`).

    Parameters
    ----------
    result : SigmoidalResult
        A result of :func:`run`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``{"fig2_sigmoidal": Figure}``, drawn without pyplot (no backend is selected).
    """

    fig, axes = style.new_figure(1, 3, figsize=(15, 4.6))
    fig.set_layout_engine("constrained")
    end = _fitted_end(result)
    shown = int(np.sum(result.gd_t <= end))
    pairs, labels = [], []
    for i, setting in enumerate(result.settings):
        for ax, theory, measured in ((axes[0], result.theory_y[i], result.gd_y[i]),
                                     (axes[1], result.theory_p[i], result.gd_p[i])):
            line, = ax.plot(result.t, theory, **style.theory_line(i))
            marks, = ax.plot(result.gd_t, measured, **style.gd_markers(i, shown))
        pairs.append((line, marks))
        labels.append(_setting_label(*setting))
    axes[0].set(xlabel=style.TIME_LABEL, ylabel="$y_t = w_t \\cdot x$", xlim=(0, end),
                title="hidden pre-activation (eq. (12))")
    axes[1].set(xlabel=style.TIME_LABEL, ylabel="$P_t(x \\in D_1)$", xlim=(0, end),
                title="sigmoidal learning $\\sigma(\\bar u(\\|x\\| p t))$")
    for ax in axes[:2]:
        style.fit_y(ax)
    notes = style.theory_gd_handles(result.lr)
    for ax in axes[:2]:
        ax.legend(handles=pairs + notes, labels=labels + [h.get_label() for h in notes],
                  handler_map={tuple: HandlerTuple(ndivide=None)}, fontsize=style.LEGEND_FONTSIZE,
                  loc="lower right")
    master, = axes[2].plot(result.master_t, result.master_p, color=MASTER_COLOR, linewidth=2.2)
    handles, names = [master], ["master curve $\\sigma(\\bar u(s))$ (theory)"]
    collapsed = [i for i, (c, _, _) in enumerate(result.settings) if c == 0]
    for k, i in enumerate(collapsed):  # the runs fall on the same points: nested marker sizes keep each visible
        _, norm, p = result.settings[i]
        keep = result.gd_t * norm * p <= result.master_t[-1]
        marks, = axes[2].plot(result.gd_t[keep] * norm * p, result.gd_p[i][keep],
                              **{**style.gd_markers(i, int(keep.sum())),
                                 "markersize": style.NESTED_MARKER_SIZES[k % len(style.NESTED_MARKER_SIZES)]})
        handles.append(marks)
        names.append(f"GD, $\\|x\\| = {norm:g}$, $p = {p:g}$, rescaled")
    axes[2].set(xlabel="rescaled time $s = \\|x\\|\\, p\\, t$", ylabel="$P_s(x \\in D_1)$",
                xlim=(0, result.master_t[-1]),
                title=f"collapse of GD: largest time shift {max(result.gd_collapse_error):.1e} (Richardson)")
    axes[2].legend(handles, names, fontsize=style.LEGEND_FONTSIZE, loc="lower right")
    return {"fig2_sigmoidal": fig}


def claims(result: SigmoidalResult) -> list[ClaimRecord]:
    """State the claims ``norm_frequency_collapse`` and ``sigmoidal_gd_agreement`` (Sec. 3.2, eq. (3), Fig. 2 Right).

    Parameters
    ----------
    result : SigmoidalResult
        A result of :func:`run`.

    Returns
    -------
    list of ClaimRecord
        ``norm_frequency_collapse``, ``sigmoidal_gd_agreement`` (in this order).
    """
    collapse = max(result.gd_collapse_error)
    worst = max(result.gd_time_error)
    return [
        ClaimRecord("norm_frequency_collapse", "Sec. 3.2, eq. (3)/(17), Fig. 2 Right",
                    "P_t = sigma(u_bar(||x|| p t)): GD runs at different (||x||, p), rescaled to s = ||x|| p t, "
                    "fall on one master curve",
                    {"master_curve": "derived flow at ||x|| = p = 1, integrated",
                     "closed_form_vs_rescaled_flows_max_relative": result.collapse_error},
                    {"rescaled_gd_time_shift_vs_master": list(result.gd_collapse_error),
                     "spread_between_settings": float(max(result.gd_collapse_error) - min(result.gd_collapse_error)),
                     "lrs": list(halved_lrs(result.lr))},
                    collapse,
                    collapse <= TOLERANCES["gd_time"] and result.collapse_error <= TOLERANCES["collapse"],
                    "measured", TOLERANCES["gd_time"],
                    gd_time_criterion("each balanced GD run rescaled to s = ||x|| p t")
                    + f"; and the closed-form master curve vs the 4-D flow integrated at each (||x||, p) and "
                    f"rescaled within {TOLERANCES['collapse']:g} (relative)"),
        ClaimRecord("sigmoidal_gd_agreement", "Sec. 3.2, Fig. 2 Right",
                    "GD on the real network follows the derived flow for each (c, ||x||, p)",
                    {str(s): "derived flow (12), integrated" for s in result.settings},
                    {str(s): {"richardson_time_shift": e, "single_lr_time_shift": r, "single_lr_max_abs_P": a.max_abs}
                     for s, e, r, a in zip(result.settings, result.gd_time_error, result.gd_raw_time_error,
                                           result.agreement)},
                    worst, worst <= TOLERANCES["gd_time"], "measured", TOLERANCES["gd_time"],
                    gd_time_criterion("class-1 logit of every setting")),
    ]


EXPERIMENT = Experiment(name="sigmoidal", title="Sigmoidal learning and the 1/(||x|| p) time scale (Sec. 3.2, Fig. 2)",
                        order=80, sizes=SIZES, run=run, figures=figures, claims=claims)
