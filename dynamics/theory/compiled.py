"""Compile derived sympy expressions into fast numpy callables (cached).

Every number the theory engine produces goes through here: expressions come
from :mod:`derivations` and are turned into functions with
:func:`sympy.lambdify` (scipy's ``expi`` for ``Ei``, common subexpressions
eliminated), once per expression.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.special
import sympy as sp

__all__ = ["compile_expr", "compile_flow", "margin_groups", "margin_sign", "freeze_at_margin", "MarginGroup",
           "MODULES"]

#: Function mapping used by every compiled expression: stable scipy special functions first.
MODULES = [{"Ei": scipy.special.expi, "expi": scipy.special.expi}, "scipy", "numpy"]


@lru_cache(maxsize=None)
def _compile(expr: sp.Expr, args: tuple):
    return sp.lambdify(args, expr, modules=MODULES, cse=True)


def compile_expr(expr: sp.Expr, args) -> "callable":
    """A cached numpy function of ``args`` (a sequence of symbols) evaluating ``expr``.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> round(float(compile_expr(sp.Ei(x), (x,))(1.0)), 12)
    1.895117816356
    """
    return _compile(sp.sympify(expr), tuple(args))


@lru_cache(maxsize=None)
def _flow_functions(model):
    args = tuple(model.state) + tuple(model.parameters)
    rates = tuple(_compile(model.flow[s], args) for s in model.state)
    jac = tuple(tuple(_compile(sp.diff(model.flow[s], q), args) for q in model.state) for s in model.state)
    return rates, jac


def compile_flow(model):
    """``(rates, jacobian)``: tuples of compiled functions ``f(*state, *parameters)``.

    ``rates[i]`` is the derivative of ``model.state[i]``; ``jacobian[i][j]`` is
    its symbolic derivative with respect to ``model.state[j]``.
    """
    return _flow_functions(model)


#: Margin sign of a logit named "class 2" when the model does not say: its margin is ``-u`` (class 2
#: is the negative class everywhere in :mod:`derivations`).  Every other logit is a class-1 logit (``+u``).


def margin_sign(model, name: str) -> int:
    """``s`` in the margin ``m = s u`` of the logit ``name``, as the model states it in ``margin_signs``.

    +1 for class 1, -1 for class 2, 0 for a logit no training point has (a test
    input); a logit the model does not list has ``s = +1``.

    Examples
    --------
    >>> import derivations
    >>> [margin_sign(derivations.two_layer(), name) for name in ("class 1", "class 2")]
    [1, -1]
    """
    if name not in model.logits:
        raise ValueError(f"{name!r} is not a logit of {model.name}; its logits are {sorted(model.logits)}")
    return int(model.margin_signs.get(name, 1))


@dataclass(frozen=True)
class MarginGroup:
    """A logit of a model whose loss stops at a margin, and the coordinates it moves.

    Attributes
    ----------
    name : str
        The logit's name in ``model.logits``.
    function : callable
        ``u(*state, *parameters)``.
    sign : int
        ``s`` in the margin ``m = s u``.
    members : tuple of int
        Indices of the state coordinates the logit depends on.
    shared : bool
        True if another logit of the model depends on one of these coordinates:
        freezing them when this logit reaches the margin would also stop the
        other logit's learning, so the stop is not exact there.
    """

    name: str
    function: object
    sign: int
    members: tuple
    shared: bool


@lru_cache(maxsize=None)
def _margin_groups(model):
    args = tuple(model.state) + tuple(model.parameters)
    members = {name: tuple(i for i, s in enumerate(model.state) if s in expr.free_symbols)
               for name, expr in model.logits.items() if margin_sign(model, name) != 0}  # trained logits only
    return tuple(MarginGroup(name, _compile(model.logits[name], args), margin_sign(model, name), own,
                             any(set(own) & set(other) for key, other in members.items() if key != name))
                 for name, own in members.items())


def margin_groups(model):
    """For a loss that stops at a margin (``model.loss.stop_margin``): one :class:`MarginGroup` per logit.

    A logit whose signed margin ``s u`` has reached ``stop_margin`` stops
    learning: the engine freezes the coordinates it depends on.  Empty for
    losses that never stop (BCE, squared, linear).
    """
    return _margin_groups(model) if model.loss.stop_margin is not None else ()


def freeze_at_margin(model, rates, state, parameters):
    """Zero ``rates`` (S, K) of coordinates whose logit has reached the margin ``s u >= stop_margin`` (in place).

    Returns
    -------
    rates : ndarray (S, K)
        The same array.
    inexact : ndarray of bool, shape (K,)
        Modes where a logit that shares coordinates with another logit reached
        the margin: freezing is then not the exact stop of that logit alone.
    """
    inexact = np.zeros(rates.shape[1:], dtype=bool)
    groups = margin_groups(model)
    if not groups:
        return rates, inexact
    stop = float(model.loss.stop_margin)
    for group in groups:
        with np.errstate(over="ignore", invalid="ignore"):  # an overflowed logit is reported by the caller
            logit = np.broadcast_to(group.function(*state, *parameters), rates.shape[1:])
        reached = group.sign * logit >= stop
        for i in group.members:
            rates[i][reached] = 0.0
        if group.shared:
            inexact |= reached
    return rates, inexact
