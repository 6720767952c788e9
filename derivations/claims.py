"""Claims a model makes, and how each one is proven.

A claim is either an *identity* (an expression that must simplify to zero) or
an *inequality* (an expression that must be non-negative on a stated domain).
Identities are proven symbolically only.  Inequalities are proven symbolically
when sympy can decide the sign; otherwise they are checked numerically on a
dense deterministic sample of the domain, and the result says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np
import sympy as sp

__all__ = ["Claim", "ClaimResult", "identity", "inequality", "prove"]

#: Points used by the numerical fallback for inequalities (a Halton sequence).
NUMERIC_SAMPLES = 4096
#: Slack allowed by the numerical fallback, relative to the sampled magnitude.
NUMERIC_SLACK = 1e-12


@dataclass(frozen=True)
class Claim:
    """One statement of a model.

    Attributes
    ----------
    statement : str
        What is claimed, in words.
    kind : {"zero", "nonnegative"}
        ``expr == 0`` identically, or ``expr >= 0`` on ``domain``.
    expr : sympy.Expr
        The expression.
    domain : Mapping[sympy.Symbol, tuple[float, float]]
        Ranges of the free symbols for the numerical fallback of inequalities.
    """

    statement: str
    kind: str
    expr: sp.Expr
    domain: Mapping = field(default_factory=dict)


@dataclass(frozen=True)
class ClaimResult:
    """The outcome of proving a :class:`Claim`.

    ``method`` is ``"symbolic"`` or ``"numeric (N samples)"``.
    """

    statement: str
    holds: bool
    method: str


def identity(statement: str, expr: sp.Expr) -> Claim:
    """A claim that ``expr`` is identically zero.

    Parameters
    ----------
    statement : str
        What is claimed, in words (shown by :meth:`ModeModel.check`).
    expr : sympy.Expr
        The expression claimed to be zero (passed through :func:`sympy.sympify`, so a plain number works).

    Returns
    -------
    Claim
        A claim of kind ``"zero"`` with an empty domain; :func:`prove` decides it symbolically.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> identity("x - x vanishes", x - x).kind
    'zero'
    """
    return Claim(statement, "zero", sp.sympify(expr))


def inequality(statement: str, expr: sp.Expr, domain: Mapping[sp.Symbol, tuple[float, float]]) -> Claim:
    """A claim that ``expr >= 0`` whenever its symbols lie in ``domain``.

    Parameters
    ----------
    statement : str
        What is claimed, in words.
    expr : sympy.Expr
        The expression claimed to be non-negative.
    domain : Mapping[sympy.Symbol, tuple[float, float]]
        ``{symbol: (low, high)}`` for the free symbols of ``expr``: the box the numerical fallback of
        :func:`prove` samples when sympy cannot decide the sign.  Copied into a read-only mapping.

    Returns
    -------
    Claim
        A claim of kind ``"nonnegative"``.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> inequality("x^2 >= 0", x**2, {x: (-1.0, 1.0)}).kind
    'nonnegative'
    """
    return Claim(statement, "nonnegative", sp.sympify(expr), MappingProxyType(dict(domain)))


def _is_zero(expr: sp.Expr) -> bool:
    """Whether sympy can show ``expr == 0``: exact rewritings first (cheap), ``simplify`` only if they fail.

    Every attempt is an identity transformation on the models' domain (positive symbols: ``force=True``
    combines powers and logarithms as positive quantities do), so "zero" after any of them is a proof there;
    the cheap ones (expanding; cancelling over a common denominator; combining powers) settle most identities
    of the models.
    """
    if expr == 0:
        return True
    for attempt in (sp.expand, lambda e: sp.cancel(sp.together(e)),
                    lambda e: sp.cancel(sp.powsimp(sp.expand(e), force=True)),
                    sp.simplify, lambda e: sp.simplify(sp.expand(e)),
                    lambda e: sp.simplify(sp.expand_log(sp.powsimp(sp.expand(e), force=True), force=True))):
        if attempt(expr) == 0:
            return True
    return False


def _halton(count: int, dims: int) -> np.ndarray:
    """A deterministic low-discrepancy sample of the unit cube: the unscrambled Halton sequence without its
    first point (the origin, a corner of every domain)."""
    from scipy.stats import qmc  # imported when a claim needs sampling: scipy.stats takes 0.2 s to import

    sampler = qmc.Halton(d=dims, scramble=False)
    sampler.fast_forward(1)
    return sampler.random(count)


def _nonnegative_numeric(claim: Claim) -> bool:
    symbols = sorted(claim.expr.free_symbols, key=str)
    missing = [s for s in symbols if s not in claim.domain]
    if missing:
        raise ValueError(f"claim {claim.statement!r} has no sampling range for {missing}")
    unit = _halton(NUMERIC_SAMPLES, len(symbols))
    lows = np.array([claim.domain[s][0] for s in symbols], dtype=float)
    highs = np.array([claim.domain[s][1] for s in symbols], dtype=float)
    points = lows + unit * (highs - lows)
    f = sp.lambdify(symbols, claim.expr, modules=["scipy", "numpy"])
    values = np.asarray(f(*points.T), dtype=float) * np.ones(len(points))
    scale = max(1.0, float(np.nanmax(np.abs(values))))
    return bool(np.all(np.isfinite(values)) and values.min() >= -NUMERIC_SLACK * scale)


def prove(claim: Claim) -> ClaimResult:
    """Prove ``claim``; see the module docstring for the methods used.

    Parameters
    ----------
    claim : Claim
        An identity (kind ``"zero"``) or an inequality (kind ``"nonnegative"``).

    Returns
    -------
    ClaimResult
        The statement, whether it holds, and the method: ``"symbolic"``, or ``"numeric (N samples)"`` for an
        inequality sympy could not decide (checked on a Halton sample of ``claim.domain``).

    Raises
    ------
    ValueError
        If ``claim.kind`` is neither ``"zero"`` nor ``"nonnegative"``, or if an inequality needs the numerical
        fallback and ``claim.domain`` has no range for one of its free symbols.

    Examples
    --------
    >>> x = sp.Symbol("x", positive=True)
    >>> prove(identity("log of exp", sp.log(sp.exp(x)) - x)).holds
    True
    >>> prove(inequality("x^2 - 2x + 1 >= 0", x**2 - 2*x + 1, {x: (0, 5)})).method
    'symbolic'
    """
    if claim.kind == "zero":
        return ClaimResult(claim.statement, _is_zero(claim.expr), "symbolic")
    if claim.kind == "nonnegative":
        simplified = sp.factor(sp.simplify(claim.expr))
        decided = simplified.is_nonnegative
        if decided is None and simplified.is_Pow is False and isinstance(simplified, sp.Expr):
            decided = _sign_by_factors(simplified)
        if decided is not None:
            return ClaimResult(claim.statement, bool(decided), "symbolic")
        return ClaimResult(claim.statement, _nonnegative_numeric(claim),
                           f"numeric ({NUMERIC_SAMPLES} samples)")
    raise ValueError(f"unknown claim kind {claim.kind!r}")


def _sign_by_factors(expr: sp.Expr):
    """Non-negativity of a product/polynomial form sympy can decide factor by factor."""
    if expr.is_Mul:
        signs = [a.is_nonnegative if not a.is_negative else False for a in expr.args]
        negatives = [a.is_negative for a in expr.args]
        if all(s is not None or n is not None for s, n in zip(signs, negatives)):
            count = sum(bool(n) for n in negatives)
            if all(bool(s) or bool(n) for s, n in zip(signs, negatives)):
                return count % 2 == 0
    return None
