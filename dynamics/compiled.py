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

__all__ = ["compile_expr", "compile_flow", "MODULES"]

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


def evaluate(functions, state, parameters):
    """Evaluate a tuple of compiled functions, broadcasting to the state's shape."""
    shape = np.shape(state[0])
    return np.stack([np.broadcast_to(np.asarray(f(*state, *parameters), dtype=float), shape) for f in functions])
