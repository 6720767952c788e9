"""Corollary 3.3: the ratio of convergence times of the two classes (Sec. 3.2).

Times come from the derived closed form of the balanced logit (:func:`derivations.deep`
with ``N = 2``), ``t(u; u0) = [log(u/u0) + Ei(u) - Ei(u0)] / (2 n p)``, evaluated at the
target log-odds ``L = log((1 - delta)/delta)`` computed directly from ``delta``
(no rounding of ``1 - delta``).  Past ``Ei``'s float range (``L > EI_OVERFLOW``,
i.e. ``delta < ~1e-304``) the same expression is evaluated scaled by ``e^{-L}``, so
the ratio stays finite and accurate; the times themselves are then also given
as logarithms.

A class that starts past the target (``u0 >= L`` for class 1, ``|v0| >= L`` for
class 2) needs no time: its time is 0, the exact ratio ``t2/t1`` is then 0 (class
2 past), ``inf`` (class 1 past) or NaN (both: undefined), and the corollary's
formula does not apply (NaN).  The flags ``class1_past_target``,
``class2_past_target`` and ``formula_applies`` say which case each element is in,
and ``reason`` says it in words.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.special
from numpy.typing import ArrayLike

import derivations
from derivations.symbols import n as n_sym, p as p_sym, u as u_sym, u0 as u0_sym

from .compiled import compile_expr
from ..validation import as_finite_array, require_positive

__all__ = ["ConvergenceRatio", "convergence_time_ratio", "EI_OVERFLOW"]

#: Above this argument the closed form is evaluated scaled by e^{-u}: ``scipy.special.expi`` overflows float64
#: near 709.8 (Ei(709.8) ~ 1.8e308 / 709).
EI_OVERFLOW = 700.0
#: Terms of the asymptotic series e^{-u} Ei(u) ~ (1/u) sum_k k!/u^k used past EI_OVERFLOW (the 13th term is
#: below 13!/700^13 ~ 6e-28 relative there).
ASYMPTOTIC_TERMS = 12
#: With n = 1 and p = 1/2, the derived time 2 n p t(u; u0) is the bare difference
#: ``[log u + Ei(u)] - [log u0 + Ei(u0)]``.
UNIT_NORM, HALF = 1.0, 0.5


@dataclass(frozen=True)
class ConvergenceRatio:
    """Predicted ``t2*/t1*``: exact (closed forms), via the corollary's formula, and approximate.

    Attributes
    ----------
    exact, formula, approximate : ndarray
        ``t2/t1`` from the closed-form times; the corollary's
        ``(n1/n2)(p1/(1-p1))(1 - t_v/t*)`` (NaN where ``formula_applies`` is False);
        and its approximation ``(n1/n2)(p1/(1-p1))``.
    t1, t2 : ndarray
        Flow times of each class to ``P >= 1 - delta`` (0 for a class that starts
        past the target; ``inf`` only if the time exceeds the float range, see ``log_t1``).
    log_t1, log_t2 : ndarray
        Natural logarithms of the times (``-inf`` for a time of 0), finite for every accepted input.
    class1_past_target, class2_past_target : ndarray of bool
        ``u0 >= L`` and ``|v0| >= L``, with ``L = log((1 - delta)/delta)``.
    formula_applies : ndarray of bool
        ``u0 <= |v0| < L``: the corollary's hypothesis (class 2 starts ahead, neither class is done).
    reason : str
        The cases met, in words ("" when every element is regular).
    """

    exact: np.ndarray
    formula: np.ndarray
    approximate: np.ndarray
    t1: np.ndarray
    t2: np.ndarray
    log_t1: np.ndarray = None
    log_t2: np.ndarray = None
    class1_past_target: np.ndarray = None
    class2_past_target: np.ndarray = None
    formula_applies: np.ndarray = None
    reason: str = ""


@lru_cache(maxsize=1)  # one expression, compiled once
def _time():
    """The derived closed-form time ``t(u; u0, n, p)`` of the balanced BCE logit, compiled."""
    closed = derivations.deep(2).reductions[0].closed_form
    return compile_expr(closed.time, (u_sym, u0_sym, n_sym, p_sym))


def _scaled_ei(x):
    """``e^{-x} Ei(x)`` for ``x > 0``: scipy below EI_OVERFLOW, the asymptotic series above."""
    x = np.asarray(x, dtype=float)
    small = x < EI_OVERFLOW
    out = np.empty_like(x)
    out[small] = np.exp(-x[small]) * scipy.special.expi(x[small])
    big = x[~small]
    series, term = np.zeros_like(big), np.ones_like(big)
    for k in range(ASYMPTOTIC_TERMS):
        series += term
        term = term * (k + 1) / big
    out[~small] = series / big
    return out


def _log_gap(upper, lower):
    """``log([log u + Ei(u)] from lower to upper)`` for ``upper > lower > 0``, overflow-free.

    Below EI_OVERFLOW it is the log of the derived time at n = 1, p = 1/2; above,
    the same expression is factored as ``e^upper [e^{-upper} Ei(upper) - e^{lower-upper} e^{-lower} Ei(lower)
    + e^{-upper} log(upper/lower)]``.
    """
    upper, lower = np.broadcast_arrays(np.asarray(upper, float), np.asarray(lower, float))
    out = np.empty(upper.shape)
    small = upper <= EI_OVERFLOW
    out[small] = np.log(_time()(upper[small], lower[small], UNIT_NORM, HALF))
    if np.any(~small):
        hi, lo = upper[~small], lower[~small]
        with np.errstate(under="ignore"):
            inside = (_scaled_ei(hi) - np.exp(lo - hi) * _scaled_ei(lo) + np.exp(-hi) * np.log(hi / lo))
        out[~small] = hi + np.log(inside)
    return out


def _describe(past1, past2, applies):
    notes = []
    if np.any(past2 & ~past1):
        notes.append("class 2 starts past the target (|v0| >= L): t2 = 0 and the exact ratio is 0")
    if np.any(past1 & ~past2):
        notes.append("class 1 starts past the target (u0 >= L): t1 = 0 and the exact ratio is inf")
    if np.any(past1 & past2):
        notes.append("both classes start past the target: both times are 0 and the ratio is undefined (NaN)")
    if np.any(~applies & ~past1 & ~past2):
        notes.append("u0 > |v0|: the corollary's formula needs class 2 to start ahead (u0 <= |v0|); formula is NaN")
    return "; ".join(notes)


def convergence_time_ratio(delta: ArrayLike, *, norm1: ArrayLike = 1.0, norm2: ArrayLike = 1.0, p1: ArrayLike = 0.5,
                           u0: ArrayLike = 0.1, v0: ArrayLike = -0.1) -> ConvergenceRatio:
    """``t2*/t1*`` for reaching ``P >= 1 - delta`` on each class (balanced modes).

    ``exact`` divides the two closed-form times; ``formula`` is the corollary's
    ``(n1/n2)(p1/(1-p1))(1 - t_v/t*)`` with unit-norm, unit-frequency times
    (requires ``u0 <= |v0| < L``); ``approximate`` drops the bracket.  See the
    module docstring for classes that start past the target.

    Parameters
    ----------
    delta : array_like
        Allowed error, in (0, 0.5): the target is ``P >= 1 - delta``.
    norm1, norm2 : array_like
        Input norms of the classes (> 0).
    p1 : array_like
        Class-1 frequency, in (0, 1).
    u0 : array_like
        Initial class-1 logit (> 0).
    v0 : array_like
        Initial class-2 logit (< 0).

    Returns
    -------
    ConvergenceRatio
        The ratios, times and flags, broadcast to one shape.

    Examples
    --------
    >>> r = convergence_time_ratio(0.01, norm1=2.0, p1=0.8)
    >>> round(float(r.exact), 9) == round(float(r.formula), 9), round(float(r.approximate), 12)
    (True, 8.0)
    >>> r = convergence_time_ratio(0.01, v0=-38.0)
    >>> float(r.exact), float(r.t2), bool(r.class2_past_target), bool(r.formula_applies)
    (0.0, 0.0, True, False)
    """
    delta = as_finite_array("delta", delta)
    bad = (delta <= 0) | (delta >= 0.5)
    if np.any(bad):
        raise ValueError("delta must lie in (0, 0.5): P >= 1 - delta must be a confident prediction, got "
                         f"{float(delta[bad].ravel()[0])!r}")
    norm1, norm2 = require_positive("norm1", norm1), require_positive("norm2", norm2)
    p1 = as_finite_array("p1", p1)
    bad = (p1 <= 0) | (p1 >= 1)
    if np.any(bad):
        raise ValueError("p1 is the class-1 frequency and must lie in (0, 1) so that both classes are seen, got "
                         f"{float(p1[bad].ravel()[0])!r}")
    u0, v0 = require_positive("u0", u0), as_finite_array("v0", v0)
    if np.any(v0 >= 0):
        raise ValueError(f"v0 must be < 0 (the class-2 logit), got {float(v0[v0 >= 0].ravel()[0])!r}")
    target = -scipy.special.logit(delta)  # L = log((1 - delta)/delta), exact in delta
    try:
        target, norm1, norm2, p1, a1, a2 = np.broadcast_arrays(target, norm1, norm2, p1, u0, np.abs(v0))
    except ValueError:
        shapes = ", ".join(f"{k} {np.shape(v)}" for k, v in (("delta", delta), ("norm1", norm1), ("norm2", norm2),
                                                            ("p1", p1), ("u0", u0), ("v0", v0)))
        raise ValueError(f"delta, norm1, norm2, p1, u0 and v0 must broadcast to one shape, got {shapes}") from None
    past1, past2 = a1 >= target, a2 >= target
    gap1 = np.full(target.shape, -np.inf)   # log(2 n p t) per class; -inf: time 0
    gap2 = np.full(target.shape, -np.inf)
    gap1[~past1] = _log_gap(target[~past1], a1[~past1])
    gap2[~past2] = _log_gap(target[~past2], a2[~past2])
    log_t1, log_t2 = gap1 - np.log(2 * norm1 * p1), gap2 - np.log(2 * norm2 * (1 - p1))
    with np.errstate(over="ignore"):
        t1, t2 = np.exp(log_t1), np.exp(log_t2)
    approx = (norm1 / norm2) * (p1 / (1 - p1))
    exact = np.full(target.shape, np.nan)
    regular = ~past1 & ~past2
    exact[regular] = approx[regular] * np.exp(gap2[regular] - gap1[regular])  # no rounding of log 2np near 700
    exact[past2 & ~past1] = 0.0
    exact[past1 & ~past2] = np.inf
    applies = (a1 <= a2) & ~past2
    formula = np.full(target.shape, np.nan)
    if np.any(applies):
        ahead = applies & (a2 > a1)  # t_v > 0; where a2 == a1, t_v = 0 and the bracket is 1
        fraction = np.zeros(target.shape)  # t_v / t*
        fraction[ahead] = np.exp(_log_gap(a2[ahead], a1[ahead]) - gap1[ahead])
        formula[applies] = approx[applies] * (1 - fraction[applies])
    arrays = (np.asarray(a) for a in (exact, formula, approx, t1, t2, log_t1, log_t2, past1, past2, applies))
    return ConvergenceRatio(*arrays, reason=_describe(past1, past2, applies))
