"""From a network and a loss to a gradient flow in mode coordinates.

The derivation works on real symbolic weights and data vectors:

1. the objective is the frequency-weighted loss of the network's logits,
   written on the activation pattern the assumptions fix (Lemma 3.1: on that
   pattern ``relu(a) = a`` for active units and ``0`` for inactive ones);
2. :func:`gradient_flow` differentiates it with :func:`sympy.diff`;
3. :func:`project` takes the time derivative of each mode coordinate (linear
   functions of the weights) by the chain rule, eliminates as many weights as
   there are modes, substitutes the data geometry, simplifies, and *proves
   closure*: the result depends on the mode coordinates and the parameters only.
"""
from __future__ import annotations

from typing import Any, Iterable, Mapping, Sequence

import sympy as sp

__all__ = ["vector", "dot", "gradient_flow", "project", "DIMENSION"]

#: Input dimension of the symbolic derivations.  Any d >= 2 exercises the
#: projection (a generic direction plus an orthogonal complement); 3 keeps the
#: algebra quick while leaving room for a component outside the data span.
DIMENSION = 3


def vector(name: str, dimension: int = DIMENSION, **assumptions: Any) -> sp.Matrix:
    """A column vector of fresh real symbols ``name_1 .. name_d``.

    Parameters
    ----------
    name : str
        Base name of the symbols.
    dimension : int
        d, the number of components (default :data:`DIMENSION`).
    **assumptions : Any
        Further sympy assumptions for every component (``positive=True``, ...); ``real=True`` is always set.

    Returns
    -------
    sympy.Matrix
        A (d, 1) column of real symbols.

    Examples
    --------
    >>> vector("w", 2).T
    Matrix([[w_1, w_2]])
    """
    return sp.Matrix(sp.symbols(f"{name}_1:{dimension + 1}", real=True, **assumptions))


def dot(a: sp.Matrix, b: sp.Matrix) -> sp.Expr:
    """Euclidean inner product of two column vectors.

    Parameters
    ----------
    a, b : sympy.Matrix
        Column vectors of the same length.

    Returns
    -------
    sympy.Expr
        ``a^T b``.

    Examples
    --------
    >>> dot(vector("a", 2), vector("b", 2))
    a_1*b_1 + a_2*b_2
    """
    return (a.T * b)[0, 0]


def gradient_flow(objective: sp.Expr, weights: Iterable[sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
    """``{theta: -d objective / d theta}`` for every weight symbol.

    Parameters
    ----------
    objective : sympy.Expr
        The training objective as an expression of the weights.
    weights : iterable of sympy.Symbol
        The weights to differentiate by.

    Returns
    -------
    dict[sympy.Symbol, sympy.Expr]
        The gradient flow ``theta' = -dL/dtheta``, in the order of ``weights``.

    Examples
    --------
    >>> w = sp.Symbol("w", real=True)
    >>> gradient_flow(w**2 / 2, [w])
    {w: -w}
    """
    return {w: -sp.diff(objective, w) for w in weights}


def project(raw_flow: Mapping[sp.Symbol, sp.Expr], modes: Mapping[sp.Symbol, sp.Expr],
            eliminate: Sequence[sp.Symbol], geometry: Mapping[sp.Symbol, sp.Expr],
            allowed: Iterable[sp.Symbol]) -> dict[sp.Symbol, sp.Expr]:
    """The flow of mode coordinates, closed in those coordinates.

    Parameters
    ----------
    raw_flow : Mapping
        ``{weight: weight'}`` from :func:`gradient_flow`.
    modes : Mapping
        ``{mode symbol: expression of the weights}`` (linear in the weights, or a
        weight itself).
    eliminate : sequence of sympy.Symbol
        Weights to solve the mode definitions for (one per non-trivial mode).
    geometry : Mapping
        Substitutions for data components that express norms and inner
        products through parameter symbols (e.g. ``a_1 -> sqrt(n**2 - a_2**2 - a_3**2)``).
    allowed : iterable of sympy.Symbol
        Mode and parameter symbols the result may depend on.

    Returns
    -------
    dict[sympy.Symbol, sympy.Expr]
        ``{mode symbol: its time derivative}``, an expression of ``allowed`` only.

    Raises
    ------
    ArithmeticError
        If the mode definitions do not determine the eliminated weights
        uniquely, or if the projected flow is not closed: the mode coordinates
        do not capture the dynamics (an assumption is missing).
    """
    derivatives = {
        mode: sum(sp.diff(expr, w) * rate for w, rate in raw_flow.items())
        for mode, expr in modes.items()
    }
    definitions = [sp.Eq(mode, expr) for mode, expr in modes.items() if expr not in raw_flow]
    solution = sp.solve(definitions, list(eliminate), dict=True) if definitions else [{}]
    if len(solution) != 1:
        raise ArithmeticError("mode definitions do not determine the eliminated weights uniquely")
    allowed = set(allowed)
    projected = {}
    for mode, rate in derivatives.items():
        expr = rate.subs(solution[0], simultaneous=True).subs(geometry, simultaneous=True)
        expr = sp.simplify(sp.factor_terms(sp.expand(expr)))
        stray = expr.free_symbols - allowed
        if stray:
            raise ArithmeticError(
                f"the flow of {mode} is not closed in mode coordinates: it still depends on {sorted(map(str, stray))}"
            )
        projected[mode] = expr
    return projected
