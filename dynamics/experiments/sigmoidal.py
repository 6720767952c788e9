"""Sigmoidal learning and the exact 1/(||x|| p) time scaling (PAPER.md §3, Fig. 2 Right)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

import derivations

from ..agreement import agreement
from ..balanced_logit import logit
from ..data import repeated_points
from ..flow import integrate
from ..initialization import mode_init
from ..training import train

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
    collapse_error: float         # max |u(t/(n p); n, p) - u_bar(t)| / u_bar(t) over balanced settings
    lr: float


def _initial_modes(c, norm):
    """(y0, z0) with invariant c and logit U0 on class 1 (App. A.3 hyperbolic chart, theta0 from U0)."""
    if c == 0:
        return np.sqrt(norm * U0), np.sqrt(U0 / norm)
    theta0 = np.arcsinh(2 * norm * U0 / c)
    return np.sqrt(c) * np.cosh(theta0 / 2), np.sqrt(c) / norm * np.sinh(theta0 / 2)


def sigmoidal_learning(settings=DEFAULT_SETTINGS, *, horizon=120.0, lr=0.05, points=241, rng=None) -> SigmoidalResult:
    """Theory (derived flow, integrated) vs GD on the real network for each (c, norm, p)."""
    rng = rng or np.random.default_rng(0)
    model = derivations.two_layer("bce")
    t = np.linspace(0.0, horizon, points)
    steps = int(round(horizon / lr))
    record = max(1, steps // 60)
    th_y, th_p, gd_y, gd_p, agree = [], [], [], [], []
    for c, norm, p in settings:
        y0, z0 = _initial_modes(c, norm)
        traj = integrate(model, [y0, z0, y0, -z0], t, parameters={"n_1": norm, "n_2": norm, "p": p})
        th_y.append(traj.states[:, 0, 0])
        th_p.append(expit(traj.logits["class 1"][:, 0]))
        p_data = min(p, 0.9)  # the data need both classes; p = 1 is the class-1 flow on its own
        data = repeated_points(rng, norms=(norm, norm), p=p_data, n_points=10, dimension=4)
        init = mode_init(data, y0=(y0, y0), z0=(z0, -z0))
        scale = p / data.frequencies[1]  # run GD long enough that class 1 sees p * t of flow
        run = train(data.X, data.labels, init.W0, init.Z0, lr=lr * scale, steps=steps, record_every=record)
        gd_y.append(run.preactivations[:, 0, 0])
        gd_p.append(expit(run.logits[:, 0]))
        on_grid = integrate(model, [y0, z0, y0, -z0], run.t * data.frequencies[1] / p,
                            parameters={"n_1": norm, "n_2": norm, "p": p})
        agree.append(agreement(expit(on_grid.logits["class 1"][:, 0]), gd_p[-1]))
    gd_t = np.arange(0, steps + 1, record) * lr
    if gd_t[-1] != steps * lr:
        gd_t = np.append(gd_t, steps * lr)
    master_t = np.linspace(0.0, 12.0, 121)
    master = logit(master_t, u0=U0)
    errors = [np.max(np.abs(logit(master_t / (n * p), norm=n, p=p, u0=U0) - master) / master)
              for c, n, p in settings if c == 0]
    return SigmoidalResult(tuple(settings), t, np.array(th_y), np.array(th_p), gd_t, np.array(gd_y),
                           np.array(gd_p), tuple(agree), master_t, expit(master), float(max(errors)), lr)
