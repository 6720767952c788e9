"""The balanced class logit u(t): closed forms inverted robustly, or the reduced ODE.

All formulas are the derived ones of :func:`derivations.deep` (``deep(2)`` is the
class-1 half of ``two_layer``, proven equal in the tests), compiled with
:mod:`dynamics.theory.compiled`.

Class 2 (negative logits) uses the mirror proven in ``two_layer().check()``:
``v(t) = -u(t)`` started from ``|v0|``, with ``p`` the class-2 frequency and
``norm`` the class-2 input norm.  Pass ``u0 < 0`` to get ``v(t)``.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Dict, Optional

import numpy as np
import scipy.integrate
import scipy.optimize
import scipy.special
import sympy as sp
from numpy.typing import ArrayLike
from scipy.interpolate import CubicHermiteSpline

import derivations
from derivations.symbols import n, p as p_sym, t as t_sym, u as u_sym, u0 as u0_sym
from derivations.validation import MAX_DEPTH, require_depth

from ..validation import as_finite_array, require_choice, require_frequency, require_positive
from .compiled import compile_expr
from .roots import solve_increasing

__all__ = ["logit", "time_to_confidence", "growth_bound", "depth_crossover", "DepthCrossover", "CLOSED_FORM_LOSSES", "METHODS",
           "EI_OVERFLOW"]

#: The losses whose balanced logit this module computes: the built-in names of :data:`derivations.LOSS_NAMES`
#: with a closed form or a quadrature here (the squared loss's logit is not monotone past the margin).
CLOSED_FORM_LOSSES = tuple(name for name in derivations.LOSS_NAMES if name in ("bce", "hinge"))
METHODS = ("closed_form", "ode")
#: Compiled bundles kept by :func:`_compiled` and :func:`_log_rate`: one per (depth, loss), so every accepted
#: pair fits (the cache is keyed by value and bounded by construction).
COMPILED_CACHE_SIZE = (MAX_DEPTH - 1) * len(CLOSED_FORM_LOSSES)
#: Above this argument ``scipy.special.expi`` overflows float64 (Ei(709.8) ~ 1.8e308 / 709).
EI_OVERFLOW = 700.0
#: Ei(u) > 0 above this (Ei's only positive zero is 0.37250741...); log Ei(u) is taken only there.
EI_POSITIVE = 0.3725074107813667
#: Terms of the asymptotic series e^{-u} Ei(u) ~ (1/u) sum_k k!/u^k used past EI_OVERFLOW
#: (the 13th term is below 1e-27 relative there).
ASYMPTOTIC_TERMS = 12
#: Inverse table of G(u) = log u + Ei(u) for Newton's starting points: range and size
#: (spacing 6e-4 in log u; cubic Hermite interpolation is then accurate to ~1e-13, so one Newton
#: step, final by FINAL_STEP, confirms it).
TABLE_LOWEST = 1e-13
TABLE_SIZE = 65_536
#: Newton steps below this (relative, in log u) are final: the curvature ratio of t(log u)
#: is at most u <= 700 there, so the remaining error is below 700/2 * 1e-18 ~ 4e-16.
FINAL_STEP = 1e-9
#: Tolerances of the reduced-ODE integration (in s = log u).
ODE_RTOL = 1e-13
ODE_ATOL = 1e-14
#: Initial logits scanned by :func:`depth_crossover`: from CROSSOVER_LOWEST up to the target, CROSSOVER_GRID
#: points whose distances to log(target) are geometric down to CROSSOVER_CLOSEST (ratio ~1.25 between
#: neighbours, so a sign change of the time difference is not stepped over); Brent's method refines it.
CROSSOVER_LOWEST = 1e-300
CROSSOVER_CLOSEST = 1e-9
CROSSOVER_GRID = 96
#: Relative tolerance of the crossover logit u0*.
CROSSOVER_RTOL = 1e-12
#: The rate scale ``norm^(2/N) p`` must lie in [1/RATE_SCALE_LIMIT, RATE_SCALE_LIMIT]: inside, every
#: product of it with a time or a logit term stays a normal float (it underflows to 0 near 1e-308).
RATE_SCALE_LIMIT = 1e300
#: Largest ``norm^(2/N) p t`` accepted by ``method="ode"``: the integrator's step count grows with
#: log t (about 1 s at 1e150 on one core) and DOP853 fails near 1e200; the closed form has no limit.
ODE_MAX_SCALED_TIME = 1e100
#: Relative tolerance and subinterval cap of the depth-N quadrature (the integrand of the time can
#: peak at both ends, with widths 1/u: adaptive bisection needs ~log2(700 * 1500) ~ 20 levels at each).
QUAD_EPSREL = 1e-13
QUAD_LIMIT = 400
#: Largest estimated relative error of a quadrature accepted (QUADPACK's estimate is pessimistic).
QUAD_ACCEPT = 1e-10
#: Doublings of the upper bracket in log u (2^12 > log of the largest float, so more are never needed).
BRACKET_DOUBLINGS = 12
#: log of the largest float: no logit above it.
LOG_FLOAT_MAX = float(np.log(np.finfo(float).max))


def _margin(loss: str) -> Optional[float]:
    """Where the derived loss stops learning (``Loss.stop_margin``, 1 for the hinge), or None if it never does.

    Behaviour is read off the loss object, never off its name.
    """
    stop = derivations.resolve_loss(loss).stop_margin
    return None if stop is None else float(stop)


@lru_cache(maxsize=COMPILED_CACHE_SIZE)
def _compiled(depth: int, loss: str) -> Dict[str, Callable]:
    model = derivations.deep(depth, loss)
    red = model.reductions[0]
    args = (u_sym, n, p_sym)
    out = {"rhs": compile_expr(red.rhs, args)}
    if red.closed_form is not None:
        out["time"] = compile_expr(red.closed_form.time, (u_sym, u0_sym, n, p_sym))
        # t(u; u0) = A(u) - A(u0) with A(u) = t(u; u0 = 1): one Ei per Newton evaluation instead of two.
        out["antiderivative"] = compile_expr(red.closed_form.time.subs(u0_sym, 1), (u_sym, n, p_sym))
        if red.closed_form.value is not None:
            out["value"] = compile_expr(red.closed_form.value, (t_sym, u0_sym, n, p_sym))
    if "stopping_time" in model.quantities:
        out["stop"] = compile_expr(model.quantity("stopping_time"), (u0_sym, n, p_sym))
    # The rate scale: the derived rate divided by its value at n = p = 1, which must be free of u
    # (then u depends on n, p, t only through scale * t, and formulas may be evaluated at n = p = 1).
    scale = sp.powsimp(sp.simplify(red.rhs / red.rhs.subs({n: 1, p_sym: 1})), force=True)
    if scale.has(u_sym):
        raise RuntimeError(f"the derived rate of deep({depth}, {loss!r}) does not factor as scale(n, p) * g(u)")
    out["log_scale"] = compile_expr(sp.expand_log(sp.log(scale), force=True), (n, p_sym))
    out["scale"] = compile_expr(scale, (n, p_sym))  # a normal float once log_scale is checked: no over/underflow
    return out


def _stable_bound(t, norm, p, u0):
    """The derived bound (19), ``2 log(n p t + e^{u0/2})``, evaluated as a logaddexp so it stays finite
    where ``n p t`` or ``e^{u0/2}`` overflow (a test checks it against the lambdified derived expression)."""
    with np.errstate(divide="ignore"):
        return 2 * np.logaddexp(np.log(norm) + np.log(p) + np.log(t), u0 / 2)


def growth_bound(t: ArrayLike, *, norm: ArrayLike = 1.0, p: ArrayLike = 1.0, u0: ArrayLike) -> np.ndarray:
    """The bound (19) ``u(t) <= 2 log(norm p t + e^{u0/2})`` on the balanced BCE logit.

    It is the derived quantity ``"growth_bound"`` of ``derivations.two_layer("bce")``,
    evaluated as a log-sum-exp so that it stays finite for any ``t``.

    Parameters
    ----------
    t : array_like
        Flow time(s), >= 0.
    norm : array_like
        Input norm of the class (> 0).
    p : array_like
        Class frequency, in (0, 1].
    u0 : array_like
        Initial logit (> 0).

    Returns
    -------
    ndarray
        The bound, in the broadcast shape of the arguments.

    Examples
    --------
    >>> float(growth_bound(0.0, u0=0.3))
    0.3
    """
    t = _require_time(t)
    norm, p, u0 = require_positive("norm", norm), require_frequency("p", p), require_positive("u0", u0)
    return _stable_bound(t, norm, p, u0)


def _scaled_ei(u):
    """``log(e^{-u} Ei(u))`` for ``u > 0.38`` (Ei > 0), overflow-free."""
    u = np.asarray(u, dtype=float)
    out = np.empty_like(u)
    small = u < EI_OVERFLOW
    out[small] = np.log(scipy.special.expi(u[small])) - u[small]
    big = u[~small]
    series = np.zeros_like(big)
    term = np.ones_like(big)
    for k in range(ASYMPTOTIC_TERMS):
        series += term
        term = term * (k + 1) / big
    out[~small] = np.log(series) - np.log(big)
    return out


@lru_cache(maxsize=1)  # one table, built once
def _inverse_table():
    """``(psi, log u, d log u / d psi, G(u) - G(1), spline)`` on a grid uniform in log u, psi = asinh(G(u) - G(1)).

    G(u) = log u + Ei(u) is increasing, so the table inverts it.  The asinh
    keeps log u a gently curved function of psi at both ends (log-like for large
    u, exponential-like for tiny u), so cubic Hermite interpolation
    (:class:`scipy.interpolate.CubicHermiteSpline`, ``spline``) is accurate to
    ~1e-14 everywhere.  Values come from the derived antiderivative
    (``t(u; u0=1)`` at ``2 n p = 1``) and slopes from the derived rate.
    """
    f = _compiled(2, "bce")
    s = np.linspace(np.log(TABLE_LOWEST), np.log(EI_OVERFLOW), TABLE_SIZE)
    u = np.exp(s)
    level = f["antiderivative"](u, 0.5, 1.0)
    with np.errstate(over="ignore"):
        dlevel_ds = u / f["rhs"](u, 0.5, 1.0)
    psis, slopes = np.arcsinh(level), np.hypot(1.0, level) / dlevel_ds
    return psis, s, slopes, level, CubicHermiteSpline(psis, s, slopes, extrapolate=False)


def _initial_guess(level):
    """``log u`` where G(u) - G(1) = ``level``: cubic Hermite interpolation of the inverse table in psi."""
    *_, levels, spline = _inverse_table()
    guess = spline(np.arcsinh(level))  # NaN outside the table
    small = 0.5 * (level + scipy.special.expi(1.0) - np.euler_gamma)  # below the table: G ~ 2 log u + gamma
    return np.where(level < levels[0], small, np.where(level > levels[-1], np.nan, guess))


def _bce_depth2(t, u0, norm, p, *, polish=False):
    """Invert the derived t(u) = [log(u/u0) + Ei(u) - Ei(u0)]/(2 n p) in s = log u.

    Inside the inverse table the interpolated value is the answer (relative
    error below ~4e-14, measured on 1e6 random cases and enforced by the tests);
    ``polish=True`` adds a Newton step on the derived t(u) everywhere.  Outside
    the table (u > 700 or below 1e-13) safeguarded Newton does the work, with an
    overflow-free formulation past Ei's float range.
    """
    f = _compiled(2, "bce")
    lo = np.log(u0)
    hi = np.log(np.maximum(_stable_bound(t, norm, p, u0), u0))  # u(t) <= bound (19)
    big = hi > np.log(EI_OVERFLOW)
    s = np.where(big, lo, hi)

    # Work at unit rate scale (2 n p = 1: norm 1, p 1/2) in the level G(u) - G(1), G = log u + Ei(u):
    # A(u) = A(u0) + t becomes level(u) = level(u0) + 2 n p t, with no division by a tiny n p.
    with np.errstate(over="ignore"):
        drive = 2 * (norm * p) * t  # n p is a normal float (the rate scale is checked); 2 n might overflow

    def direct(x, i):
        uu = np.exp(x)
        return f["antiderivative"](uu, 1.0, 0.5) - level[i], uu / f["rhs"](uu, 1.0, 0.5)

    def scaled(x, i):
        # log(Ei(u) - Ei(u0) + log(u/u0)) = log(2 n p t), written as L(u) + log(A) with L = log Ei(u) and
        # A = 1 - Ei(u0)/Ei(u) + log(u/u0)/Ei(u): overflow-free for every u0 > 0 (Ei(u0) of either sign).
        uu = np.exp(x)
        ok = uu > EI_POSITIVE
        safe = np.where(ok, uu, 1.0)
        scaled_u = _scaled_ei(safe)
        log_ei = safe + scaled_u
        with np.errstate(under="ignore", over="ignore"):
            rest = (x - lo[i]) * np.exp(-log_ei)
            ratio = np.exp(log_ei0[i] - log_ei)  # |Ei(u0)| / Ei(u)
            area = np.where(positive0[i], -np.expm1(log_ei0[i] - log_ei) + rest, 1.0 + ratio + rest)
            slope = (np.exp(-scaled_u) + np.exp(-log_ei)) / area
        good = ok & (area > 0)
        value = np.where(good, log_ei + np.log(np.where(good, area, 1.0)) - log_drive[i], -np.inf)
        return value, np.where(good, slope, np.inf)

    if np.any(~big):
        idx = np.flatnonzero(~big)
        level = np.zeros_like(u0)
        level[idx] = f["antiderivative"](u0[idx], 1.0, 0.5) + drive[idx]
        guess = _initial_guess(level[idx])
        tabulated = np.isfinite(guess) & (guess >= lo[idx]) & (guess <= hi[idx]) & (not polish)
        s[idx[tabulated]] = guess[tabulated]
        rest = idx[~tabulated]
        if rest.size:
            start = np.clip(guess[~tabulated], lo[rest], hi[rest])
            s[rest] = solve_increasing(lambda x, i: direct(x, rest[i]), lo[rest], hi[rest], start,
                                       final_step=FINAL_STEP)
    frozen = np.zeros_like(big)
    if np.any(big):  # cannot move by half an ulp of u0: u0 is the answer
        frozen[big] = _frozen(2, "bce", t[big], u0[big], norm[big], p[big])
        big &= ~frozen
    if np.any(big):
        idx = np.flatnonzero(big)
        with np.errstate(divide="ignore"):
            log_drive = np.log(2.0) + np.log(norm) + np.log(p) + np.log(t)  # log(2 n p t), never overflows
        positive0 = u0 > EI_POSITIVE
        safe0 = np.where(positive0, u0, EI_OVERFLOW)  # placeholder where Ei(u0) <= 0
        with np.errstate(divide="ignore"):  # log|Ei(u0)| = -inf at Ei's zero is exact
            log_ei0 = np.where(positive0, safe0 + _scaled_ei(safe0),
                               np.log(np.abs(scipy.special.expi(np.where(positive0, 1.0, u0)))))
        s[idx] = solve_increasing(lambda x, i: scaled(x, idx[i]), lo[idx], hi[idx], hi[idx])
    return np.where(frozen, u0, np.exp(s))


def _log_rate_expr(rhs):
    """``log f(e^s)`` as a sympy expression of ``s``, from the derived rate ``f(u)``, overflow-free.

    Each factor ``b^k`` of ``f`` contributes ``k log b``; ``log u`` becomes ``s``
    (no underflow for tiny u), and a factor growing like ``e^u`` (the BCE
    ``1 + e^u``) is written ``u + log(b e^{-u})`` so that huge logits stay finite.
    """
    s = sp.Symbol("s", real=True)
    total = sp.Integer(0)
    for factor in sp.Mul.make_args(rhs):
        base, power = factor.as_base_exp()
        if base == u_sym:
            total += power * s
        elif base.has(sp.exp(u_sym)):
            total += power * (u_sym + sp.log(sp.expand(base * sp.exp(-u_sym))))
        else:
            total += power * sp.log(base)
    return s, total.subs(u_sym, sp.exp(s))


@lru_cache(maxsize=COMPILED_CACHE_SIZE)
def _log_rate(depth: int, loss: str) -> Callable:
    s, expr = _log_rate_expr(derivations.deep(depth, loss).reductions[0].rhs)
    return compile_expr(expr, (s, n, p_sym))


def _log_time(depth, loss, s0, s1, norm, p):
    """``log t`` with t the flow time from ``u0 = e^{s0}`` to ``u = e^{s1}`` (elementwise, s1 >= s0).

    ``t`` is the integral of ``1/f(u) du`` for the derived rate f: below u = 1 in
    ``s = log u`` (integrand ``e^{s - log f}``, smooth for tiny logits), above it in
    u (integrand ``e^{-log f}``, which grows like ``e^u`` for BCE).  Each piece is
    scaled by its largest endpoint value ``e^m`` (``-log f`` is convex for BCE and
    linear in s for hinge, so the scaled integrand is at most 1) and the pieces are
    added in logs: neither tiny logits (1e-300) nor times beyond float range overflow.
    """
    log_rate = _log_rate(depth, loss)
    out = np.full(np.shape(s1), -np.inf)
    for k in np.ndindex(np.shape(s1)):
        a, b, nk, pk = float(s0[k]), float(s1[k]), float(norm[k]), float(p[k])
        pieces = []
        if a < min(b, 0.0):  # u < 1, in s
            top = max(a - log_rate(a, nk, pk), min(b, 0.0) - log_rate(min(b, 0.0), nk, pk))
            pieces.append(top + _log_quad(lambda s: np.exp(s - log_rate(s, nk, pk) - top), a, min(b, 0.0)))
        if b > max(a, 0.0):  # u > 1, in u
            lo, hi = np.exp(max(a, 0.0)), np.exp(b)
            top = -min(log_rate(np.log(lo), nk, pk), log_rate(b, nk, pk))
            pieces.append(top + _log_quad(lambda x: np.exp(-log_rate(np.log(x), nk, pk) - top), lo, hi))
        if pieces:
            out[k] = np.logaddexp.reduce(pieces)
    return out


def _log_quad(integrand, a, b):
    """``log`` of the integral of a positive ``integrand`` over ``[a, b]`` to relative QUAD_EPSREL."""
    value, error = scipy.integrate.quad(integrand, a, b, epsabs=0.0, epsrel=QUAD_EPSREL, limit=QUAD_LIMIT,
                                        full_output=True)[:2]
    if not error <= QUAD_ACCEPT * value:  # never seen; refuse rather than return a wrong time
        raise RuntimeError(f"the quadrature of the flow time did not converge on [{a:g}, {b:g}] "
                           f"(estimated relative error {error / value:.2g})")
    return np.log(value)


def _quad_time(depth, loss, u_target, u0, norm, p):
    """Flow time from u0 to u_target by quadrature of the derived 1/f; a ValueError if beyond float range."""
    with np.errstate(over="ignore"):
        out = np.exp(_log_time(depth, loss, np.log(u0), np.log(u_target), norm, p))
    return _require_representable(out)


def _require_representable(time):
    if not np.all(np.isfinite(time)):
        raise ValueError(f"the flow time exceeds the float range (> {np.finfo(float).max:.3g}) for some "
                         "u0/norm/p: from such a u0 the logit moves too slowly to reach the target")
    return time


def _frozen(depth, loss, t, u0, norm, p):
    """Where the logit cannot move by half an ulp of u0 in time t: ``t f(u0) < ulp(u0)/2``.

    Past its maximum the BCE rate f decreases, so reaching the next float takes
    at least ``ulp/f(u0)`` and the rounded answer is exactly u0.
    """
    with np.errstate(divide="ignore"):
        return np.log(t) + _log_rate(depth, loss)(np.log(u0), norm, p) < np.log(0.5 * np.spacing(u0))


def _bce_deep(depth, t, u0, norm, p):
    """Invert the depth-N quadrature time by safeguarded Newton on ``log t(s) - log t`` in s = log u.

    Newton starts from the reduced ODE's answer (bracket ``[log u0, log(2 u + u0)]``);
    beyond the ODE's range (see ODE_MAX_SCALED_TIME) the bracket is found instead by
    doubling ``hi - max(log u0, 0)`` until ``t(e^hi) >= t``.
    """
    log_rate = _log_rate(depth, "bce")

    def residual_for(lo, log_t, nn, pp):
        def residual(x, i):
            log_time = _log_time(depth, "bce", lo[i], x, nn[i], pp[i])
            with np.errstate(over="ignore", invalid="ignore"):
                slope = np.exp(x - log_rate(x, nn[i], pp[i]) - log_time)
            return log_time - log_t[i], slope
        return residual

    lo = np.log(u0)
    log_t = np.log(t)
    frozen = _frozen(depth, "bce", t, u0, norm, p)
    out = u0.copy()
    move = np.flatnonzero(~frozen)
    if move.size == 0:
        return out
    lo, log_t, nn, pp = lo[move], log_t[move], norm[move], p[move]
    with np.errstate(divide="ignore"):
        within = np.log(t[move]) + (2.0 / depth) * np.log(nn) + np.log(pp) <= np.log(ODE_MAX_SCALED_TIME)
    if np.all(within):
        # the reduced ODE (accurate to ~1e-13) is Newton's start; twice it brackets the root generously
        guess = np.log(_ode(depth, "bce", t[move], u0[move], nn, pp))
        hi = np.log(2.0 * np.exp(guess) + u0[move])
        out[move] = np.exp(solve_increasing(residual_for(lo, log_t, nn, pp), lo.copy(), hi, guess))
        return out
    base = np.maximum(lo, 0.0)
    hi, step, low = base + 1.0, 1.0, lo.copy()
    for _ in range(BRACKET_DOUBLINGS):
        short = _log_time(depth, "bce", lo, hi, nn, pp) < log_t
        if not np.any(short):
            break
        low = np.where(short, hi, low)
        step *= 2.0
        hi = np.where(short, np.minimum(base + step, LOG_FLOAT_MAX), hi)
    else:
        raise ValueError("t is beyond the range the balanced logit can be computed in float64")

    out[move] = np.exp(solve_increasing(residual_for(lo, log_t, nn, pp), low, hi, hi))
    return out


def _ode(depth, loss, t, u0, norm, p):
    """Integrate the derived reduced ODE for every element in one solve_ivp call.

    Each element runs on its own clock: with tau in [0, 1] and ``s = log u``,
    ``ds/dtau = t_i f(e^s)/e^s`` (evaluated as ``t_i exp(log f - s)``, finite for
    any logit); the answer is ``s(1)``.  Hinge modes stop at u = 1: callers clamp their
    t at the derived stopping time, and the result is capped at 1 (rounding).
    """
    log_rate = _log_rate(depth, loss)
    s0 = np.log(u0)
    margin = _margin(loss)
    with np.errstate(divide="ignore"):
        log_t = np.log(t)

    def field(_, s):  # hinge clocks end at the derived stopping time (the caller clamps t), so no switch at u = 1
        with np.errstate(under="ignore", over="ignore"):
            return np.exp(log_t + log_rate(s, norm, p) - s)

    sol = scipy.integrate.solve_ivp(field, (0.0, 1.0), s0, method="DOP853", rtol=ODE_RTOL, atol=ODE_ATOL)
    if not sol.success:
        raise RuntimeError(f"the reduced ODE failed to integrate: {sol.message}")
    out = np.exp(sol.y[:, -1])
    return out if margin is None else np.minimum(out, margin)


def _check_ode_range(depth, t, norm, p):
    """Refuse ``method="ode"`` where its step count explodes: ``norm^(2/N) p t > ODE_MAX_SCALED_TIME``."""
    with np.errstate(divide="ignore"):
        scaled = np.log(t) + (2.0 / depth) * np.log(norm) + np.log(p)
    if np.any(scaled > np.log(ODE_MAX_SCALED_TIME)):
        raise ValueError(f"t is too large for method='ode': norm**(2/depth) * p * t must be at most "
                         f"{ODE_MAX_SCALED_TIME:g} (got t up to {float(np.max(t)):g}); "
                         "use method='closed_form', which has no such limit")


def _require_time(t):
    t = as_finite_array("t", t)
    if np.any(t < 0):
        raise ValueError(f"t must be >= 0 (flow time), got {float(t[t < 0].ravel()[0])!r}")
    return t


def _first_bad(values, bad):
    return float(np.ravel(values[bad])[0])


def _confidence_target(loss, confidence):
    """``confidence`` checked for ``loss``, and the logit it corresponds to.

    For a loss that never stops (BCE) the confidence is ``sigma(u)``; for one that
    stops at a margin (the hinge, margin 1) it is the logit ``u`` itself, as in Fig. 5.
    """
    confidence = as_finite_array("confidence", confidence)
    margin = _margin(loss)
    if margin is None:
        bad = (confidence <= 0.5) | (confidence >= 1)
        if np.any(bad):
            raise ValueError(f"confidence must lie in (0.5, 1) for {loss} (it is sigma(u); 1 is never reached), "
                             f"got {_first_bad(confidence, bad)!r}")
        return confidence, scipy.special.logit(confidence)
    bad = (confidence <= 0) | (confidence > margin)
    if np.any(bad):
        raise ValueError(f"confidence must lie in (0, {margin:g}] for {loss} (it is the logit u, capped at the margin "
                         f"{margin:g}), got {_first_bad(confidence, bad)!r}")
    return confidence, confidence


def _prepare(loss, norm, p, u0, depth, method=METHODS[0]):
    require_choice("loss", loss, CLOSED_FORM_LOSSES)
    require_choice("method", method, METHODS)
    depth = require_depth(depth)
    norm, p = require_positive("norm", norm), require_frequency("p", p)
    # The derived rate is norm^(2/N) p times a function of u (eq. 5): this scale must be a normal float.
    log_scale = _compiled(depth, loss)["log_scale"](norm, p)
    if np.any(np.abs(log_scale) > np.log(RATE_SCALE_LIMIT)):
        bad = float(np.ravel(log_scale[np.abs(log_scale) > np.log(RATE_SCALE_LIMIT)])[0] / np.log(10))
        raise ValueError(f"norm**(2/depth) * p (the rate scale of eq. 5) must lie in [{1 / RATE_SCALE_LIMIT:g}, "
                         f"{RATE_SCALE_LIMIT:g}], got 10**{bad:.4g} from norm and p")
    u0 = as_finite_array("u0", u0)
    if np.any(u0 == 0):
        raise ValueError("u0 must be non-zero: > 0 for class 1, < 0 for class 2 (u0 = 0 is a fixed point), got 0.0")
    return depth, norm, p, u0


def logit(t: ArrayLike, *, loss: str = "bce", norm: ArrayLike = 1.0, p: ArrayLike = 1.0, u0: ArrayLike,
          depth: int = 2, method: str = "closed_form") -> np.ndarray:
    """The balanced logit u(t) of a class mode, from the derived equations.

    Parameters
    ----------
    t : array_like
        Flow time(s), >= 0 (learning rate x number of updates).
    loss : {"bce", "hinge"}
        For hinge the logit is capped at 1: learning stops at the margin.
    norm : array_like
        Input norm ``||x||`` of the class.
    p : array_like
        Frequency of the class, in (0, 1]; it scales time.
    u0 : array_like
        Initial logit, non-zero.  ``u0 < 0`` selects class 2: the result is
        ``v(t) = -u(t; |u0|)`` (the mirror of eq. 16), ``norm`` and ``p`` being
        those of class 2.  For hinge, ``|u0| >= 1`` is outside the margin and
        stays put (no gradient).
    depth : int
        Number of weight layers N (eq. 5); 2 is the two-layer network (eq. 14).
    method : {"closed_form", "ode"}
        ``"closed_form"``: BCE depth 2 inverts eq. (15) (overflow-safe for any
        u0, t); BCE depth N inverts the quadrature of 1/f; hinge uses the
        explicit solution and stopping time.  ``"ode"``: integrates the reduced
        ODE with ``solve_ivp`` (all elements in one call).

    Returns
    -------
    ndarray
        Broadcast shape of ``t, norm, p, u0``.

    Raises
    ------
    ValueError
        Bad arguments (the message names the parameter, its range and value);
        ``norm**(2/depth) * p`` outside ``[1e-300, 1e300]`` (RATE_SCALE_LIMIT);
        ``method="ode"`` with ``norm**(2/depth) * p * t > 1e100``
        (ODE_MAX_SCALED_TIME; the closed form has no limit on t).
    TypeError
        Non-numeric arguments, or a depth that is not an integer.

    Notes
    -----
    Every finite ``t >= 0`` and ``u0 != 0`` is accepted by the closed form and
    returns in bounded time: depth 2 inverts eq. (15) overflow-free for every
    u0 (including u0 < 0.3725, where Ei(u0) < 0); depth N inverts the quadrature
    of the derived 1/f, computed in logs (no under/overflow from u0 = 1e-300 to
    t = 1e300).  Where the logit cannot move by half an ulp of u0 in time t
    (huge u0: the BCE drive e^{-u} vanishes) u0 itself is returned, exactly.
    Deep hinge uses the derived explicit solution
    ``u = (u0^{-(1-2/N)} - (N - 2) n^{2/N} p t)^{-1/(1-2/N)}`` until u = 1.

    Examples
    --------
    >>> round(float(logit(10.0, u0=0.1)), 10)
    3.5891793972
    >>> float(logit(10.0, u0=0.1, loss="hinge"))
    1.0
    >>> round(float(logit(10.0, u0=-0.1)), 10)
    -3.5891793972
    """
    depth, norm, p, u0 = _prepare(loss, norm, p, u0, depth, method)
    t = _require_time(t)
    t, norm, p, u0 = np.broadcast_arrays(t, norm, p, u0)
    shape = t.shape
    t, norm, p, u0 = (np.ravel(a).astype(float) for a in (t, norm, p, u0))
    sign, a0 = np.sign(u0), np.abs(u0)
    out = a0.copy()
    margin = _margin(loss)  # None: learning never stops
    move = (t > 0) if margin is None else (t > 0) & (a0 < margin)
    if np.any(move):
        tt, aa, nn, pp = t[move], a0[move], norm[move], p[move]
        with np.errstate(over="ignore", under="ignore"):
            if method == "ode":
                # at unit rate scale (n = p = 1, time scale * t): the field never multiplies extreme n and p
                with np.errstate(over="ignore"):
                    tt = tt * _compiled(depth, loss)["scale"](nn, pp)
                nn, pp = np.ones_like(nn), np.ones_like(pp)
                _check_ode_range(depth, tt, nn, pp)
                frozen = np.zeros(tt.shape, bool) if margin is not None else _frozen(depth, loss, tt, aa, nn, pp)
                tt = np.where(frozen, 0.0, tt)  # logits that cannot move by half an ulp stay exactly u0
                reached = np.zeros(tt.shape, bool)
                if margin is not None:  # nothing moves after the derived stopping time (u = margin)
                    stop = _compiled(depth, loss)["stop"](aa, nn, pp)
                    reached = tt >= stop  # at the margin exactly, as the event of the full flow says
                    tt = np.minimum(tt, stop)
                out[move] = np.where(frozen, aa, np.where(reached, margin, _ode(depth, loss, tt, aa, nn, pp)))
            elif margin is not None:
                f = _compiled(depth, loss)
                # at unit rate scale (n = p = 1, time scale * t): no overflow of intermediate products like 2 n
                with np.errstate(over="ignore"):
                    tt = tt * f["scale"](nn, pp)
                nn, pp = np.ones_like(nn), np.ones_like(pp)
                stop = f["stop"](aa, nn, pp)
                before = np.minimum(tt, stop)
                # Past half the stopping time, run the derived solution backwards from u(stop) = margin (the ODE
                # is autonomous): u(t; u0) = u(t - stop; margin), which avoids the cancellation u0^-k - c t ~ 1 of
                # tiny u0 (its rate exponent 2 - 2/N makes the direct form lose u0^-k ulps near the margin).
                late = before > 0.5 * stop
                value = np.where(late, f["value"](np.where(late, before - stop, 0.0), margin, nn, pp),
                                 f["value"](np.where(late, 0.0, before), aa, nn, pp))
                out[move] = np.where(tt >= stop, margin, np.minimum(value, margin))
            elif depth == 2:
                out[move] = _bce_depth2(tt, aa, nn, pp)
            else:
                out[move] = _bce_deep(depth, tt, aa, nn, pp)
        out = np.maximum(out, a0)  # the logit of a class never decreases (rounding aside)
    return (sign * out).reshape(shape)


def time_to_confidence(confidence: ArrayLike, *, loss: str = "bce", norm: ArrayLike = 1.0, p: ArrayLike = 1.0,
                       u0: ArrayLike, depth: int = 2) -> np.ndarray:
    """Flow time for the balanced mode to reach ``confidence``.

    For BCE the confidence is ``sigma(u)`` and must lie in (0.5, 1) (a
    confidence already reached at t = 0 gives 0); for hinge it is ``u`` itself
    (as in the paper's Fig. 5) and must lie in (|u0|, 1].  ``u0 < 0`` is class 2
    (confidence ``sigma(-v)``, the mirror).

    Parameters
    ----------
    confidence : array_like
        The confidence to reach (see above).
    loss : {"bce", "hinge"}
        Which convention applies is read off the loss: one that stops at a
        margin (``stops_at_margin``) has confidence ``u``.
    norm, p, u0, depth
        As in :func:`logit`.

    Returns
    -------
    ndarray
        Flow times, in the broadcast shape of the arguments.

    Raises
    ------
    ValueError
        A confidence outside its range, or a time beyond the float range.

    Examples
    --------
    >>> round(float(time_to_confidence(0.99, u0=0.1)), 6)
    17.679575
    >>> round(float(time_to_confidence(1.0, loss="hinge", u0=0.1)), 6)
    1.151293
    """
    depth, norm, p, u0 = _prepare(loss, norm, p, u0, depth)
    confidence, target = _confidence_target(loss, confidence)
    margin = _margin(loss)
    if margin is not None:
        reached = confidence <= np.minimum(np.abs(u0), margin)
        if np.any(reached):
            raise ValueError(f"confidence must lie in (|u0|, {margin:g}] for {loss}: the logit u starts at |u0| and "
                             f"only grows to the margin {margin:g}, got confidence {_first_bad(confidence, reached)!r}")
    target, norm, p, u0 = np.broadcast_arrays(target, norm, p, u0)
    shape = target.shape
    target, norm, p, a0 = (np.ravel(np.abs(a)).astype(float) for a in (target, norm, p, u0))
    out = np.zeros_like(target)
    move = target > a0
    if np.any(move):
        f = _compiled(depth, loss)
        if "time" in f:
            # at unit rate scale, then divided by the scale (time is inversely proportional to it)
            ones = np.ones(np.count_nonzero(move))
            with np.errstate(over="ignore", divide="ignore", invalid="ignore", under="ignore"):
                unit = f["time"](target[move], a0[move], ones, ones)
            rounded = ~(np.isfinite(unit) & (unit > 0))  # sympy's form can underflow (products of tiny powers)
            if np.any(rounded):  # the derived rate's quadrature, computed in logs, has no such trouble
                unit[rounded] = _quad_time(depth, loss, target[move][rounded], a0[move][rounded], ones[rounded],
                                           ones[rounded])
            with np.errstate(over="ignore"):
                out[move] = unit / f["scale"](norm[move], p[move])
            _require_representable(out)
        else:
            out[move] = _quad_time(depth, loss, target[move], a0[move], norm[move], p[move])
    return out.reshape(shape)


@dataclass(frozen=True)
class DepthCrossover:
    """Where a deeper chain starts reaching a confidence sooner than a shallower one.

    Attributes
    ----------
    shallow, deep : int
        The two depths compared (``shallow < deep``).
    u0 : ndarray
        The crossover initial logit u0*: from every ``u0`` in ``(u0*, target)``
        the deeper chain reaches the confidence sooner, from every ``u0 < u0*``
        (down to 1e-300) it is slower.  NaN where the deeper chain is never faster
        just below the target (no crossing: ``crosses`` is False).
    time : ndarray
        The common time to confidence at ``u0*`` (NaN without a crossing).
    crosses : ndarray of bool
        Whether there is a crossing.
    confidence, norm, p : ndarray
        The arguments, broadcast.
    """

    shallow: int
    deep: int
    u0: np.ndarray
    time: np.ndarray
    crosses: np.ndarray
    confidence: np.ndarray
    norm: np.ndarray
    p: np.ndarray


def depth_crossover(depth_a: int, depth_b: int, *, confidence: ArrayLike, norm: ArrayLike = 1.0,
                    p: ArrayLike = 1.0, loss: str = "bce") -> DepthCrossover:
    """The initial logit u0* above which the deeper of two chains reaches ``confidence`` sooner.

    "Deeper is faster" holds only from large enough initial logits.  Near
    ``u0 -> 0`` the derived rate is ``u' ~ c N n^{2/N} p u^{2-2/N}`` (``c = 1/2`` for
    BCE, 1 for hinge), so the time to confidence behaves like
    ``u0^{-(1-2/N)} / (c (N - 2) n^{2/N} p)`` for N > 2 (``log(1/u0) / (2 c n p)`` for
    N = 2): the exponent ``1 - 2/N`` grows with N, so from tiny logits the deeper
    chain is **slower**.  Just below the target the times are ``(target - u0)/f_N(u0)``
    and the deeper chain is faster exactly when its rate ``f_N`` at the target is
    larger.  Between the two the time difference changes sign at u0*, found here
    from the derived times (:func:`time_to_confidence`: the closed form for N = 2
    and hinge, quadrature of the derived reduced ODE otherwise) by a scan in
    ``log u0`` and Brent's method.  ``p`` scales both times alike, so u0* does not
    depend on it; it does depend on ``norm``.

    Parameters
    ----------
    depth_a, depth_b : int
        Two different depths (either order).
    confidence : array_like
        As in :func:`time_to_confidence` (``sigma(u)`` for BCE, ``u`` for hinge).
    norm, p : array_like
        Input norm and class frequency (broadcast with ``confidence``).
    loss : {"bce", "hinge"}

    Returns
    -------
    DepthCrossover

    Examples
    --------
    >>> r = depth_crossover(2, 4, confidence=0.99)
    >>> bool(r.crosses), round(float(r.u0), 4)
    (True, 0.0033)
    """
    require_choice("loss", loss, CLOSED_FORM_LOSSES)
    shallow, deep = sorted((require_depth(depth_a), require_depth(depth_b)))
    if shallow == deep:
        raise ValueError(f"depth_a and depth_b must differ, got {depth_a} and {depth_b}")
    norm, p = require_positive("norm", norm), require_frequency("p", p)
    confidence, target = _confidence_target(loss, confidence)
    confidence, norm, p, target = np.broadcast_arrays(confidence, norm, p, target)
    u0s, times = np.full(target.shape, np.nan), np.full(target.shape, np.nan)
    for k in np.ndindex(target.shape):
        u0s[k], times[k] = _crossover(shallow, deep, loss, float(confidence[k]), float(target[k]),
                                      float(norm[k]), float(p[k]))
    return DepthCrossover(shallow, deep, u0s, times, np.isfinite(u0s), confidence.copy(), norm.copy(), p.copy())


def _crossover(shallow, deep, loss, confidence, target, norm, p):
    """u0* and the common time for one setting (NaN, NaN without a crossing)."""
    def gap(log_u0):  # > 0: the deeper chain is slower
        u0 = np.exp(log_u0)
        return float(time_to_confidence(confidence, loss=loss, norm=norm, p=p, u0=u0, depth=deep)
                     - time_to_confidence(confidence, loss=loss, norm=norm, p=p, u0=u0, depth=shallow))

    top = np.log(target)  # scan log u0 at distances from log(target) spaced geometrically (dense near it)
    grid = top - np.geomspace(top - np.log(CROSSOVER_LOWEST), CROSSOVER_CLOSEST, CROSSOVER_GRID)
    u0_grid = np.exp(grid)  # the scan in one vectorized call per depth
    signs = np.sign(time_to_confidence(confidence, loss=loss, norm=norm, p=p, u0=u0_grid, depth=deep)
                    - time_to_confidence(confidence, loss=loss, norm=norm, p=p, u0=u0_grid, depth=shallow))
    if signs[-1] >= 0:
        return np.nan, np.nan
    slower = np.flatnonzero(signs >= 0)
    if slower.size == 0:  # deeper faster on the whole scan (never happens: tiny logits favour the shallow net)
        return np.nan, np.nan
    k = slower[-1]
    root = scipy.optimize.brentq(gap, grid[k], grid[k + 1], xtol=1e-300, rtol=CROSSOVER_RTOL)
    u0 = float(np.exp(root))
    return u0, float(time_to_confidence(confidence, loss=loss, norm=norm, p=p, u0=u0, depth=shallow))
