"""Losses of the numpy ground truth, written by hand, independently of :mod:`derivations`.

Each loss is a :class:`NetworkLoss` object that knows its value and slope in the
signed margin ``m = s u`` (``s = +1`` for class 1, ``-1`` for class 2) and
whether learning stops once the margin reaches 1.  The ground truth never
imports the derivations, so this registry is its own; a test checks that it
offers exactly the losses :data:`derivations.LOSS_NAMES` derives.

Any other loss is a sympy expression of one symbol (the margin): :func:`expression_loss`
differentiates that expression alone with sympy and compiles value and slope with
``lambdify`` (never the derived flows), so it trains like the built-ins.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike
from scipy.special import expit, log_expit
from sympy.core.function import AppliedUndef

__all__ = ["NetworkLoss", "LOSSES", "LOSS_NAMES", "CUSTOM_NAME", "get_loss", "loss_and_slope", "expression_loss"]

#: The name of every loss built from an expression by :func:`expression_loss`.
CUSTOM_NAME = "custom"


@dataclass(frozen=True)
class NetworkLoss:
    """A loss of the signed margin, as gradient descent uses it.

    Attributes
    ----------
    name : str
        Its name (``"bce"``, ``"hinge"``, ``"squared"``).
    formula : str
        The loss in words, for messages and reports.
    stops_at_margin : bool
        True when the slope is exactly zero for every margin ``m >= 1``
        (learning on a point stops once its margin reaches 1).
    value_and_slope : callable
        ``m -> (l(m), dl/dm)``, elementwise on arrays.
    """

    name: str
    formula: str
    stops_at_margin: bool
    value_and_slope: Callable[[np.ndarray], tuple]

    def __call__(self, margin: ArrayLike) -> tuple:
        """``(l(m), dl/dm)`` at the signed margins ``margin``.

        Parameters
        ----------
        margin : array_like
            Signed margins ``m = s u``.

        Returns
        -------
        (ndarray, ndarray)
            Value and slope, elementwise, of the shape of ``margin``.

        Examples
        --------
        >>> value, slope = LOSSES["squared"]([0.0, 1.0, 3.0])
        >>> value.tolist(), slope.tolist()
        ([0.5, 0.0, 2.0], [-1.0, 0.0, 2.0])
        """
        return self.value_and_slope(np.asarray(margin, dtype=float))


def _bce(m):
    return -log_expit(m), -expit(-m)


def _hinge(m):
    inside = m < 1
    return np.where(inside, 1 - m, 0.0), np.where(inside, -1.0, 0.0)


def _squared(m):
    return 0.5 * (1 - m) ** 2, m - 1


#: Every loss the ground truth trains, by name.
LOSSES = {loss.name: loss for loss in (
    NetworkLoss("bce", "log(1 + exp(-m))", False, _bce),
    NetworkLoss("hinge", "max(0, 1 - m)", True, _hinge),
    NetworkLoss("squared", "(1 - m)^2 / 2", False, _squared),
)}
#: Their names, in a fixed order.
LOSS_NAMES = tuple(LOSSES)


#: Margins at which a compiled expression is tried once, so a loss numpy cannot evaluate fails when it is built.
_PROBE_MARGINS = np.array([-1.0, 0.0, 0.5, 2.0])


def _refuse_expression(expr, why):
    return ValueError(f"loss={sp.sstr(expr)} cannot be trained: {why}")


def _compile(variable, expr):
    """``expr`` of ``variable`` as a numpy function ``m -> float array of the shape of m``, silent on overflow.

    Overflow, 0/0 and the like give inf or NaN without a RuntimeWarning: during training they are divergence,
    raised by :class:`~dynamics.groundtruth.training.TrainingDiverged` on the non-finite weights they produce.
    """
    function = sp.lambdify(variable, expr, modules="numpy")

    def evaluate(m):
        with np.errstate(all="ignore"):
            out = function(m)
        # a constant piece (the slope of 1 - m) comes back as a scalar: give it the margins' shape
        return np.array(np.broadcast_to(out, np.shape(m)), dtype=float)
    return evaluate


def _stop_margin(variable, slope):
    """The smallest kink ``a`` of ``slope`` beyond which it is identically zero (``slope(a + p) = 0`` for every
    ``p > 0``, decided by sympy), or None.

    The candidates are the real roots of the boundaries of ``slope`` written piecewise (Heaviside, Max, Min,
    Abs, sign, Piecewise conditions); a slope without kinks is analytic and cannot vanish on a half-line
    without vanishing everywhere.
    """
    pieces = sp.piecewise_fold(slope.rewrite(sp.Piecewise))
    candidates = set()
    for relation in pieces.atoms(sp.core.relational.Relational):
        try:
            roots = sp.solve(relation.lhs - relation.rhs, variable)
        except (NotImplementedError, TypeError, ValueError):  # a boundary sympy cannot solve: not a candidate
            continue
        candidates.update(r for r in roots if r.is_number and r.is_real)
    beyond = sp.Dummy("p", positive=True)
    for a in sorted(candidates):
        if sp.simplify(slope.subs(variable, a + beyond)) == 0:
            return a
    return None


@lru_cache(maxsize=64)
def _expression_loss(expr):
    margin = next(iter(expr.free_symbols))
    variable = sp.Dummy("m", real=True)  # the margin is real: Abs, Max, sign differentiate as real functions
    loss = expr.subs(margin, variable)
    slope = sp.diff(loss, variable)
    # the derivative almost everywhere: DiracDelta (from a Heaviside written in the loss) is zero off its point
    slope = slope.replace(lambda a: isinstance(a, sp.DiracDelta), lambda a: sp.S.Zero)
    if slope == 0:
        raise _refuse_expression(expr, "its derivative is 0, so nothing would ever train")
    stop = _stop_margin(variable, slope)
    try:
        value_of, raw_slope_of = _compile(variable, loss), _compile(variable, slope)
        probes = value_of(_PROBE_MARGINS), raw_slope_of(_PROBE_MARGINS)
    except Exception as error:  # noqa: BLE001 -- any failure of the generated code means numpy cannot run it
        raise _refuse_expression(expr, f"numpy cannot evaluate it or its derivative {sp.sstr(slope)} "
                                       f"({type(error).__name__}: {error})") from error
    for what, values in zip(("it", f"its derivative {sp.sstr(slope)}"), probes):
        if not np.all(np.isfinite(values)):
            at = float(_PROBE_MARGINS[~np.isfinite(values)][0])
            raise _refuse_expression(expr, f"{what} is not a finite float at the margin {at:g}: undefined there, "
                                           "or beyond the float range (a loss must be defined, and fit a float, "
                                           "at every ordinary margin)")
    if stop is None:
        slope_of = raw_slope_of
    else:
        a = float(stop)

        def slope_of(m):  # learning stops AT the margin too, as for the built-in hinge (a kink has no slope)
            return np.where(m >= a, 0.0, raw_slope_of(m))

    functions = _ExpressionFunctions(expr, value_of, slope_of)
    return NetworkLoss(CUSTOM_NAME, sp.sstr(expr), stop is not None, functions)


class _ExpressionFunctions:
    """``m -> (l(m), dl/dm)`` of an expression loss; pickled as its expression (rebuilt, from the cache, on load)."""

    def __init__(self, expr, value_of, slope_of):
        self.expr, self.value_of, self.slope_of = expr, value_of, slope_of

    def __call__(self, m):
        return self.value_of(m), self.slope_of(m)

    def __reduce__(self):
        return _functions_of, (self.expr,)


def _functions_of(expr):
    return _expression_loss(expr).value_and_slope


def expression_loss(expr: sp.Expr) -> NetworkLoss:
    """A :class:`NetworkLoss` from a sympy expression of the margin, compiled from the expression itself.

    The value is ``lambdify`` of ``expr`` and the slope ``lambdify`` of ``sympy.diff(expr, m)`` (numpy,
    vectorized; ``Max``, ``Min``, ``Abs``, ``Heaviside``, ``Piecewise`` included: the slope is the derivative
    almost everywhere).  ``stops_at_margin`` is decided symbolically: True when the slope is identically zero
    on ``[a, inf)`` for a kink ``a`` of the expression (``Max(0, 1 - m)``: ``a = 1``); the slope is then
    exactly 0 for every ``m >= a``, the kink included, as for the built-in ``"hinge"``.  Values the float
    range cannot hold (``exp(-m)`` at ``m = -800``) come out as inf or NaN without a warning; training reports
    them as :class:`~dynamics.groundtruth.training.TrainingDiverged`.  Compiled losses are cached per
    expression.

    Parameters
    ----------
    expr : sympy.Expr
        The loss ``l(m)``, with exactly one free symbol (the margin ``m = s u``, whatever its name).

    Returns
    -------
    NetworkLoss
        Named ``"custom"``, with ``formula = sympy.sstr(expr)``.

    Raises
    ------
    TypeError
        If ``expr`` is not a sympy expression.
    ValueError
        If ``expr`` has no free symbol or several, holds an undefined function, has a zero derivative, or
        numpy cannot evaluate it (or it is not finite at the margins -1, 0, 0.5, 2: ``log(m)``,
        ``Piecewise((1 - m, m < 1))``); the message names ``loss``.

    Examples
    --------
    >>> m = sp.Symbol("margin")
    >>> hinge = expression_loss(sp.Max(0, 1 - m))
    >>> hinge.name, hinge.formula, hinge.stops_at_margin
    ('custom', 'Max(0, 1 - margin)', True)
    >>> [v.tolist() for v in hinge([-1.0, 0.5, 1.0, 3.0])]
    [[2.0, 0.5, 0.0, 0.0], [-1.0, -1.0, 0.0, 0.0]]
    >>> expression_loss(sp.exp(-m)).stops_at_margin
    False
    """
    if not isinstance(expr, sp.Expr):
        raise TypeError(f"loss must be a loss name or a sympy expression of the margin, got {type(expr).__name__}")
    symbols = sorted(map(str, expr.free_symbols))
    if len(symbols) != 1:
        raise _refuse_expression(expr, f"a loss expression needs exactly one free symbol (the margin), "
                                       f"it has {len(symbols)}: {symbols}")
    undefined = expr.atoms(AppliedUndef)
    if undefined:
        raise _refuse_expression(expr, f"it calls undefined functions {sorted(map(sp.sstr, undefined))}")
    return _expression_loss(expr)


def get_loss(loss: str | NetworkLoss | sp.Expr) -> NetworkLoss:
    """The :class:`NetworkLoss` named ``loss`` (``loss`` itself, or :func:`expression_loss` of a sympy expression).

    Training takes every behaviour of a loss from this object (its slope, whether it stops at the margin),
    never from its name, so a :class:`NetworkLoss` built by the caller trains like the registered ones.

    Parameters
    ----------
    loss : str, NetworkLoss or sympy.Expr
        A name in :data:`LOSSES`, a loss object, or a sympy expression of the margin (:func:`expression_loss`).

    Returns
    -------
    NetworkLoss

    Raises
    ------
    ValueError
        An unknown name (or anything else), naming the valid ones; an expression :func:`expression_loss`
        refuses.

    Examples
    --------
    >>> get_loss("hinge").stops_at_margin
    True
    >>> get_loss("mse")
    Traceback (most recent call last):
    ...
    ValueError: loss='mse' is not valid; choose one of 'bce', 'hinge', 'squared'
    """
    if isinstance(loss, NetworkLoss):
        return loss
    if isinstance(loss, sp.Basic):
        return expression_loss(loss)
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"loss={loss!r} is not valid; choose one of {', '.join(map(repr, LOSS_NAMES))}")
    return LOSSES[loss]


def loss_and_slope(loss: str | NetworkLoss | sp.Expr, margin: ArrayLike) -> tuple:
    """``(l(m), dl/dm)`` for the signed margin ``m = s u`` (s = +1 class 1, -1 class 2).

    ``"hinge"`` is ``max(0, 1 - m)``: slope -1 below the margin (including a
    logit on the wrong side, ``m < 0``) and 0 once ``m >= 1``, where learning
    stops.

    Parameters
    ----------
    loss : str, NetworkLoss or sympy.Expr
        As in :func:`get_loss`.
    margin : array_like

    Returns
    -------
    (ndarray, ndarray)

    Examples
    --------
    >>> loss_and_slope("hinge", np.array([-2.0, 0.5, 1.0]))[1].tolist()
    [-1.0, -1.0, 0.0]
    """
    return get_loss(loss)(margin)
