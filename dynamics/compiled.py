"""Compile derived sympy expressions into fast numpy callables (cached).

Every number the theory engine produces goes through here: expressions come
from :mod:`derivations` and are turned into functions with
:func:`sympy.lambdify` (scipy's ``expi`` for ``Ei``, common subexpressions
eliminated), once per expression.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np
import scipy.special
import sympy as sp

__all__ = ["compile_expr", "compile_flow", "margin_groups", "MODULES"]

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


@lru_cache(maxsize=None)
def _margin_groups(model):
    args = tuple(model.state) + tuple(model.parameters)
    groups = []
    for expr in model.logits.values():
        members = tuple(i for i, s in enumerate(model.state) if s in expr.free_symbols)
        groups.append((_compile(expr, args), members))
    return tuple(groups)


def margin_groups(model):
    """For losses that stop at the margin (hinge): ``((logit function, state indices), ...)``.

    A logit whose margin ``|u|`` has reached 1 stops learning: the engine
    freezes the coordinates it depends on.  Empty for other losses.
    """
    return _margin_groups(model) if model.loss.stops_at_margin else ()


def freeze_at_margin(model, rates, state, parameters):
    """Zero ``rates`` (S, K) of coordinates whose logit has reached the margin |u| >= 1 (in place)."""
    for function, members in margin_groups(model):
        reached = np.abs(np.broadcast_to(function(*state, *parameters), rates.shape[1:])) >= 1.0
        for i in members:
            rates[i][reached] = 0.0
    return rates
