"""Compile derived sympy expressions into fast numpy callables (cached).

Every number the theory engine produces goes through here: expressions come
from :mod:`derivations` and are turned into functions with
:func:`sympy.lambdify` (scipy's ``expi`` for ``Ei``, common subexpressions
eliminated), once per expression.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Sequence, Tuple

import numpy as np
import scipy.special
import sympy as sp

from derivations import ModeModel, UnknownName

__all__ = ["compile_expr", "compile_flow", "flow_vector", "margin_groups", "margin_sign", "freeze_at_margin", "MarginGroup",
           "logit_key", "MODULES", "EXPRESSION_CACHE_SIZE", "MODEL_CACHE_SIZE"]

#: Function mapping used by every compiled expression: stable scipy special functions first.
MODULES = [{"Ei": scipy.special.expi, "expi": scipy.special.expi}, "scipy", "numpy"]
#: Compiled expressions kept (keyed by value: the expression and its argument symbols).  Reason: a full
#: reproduction compiles a few hundred (flows, Jacobians up to depth 16, logits, quantities); the bound keeps a
#: long session's memory finite, and an evicted function is recompiled identically.
EXPRESSION_CACHE_SIZE = 2048
#: Per-model compiled bundles kept (flow + Jacobian, margin groups).  Models compare by value, so equal
#: specialisations (``model.at(...)``) share one entry; the bound covers a sweep over many models.
MODEL_CACHE_SIZE = 128

#: A compiled numpy function of the argument symbols.
Compiled = Callable[..., np.ndarray]


@lru_cache(maxsize=EXPRESSION_CACHE_SIZE)
def _compile(expr: sp.Expr, args: tuple) -> Compiled:
    return sp.lambdify(args, expr, modules=MODULES, cse=True)


def compile_expr(expr: sp.Expr, args: Sequence[sp.Symbol]) -> Compiled:
    """A cached numpy function of ``args`` (a sequence of symbols) evaluating ``expr``.

    Parameters
    ----------
    expr : sympy.Expr
        A derived expression.
    args : sequence of sympy.Symbol
        The symbols, in the order the function takes them.

    Returns
    -------
    callable
        ``f(*values)``, vectorized over numpy arrays.

    Examples
    --------
    >>> x = sp.Symbol("x")
    >>> round(float(compile_expr(sp.Ei(x), (x,))(1.0)), 12)
    1.895117816356
    """
    return _compile(sp.sympify(expr), tuple(args))


@lru_cache(maxsize=MODEL_CACHE_SIZE)
def flow_vector(model: ModeModel) -> Compiled:
    """The whole derived flow as one compiled function: ``f(*state, *parameters)`` -> one value per coordinate.

    One ``lambdify`` of every coordinate's derivative together, with their common subexpressions eliminated
    once: an ODE solver calls it once per step instead of once per coordinate.

    Parameters
    ----------
    model : derivations.ModeModel

    Returns
    -------
    callable
        ``f(*state, *parameters)`` returning a list with the derivative of each ``model.state[i]`` (arrays or
        scalars, broadcastable against the arguments).

    Examples
    --------
    >>> import derivations
    >>> f = flow_vector(derivations.two_layer("hinge"))
    >>> [float(v) for v in f(0.5, 0.2, 0.1, -0.1, 2.0, 1.0, 0.5)][0]  # y_1' = p n_1^2 z_1 inside the margin
    0.4
    """
    args = tuple(model.state) + tuple(model.parameters)
    return sp.lambdify(args, [model.flow[s] for s in model.state], modules=MODULES, cse=True)


@lru_cache(maxsize=MODEL_CACHE_SIZE)
def _flow_functions(model: ModeModel) -> Tuple[tuple, tuple]:
    args = tuple(model.state) + tuple(model.parameters)
    rates = tuple(_compile(model.flow[s], args) for s in model.state)
    jac = tuple(tuple(_compile(sp.diff(model.flow[s], q), args) for q in model.state) for s in model.state)
    return rates, jac


def compile_flow(model: ModeModel) -> Tuple[tuple, tuple]:
    """``(rates, jacobian)``: tuples of compiled functions ``f(*state, *parameters)``.

    Parameters
    ----------
    model : derivations.ModeModel

    Returns
    -------
    rates : tuple of callable
        ``rates[i]`` is the derivative of ``model.state[i]``.
    jacobian : tuple of tuple of callable
        ``jacobian[i][j]`` is the symbolic derivative of ``rates[i]`` with
        respect to ``model.state[j]``.

    Examples
    --------
    >>> import derivations
    >>> rates, jacobian = compile_flow(derivations.two_layer("hinge"))
    >>> float(rates[0](0.5, 0.2, 0.1, -0.1, 2.0, 1.0, 0.5))  # y_1' = p n_1^2 z_1 inside the margin
    0.4
    """
    return _flow_functions(model)


def logit_key(model: ModeModel, name: str, parameter: str = "name") -> str:
    """``name`` checked as the identifier of a logit of ``model`` (such as ``"class_1"``), with a clear error.

    Parameters
    ----------
    model : derivations.ModeModel
    name : str
        Identifier of one of ``model.logits`` (a display label is refused, naming the identifier).
    parameter : str
        The argument's name, for the error message.

    Returns
    -------
    str
        The identifier.

    Raises
    ------
    derivations.UnknownName
        (a ValueError and a KeyError) naming ``parameter`` and listing the model's logits.

    Examples
    --------
    >>> import derivations
    >>> logit_key(derivations.starvation(), "x1_only")
    'x1_only'
    >>> logit_key(derivations.starvation(), "(x1, 0)")
    Traceback (most recent call last):
    ...
    derivations.named.UnknownName: name='(x1, 0)' is not a logit of starvation: '(x1, 0)' is the label of the logit 'x1_only'; entries are looked up by identifier: use 'x1_only'
    """
    try:
        return model.logits.key_of(name)
    except UnknownName as exc:
        raise UnknownName(f"{parameter}={name!r} is not a logit of {model.name}: {exc}") from None


def margin_sign(model: ModeModel, name: str) -> int:
    """``s`` in the margin ``m = s u`` of the logit ``name``, as the model states it in ``margin_signs``.

    Parameters
    ----------
    model : derivations.ModeModel
    name : str
        A logit identifier.

    Returns
    -------
    int
        +1 for class 1, -1 for class 2, 0 for a logit no training point has (a
        test input); a logit the model does not list has ``s = +1``.

    Examples
    --------
    >>> import derivations
    >>> [margin_sign(derivations.two_layer(), name) for name in ("class_1", "class_2")]
    [1, -1]
    """
    return int(model.margin_signs.get(logit_key(model, name), 1))


@dataclass(frozen=True)
class MarginGroup:
    """A logit of a model whose loss stops at a margin, and the coordinates it moves.

    Attributes
    ----------
    name : str
        The logit's identifier in ``model.logits``.
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


@lru_cache(maxsize=MODEL_CACHE_SIZE)
def _margin_groups(model: ModeModel) -> tuple:
    args = tuple(model.state) + tuple(model.parameters)
    members = {name: tuple(i for i, s in enumerate(model.state) if s in expr.free_symbols)
               for name, expr in model.logits.items() if margin_sign(model, name) != 0}  # trained logits only
    return tuple(MarginGroup(name, _compile(model.logits[name], args), margin_sign(model, name), own,
                             any(set(own) & set(other) for key, other in members.items() if key != name))
                 for name, own in members.items())


def margin_groups(model: ModeModel) -> tuple:
    """For a loss that stops at a margin (``model.loss.stop_margin``): one :class:`MarginGroup` per logit.

    A logit whose signed margin ``s u`` has reached ``stop_margin`` stops
    learning: the engine freezes the coordinates it depends on.

    Parameters
    ----------
    model : derivations.ModeModel

    Returns
    -------
    tuple of MarginGroup
        Empty for losses that never stop (BCE, squared, linear).

    Examples
    --------
    >>> import derivations
    >>> [(g.name, g.sign) for g in margin_groups(derivations.two_layer("hinge"))]
    [('class_1', 1), ('class_2', -1)]
    """
    return _margin_groups(model) if model.loss.stop_margin is not None else ()


def freeze_at_margin(model: ModeModel, rates: np.ndarray, state: Sequence[np.ndarray],
                     parameters: Sequence[np.ndarray]) -> Tuple[np.ndarray, np.ndarray]:
    """Zero ``rates`` (S, K) of coordinates whose logit has reached the margin ``s u >= stop_margin`` (in place).

    Parameters
    ----------
    model : derivations.ModeModel
    rates : ndarray (S, K)
        Rates of the S state coordinates of K modes; modified in place.
    state : sequence of ndarray (K,)
        The state coordinates (ReLU already applied).
    parameters : sequence of ndarray (K,)
        Values of ``model.parameters``.

    Returns
    -------
    rates : ndarray (S, K)
        The same array.
    inexact : ndarray of bool, shape (K,)
        Modes where a logit that shares coordinates with another logit reached
        the margin: freezing is then not the exact stop of that logit alone.

    Examples
    --------
    >>> import derivations
    >>> rates = np.ones((4, 1))  # class 1 at its margin (u = 1), class 2 inside (-v = 0.5)
    >>> state, parameters = np.array([[1.0], [1.0], [0.5], [-1.0]]), np.array([[1.0], [1.0], [0.5]])
    >>> freeze_at_margin(derivations.two_layer("hinge"), rates, state, parameters)[0].ravel().tolist()
    [0.0, 0.0, 1.0, 1.0]
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
