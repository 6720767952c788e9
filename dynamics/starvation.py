"""Gradient starvation (PAPER.md §9): bounds (7) and (D.2), Table 1, and the ODE (8) value."""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.special

import derivations
from derivations.starvation import alpha0 as a0_sym, beta0 as b0_sym, delta as d_sym, z_star as z_sym
from derivations.symbols import lam as lam_sym

from .compiled import compile_expr
from .flow import integrate
from .validation import as_finite_array, require_frequency, require_positive

__all__ = ["bound_7", "bound_d2", "table1", "starved_confidence", "StarvedConfidence",
           "TABLE1_CONFIDENCES", "TABLE1_LAMBDAS"]

#: Rows and columns of the paper's Table 1.
TABLE1_CONFIDENCES = (0.99, 0.9999)
TABLE1_LAMBDAS = (0.5, 0.2, 0.1, 0.01)
#: Flow-time horizons for the starvation ODE to reach its stopping confidence: first try, last try.
FIRST_HORIZON = 100.0
HORIZON = 1e6


@lru_cache(maxsize=None)
def _bounds():
    q = derivations.starvation().quantities
    return (compile_expr(q["bound (7)"], (d_sym, lam_sym)),
            compile_expr(q["bound (D.2)"], (d_sym, lam_sym, z_sym, a0_sym, b0_sym)))


def _check(confidence, lam):
    confidence = as_finite_array("confidence", confidence)
    if np.any((confidence <= 0.5) | (confidence >= 1)):
        raise ValueError("confidence (1 - delta) must lie in (0.5, 1)")
    return confidence, require_frequency("lam", lam)


def bound_7(confidence, lam):
    """Theorem 6.1: ``P_{t*}((0, x2)) <= sigma(lambda log((1-delta)/delta))``.

    Examples
    --------
    >>> round(float(bound_7(0.99, 0.5)), 4)
    0.9087
    """
    confidence, lam = _check(confidence, lam)
    return _bounds()[0](1 - confidence, lam)


def bound_d2(confidence, lam, *, z_star, alpha0, beta0):
    """Theorem D.2: ``sigma(lambda log((1-delta)/delta) + z_{t*}(beta0 - lambda alpha0))``."""
    confidence, lam = _check(confidence, lam)
    return _bounds()[1](1 - confidence, lam, as_finite_array("z_star", z_star), as_finite_array("alpha0", alpha0),
                        as_finite_array("beta0", beta0))


def table1() -> dict:
    """Bound (7) on the paper's grid: ``{confidence: {lambda: bound}}``."""
    return {c: {lam: float(bound_7(c, lam)) for lam in TABLE1_LAMBDAS} for c in TABLE1_CONFIDENCES}


@dataclass(frozen=True)
class StarvedConfidence:
    """The ODE (8) value of ``P_{t*}((0, x2) in D1)`` and what it is compared with."""

    confidence: float
    lam: float
    stop_time: float
    alpha: float
    beta: float
    z: float
    probability: float
    bound_7: float
    bound_d2: float


def starved_confidence(confidence, lam, *, alpha0=0.1, beta0=0.1, z0=0.1, norm1=1.0, norm2=1.0) -> StarvedConfidence:
    """Integrate (8) until ``P >= confidence`` on the hardest point (x1, 0); report P on (0, x2).

    Examples
    --------
    >>> s = starved_confidence(0.99, 0.5)
    >>> s.probability <= s.bound_d2
    True
    """
    confidence, lam = _check(confidence, lam)
    norm1, norm2 = require_positive("norm1", norm1), require_positive("norm2", norm2)
    model = derivations.starvation()
    target = float(scipy.special.logit(confidence))
    horizon, t_star = FIRST_HORIZON, np.nan
    while not np.isfinite(t_star) and horizon <= HORIZON:  # grow the horizon until P reaches the target
        traj = integrate(model, [alpha0, beta0, z0], [0.0, horizon],
                         parameters={"lambda": float(lam), "n_1": float(norm1), "n_2": float(norm2)},
                         targets={"(x1, 0)": target})
        t_star = float(traj.hitting_times["(x1, 0)"][0])
        horizon *= 10
    if not np.isfinite(t_star):
        raise RuntimeError(f"P on (x1, 0) did not reach {float(confidence)} by t = {HORIZON}")
    at = integrate(model, [alpha0, beta0, z0], [0.0, t_star],
                   parameters={"lambda": float(lam), "n_1": float(norm1), "n_2": float(norm2)})
    a, b, z = at.states[-1, 0]
    prob = float(scipy.special.expit(at.logits["(0, x2)"][-1, 0]))
    return StarvedConfidence(float(confidence), float(lam), t_star, float(a), float(b), float(z), prob,
                             float(bound_7(confidence, lam)),
                             float(bound_d2(confidence, lam, z_star=z, alpha0=alpha0, beta0=beta0)))
