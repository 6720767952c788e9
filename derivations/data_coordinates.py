"""The gradient flow of a two-layer ReLU network on any dataset, in data coordinates.

Every hidden unit's weight gradient lies in the span of the data, so the flow closes in the
pre-activations ``Y = W X^T`` (one entry per unit and point), the output weights ``Z`` and the Gram
matrix ``G = X X^T``.  What the loss contributes is one scalar per point, its *residual*
``r_i = -dL/du_i`` for the objective ``L = sum_i q_i l(s_i u_i)``; :func:`residual` derives it from the
loss expression.

* :func:`data_flow` derives the flow from the real network at small explicit sizes (indicator symbols
  ``a_ji`` for the activation pattern) and proves it closes in ``(Y, Z, G)``; it is derived for any loss,
  each point's residual held as one object ``r(q_i, s_i, u_i)``, and :func:`residual` then takes its place,
  so every claim about the flow is an identity in those objects (true for every loss, custom ones included,
  and proven without simplifying the loss);
* :func:`matrix_rates` is its general matrix form, ``Y' = Z[:, None] * ((r * A) @ G)``,
  ``Z' = relu(Y) @ r``, which the models' claims prove equal to the derived flow;
* :func:`class_mode` is one class's decoupled mode under H1-H3 (Lemma 3.1), with a class Gram matrix;
* :func:`gram_rates` is its reduction to ``u = Y^T Z``, ``P = Y^T Y``, ``zeta = Z^T Z`` (or ``W^T Z``,
  ``W^T W``, ``zeta`` in weight space), a closed flow whatever the number of units, which
  :func:`gram_reduction` proves from :func:`class_mode`;
* :func:`special_cases` states that ``two_layer``, ``wide`` and ``orthogonal_points`` are class modes.

Examples
--------
>>> residual("bce")
q*s/(exp(s*u) + 1)
>>> Y, Z, G = sp.Matrix([[sp.Symbol("y")]]), sp.Matrix([sp.Symbol("z")]), sp.Matrix([[sp.Symbol("g")]])
>>> matrix_rates(Y, Z, G, [1], [1], sp.Matrix([[1]]), "squared")[1][0]
y*(-y*z + 1)
"""
from __future__ import annotations

import numbers
from functools import lru_cache
from typing import Sequence

import sympy as sp

from .claims import identity, inequality
from .gradient_flow import dot, gradient_flow, vector
from .losses import Loss, resolve_loss
from .model import FACTORY_CACHE_SIZE, ModeModel, frozen, named
from .validation import require_int

__all__ = ["residual", "WEIGHT", "SIGN", "LOGIT", "logits", "matrix_rates", "gram_rates", "gram_reduction",
           "data_flow", "class_mode", "special_cases", "MAX_UNITS", "MAX_POINTS"]

#: The weight ``q_i`` of a point in the objective (``1/n`` for the mean loss).
WEIGHT = sp.Symbol("q", positive=True)
#: The sign ``s_i`` of a point's class: ``+1`` for class 1, ``-1`` for class 2.
SIGN = sp.Symbol("s", real=True)
#: The logit ``u_i`` of a point.
LOGIT = sp.Symbol("u", real=True)


def residual(loss: "str | sp.Expr | Loss") -> sp.Expr:
    """The residual ``-d/du [q l(s u)]`` of one point: how strongly it pulls its logit.

    Derived by differentiating the loss's learning piece; where the loss is flat (a hinge beyond its
    stopping margin ``a``) the residual is 0, so the result is ``Piecewise((..., s u < a), (0, True))``.

    Parameters
    ----------
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        As in :func:`derivations.resolve_loss`.

    Returns
    -------
    sympy.Expr
        An expression of :data:`WEIGHT`, :data:`SIGN` and :data:`LOGIT`.

    Raises
    ------
    ValueError, TypeError
        As :func:`derivations.resolve_loss` for a loss it refuses.

    Examples
    --------
    >>> residual("hinge")
    Piecewise((q*s, s*u < 1), (0, True))
    >>> from derivations import margin
    >>> residual(sp.exp(-margin))
    q*s*exp(-s*u)
    """
    loss = resolve_loss(loss)
    pulled = -sp.diff(WEIGHT * loss.of(SIGN * LOGIT), LOGIT)
    pulled = sp.simplify(pulled)
    if loss.stop_margin is None:
        return pulled
    return sp.Piecewise((pulled, SIGN * LOGIT < loss.stop_margin), (0, True))


# ---------------------------------------------------------------------------------------------------------
# The flow itself: derived from the real network at small explicit sizes, with the matrix formula it equals.

#: Largest number of hidden units of the symbolic derivations.  Reason: the flow has one coordinate per unit and
#: point, and the claims one cross invariant per pair of units; 3 units show every cross-unit term while
#: :func:`data_flow` and :func:`class_mode` derive and prove their claims in about 2 s at the largest sizes
#: (measured: 1.8 s and 1.5 s for 3 units, 4 points, BCE).  Numerics use :func:`matrix_rates`'s general form,
#: not these sizes.
MAX_UNITS = 3
#: Largest number of data points of the symbolic derivations.  Reason: the invariants carry the adjugate and
#: determinant of the Gram matrix, whose sizes grow factorially (24 terms at 4 points); 4 points keep the
#: derivation and proofs at a couple of seconds.
MAX_POINTS = 4


#: Range of the sampled magnitudes (weights, pre-activations, Gram entries) when the sign claims of
#: :func:`special_cases` fall back on numerical sampling; they scale out of each claim's sign, so any range works.
SIGN_RANGE = 3.0


def _index(*numbers: int) -> str:
    """``1, 2`` -> ``"12"``: sizes stay below 10, so indices are single digits, read as ``Y_{12}``."""
    return "".join(str(k) for k in numbers)


def _coordinates(units: int, points: int) -> tuple:
    """The symbols of the data coordinates: Y (h, n), Z (h, 1), G (n, n) symmetric, q, s, A (h, n)."""
    Y = sp.Matrix(units, points, lambda j, i: sp.Symbol(f"Y_{_index(j + 1, i + 1)}", real=True))
    Z = sp.Matrix(units, 1, lambda j, _: sp.Symbol(f"Z_{j + 1}", real=True))
    # A diagonal entry is a squared norm (> 0: a zero point carries no gradient); off-diagonal ones any real.
    G = sp.Matrix(points, points, lambda i, k: sp.Symbol(f"G_{_index(min(i, k) + 1, max(i, k) + 1)}",
                                                        positive=True) if i == k else
                  sp.Symbol(f"G_{_index(min(i, k) + 1, max(i, k) + 1)}", real=True))
    q = tuple(sp.symbols(f"q_1:{points + 1}", positive=True))
    s = tuple(sp.symbols(f"s_1:{points + 1}", real=True))
    A = sp.Matrix(units, points, lambda j, i: sp.Symbol(f"a_{_index(j + 1, i + 1)}", nonnegative=True))
    return Y, Z, G, q, s, A


def _upper(G: sp.Matrix) -> tuple:
    """The upper triangle of a symmetric Gram matrix, row by row: its independent entries."""
    return tuple(G[i, k] for i in range(G.rows) for k in range(i, G.cols))


def logits(Y: sp.Matrix, Z: sp.Matrix, A: sp.Matrix) -> list:
    """The network's logit on every point, ``u_i = sum_j Z_j relu(Y_ji)``, with ``relu(Y_ji) = A_ji Y_ji``.

    Parameters
    ----------
    Y : sympy.Matrix, shape (h, n)
        Pre-activations ``Y_ji = w_j . x_i``.
    Z : sympy.Matrix, shape (h, 1)
        Output weights.
    A : sympy.Matrix, shape (h, n)
        Activation indicators ``1[Y_ji > 0]`` (symbols or numbers).

    Returns
    -------
    list of sympy.Expr
        ``[u_1, ..., u_n]``.

    Examples
    --------
    >>> y, z = sp.symbols("y z")
    >>> logits(sp.Matrix([[y, 2 * y]]), sp.Matrix([z]), sp.Matrix([[1, 0]]))
    [y*z, 0]
    """
    return [sum(Z[j] * A[j, i] * Y[j, i] for j in range(Y.rows)) for i in range(Y.cols)]


def matrix_rates(Y: sp.Matrix, Z: sp.Matrix, G: sp.Matrix, q: "Sequence[sp.Expr]", s: "Sequence[sp.Expr]",
                 A: sp.Matrix, loss: "str | sp.Expr | Loss" = "bce") -> tuple:
    """The flow in data coordinates in matrix form: ``Y' = Z[:, None] * ((r * A) @ G)``, ``Z' = relu(Y) @ r``.

    ``r_i = -dL/du_i`` is each point's residual (:func:`residual` at ``q_i, s_i, u_i``), ``relu(Y) = A * Y``
    elementwise.  This is the general form the numerical side compiles for any number of points; the
    claims of :func:`data_flow` prove that the network's gradient flow equals it.

    Parameters
    ----------
    Y : sympy.Matrix, shape (h, n)
        Pre-activations ``Y_ji = w_j . x_i``.
    Z : sympy.Matrix, shape (h, 1)
        Output weights.
    G : sympy.Matrix, shape (n, n)
        Gram matrix ``x_i . x_k`` (symmetric).
    q, s : sequence of sympy.Expr, length n
        Point weights in the objective and class signs (``+1`` class 1, ``-1`` class 2).
    A : sympy.Matrix, shape (h, n)
        Activation indicators ``1[Y_ji > 0]``.
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        As in :func:`derivations.resolve_loss`; a loss with a stop margin gives ``Piecewise`` residuals.

    Returns
    -------
    (sympy.Matrix, sympy.Matrix)
        ``Y'`` of shape (h, n) and ``Z'`` of shape (h, 1).

    Raises
    ------
    ValueError
        If the shapes disagree (the message names the argument), or as :func:`derivations.resolve_loss`.

    Examples
    --------
    >>> y, z, g, q = sp.symbols("y z g q", positive=True)
    >>> Ydot, Zdot = matrix_rates(sp.Matrix([[y]]), sp.Matrix([z]), sp.Matrix([[g]]), [q], [1],
    ...                           sp.Matrix([[1]]), "hinge")
    >>> Ydot[0], Zdot[0]
    (g*z*Piecewise((q, y*z < 1), (0, True)), y*Piecewise((q, y*z < 1), (0, True)))
    """
    h, n = Y.shape
    for name, shape, expected in (("Z", Z.shape, (h, 1)), ("G", G.shape, (n, n)), ("A", A.shape, (h, n)),
                                  ("q", (len(q),), (n,)), ("s", (len(s),), (n,))):
        if tuple(shape) != expected:
            raise ValueError(f"{name} must have shape {expected} to match Y of shape {(h, n)}, got {tuple(shape)}")
    return _matrix_form(Y, Z, G, A, _residuals(resolve_loss(loss), q, s, logits(Y, Z, A)))


def _matrix_form(Y: sp.Matrix, Z: sp.Matrix, G: sp.Matrix, A: sp.Matrix, r: "Sequence[sp.Expr]") -> tuple:
    """``(Z[:, None] * ((r * A) @ G), relu(Y) @ r)`` for given residuals ``r`` (checked shapes)."""
    h, n = Y.shape
    r = sp.Matrix(n, 1, list(r))
    RA = A.multiply_elementwise(sp.ones(h, 1) * r.T)  # (r * A)
    Ydot = sp.diag(*Z) * RA * G
    Zdot = A.multiply_elementwise(Y) * r
    return Ydot, Zdot


#: The residual ``r(q, s, u) = -d/du [q l(s u)]`` of a point of weight ``q``, sign ``s`` and logit ``u``, held as
#: one undefined function while the flow is derived (the loss not yet chosen).  The claims about the flow are
#: identities in these objects, the same object on both sides: they hold for every loss and never ask sympy to
#: simplify one (an exponential, a hyperbolic cosine, ... of a logit that sympy rewrote on one side only).
_RESIDUAL = sp.Function("r")


class _PointLoss(sp.Function):
    """``P(q, s, u) = q l(s u)``, one point's term of the objective for any loss: ``dP/du = -r(q, s, u)``."""

    nargs = 3

    def fdiff(self, argindex=3):
        if argindex != 3:  # q and s are constants: the flow differentiates by the weights only, through u
            raise sp.ArgumentIndexError(self, argindex)
        return -_RESIDUAL(*self.args)


def _held_residuals(q: "Sequence[sp.Expr]", s: "Sequence[sp.Expr]", u: "Sequence[sp.Expr]") -> list:
    """``[r(q_i, s_i, u_i)]``: each point's residual as one undefined function of its weight, sign and logit."""
    return [_RESIDUAL(qi, si, ui) for qi, si, ui in zip(q, s, u)]


def _residuals(loss: Loss, q: "Sequence[sp.Expr]", s: "Sequence[sp.Expr]", u: "Sequence[sp.Expr]",
               learning: bool = False) -> list:
    """Each point's :func:`residual` at ``(q_i, s_i, u_i)`` (its learning branch if ``learning``)."""
    pull = residual(loss)
    if learning and loss.stop_margin is not None:
        pull = _learning_branch(pull)
    return [pull.subs({WEIGHT: qi, SIGN: si, LOGIT: ui}, simultaneous=True) for qi, si, ui in zip(q, s, u)]


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def _derive(units: int, points: int, active: tuple, signs: tuple) -> dict:
    """Differentiate the real network's objective for any loss and project it onto data coordinates, proving closure.

    ``active`` ((h, n) nested tuple) holds the indicators and ``signs`` (n,) the class signs, as symbols or
    numbers.  The data vectors ``x_i`` and weights ``w_j`` are symbolic vectors of dimension
    :data:`~derivations.gradient_flow.DIMENSION` (any d works: the proof below never uses d = n).  Each point's
    term of the objective is ``P(q_i, s_i, u_i)`` with ``dP/du = -r``: the flow comes out in the held residuals
    ``r(q_i, s_i, u_i)`` of :data:`_RESIDUAL` (a polynomial in them, the data coordinates and the parameters);
    :func:`_instantiate` puts a loss's :func:`residual` in their place.
    """
    Y, Z, G, q, _, _ = _coordinates(units, points)
    xs = [vector(f"x{i + 1}") for i in range(points)]
    ws = [vector(f"w{j + 1}") for j in range(units)]
    pre = {dot(ws[j], xs[i]): Y[j, i] for j in range(units) for i in range(points)}
    pre.update({-w_x: -y for w_x, y in pre.items()})  # sympy distributes a sign over a sum: -(a + b) = -a - b
    # u_i = sum_j Z_j relu(w_j . x_i), relu written on the activation pattern: relu(y) = a y, relu'(y) = a.
    objective = sum(_PointLoss(q[i], signs[i], sum(Z[j] * active[j][i] * dot(ws[j], xs[i]) for j in range(units)))
                    for i in range(points))
    raw = gradient_flow(objective, [c for w in ws for c in w] + list(Z))
    allowed = set(Y) | set(Z) | set(G) | set(q) | {x for x in signs if isinstance(x, sp.Symbol)} | {
        a for row in active for a in row if isinstance(a, sp.Symbol)}
    A = sp.Matrix(units, points, lambda j, i: active[j][i])
    held = set(_held_residuals(q, signs, logits(Y, Z, A)))

    weight_symbols = {c for w in ws for c in w}

    def pre_activations(expr):  # every pre-activation w_j . x_i becomes the coordinate Y_ji
        expr = expr.xreplace(pre)
        if expr.free_symbols & weight_symbols:  # sympy distributed a number over a sum: 2 (a + b) = 2 a + 2 b
            expr = sp.factor_terms(expr).xreplace(pre)
        if expr.free_symbols & weight_symbols:  # a sum rearranged otherwise: subs matches sub-sums (slower)
            expr = expr.subs(pre)
        return expr

    def closed(expr, what):
        expr = pre_activations(expr)
        stray = expr.free_symbols - allowed
        if stray:
            raise ArithmeticError(f"the flow of {what} is not closed in data coordinates: it still depends on "
                                  f"{sorted(map(str, stray))}")
        astray = expr.atoms(sp.Function) - held
        if astray:  # a residual away from a point's own weight, sign and logit
            raise ArithmeticError(f"the flow of {what} depends on {sorted(map(str, astray))}, not on the residuals "
                                  f"{sorted(map(str, held))}")
        return expr

    flow = {}
    for j in range(units):
        w_rate = [pre_activations(raw[c]) for c in ws[j]]
        # w_j' lies in the span of the data: w_j' = sum_k c_k x_k, with c_k read off the first component ...
        weights = [closed(sp.diff(w_rate[0], xs[k][0]), f"w_{j + 1} along x_{k + 1}") for k in range(points)]
        for component, rate in enumerate(w_rate):  # ... and proven for every component
            rest = sp.expand(rate - sum(c * x[component] for c, x in zip(weights, xs)))
            if rest != 0:
                raise ArithmeticError(f"the gradient of w_{j + 1} is not in the span of the data")
        for i in range(points):  # Y_ji' = x_i . w_j' = sum_k c_k (x_i . x_k) = sum_k c_k G_ki
            flow[Y[j, i]] = sum(c * G[k, i] for k, c in enumerate(weights))
    for j in range(units):
        flow[Z[j]] = closed(raw[Z[j]], f"Z_{j + 1}")
    return flow


def _instantiate(flow: dict, loss: Loss, q: "Sequence[sp.Expr]", s: "Sequence[sp.Expr]",
                 u: "Sequence[sp.Expr]") -> dict:
    """The flow of :func:`_derive` for ``loss``: each held residual becomes :func:`residual` at its point (on the
    learning piece of a loss that stops at a margin), exactly as :func:`matrix_rates` evaluates it."""
    put = dict(zip(_held_residuals(q, s, u), _residuals(loss, q, s, u, learning=True)))
    return {x: rate.xreplace(put) for x, rate in flow.items()}


def _unit_invariant(Y: sp.Matrix, Z: sp.Matrix, G: sp.Matrix, j: int, k: int,
                    block: "Sequence[int] | None" = None) -> sp.Expr:
    """``det(G_BB) (Y_jB^T G_BB^{-1} Y_kB - Z_j Z_k)`` on the points ``B`` (all points by default).

    Written as ``Y_jB^T adj(G_BB) Y_kB - det(G_BB) Z_j Z_k``: a polynomial (``det G`` is a constant of the
    flow), which sympy proves conserved in a fraction of the time the rational form takes; for one point it
    is the paper's ``y^2 - n^2 z^2``.
    """
    block = list(range(Y.cols)) if block is None else list(block)
    gram = G.extract(block, block)
    yj = sp.Matrix([Y[j, i] for i in block])
    yk = sp.Matrix([Y[k, i] for i in block])
    return sp.expand((yj.T * gram.adjugate() * yk)[0, 0] - gram.det() * Z[j] * Z[k])


def _rates_claims(flow: dict, Y, Z, G, q, s, A, loss: Loss) -> list:
    """Claims that the derived flow equals :func:`matrix_rates` (inside the margin for a hinge-like loss).

    ``flow`` is :func:`_derive`'s, in the held residuals ``r(q_i, s_i, u_i)``; the matrix form takes the same
    objects, so each claim is an identity in them (a polynomial one: proven at once, for every loss), and the
    model's flow and :func:`matrix_rates` put the same :func:`residual` in their place.  A derived flow with a
    wrong logit, weight or sign holds a residual that is not the matrix form's, and fails.
    """
    Ydot, Zdot = _matrix_form(Y, Z, G, A, _held_residuals(q, s, logits(Y, Z, A)))
    h, n = Y.shape
    where = " (inside the margin, s_i u_i < a)" if loss.stop_margin is not None else ""
    claims = [identity(f"Y_{_index(j + 1, i + 1)}' = Z_{j + 1} sum_k r_k a_{j + 1}k G_k{i + 1}: row {j + 1} "
                       f"of Z[:, None] * ((r * A) @ G){where}", flow[Y[j, i]] - Ydot[j, i])
              for j in range(h) for i in range(n)]
    claims += [identity(f"Z_{j + 1}' = sum_i r_i relu(Y_{j + 1}i): entry {j + 1} of relu(Y) @ r{where}",
                        flow[Z[j]] - Zdot[j]) for j in range(h)]
    return claims


def _learning_branch(expr: sp.Expr) -> sp.Expr:
    """``expr`` with each ``Piecewise`` residual replaced by its learning branch (the point is inside its margin)."""
    return expr.replace(lambda e: isinstance(e, sp.Piecewise), lambda e: e.args[0][0])


def _require_loss_and_sizes(units: object, points: object, loss: object) -> tuple:
    return (require_int("units", units, 1, MAX_UNITS), require_int("points", points, 1, MAX_POINTS),
            resolve_loss(loss))


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def _data_flow(units: int, points: int, loss: Loss) -> ModeModel:
    Y, Z, G, q, s, A = _coordinates(units, points)
    held = _derive(units, points, tuple(tuple(A.row(j)) for j in range(units)), s)  # in the held residuals
    state = tuple(Y) + tuple(Z)
    invariants = [(f"unit_{j + 1}", f"unit {j + 1}", _unit_invariant(Y, Z, G, j, j)) for j in range(units)]
    claims = _rates_claims(held, Y, Z, G, q, s, A, loss)
    # The invariant on an active block: unit 1 inactive off a proper block B keeps Y_1B^T G_BB^{-1} Y_1B - Z_1^2
    # (proven for any residuals, so for every loss).
    for size in range(1, points):
        block = list(range(size))
        off = {A[0, i]: 0 for i in range(size, points)}
        invariant = _unit_invariant(Y, Z, G, 0, 0, block)
        rate = sum(sp.diff(invariant, x) * held[x].subs(off) for x in state)
        claims.append(identity(f"unit 1 active only on points 1..{size} (a_1i = 0 beyond): "
                               f"Y_1B^T G_BB^-1 Y_1B - Z_1^2 on that block B is conserved", rate))
    if units > 1:  # units with one activation pattern keep their cross term
        same = {A[1, i]: A[0, i] for i in range(points)}
        cross = _unit_invariant(Y, Z, G, 0, 1)
        rate = sum(sp.diff(cross, x) * held[x].subs(same) for x in state)
        claims.append(identity("units 1 and 2 with the same activation pattern (a_2i = a_1i): "
                               "Y_1^T G^-1 Y_2 - Z_1 Z_2 is conserved", rate))
    return ModeModel(
        name="data_flow", loss=loss, state=state, parameters=_upper(G) + q + s + tuple(A),
        flow=frozen(_instantiate(held, loss, q, s, logits(Y, Z, A))),
        logits=named("logit", [(f"point_{i + 1}", f"point {i + 1}", u) for i, u in enumerate(logits(Y, Z, A))]),
        invariants=named("invariant", invariants), claims=tuple(claims),
        source="any dataset, in data coordinates Y = W X^T, G = X X^T (generalises Lemma 3.1)",
    )


def data_flow(units: int = 2, points: int = 3, loss: "str | sp.Expr | Loss" = "bce") -> ModeModel:
    """The gradient flow of a two-layer ReLU network on any data, in data coordinates.

    Derived from the real network ``u(x) = sum_j Z_j relu(w_j . x)`` and the objective
    ``L = sum_i q_i l(s_i u_i)`` with symbolic weights ``w_j`` and data vectors ``x_i``; each ReLU is
    written on its activation pattern, ``relu(w_j . x_i) = a_ji (w_j . x_i)`` with an indicator symbol
    ``a_ji`` (0 or 1; the derivative of the ReLU is ``a_ji``).  The gradient of ``w_j`` lies in the span
    of the data, so the flow closes in ``Y_ji = w_j . x_i``, ``Z_j`` and the Gram entries
    ``G_ik = x_i . x_k`` (the derivation raises if it did not).  The chain rule runs for any loss: each
    point's ``-d/du_i [q_i l(s_i u_i)]`` stays one object ``r(q_i, s_i, u_i)`` (the claims are identities in
    these objects), then :func:`residual` of ``loss`` takes its place, evaluated as :func:`matrix_rates`
    evaluates it.  It holds on each activation pattern,
    i.e. until some ``Y_ji`` crosses 0.  For a loss that stops at a margin (the hinge) it is derived on
    the learning piece: every point inside its margin (``s_i u_i < a``); :func:`matrix_rates` with
    :func:`residual` also covers points beyond it.

    Parameters
    ----------
    units : int
        h, the number of hidden units, from 1 to :data:`MAX_UNITS`.
    points : int
        n, the number of data points, from 1 to :data:`MAX_POINTS`.
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        As in :func:`derivations.resolve_loss`.

    Returns
    -------
    ModeModel
        Named ``"data_flow"``.  State ``(Y_11, ..., Y_1n, ..., Y_hn, Z_1, ..., Z_h)``; parameters the
        upper triangle of ``G`` (``G_ii > 0``), the weights ``q_i > 0``, the signs ``s_i`` and the
        indicators ``a_ji``.  Logits ``point_i`` (``u_i = sum_j Z_j a_ji Y_ji``).  Invariants
        ``unit_j``: ``det(G) (Y_j^T G^{-1} Y_j - Z_j^2)``, written as the polynomial
        ``Y_j^T adj(G) Y_j - det(G) Z_j^2`` (``det G`` is constant; ``Y_j^T G^{-1} Y_j - Z_j^2`` is
        ``||w_j||^2 - Z_j^2`` when the points span the input space; ``y^2 - n^2 z^2`` for one point),
        conserved on every activation pattern.  Claims: the flow equals
        :func:`matrix_rates` entry by entry; the block invariant ``Y_jB^T G_BB^{-1} Y_jB - Z_j^2`` of
        unit 1 inactive off a block ``B`` (each block ``1..b``, ``b < n``); the cross invariant
        ``Y_1^T G^{-1} Y_2 - Z_1 Z_2`` of two units with the same pattern (all in the polynomial form).  The parameters are symbols of any sign (``s_i = -1``, ``a_ji = 0``), so
        the model is for symbolic use (substitute with ``subs``); numerics compile :func:`matrix_rates`.

    Raises
    ------
    TypeError
        If ``units`` or ``points`` is not an integer, or ``loss`` is not a loss.
    ValueError
        If ``units`` or ``points`` is out of range, or ``loss`` is refused by
        :func:`derivations.resolve_loss`.
    ArithmeticError
        If the projected flow did not close in data coordinates (a derivation bug, never expected).

    Examples
    --------
    >>> m = data_flow(1, 2)
    >>> m.state
    (Y_11, Y_12, Z_1)
    >>> m.flow[m.state[0]]
    G_11*Z_1*a_11*q_1*s_1/(exp(Y_11*Z_1*a_11*s_1) + 1) + G_12*Z_1*a_12*q_2*s_2/(exp(Y_12*Z_1*a_12*s_2) + 1)
    >>> all(m.check().values())
    True
    """
    return _data_flow(*_require_loss_and_sizes(units, points, loss))


def _require_sign(sign: object) -> int:
    if isinstance(sign, bool) or not isinstance(sign, numbers.Integral):
        raise TypeError(f"sign must be the integer 1 (class 1) or -1 (class 2), got {sign!r} ({type(sign).__name__})")
    if sign not in (1, -1):
        raise ValueError(f"sign must be 1 (class 1) or -1 (class 2), got {sign}")
    return int(sign)


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def _class_mode(units: int, points: int, loss: Loss, sign: int) -> ModeModel:
    Y, Z, G, q, s, A = _coordinates(units, points)
    ones, signs = sp.ones(units, points), (sp.Integer(sign),) * points
    held = _derive(units, points, tuple(tuple(ones.row(j)) for j in range(units)), signs)  # in the held residuals
    state = tuple(Y) + tuple(Z)
    invariants = [(f"unit_{j + 1}", f"unit {j + 1}", _unit_invariant(Y, Z, G, j, j)) for j in range(units)]
    invariants += [(f"units_{j + 1}_{k + 1}", f"units {j + 1} and {k + 1}", _unit_invariant(Y, Z, G, j, k))
                   for j in range(units) for k in range(j + 1, units)]
    claims = _rates_claims(held, Y, Z, G, q, signs, ones, loss)
    # data_flow's, in its held residuals r(q_i, s_i, u_i): the restriction reaches their arguments too, so each
    # claim is an identity in the same objects on both sides (for every loss)
    general = _derive(units, points, tuple(tuple(A.row(j)) for j in range(units)), s)
    restrict = {**{a: 1 for a in A}, **{si: sign for si in s}}
    claims += [identity(f"{x}' is data_flow's with every a_ji = 1 and s_i = {sign}",
                        held[x] - general[x].subs(restrict)) for x in state]
    flow = _instantiate(held, loss, q, signs, logits(Y, Z, ones))
    return ModeModel(
        name="class_mode", loss=loss, state=state, parameters=_upper(G) + q, flow=frozen(flow),
        logits=named("logit", [(f"point_{i + 1}", f"point {i + 1}", u) for i, u in enumerate(logits(Y, Z, ones))]),
        margin_signs=frozen({f"point_{i + 1}": sign for i in range(points)}),
        invariants=named("invariant", invariants), claims=tuple(claims),
        source="Lemma 3.1: one class's decoupled mode, class Gram matrix G",
    )


def class_mode(units: int = 1, points: int = 2, loss: "str | sp.Expr | Loss" = "bce", sign: int = 1) -> ModeModel:
    """One class's decoupled mode (Lemma 3.1): its units active on all its points, a symbolic class Gram matrix.

    Under H1-H3 the units serving a class see only that class's points and stay active on all of them, so
    the class evolves alone: :func:`data_flow` with every ``a_ji = 1`` and every ``s_i = sign``, derived
    here from the real network on that pattern.  :func:`special_cases` proves that ``two_layer``,
    ``wide`` and ``orthogonal_points`` are this mode for particular Gram matrices.

    Parameters
    ----------
    units : int
        h, the units serving the class, from 1 to :data:`MAX_UNITS`.
    points : int
        n, the class's points, from 1 to :data:`MAX_POINTS`.
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        As in :func:`derivations.resolve_loss` (derived on the learning piece of a hinge-like loss).
    sign : {1, -1}
        The class's sign ``s``: 1 for class 1, -1 for class 2.

    Returns
    -------
    ModeModel
        Named ``"class_mode"``.  State ``(Y_11, ..., Y_hn, Z_1, ..., Z_h)``; parameters the upper triangle
        of the class Gram matrix ``G`` and the weights ``q_i``.  Logits ``point_i`` (``sum_j Z_j Y_ji``,
        margin sign ``sign``).  Invariants ``unit_j`` (``Y_j^T G^{-1} Y_j - Z_j^2``) and ``units_j_k``
        (``Y_j^T G^{-1} Y_k - Z_j Z_k``: on the class the network is linear, so the whole matrix
        ``Y G^{-1} Y^T - Z Z^T`` is conserved), each times ``det G`` and written as a polynomial as in
        :func:`data_flow`.  Claims: the flow equals :func:`matrix_rates` and equals
        :func:`data_flow` with all indicators 1 and all signs ``sign``.

    Raises
    ------
    TypeError
        If ``units``, ``points`` or ``sign`` is not an integer, or ``loss`` is not a loss.
    ValueError
        If ``units`` or ``points`` is out of range, ``sign`` is not 1 or -1, or ``loss`` is refused by
        :func:`derivations.resolve_loss`.

    Examples
    --------
    >>> m = class_mode(1, 2, "hinge")
    >>> m.flow[m.state[0]]
    G_11*Z_1*q_1 + G_12*Z_1*q_2
    >>> all(m.check().values())
    True
    """
    units, points, loss = _require_loss_and_sizes(units, points, loss)
    return _class_mode(units, points, loss, _require_sign(sign))


def special_cases(loss: "str | sp.Expr | Loss" = "bce", *, units: int = 2, points: int = 2) -> tuple:
    """Claims that the paper's models are special cases of :func:`class_mode` (and of :func:`data_flow`).

    Each claim substitutes a class Gram matrix and weights into the class mode, maps its symbols onto the
    other model's (explicitly, state by state) and states that the flows agree:

    * ``two_layer``: class 1 is ``class_mode(1, 1)`` with ``G = n_1^2``, ``q = p`` (``Y_11 -> y_1``,
      ``Z_1 -> z_1``); class 2 is ``class_mode(1, 1, sign=-1)`` with ``G = n_2^2``, ``q = 1 - p``;
    * ``wide(units)``: ``class_mode(units, 1)`` with ``G = n^2``, ``q = p`` (``Y_j1 -> y^j``, ``Z_j -> z^j``);
    * ``orthogonal_points(points)``: ``class_mode(1, points)`` with ``G = n^2 I``, ``q_i = p``
      (``Y_1i -> y_i``, ``Z_1 -> z``);
    * Lemma 3.1 in data coordinates: ``data_flow(2, 2)`` with unit 1 active on point 1 only (class 1) and
      unit 2 on point 2 only (class 2) moves ``(Y_11, Z_1)`` and ``(Y_22, Z_2)`` as the two class modes,
      whatever the cross-class inner product ``G_12``; and, for a loss whose drive ``-l'`` is non-negative
      (BCE, hinge, exponential; not the squared loss), under H1-H3 (``G_12 <= 0``, ``Z_1 > 0 > Z_2``) the
      pattern is kept: active entries grow, cross-class entries do not, output weights keep their signs
      (inequalities, proven symbolically or on a dense numerical sample of the stated domain).

    Flows of a loss that stops at a margin are compared on its learning piece (as every model is derived).

    Parameters
    ----------
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        As in :func:`derivations.resolve_loss`.
    units : int
        The width h of the ``wide`` model compared, from 1 to :data:`MAX_UNITS`.
    points : int
        The number m of orthogonal points compared, from 1 to :data:`MAX_POINTS`.

    Returns
    -------
    tuple of Claim
        Identity claims, one per state coordinate compared, then the sign inequalities (prove them with
        :func:`derivations.prove`).

    Raises
    ------
    TypeError, ValueError
        For a ``units``, ``points`` or ``loss`` out of range or of the wrong type (the message names it).

    Examples
    --------
    >>> from derivations import prove
    >>> all(prove(c).holds for c in special_cases("hinge", units=1, points=1))
    True
    """
    from .symbols import n, n1, n2, p
    from .two_layer import two_layer
    from .wide import orthogonal_points, wide

    units, points, loss = _require_loss_and_sizes(units, points, loss)
    claims = []
    paper = two_layer(loss)
    y1, z1, y2, z2 = paper.state
    for sign, (y, z), norm, weight in ((1, (y1, z1), n1, p), (-1, (y2, z2), n2, 1 - p)):
        mode = class_mode(1, 1, loss, sign)
        Y11, Z1 = mode.state
        G11, q1 = mode.parameters
        claims += _map_flow(f"two_layer class {1 if sign == 1 else 2} (G = {norm}^2, q = {weight})", mode, paper,
                            {Y11: y, Z1: z}, {G11: norm**2, q1: weight})
    broad, mode = wide(units, loss), class_mode(units, 1, loss)
    G11, q1 = mode.parameters
    claims += _map_flow(f"wide({units}) (G = n^2, q = p)", mode, broad, dict(zip(mode.state, _wide_order(broad.state, units))),
                        {G11: n**2, q1: p})
    many, mode = orthogonal_points(points, loss), class_mode(1, points, loss)
    Y, Z, G, q, _, _ = _coordinates(1, points)
    gram = {G[i, k]: (n**2 if i == k else 0) for i in range(points) for k in range(i, points)}
    claims += _map_flow(f"orthogonal_points({points}) (G = n^2 I, q_i = p)", mode, many,
                        dict(zip(mode.state, many.state)), {**gram, **{qi: p for qi in q}})
    general = data_flow(2, 2, loss)
    Y, Z, G, q, s, A = _coordinates(2, 2)
    split = {A[0, 0]: 1, A[0, 1]: 0, A[1, 0]: 0, A[1, 1]: 1, s[0]: 1, s[1]: -1}
    # Both flows in their held residuals r(q_i, s_i, u_i) (data_flow's and class_mode's put the same residual in
    # their place): the maps reach the residuals' arguments, so each claim is an identity in the same objects.
    held = _derive(2, 2, tuple(tuple(A.row(j)) for j in range(2)), s)
    for sign, point, unit in ((1, 0, 0), (-1, 1, 1)):
        Ym, Zm, Gm, qm = (x[0] for x in _coordinates(1, 1)[:4])
        mode = _derive(1, 1, ((sp.Integer(1),),), (sp.Integer(sign),))
        for x, y in ((Y[unit, point], Ym), (Z[unit], Zm)):
            claims.append(identity(f"Lemma 3.1: in data_flow(2, 2) with unit {unit + 1} active on point {point + 1} "
                                   f"only (class {point + 1}), d{x}/dt is class_mode's (sign {sign}) for any G_12",
                                   held[x].subs(split).subs(
                                       {Y[unit, point]: Ym, Z[unit]: Zm, G[point, point]: Gm, q[point]: qm},
                                       simultaneous=True) - mode[y]))
    if resolve_loss(loss).drive.is_nonnegative:  # -l' >= 0: every point pulls its logit towards its class
        # The pattern is kept (H1: G_12 <= 0 across classes; H3: Z_1 > 0 > Z_2): active entries and output
        # weights keep their signs, the cross-class entries stay inactive.
        domain = {Y[0, 0]: (0.0, SIGN_RANGE), Y[1, 1]: (0.0, SIGN_RANGE), Z[0]: (0.0, SIGN_RANGE),
                  Z[1]: (-SIGN_RANGE, 0.0), G[0, 0]: (0.0, SIGN_RANGE), G[1, 1]: (0.0, SIGN_RANGE),
                  G[0, 1]: (-SIGN_RANGE, 0.0), q[0]: (0.01, 1.0), q[1]: (0.01, 1.0)}
        for x, direction, what in ((Y[0, 0], 1, "Y_11 grows (stays active)"),
                                   (Y[0, 1], -1, "Y_12 does not grow (stays inactive)"),
                                   (Z[0], 1, "Z_1 grows (stays positive)"),
                                   (Y[1, 1], 1, "Y_22 grows (stays active)"),
                                   (Y[1, 0], -1, "Y_21 does not grow (stays inactive)"),
                                   (Z[1], -1, "Z_2 decreases (stays negative)")):
            claims.append(inequality(f"Lemma 3.1: in data_flow(2, 2) under H1-H3, {what}",
                                     direction * general.flow[x].subs(split), domain))
    return tuple(claims)


def _wide_order(state: tuple, units: int) -> tuple:
    """``wide``'s state ``(y^1, z^1, ..., y^h, z^h)`` in class_mode's order ``(y^1, ..., y^h, z^1, ..., z^h)``."""
    return state[0::2] + state[1::2]


def _map_flow(statement: str, mode: ModeModel, model: ModeModel, states: dict, parameters: dict) -> list:
    """Identity claims that ``mode``'s flow, its symbols mapped onto ``model``'s, is ``model``'s flow.

    ``states`` maps every state symbol of ``mode`` one to one onto state symbols of ``model`` (``two_layer``
    needs two class modes for its four coordinates); ``parameters`` maps ``mode``'s parameters to
    expressions of ``model``'s.
    """
    targets = list(states.values())
    if set(states) != set(mode.state) or len(set(targets)) != len(targets) or not set(targets) <= set(model.state):
        raise ValueError(f"the map {states} does not pair the states of class_mode and {model.name} one to one")
    mapping = {**states, **parameters}
    return [identity(f"{statement}: d{y}/dt of {model.name} is d{x}/dt of class_mode",
                     mode.flow[x].subs(mapping, simultaneous=True) - model.flow[y]) for x, y in states.items()]


# ---------------------------------------------------------------------------------------------------------
# The Gram reduction of a class mode: a closed flow whose size does not depend on the number of units.

def gram_rates(u: sp.Matrix, P: sp.Matrix, zeta: sp.Expr, G: sp.Matrix, r: sp.Matrix) -> tuple:
    """The reduced flow of one class mode in data coordinates: ``u' = (P + zeta G) r``,
    ``P' = G r u^T + u r^T G``, ``zeta' = 2 u . r``.

    With every indicator 1 (a class mode, :func:`class_mode`) the logits ``u = Y^T Z``, the units' Gram matrix
    in data coordinates ``P = Y^T Y`` and ``zeta = Z^T Z`` evolve alone: the flow closes in ``(u, P, zeta)``
    whatever the number of units (:func:`gram_reduction` proves it).  In weight space, with ``v = W^T Z``,
    ``M = W^T W`` and ``g = X^T r`` (so ``u = X v``, ``P = X M X^T``), the same flow reads ``v' = (M + zeta I) g``,
    ``M' = g v^T + v g^T``, ``zeta' = 2 v . g``: :func:`gram_rates` with ``G = I`` and ``r = g``.

    Parameters
    ----------
    u : sympy.Matrix, shape (n, 1)
        Logits (or ``v`` in weight space, shape (d, 1)).
    P : sympy.Matrix, shape (n, n)
        ``Y^T Y`` (or ``M = W^T W``).
    zeta : sympy.Expr
        ``Z^T Z``.
    G : sympy.Matrix, shape (n, n)
        The class Gram matrix (the identity in weight space).
    r : sympy.Matrix, shape (n, 1)
        Point residuals :func:`residual` (or ``g = X^T r`` in weight space).

    Returns
    -------
    (sympy.Matrix, sympy.Matrix, sympy.Expr)
        ``u'``, ``P'`` and ``zeta'``.

    Raises
    ------
    ValueError
        If the shapes disagree (the message names the argument).

    Examples
    --------
    >>> y, z, g, r = sp.symbols("y z g r")
    >>> gram_rates(sp.Matrix([y * z]), sp.Matrix([[y**2]]), z**2, sp.Matrix([[g]]), sp.Matrix([r]))
    (Matrix([[r*(g*z**2 + y**2)]]), Matrix([[2*g*r*y*z]]), 2*r*y*z)
    """
    n = u.rows
    for name, shape, expected in (("u", u.shape, (n, 1)), ("P", P.shape, (n, n)), ("G", G.shape, (n, n)),
                                  ("r", r.shape, (n, 1))):
        if tuple(shape) != expected:
            raise ValueError(f"{name} must have shape {expected} to match u of shape {(n, 1)}, got {tuple(shape)}")
    Gr = G * r
    return (P + zeta * G) * r, Gr * u.T + u * Gr.T, 2 * (u.T * r)[0, 0]


def _rate(expr: sp.Expr, flow: dict) -> sp.Expr:
    """``d expr / dt`` along ``flow`` (chain rule over the flow's state)."""
    return sum(sp.diff(expr, x) * rate for x, rate in flow.items())


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def _gram_reduction(units: int, points: int, loss: Loss, sign: int) -> tuple:
    Y, Z, G, q, _, _ = _coordinates(units, points)
    ones, signs = sp.ones(units, points), (sp.Integer(sign),) * points
    # class_mode's flow in its held residuals r(q_i, s, u_i), and gram_rates with the same objects: each claim is a
    # polynomial identity in them, Y, Z, G and q (for every loss: class_mode puts the loss's residual in their place)
    flow = _derive(units, points, tuple(tuple(ones.row(j)) for j in range(units)), signs)
    r = sp.Matrix(_held_residuals(q, signs, logits(Y, Z, ones)))
    u, P, zeta = Y.T * Z, Y.T * Y, (Z.T * Z)[0, 0]
    udot, Pdot, zdot = gram_rates(u, P, zeta, G, r)
    where = " (inside the margin, s_i u_i < a)" if loss.stop_margin is not None else ""
    size = f"class_mode({units}, {points}, sign {sign})"

    def difference(expr, rate):
        return _rate(expr, flow) - rate

    claims = [identity(f"{size}: u_{i + 1}' = ((P + zeta G) r)_{i + 1} with u = Y^T Z, P = Y^T Y, zeta = Z^T Z{where}",
                       difference(u[i], udot[i])) for i in range(points)]
    claims += [identity(f"{size}: P_{_index(i + 1, k + 1)}' = (G r u^T + u r^T G)_{_index(i + 1, k + 1)}{where}",
                        difference(P[i, k], Pdot[i, k])) for i in range(points) for k in range(i, points)]
    claims.append(identity(f"{size}: zeta' = 2 u . r{where}", difference(zeta, zdot)))
    return tuple(claims)


def _weight_reduction(units: int, dimension: int) -> tuple:
    """Claims of the weight-space form: ``W' = Z g^T``, ``Z' = W g`` close in ``v = W^T Z``, ``M = W^T W``, ``zeta``."""
    W = sp.Matrix(units, dimension, lambda j, c: sp.Symbol(f"W_{_index(j + 1, c + 1)}", real=True))
    Z = sp.Matrix(units, 1, lambda j, _: sp.Symbol(f"Z_{j + 1}", real=True))
    g = sp.Matrix(dimension, 1, lambda c, _: sp.Symbol(f"g_{c + 1}", real=True))
    Wdot, Zdot = Z * g.T, W * g  # a class mode in weight space: w_j' = Z_j X^T r, Z_j' = w_j . X^T r (g = X^T r)
    flow = {**{W[j, c]: Wdot[j, c] for j in range(units) for c in range(dimension)},
            **{Z[j]: Zdot[j] for j in range(units)}}
    v, M, zeta = W.T * Z, W.T * W, (Z.T * Z)[0, 0]
    vdot, Mdot, zdot = gram_rates(v, M, zeta, sp.eye(dimension), g)
    size = f"{units} units in dimension {dimension}"
    claims = [identity(f"weight space, {size}: v_{c + 1}' = ((M + zeta I) g)_{c + 1} with v = W^T Z, M = W^T W",
                       _rate(v[c], flow) - vdot[c]) for c in range(dimension)]
    claims += [identity(f"weight space, {size}: M_{_index(c + 1, e + 1)}' = (g v^T + v g^T)_{_index(c + 1, e + 1)}",
                        _rate(M[c, e], flow) - Mdot[c, e]) for c in range(dimension) for e in range(c, dimension)]
    claims.append(identity(f"weight space, {size}: zeta' = 2 v . g", _rate(zeta, flow) - zdot))
    return tuple(claims)


def gram_reduction(units: int = 2, points: int = 2, loss: "str | sp.Expr | Loss" = "bce", sign: int = 1) -> tuple:
    """Claims that a class mode closes in ``(u, P, zeta)`` (data space) and ``(v, M, zeta)`` (weight space).

    The class mode :func:`class_mode` (derived from the real network; compared in its held residuals
    ``r(q_i, s, u_i)``, the same objects in :func:`gram_rates`, so the claims hold for every loss) moves
    ``u = Y^T Z``, ``P = Y^T Y`` and ``zeta = Z^T Z`` exactly as :func:`gram_rates` states, for any Gram matrix and any loss: a flow of size
    ``n + n(n+1)/2 + 1`` whatever the number of units.  In weight space the class mode is ``W' = Z g^T``,
    ``Z' = W g`` with ``g = X^T r`` (the gradient in the span of the data that :func:`class_mode` derives), and
    ``v = W^T Z``, ``M = W^T W``, ``zeta`` move as :func:`gram_rates` with ``G = I`` and ``r = g`` (size
    ``d + d(d+1)/2 + 1``); ``u = X v`` and ``P = X M X^T`` map one form onto the other.  The claims are at
    explicit sizes (``units`` units, ``points`` points, dimension ``points`` in weight space); each is a
    polynomial identity in the entries, the same for every size.

    Parameters
    ----------
    units : int
        h, from 1 to :data:`MAX_UNITS`.
    points : int
        n (and the dimension d of the weight-space claims), from 1 to :data:`MAX_POINTS`.
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        As in :func:`derivations.resolve_loss` (a hinge-like loss on its learning piece).
    sign : {1, -1}
        The class's sign.

    Returns
    -------
    tuple of Claim
        Identity claims (prove them with :func:`derivations.prove`).

    Raises
    ------
    TypeError, ValueError
        For ``units``, ``points``, ``loss`` or ``sign`` out of range or of the wrong type (naming it).

    Examples
    --------
    >>> from derivations import prove
    >>> claims = gram_reduction(2, 2, "bce")
    >>> len(claims), all(prove(c).holds for c in claims)
    (12, True)
    """
    units, points, loss = _require_loss_and_sizes(units, points, loss)
    sign = _require_sign(sign)
    return _gram_reduction(units, points, loss, sign) + _weight_reduction(units, points)
