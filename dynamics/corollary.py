"""Corollary 3.3: the ratio of convergence times of the two classes (PAPER.md §4)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.special

from .balanced_logit import time_to_confidence
from .validation import as_finite_array, require_frequency, require_positive

__all__ = ["ConvergenceRatio", "convergence_time_ratio"]


@dataclass(frozen=True)
class ConvergenceRatio:
    """Predicted ``t2*/t1*``: exact (closed forms), via the corollary's formula, and approximate."""

    exact: np.ndarray
    formula: np.ndarray
    approximate: np.ndarray
    t1: np.ndarray
    t2: np.ndarray


def convergence_time_ratio(delta, *, norm1=1.0, norm2=1.0, p1=0.5, u0=0.1, v0=-0.1) -> ConvergenceRatio:
    """``t2*/t1*`` for reaching ``P >= 1 - delta`` on each class (balanced modes).

    ``exact`` divides the two closed-form times; ``formula`` is the corollary's
    ``(n1/n2)(p1/(1-p1))(1 - t_v/t*)`` with unit-norm, unit-frequency times
    (requires ``u0 <= |v0|``); ``approximate`` drops the bracket.

    Examples
    --------
    >>> r = convergence_time_ratio(0.01, norm1=2.0, p1=0.8)
    >>> round(float(r.exact), 9) == round(float(r.formula), 9), round(float(r.approximate), 12)
    (True, 8.0)
    """
    delta = as_finite_array("delta", delta)
    if np.any((delta <= 0) | (delta >= 0.5)):
        raise ValueError("delta must lie in (0, 0.5): P >= 1 - delta must be a confident prediction")
    norm1, norm2 = require_positive("norm1", norm1), require_positive("norm2", norm2)
    p1 = require_frequency("p1", p1)
    if np.any(p1 >= 1):
        raise ValueError("p1 must be < 1 so that class 2 is seen at all")
    u0, v0 = require_positive("u0", u0), as_finite_array("v0", v0)
    if np.any(v0 >= 0):
        raise ValueError("v0 must be < 0 (the class-2 logit)")
    confidence = 1 - delta
    t1 = time_to_confidence(confidence, norm=norm1, p=p1, u0=u0)
    t2 = time_to_confidence(confidence, norm=norm2, p=1 - p1, u0=v0)
    t_star = time_to_confidence(confidence, u0=u0)
    t_v = time_to_confidence(scipy.special.expit(np.abs(v0)), u0=u0)
    approx = (norm1 / norm2) * (p1 / (1 - p1))
    formula = np.where(u0 <= np.abs(v0), approx * (1 - t_v / t_star), np.nan)
    return ConvergenceRatio(exact=t2 / t1, formula=formula, approximate=np.broadcast_to(approx, np.shape(t1)),
                            t1=t1, t2=t2)
