"""Sigmoidal learning and the exact 1/(||x|| p) time scaling (Sec. 3.2, Fig. 2 Right)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

import derivations

from ..agreement import agreement
from ..theory.balanced_logit import logit
from ..groundtruth.data import repeated_points
from ..theory.flow import integrate
from ..groundtruth.initialization import mode_init
from ..groundtruth.training import train
from .sharpness import LOG_TIME_STEP, evaluate_sorted, halved_lrs, richardson, time_shift

__all__ = ["SigmoidalResult", "sigmoidal_learning", "DEFAULT_SETTINGS"]

#: (c, norm, p) of Fig. 2 Right plus a frequency variation.
DEFAULT_SETTINGS = ((0.0, 0.5, 1.0), (0.0, 1.0, 1.0), (0.1, 1.0, 1.0), (0.0, 1.0, 0.5))
#: Initial class-1 logit of every setting.
U0 = 0.01


@dataclass(frozen=True)
class SigmoidalResult:
    settings: tuple
    t: np.ndarray
    theory_y: np.ndarray          # (settings, T)
    theory_p: np.ndarray          # (settings, T)
    gd_t: np.ndarray
    gd_y: np.ndarray              # (settings, R)
    gd_p: np.ndarray
    agreement: tuple              # Agreement of P per setting
    master_t: np.ndarray
    master_p: np.ndarray
    collapse_error: float         # closed-form master u_bar(s) vs the 4-D flow integrated at each (n, p), s = n p t
    gd_time_error: tuple          # per setting: Richardson GD (lr, lr/2) vs the integrated flow, relative time shift
    gd_raw_time_error: tuple      # per setting: GD at lr alone, same measure (shows the O(lr) gap removed)
    gd_collapse_error: tuple      # per balanced setting: Richardson GD rescaled to s = n p t vs the master flow
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
        return np.column_stack([traj.states[:, 0, 0], traj.logits["class 1"][:, 0]])
    return at


def _flow_logit(model, y0, z0, norm, p):
    """The class-1 logit of the derived flow (integrated) as a function of flow time."""
    def at(times):
        return integrate(model, [y0, z0, y0, -z0], times, parameters={"n_1": norm, "n_2": norm, "p": p}
                         ).logits["class 1"][:, 0]
    return at


def _shifted(times):
    return times * (1 + LOG_TIME_STEP), times * (1 - LOG_TIME_STEP)


def sigmoidal_learning(settings=DEFAULT_SETTINGS, *, horizon=120.0, lr=0.05, points=241, rng=None) -> SigmoidalResult:
    """Theory (derived flow, integrated) vs GD on the real network for each (c, norm, p).

    GD runs at ``lr`` and ``lr / 2``; their Richardson extrapolation is compared with the flow in time
    (:mod:`dynamics.experiments.sharpness`), directly and after rescaling every balanced setting to
    ``s = norm p t`` (the collapse onto one master curve, measured rather than assumed).
    """
    rng = rng or np.random.default_rng(0)
    model = derivations.two_layer("bce")
    t = np.linspace(0.0, horizon, points)
    steps = int(round(horizon / lr))
    record = max(1, steps // 60)
    master_s = np.linspace(0.0, 12.0, 121)
    master_flow = _flow_logit(model, np.sqrt(U0), np.sqrt(U0), 1.0, 1.0)
    master = evaluate_sorted(master_flow, master_s, *_shifted(master_s))
    th_y, th_p, gd_y, gd_p, agree, err, raw, collapse, rescaled = [], [], [], [], [], [], [], [], []
    for c, norm, p in settings:
        y0, z0 = _initial_modes(c, norm)
        p_data = min(p, 0.9)  # the data need both classes; p = 1 is the class-1 flow on its own
        data = repeated_points(rng, norms=(norm, norm), p=p_data, n_points=10, dimension=4)
        init = mode_init(data, y0=(y0, y0), z0=(z0, -z0))
        scale = p / data.frequencies[1]  # run GD long enough that class 1 sees p * t of flow
        runs = [train(data.X, data.labels, init.W0, init.Z0, lr=eta * scale, steps=steps * k,
                      record_every=record * k) for k, eta in enumerate(halved_lrs(lr), start=1)]
        run = runs[0]
        flow_t = run.t * data.frequencies[1] / p
        # one integration of the derived flow on every grid this setting needs
        grids = (t, flow_t, *_shifted(flow_t), master_s / (norm * p))
        values = evaluate_sorted(_flow_state(model, y0, z0, norm, p), *grids)
        logits = [v[:, 1] for v in values]
        th_y.append(values[0][:, 0])
        th_p.append(expit(logits[0]))
        gd_y.append(run.preactivations[:, 0, 0])
        gd_p.append(expit(run.logits[:, 0]))
        extrapolated = richardson(runs[0].logits[:, 0], runs[1].logits[:, 0])
        err.append(time_shift(flow_t, extrapolated, *logits[1:4]))
        raw.append(time_shift(flow_t, run.logits[:, 0], *logits[1:4]))
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
    return SigmoidalResult(tuple(settings), t, np.array(th_y), np.array(th_p), gd_t, np.array(gd_y),
                           np.array(gd_p), tuple(agree), master_s, expit(closed_form), float(max(rescaled + [closed])),
                           tuple(err), tuple(raw), tuple(collapse), lr)
