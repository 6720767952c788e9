"""Wider and fuller classes: h neurons per class (App. A.4), m orthogonal points (App. A.7).

App. A.4 and A.7 of the paper.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .claims import identity
from .gradient_flow import dot, gradient_flow, project, vector
from .losses import Loss, margin, resolve_loss
from .model import FACTORY_CACHE_SIZE, ModeModel, Reduction, frozen, integrate_reduction, named, reduce_flow
from .symbols import n, p, u, u0
from .validation import require_int

__all__ = ["wide", "orthogonal_points", "MAX_NEURONS", "MAX_POINTS"]

#: Largest symbolic width / point count (the algebra grows quadratically).
MAX_NEURONS = 8
MAX_POINTS = 8


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def _wide(neurons: int, loss: Loss) -> ModeModel:
    ys = sp.symbols(f"y^1:{neurons + 1}", real=True)
    zs = sp.symbols(f"z^1:{neurons + 1}", real=True)
    x = vector("a")
    ws = [vector(f"w{i}") for i in range(1, neurons + 1)]
    logit = sum(z_i * dot(w_i, x) for z_i, w_i in zip(zs, ws))  # every neuron of I_1 active on x
    raw = gradient_flow(p * loss.of(logit), [c for w in ws for c in w] + list(zs))
    modes = {**{y_i: dot(w_i, x) for y_i, w_i in zip(ys, ws)}, **{z_i: z_i for z_i in zs}}
    geometry = {x[0]: sp.sqrt(n**2 - x[1] ** 2 - x[2] ** 2)}
    state = tuple(q for pair in zip(ys, zs) for q in pair)
    flow = project(raw, modes, [w[0] for w in ws], geometry, set(state) | {n, p})
    shares = sp.symbols(f"r_1:{neurons}", positive=True)
    shares = shares + (1 - sum(shares),)
    parametrization = {}
    for y_i, z_i, r_i in zip(ys, zs, shares):
        parametrization[y_i] = sp.sqrt(n * r_i * u)
        parametrization[z_i] = sp.sqrt(r_i * u / n)
    total = sum(z_i * y_i for z_i, y_i in zip(zs, ys))
    rhs = reduce_flow(flow, u, parametrization)
    reduction = Reduction("balanced_shares", "balanced, shares r_i", u, rhs, frozen(parametrization), total, u,
                          integrate_reduction(u, rhs, u0),
                          "every c_i = 0; neuron i carries the fixed share r_i of the logit")
    drive = loss.drive.subs(margin, total)
    claims = [identity(f"(A.4, corrected): (z^{i + 1})' = p y^{i + 1} (-l'(sum_j z^j y^j))",
                       flow[zs[i]] - p * ys[i] * drive) for i in range(neurons)]
    claims += [identity(f"(A.4): (u^{i + 1})' = 2 n p u^{i + 1} (-l'(u)) on the balanced manifold",
                        (sp.diff(zs[i] * ys[i], zs[i]) * flow[zs[i]] + sp.diff(zs[i] * ys[i], ys[i]) * flow[ys[i]]
                         ).subs(parametrization, simultaneous=True)
                        - 2 * n * p * shares[i] * u * loss.drive.subs(margin, u)) for i in range(neurons)]
    claims.append(identity("the total logit obeys (14) from u0 = sum_i u^i_0",
                           rhs - 2 * n * p * u * loss.drive.subs(margin, u)))
    invariants = named("invariant", [(f"neuron_{i + 1}", f"neuron {i + 1}", ys[i] ** 2 - n**2 * zs[i] ** 2)
                                     for i in range(neurons)])
    return ModeModel(
        name="wide", loss=loss, state=state, parameters=(n, p) + shares[:-1], flow=frozen(flow),
        logits=named("logit", [("class_1", "class 1", total)]), invariants=invariants, reductions=(reduction,),
        claims=tuple(claims), rectified=ys, fractions=(p,) + shares[:-1], source="App. A.4 (erratum fixed)",
    )


def wide(neurons: int = 2, loss: str | sp.Expr | Loss = "bce") -> ModeModel:
    """``neurons`` active ReLU units on one class-1 point (App. A.4).

    Parameters
    ----------
    neurons : int
        h, the number of units, from 1 to :data:`MAX_NEURONS` (8).
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        The loss, resolved by :func:`derivations.resolve_loss`: a built-in name
        (:data:`derivations.LOSS_NAMES`), a sympy expression of
        :data:`derivations.margin`, or a :class:`~derivations.Loss`.

    Returns
    -------
    ModeModel
        State ``(y^1, z^1, ..., y^h, z^h)`` (the ``y^i`` rectified); parameters
        ``(n, p, r_1, ..., r_{h-1})`` (``p`` and the shares ``r_i`` are
        fractions; ``r_h = 1 - sum r_i``); invariants ``neuron_1`` ...
        ``neuron_h`` (``(y^i)^2 - n^2 (z^i)^2``); one reduction,
        ``balanced_shares`` (every invariant 0, neuron i carrying the share
        ``r_i`` of the logit; the total obeys (14)), with its closed form when
        sympy finds one; logit
        ``class_1`` (``sum_i z^i y^i``).  No quantities.

    Raises
    ------
    TypeError
        If ``neurons`` is not an integer, or ``loss`` is neither a string, a
        sympy expression nor a :class:`~derivations.Loss`.
    ValueError
        If ``neurons`` is outside ``[1, MAX_NEURONS]``, or ``loss`` is an unknown
        name or an expression :func:`~derivations.resolve_loss` refuses.

    Examples
    --------
    >>> wide(2).reduced.rhs
    2*n*p*u(t)/(exp(u(t)) + 1)
    """
    return _wide(require_int("neurons", neurons, 1, MAX_NEURONS), resolve_loss(loss))


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def _orthogonal_points(points: int, loss: Loss) -> ModeModel:
    ys = sp.symbols(f"y_1:{points + 1}", real=True)
    z = sp.Symbol("z", real=True)
    w = vector("w", points)
    basis = sp.eye(points)
    xs = [n * basis[:, i] for i in range(points)]  # WLOG: m orthogonal points of norm n
    objective = p * sum(loss.of(z * dot(w, x_i)) for x_i in xs)  # full batch, summed over points
    raw = gradient_flow(objective, list(w) + [z])
    modes = {**{y_i: dot(w, x_i) for y_i, x_i in zip(ys, xs)}, z: z}
    state = ys + (z,)
    flow = project(raw, modes, list(w), {}, set(state) | {n, p})
    y = sp.Symbol("y", real=True)
    symmetric = {y_i: y for y_i in ys}
    root = sp.sqrt(points)
    z_of_u = sp.sqrt(root * u / n)
    parametrization = {**{y_i: n * z_of_u / root for y_i in ys}, z: z_of_u}
    rhs = reduce_flow(flow, u, parametrization)
    reduction = Reduction("balanced_symmetric", "balanced, symmetric", u, rhs, frozen(parametrization), z * ys[0], u,
                          integrate_reduction(u, rhs, u0), "equal y_i, m y^2 = n^2 z^2")
    drive = loss.drive.subs(margin, z * y)
    claims = [identity("equal y_i stay equal (the symmetric manifold is invariant)",
                       flow[ys[i]].subs(symmetric) - flow[ys[0]].subs(symmetric)) for i in range(1, points)]
    claims += [
        identity("(A.7): y' = p n^2 z (-l'(zy)) on the symmetric manifold", flow[ys[0]].subs(symmetric) - p * n**2 * z * drive),
        identity(f"(A.7): z' = m p y (-l'(zy)) with m = {points}", flow[z].subs(symmetric) - points * p * y * drive),
        identity("(A.7): u' = 2 sqrt(m) n p u (-l'(u)), the sqrt(m) speed-up",
                 rhs - 2 * root * n * p * u * loss.drive.subs(margin, u)),
    ]
    invariants = named("invariant", [("sphere", "sum_i y_i^2 - n^2 z^2", sum(y_i**2 for y_i in ys) - n**2 * z**2)])
    return ModeModel(
        name="orthogonal_points", loss=loss, state=state, parameters=(n, p), flow=frozen(flow),
        logits=named("logit", [(f"point_{i + 1}", f"point {i + 1}", z * y_i) for i, y_i in enumerate(ys)]),
        invariants=invariants,
        reductions=(reduction,), claims=tuple(claims), rectified=ys, fractions=(p,), source="App. A.7",
    )


def orthogonal_points(points: int = 2, loss: str | sp.Expr | Loss = "bce") -> ModeModel:
    """One neuron, ``points`` mutually orthogonal class-1 points of equal norm (App. A.7).

    The loss is summed over the points (full batch), as in the paper.

    Parameters
    ----------
    points : int
        m, the number of points, from 1 to :data:`MAX_POINTS` (8).
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        The loss, resolved by :func:`derivations.resolve_loss`: a built-in name
        (:data:`derivations.LOSS_NAMES`), a sympy expression of
        :data:`derivations.margin`, or a :class:`~derivations.Loss`.

    Returns
    -------
    ModeModel
        State ``(y_1, ..., y_m, z)`` (``y_i = w . x_i``, rectified); parameters
        ``(n, p)``; invariant ``sphere`` (``sum_i y_i^2 - n^2 z^2``); one
        reduction, ``balanced_symmetric`` (equal ``y_i``, ``m y^2 = n^2 z^2``;
        ``u' = 2 sqrt(m) n p u (-l'(u))``), with its closed form when sympy finds
        one; logits
        ``point_1`` ... ``point_m``.  No quantities.

    Raises
    ------
    TypeError
        If ``points`` is not an integer, or ``loss`` is neither a string, a
        sympy expression nor a :class:`~derivations.Loss`.
    ValueError
        If ``points`` is outside ``[1, MAX_POINTS]``, or ``loss`` is an unknown
        name or an expression :func:`~derivations.resolve_loss` refuses.

    Examples
    --------
    >>> orthogonal_points(4).reduced.rhs
    4*n*p*u(t)/(exp(u(t)) + 1)
    """
    return _orthogonal_points(require_int("points", points, 1, MAX_POINTS), resolve_loss(loss))
