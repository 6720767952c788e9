"""Gradient starvation (Sec. 6): bounds (7) and (D.2), Table 1, and the ODE (8) value.

The bounds are the derived general-norm forms of :func:`derivations.starvation`
(``norm1 = ||x1||``, ``norm2 = ||x2||``); at unit norms they are the paper's
printed values.  Each bound has a hypothesis on the initialization:

* bound (7), ``sigma(lambda (norm2/norm1)^2 L)`` with ``L = log((1-delta)/delta)``,
  holds when ``alpha0 >= beta0/lambda`` (Theorem 6.1), which includes every
  ``beta0 <= 0`` (Theorem D.2, first part);
* bound (D.2), ``sigma(lambda (norm2/norm1)^2 L + z_{t*} norm2^2 (beta0 - lambda alpha0))``,
  holds when ``beta0 >= 0`` (Theorem D.2; its proof needs ``beta_t >= 0``, and it
  genuinely fails for ``beta0 < 0``).

Both proofs use ``z alpha norm1^2 = L`` at ``t*``: for ``beta0 >= 0`` an
initialization whose hardest point (x1, 0) already starts past the target
(``z0 alpha0 norm1^2 > L``, so ``t* = 0``) is covered by neither theorem.
For ``beta0 < 0`` bound (7) holds in every case.

:func:`starved_confidence` reports a bound only where its hypothesis holds and
says why (``bound_7_applies``, ``bound_d2_applies``, ``reason``); the value of each
expression regardless of the hypothesis is in ``formula_7`` / ``formula_d2``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.special
import sympy as sp
from numpy.typing import ArrayLike

import derivations
from derivations.starvation import (alpha0 as a0_sym, beta0 as b0_sym, delta as d_sym, log_odds as odds_sym,
                                    z_star as z_sym)
from derivations.symbols import lam as lam_sym, n1 as n1_sym, n2 as n2_sym

from .compiled import compile_expr
from .flow import integrate
from ..validation import as_finite_array, require_frequency, require_positive

__all__ = ["bound_7", "bound_d2", "table1", "starved_confidence", "starved_confidences", "StarvedConfidence",
           "TABLE1_CONFIDENCES", "TABLE1_LAMBDAS"]

#: Rows and columns of the paper's Table 1.
TABLE1_CONFIDENCES = (0.99, 0.9999)
TABLE1_LAMBDAS = (0.5, 0.2, 0.1, 0.01)
#: Flow-time horizons for the starvation ODE to reach its stopping confidence: first try, last try.
FIRST_HORIZON = 100.0
HORIZON = 1e6
#: Growth factor of the horizon between tries.
HORIZON_GROWTH = 10.0


@lru_cache(maxsize=1)  # one pair of expressions, compiled once
def _bounds():
    """The logits of bounds (7) and (D.2), compiled in the log-odds L (computed stably from the confidence).

    The bounds are ``expit`` of these (the derived ``1/(1 + e^{-x})``, evaluated without overflow).
    """
    q = derivations.starvation().quantities
    odds = sp.log((1 - d_sym) / d_sym)
    b7, d2 = (q[name].subs(odds, odds_sym) for name in ("logit_bound_7", "logit_bound_d2"))
    if d_sym in b7.free_symbols | d2.free_symbols:  # pragma: no cover - guards the substitution
        raise RuntimeError("the starvation bounds are no longer written in log((1-delta)/delta)")
    logit_7 = compile_expr(b7, (odds_sym, lam_sym, n1_sym, n2_sym))
    logit_d2 = compile_expr(d2, (odds_sym, lam_sym, z_sym, a0_sym, b0_sym, n1_sym, n2_sym))
    return (lambda *a: scipy.special.expit(logit_7(*a))), (lambda *a: scipy.special.expit(logit_d2(*a)))


def _confidence(confidence):
    confidence = as_finite_array("confidence", confidence)
    bad = (confidence <= 0.5) | (confidence >= 1)
    if np.any(bad):
        raise ValueError(f"confidence (1 - delta) must lie in (0.5, 1), got {float(confidence[bad].ravel()[0])!r}")
    return confidence


def _check(confidence, lam):
    return _confidence(confidence), require_frequency("lam", lam)


def _norms(norm1, norm2):
    return require_positive("norm1", norm1), require_positive("norm2", norm2)


def bound_7(confidence: ArrayLike, lam: ArrayLike, *, norm1: ArrayLike = 1.0, norm2: ArrayLike = 1.0) -> np.ndarray:
    """Theorem 6.1, general norms: ``P_{t*}((0, x2)) <= sigma(lambda (norm2/norm1)^2 log((1-delta)/delta))``.

    It holds from initializations with ``alpha0 >= beta0/lambda`` (any ``beta0 <= 0``
    included); :func:`starved_confidence` checks that hypothesis.

    Parameters
    ----------
    confidence : array_like
        The stopping confidence ``1 - delta``, in (0.5, 1).
    lam : array_like
        Fraction of class-1 points carrying x2, in (0, 1].
    norm1, norm2 : array_like
        Feature norms ``||x1||``, ``||x2||`` (> 0); 1 gives the paper's Table 1.

    Returns
    -------
    ndarray
        The bound on the probability, in the broadcast shape of the arguments.

    Examples
    --------
    >>> round(float(bound_7(0.99, 0.5)), 4)
    0.9087
    >>> round(float(bound_7(0.99, 0.5, norm1=2.0, norm2=1.0)), 4)  # sigma(0.5 * log(99) / 4)
    0.6398
    """
    confidence, lam = _check(confidence, lam)
    norm1, norm2 = _norms(norm1, norm2)
    return _bounds()[0](scipy.special.logit(confidence), lam, norm1, norm2)


def bound_d2(confidence: ArrayLike, lam: ArrayLike, *, z_star: ArrayLike, alpha0: ArrayLike, beta0: ArrayLike,
             norm1: ArrayLike = 1.0, norm2: ArrayLike = 1.0) -> np.ndarray:
    """Theorem D.2, general norms: ``sigma(lambda (norm2/norm1)^2 L + z_{t*} norm2^2 (beta0 - lambda alpha0))``.

    ``L = log((1-delta)/delta)``.  The bound needs ``beta0 >= 0`` (for ``beta0 < 0``
    Theorem D.2 gives bound (7) instead, see :func:`bound_7`), so a negative
    ``beta0`` is refused.

    Parameters
    ----------
    confidence, lam, norm1, norm2 : array_like
        As in :func:`bound_7`.
    z_star : array_like
        The output weight ``z`` at the stopping time ``t*`` (> 0).
    alpha0, beta0 : array_like
        The initial ``alpha`` and ``beta`` (``beta0 >= 0``).

    Returns
    -------
    ndarray
        The bound on the probability, in the broadcast shape of the arguments.

    Examples
    --------
    >>> round(float(bound_d2(0.99, 0.5, z_star=2.0, alpha0=0.1, beta0=0.1)), 4)
    0.9166
    """
    confidence, lam = _check(confidence, lam)
    norm1, norm2 = _norms(norm1, norm2)
    beta0 = as_finite_array("beta0", beta0)
    if np.any(beta0 < 0):
        raise ValueError(f"beta0 must be >= 0 for the (D.2) bound (Theorem D.2 needs beta_t >= 0), got "
                         f"{float(beta0[beta0 < 0].ravel()[0])!r}; for beta0 < 0 bound (7) holds (bound_7)")
    return _bounds()[1](scipy.special.logit(confidence), lam, require_positive("z_star", z_star),
                        as_finite_array("alpha0", alpha0), beta0, norm1, norm2)


def table1() -> dict:
    """Bound (7) on the paper's grid: ``{confidence: {lambda: bound}}``.

    Returns
    -------
    dict
        ``{confidence: {lambda: bound}}`` for :data:`TABLE1_CONFIDENCES` and :data:`TABLE1_LAMBDAS`.

    Examples
    --------
    >>> round(table1()[0.99][0.1], 2)  # Table 1: 61%
    0.61
    """
    return {c: {lam: float(bound_7(c, lam)) for lam in TABLE1_LAMBDAS} for c in TABLE1_CONFIDENCES}


@dataclass(frozen=True)
class StarvedConfidence:
    """The ODE (8) value of ``P_{t*}((0, x2) in D1)`` and the bounds it is compared with.

    Attributes
    ----------
    confidence, lam : float
        Stopping confidence ``1 - delta`` and the fraction ``lambda``.
    stop_time : float
        ``t*``: the first flow time with ``P >= confidence`` on both class-1 points.
    alpha, beta, z : float
        State at ``t*``.
    probability : float
        ``P_{t*}((0, x2))`` given by the network, ``sigma(z max(beta norm2^2, 0))``
        (the ReLU of the unit is off on (0, x2) while ``beta <= 0``).
    bound_7, bound_d2 : float
        The bounds where their hypotheses hold (see ``bound_7_applies``,
        ``bound_d2_applies``), NaN otherwise.
    norm1, norm2 : float
        Feature norms.
    bound_7_applies, bound_d2_applies : bool
        ``alpha0 >= beta0/lambda`` (Theorem 6.1; includes ``beta0 <= 0``), and ``beta0 >= 0`` (Theorem D.2);
        for ``beta0 >= 0`` both also need ``z0 alpha0 norm1^2 <= L`` (t* is when (x1, 0) reaches L).
    reason : str
        Which hypothesis holds or fails, with the numbers.
    formula_7, formula_d2 : float
        The values of the two expressions whatever the hypotheses (not bounds when they fail).
    """

    confidence: float
    lam: float
    stop_time: float
    alpha: float
    beta: float
    z: float
    probability: float
    bound_7: float
    bound_d2: float
    norm1: float = 1.0
    norm2: float = 1.0
    bound_7_applies: bool = True
    bound_d2_applies: bool = True
    reason: str = ""
    formula_7: float = float("nan")
    formula_d2: float = float("nan")


def _hypotheses(lam, alpha0, beta0, z0, norm1, target):
    """Which bound holds from this initialization, and why (the hypotheses of Theorems 6.1 and D.2)."""
    start = z0 * alpha0 * norm1**2  # logit of the hardest point (x1, 0) at t = 0
    if start > target and beta0 >= 0:  # t* = 0 with z alpha n1^2 > L: the proofs' premise z alpha n1^2 = L fails
        return False, False, (f"neither bound applies: (x1, 0) starts past the target, z0 alpha0 norm1^2 = {start:g} > "
                              f"L = {target:g}, so t* = 0 and the theorems (which stop when P first reaches "
                              "1 - delta) say nothing")
    applies_7, applies_d2 = bool(beta0 <= lam * alpha0), bool(beta0 >= 0)
    if beta0 < 0:
        why_7 = (f"bound (7) holds: beta0 = {beta0:g} < 0 (Theorem D.2: beta_t <= lambda alpha_t once beta_t >= 0, "
                 "and P = 1/2 on (0, x2) while beta_t <= 0)")
    elif applies_7:
        why_7 = f"bound (7) holds: alpha0 = {alpha0:g} >= beta0/lambda = {beta0 / lam:g} (Theorem 6.1)"
    else:
        why_7 = (f"bound (7) is not a bound here: alpha0 = {alpha0:g} < beta0/lambda = {beta0 / lam:g} (Theorem 6.1 "
                 "needs alpha0 >= beta0/lambda)")
    why_d2 = (f"bound (D.2) holds: beta0 = {beta0:g} >= 0 (Theorem D.2)" if applies_d2 else
              f"bound (D.2) is not a bound here: beta0 = {beta0:g} < 0 (its proof needs beta_t >= 0; Theorem D.2 "
              "gives bound (7) instead)")
    return applies_7, applies_d2, f"{why_7}; {why_d2}"


def _integrate_to_stop(model, init, target, lam, norm1, norm2):
    """``(t*, state at t*)`` per row of ``init``: the first time both class-1 logits reach ``target``."""
    params = {"lambda": lam, "n_1": norm1, "n_2": norm2}
    horizon, t_star = FIRST_HORIZON, np.full(len(lam), np.nan)
    while not np.all(np.isfinite(t_star)) and horizon <= HORIZON:  # grow the horizon until every P is reached
        traj = integrate(model, init, [0.0, horizon], parameters=params,
                         targets={"x1_only": target, "x1_and_x2": target})
        t_star = np.maximum(traj.hitting_times["x1_only"], traj.hitting_times["x1_and_x2"])  # all of D1
        horizon *= HORIZON_GROWTH
    if not np.all(np.isfinite(t_star)):
        raise RuntimeError(f"P on class 1 did not reach sigma({target}) by flow time {HORIZON:g} (HORIZON); "
                           "the features are too weak (norm1, norm2) or the initialization too small")
    times, where = np.unique(t_star, return_inverse=True)
    if times[0] > 0:
        times, where = np.concatenate([[0.0], times]), where + 1
    at = integrate(model, init, times, parameters=params)
    return t_star, at.states[where.ravel(), np.arange(len(lam))]


def starved_confidences(confidence: float, lam: ArrayLike, *, alpha0: ArrayLike, beta0: ArrayLike, z0: ArrayLike,
                        norm1: ArrayLike = 1.0, norm2: ArrayLike = 1.0) -> tuple:
    """:func:`starved_confidence` for a batch of initializations, integrated together.

    ``lam``, ``alpha0``, ``beta0``, ``z0``, ``norm1`` and ``norm2`` broadcast to
    one shape (K values each); ``confidence`` is one number.  Returns a tuple of
    K :class:`StarvedConfidence`, in the flattened order of the broadcast.

    The ODE (8) is the network's flow only while the class-1 unit is active on
    both class-1 points and its output weight is positive, which the flow keeps
    once it holds at t = 0: so ``alpha0 > 0``, ``z0 > 0`` and
    ``alpha0 norm1^2 + beta0 norm2^2 > 0`` are required.

    Parameters
    ----------
    confidence : float
        The stopping confidence ``1 - delta``, in (0.5, 1).
    lam : array_like
        Fraction of class-1 points carrying x2, in (0, 1].
    alpha0, beta0, z0 : array_like
        Initial state (``alpha0 > 0``, ``z0 > 0``).
    norm1, norm2 : array_like
        Feature norms (> 0).

    Returns
    -------
    tuple of StarvedConfidence

    Examples
    --------
    >>> a, b = starved_confidences(0.99, 0.5, alpha0=0.1, beta0=[0.05, -0.05], z0=0.1)
    >>> a.bound_7_applies, a.bound_d2_applies, b.bound_7_applies, b.bound_d2_applies
    (True, True, True, False)
    """
    confidence = _confidence(confidence)
    if confidence.ndim:
        raise ValueError(f"confidence must be one number, got shape {confidence.shape}")
    lam = require_frequency("lam", lam)
    norm1, norm2 = _norms(norm1, norm2)
    alpha0, z0 = require_positive("alpha0", alpha0), require_positive("z0", z0)
    beta0 = as_finite_array("beta0", beta0)
    lam, alpha0, beta0, z0, norm1, norm2 = (np.ravel(a).astype(float) for a in
                                            np.broadcast_arrays(lam, alpha0, beta0, z0, norm1, norm2))
    inactive = alpha0 * norm1**2 + beta0 * norm2**2 <= 0
    if np.any(inactive):
        k = int(np.flatnonzero(inactive)[0])
        raise ValueError("alpha0 norm1^2 + beta0 norm2^2 must be > 0 (the unit must be active on (x1, x2)), got "
                         f"alpha0 = {alpha0[k]!r}, beta0 = {beta0[k]!r}, norm1 = {norm1[k]!r}, norm2 = {norm2[k]!r}")
    model = derivations.starvation()
    init = np.stack([alpha0, beta0, z0], axis=1)
    target = float(scipy.special.logit(confidence))
    args = tuple(model.state) + tuple(model.parameters)  # parameters: (lambda, n_1, n_2)
    logit_of = {name: compile_expr(model.logit(name), args) for name in ("x1_only", "x1_and_x2", "x2_only")}
    done = ((logit_of["x1_only"](alpha0, beta0, z0, lam, norm1, norm2) >= target)
            & (logit_of["x1_and_x2"](alpha0, beta0, z0, lam, norm1, norm2) >= target))  # already there: t* = 0
    t_star, state = np.zeros(len(lam)), init.copy()
    move = ~done
    if np.any(move):
        t_star[move], state[move] = _integrate_to_stop(model, init[move], target, lam[move], norm1[move], norm2[move])
    logit_02 = logit_of["x2_only"](*state.T, lam, norm1, norm2)
    prob = scipy.special.expit(np.maximum(logit_02, 0.0))  # z > 0: the ReLU output on (0, x2) is max(beta n2^2, 0)
    f7 = bound_7(confidence, lam, norm1=norm1, norm2=norm2)
    fd2 = _bounds()[1](target, lam, state[:, 2], alpha0, beta0, norm1, norm2)
    out = []
    for i in range(len(lam)):
        applies_7, applies_d2, reason = _hypotheses(lam[i], alpha0[i], beta0[i], z0[i], norm1[i], target)
        a, b, z = (float(v) for v in state[i])
        out.append(StarvedConfidence(
            float(confidence), float(lam[i]), float(t_star[i]), a, b, z, float(prob[i]),
            float(f7[i]) if applies_7 else float("nan"), float(fd2[i]) if applies_d2 else float("nan"),
            float(norm1[i]), float(norm2[i]), applies_7, applies_d2, reason, float(f7[i]), float(fd2[i])))
    return tuple(out)


def starved_confidence(confidence: float, lam: float, *, alpha0: float = 0.1, beta0: float = 0.1, z0: float = 0.1,
                       norm1: float = 1.0, norm2: float = 1.0) -> StarvedConfidence:
    """Integrate (8) until ``P >= confidence`` on all of D1; report P on (0, x2) and the bounds that apply.

    Parameters
    ----------
    confidence, lam, alpha0, beta0, z0, norm1, norm2 : float
        One number each; see :func:`starved_confidences` (the batch version).

    Returns
    -------
    StarvedConfidence

    Examples
    --------
    >>> s = starved_confidence(0.99, 0.5)
    >>> s.probability <= s.bound_d2
    True
    >>> s = starved_confidence(0.99, 0.05, alpha0=0.2, beta0=-0.1, z0=0.1)
    >>> s.bound_d2_applies, s.probability <= s.bound_7
    (False, True)
    """
    for name, value in (("alpha0", alpha0), ("beta0", beta0), ("z0", z0)):
        if np.ndim(as_finite_array(name, value)):
            raise ValueError(f"{name} must be one number; use starved_confidences for a batch")
    return starved_confidences(confidence, lam, alpha0=alpha0, beta0=beta0, z0=z0, norm1=norm1, norm2=norm2)[0]
