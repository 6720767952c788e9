"""Deeper networks learn faster; the input norm matters less (PAPER.md §7, Fig. 4)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from ..agreement import agreement
from ..balanced_logit import logit, time_to_confidence
from ..initialization import deep_balanced_init
from ..training import train_deep

__all__ = ["DepthResult", "depth_experiment", "DEFAULT_SETTINGS"]

#: (N, norm) of Fig. 4, from u0 = 0.1.
DEFAULT_SETTINGS = ((4, 0.1), (4, 0.5), (8, 0.1))
U0 = 0.1


@dataclass(frozen=True)
class DepthResult:
    settings: tuple
    t: np.ndarray
    theory_u: np.ndarray     # (settings, T)
    gd_t: np.ndarray
    gd_u: np.ndarray         # (settings, R)
    agreement: tuple
    depths: np.ndarray
    confidence: float
    times_to_confidence: np.ndarray   # (norms, depths)
    norms: tuple
    lr: float


def depth_experiment(settings=DEFAULT_SETTINGS, *, horizon=10.0, lr=0.01, depths=tuple(range(2, 17)),
                     norms=(0.1, 0.5, 1.0), confidence=0.99, points=201) -> DepthResult:
    """u_t of eq. (5) (quadrature inversion) vs GD on real deep chains, and time to confidence vs depth."""
    t = np.linspace(0, horizon, points)
    steps = int(round(horizon / lr))
    record = max(1, steps // 50)
    theory, gd, agree = [], [], []
    for depth, norm in settings:
        theory.append(logit(t, u0=U0, norm=norm, depth=depth))
        x = np.zeros(3)
        x[0] = norm
        W0, layers0, Z0 = deep_balanced_init(x, depth=depth, u0=U0)
        run = train_deep(x[None], np.array([1]), W0, layers0, Z0, lr=lr, steps=steps, record_every=record)
        gd.append(run.logits[:, 0])
        agree.append(agreement(expit(logit(run.t, u0=U0, norm=norm, depth=depth)), expit(run.logits[:, 0])))
    gd_t = np.arange(0, steps + 1, record) * lr
    depths = np.asarray(depths)
    ttc = np.array([[float(time_to_confidence(confidence, u0=U0, norm=n, depth=int(d))) for d in depths] for n in norms])
    return DepthResult(tuple(settings), t, np.array(theory), gd_t, np.array(gd), tuple(agree), depths, confidence,
                       ttc, tuple(norms), lr)
