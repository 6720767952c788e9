"""Two-layer ReLU network, one neuron per class, one repeated point per class.

Sec. 3.2 of the paper (Theorem 3.2, eqs. (1), (12)-(19), App. A.3, A.6) and Sec. 5 (hinge,
Theorem 5.1, eqs. (6), (26)-(27)).
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .claims import identity, inequality
from .gradient_flow import dot, gradient_flow, project, vector
from .losses import Loss, resolve_loss
from .model import FACTORY_CACHE_SIZE, ModeModel, Reduction, frozen, integrate_reduction, named, reduce_flow
from .symbols import c, n1, n2, p, t, theta, theta0, u, u0, v, v0

__all__ = ["two_layer", "STATE"]

y1, z1, y2, z2 = sp.symbols("y_1 z_1 y_2 z_2", real=True)
#: State of :func:`two_layer`: (y_1, z_1) for class 1, (y_2, z_2) for class 2.
STATE = (y1, z1, y2, z2)
#: A negative class-1 logit (the stalling, anti-balanced branch of Sec. 3.3).
u_neg, u0_neg = sp.symbols("u_- u_-0", negative=True)


def _derive_flow(loss: Loss) -> dict:
    """Differentiate the frequency-weighted loss of the real network (H1-H3 pattern)."""
    x1, x2 = vector("a"), vector("b")
    w1, w2 = vector("w"), vector("omega")
    # On the H2 activation pattern unit 1 is active only on x1, unit 2 only on x2.
    logit_x1 = z1 * dot(w1, x1)  # + z2 * relu(w2.x1) = 0
    logit_x2 = z2 * dot(w2, x2)  # + z1 * relu(w1.x2) = 0
    objective = p * loss.of(logit_x1) + (1 - p) * loss.of(-logit_x2)
    raw = gradient_flow(objective, list(w1) + list(w2) + [z1, z2])
    geometry = {x1[0]: sp.sqrt(n1**2 - x1[1] ** 2 - x1[2] ** 2),
                x2[0]: sp.sqrt(n2**2 - x2[1] ** 2 - x2[2] ** 2)}
    modes = {y1: dot(w1, x1), z1: z1, y2: dot(w2, x2), z2: z2}
    return project(raw, modes, [w1[0], w2[0]], geometry, set(STATE) | {n1, n2, p})


def _reduction(flow, key, label, variable, parametrization, logit_state, logit_value, initial,
               description, closed_form=True):
    rhs = reduce_flow(flow, variable, parametrization)
    cf = integrate_reduction(variable, rhs, initial) if closed_form else None
    return Reduction(key, label, variable, rhs, frozen(parametrization), logit_state, logit_value, cf, description)


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def _learning_piece(piece: sp.Expr, is_bce: bool):
    """Everything derived from the loss's smooth learning piece (shared by losses with the same piece)."""
    loss = Loss("piece", piece)
    flow = _derive_flow(loss)
    hinge_like = sp.simplify(loss.drive).is_constant()
    reductions = [
        _reduction(flow, "balanced_class_1", "balanced class 1", u,
                   {y1: sp.sqrt(n1 * u), z1: sp.sqrt(u / n1)}, z1 * y1, u, u0,
                   "c = 0, y = n z > 0: eq. (14)"),
        _reduction(flow, "balanced_class_2", "balanced class 2", v,
                   {y2: sp.sqrt(-n2 * v), z2: -sp.sqrt(-v / n2)}, z2 * y2, v, v0,
                   "c = 0, y = -n z > 0: mirror of (14), eq. (16)"),
        _reduction(flow, "hyperbolic_class_1_y_dominant", "hyperbolic class 1 (y^2 > n^2 z^2)", theta,
                   {y1: sp.sqrt(c) * sp.cosh(theta / 2), z1: sp.sqrt(c) / n1 * sp.sinh(theta / 2)},
                   z1 * y1, c * sp.sinh(theta) / (2 * n1), theta0,
                   "c = y0^2 - n^2 z0^2 > 0: App. A.3", closed_form=hinge_like),
        _reduction(flow, "hyperbolic_class_1_z_dominant", "hyperbolic class 1 (y^2 < n^2 z^2)", theta,
                   {y1: sp.sqrt(c) * sp.sinh(theta / 2), z1: sp.sqrt(c) / n1 * sp.cosh(theta / 2)},
                   z1 * y1, c * sp.sinh(theta) / (2 * n1), theta0,
                   "c = n^2 z0^2 - y0^2 > 0: App. A.3", closed_form=hinge_like),
        _reduction(flow, "anti_balanced_class_1", "anti-balanced class 1 (stalls)", u_neg,
                   {y1: sp.sqrt(-n1 * u_neg), z1: -sp.sqrt(-u_neg / n1)}, z1 * y1, u_neg, u0_neg,
                   "y0 = -n z0 > 0: u -> 0^- (Sec. 3.3)"),
    ]
    invariants = named("invariant", [("class_1", "class 1", y1**2 - n1**2 * z1**2),
                                     ("class_2", "class 2", y2**2 - n2**2 * z2**2)])
    u_bal, v_bal = reductions[0], reductions[1]
    claims = [
        identity("class 1 evolves independently of class 2 (Lemma 3.1)",
                 sum(sp.Abs(sp.diff(flow[s], q)) for s in (y1, z1) for q in (y2, z2))),
        identity("class 2 evolves independently of class 1 (Lemma 3.1)",
                 sum(sp.Abs(sp.diff(flow[s], q)) for s in (y2, z2) for q in (y1, z1))),
        identity("class-2 mirror: v(t) = -u(t) with n_1 -> n_2, p -> 1 - p",
                 v_bal.rhs + u_bal.rhs.subs({u: -v, n1: n2, p: 1 - p}, simultaneous=True)),
    ]
    quantities = []  # (identifier, label, expression)
    if is_bce:
        claims.append(identity("(14): u' = 2 n p u / (1 + e^u)",
                               u_bal.rhs - 2 * n1 * p * u / (1 + sp.exp(u))))
        claims.append(identity("(15): t = [log(u/u0) + Ei(u) - Ei(u0)] / (2 n p)",
                               u_bal.closed_form.time
                               - (sp.log(u / u0) + sp.Ei(u) - sp.Ei(u0)) / (2 * n1 * p)))
        bound = 2 * sp.log(n1 * p * t + sp.exp(u0 / 2))
        comparison = 2 * n1 * p * sp.exp(-u / 2)
        quantities.append(("growth_bound", "growth bound (19)", bound))
        claims += [
            identity("(19): the bound starts at u0", bound.subs(t, 0) - u0),
            identity("(19): the bound solves B' = 2 n p e^{-B/2}",
                     sp.diff(bound, t) - comparison.subs(u, bound)),
            inequality("(19): 2 n p e^{-u/2} >= u' for u > 0, so u(t) <= B(t)",
                       comparison - u_bal.rhs, {u: (1e-9, 60.0), n1: (0.01, 20.0), p: (0.01, 1.0)}),
        ]
        stall = reductions[4].closed_form
        s, uf = sp.Symbol("s", positive=True), sp.Symbol("u_f", negative=True)
        # An antiderivative for s > 0; sympy writes Ei(-s) as Ei(s exp_polar(i pi)), which differs from it by a
        # constant (i pi) that cancels in the definite integral.
        antiderivative = sp.integrate(sp.expand((1 + sp.exp(-s)) / s), s).subs(sp.exp_polar(sp.I * sp.pi), -1)
        corrected = (antiderivative.subs(s, -u0_neg) - antiderivative.subs(s, -uf)) / (2 * n1)
        quantities.append(("stall_time_bound", "stall time bound (A.6)", corrected))
        depth_start, depth_end = sp.symbols("a b", positive=True)  # u0 = -a, u_f = -b: real logarithms
        claims.append(identity("(A.6, corrected with 1/(2n)): stall time from u0 to u_f (p = 1)",
                               (stall.time.subs({p: 1, u_neg: uf}) - corrected).subs(
                                   {u0_neg: -depth_start, uf: -depth_end})))
    return flow, hinge_like, tuple(reductions), invariants, tuple(claims), tuple(quantities)


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def _two_layer(loss: Loss) -> ModeModel:
    flow, hinge_like, reductions, invariants, claims, quantities = _learning_piece(loss.piece, loss.name == "bce")
    claims, quantities = list(claims), list(quantities)
    u_bal = reductions[0]
    stop = loss.stop_margin  # read off the loss expression: None when learning never stops
    if hinge_like and stop is not None:
        balanced_value = u_bal.closed_form.value
        stop_balanced = sp.solve(sp.Eq(balanced_value, stop), t)[0]
        sinh_theta = sp.Symbol("S", positive=True)
        theta_stop = sp.asinh(sp.solve(sp.Eq(reductions[2].logit_value.subs(sp.sinh(theta), sinh_theta), stop),
                                       sinh_theta)[0])
        stop_hyperbolic = sp.simplify(reductions[2].closed_form.time.subs(theta, theta_stop))
        logit_hyperbolic = reductions[2].logit_value.subs(theta, reductions[2].closed_form.value)
        quantities += [("stopping_time", "stopping time (c = 0)", stop_balanced),
                       ("stopping_time_hyperbolic", "stopping time (c != 0)", stop_hyperbolic),
                       ("logit_hyperbolic", "logit (c != 0)", logit_hyperbolic)]
        if loss.drive == 1:  # the hinge's learning piece a - m (Theorem 5.1 for a = 1)
            claims += [
                identity(f"(6): u(t) = u0 exp(2 n p t) while u < {stop}",
                         balanced_value - u0 * sp.exp(2 * n1 * p * t)),
                identity(f"(6): u(t) = c/(2n) sinh(theta0 + 2 n p t) while u < {stop}",
                         logit_hyperbolic - c / (2 * n1) * sp.sinh(theta0 + 2 * n1 * p * t)),
                identity(f"stopping time ln({stop}/u0)/(2 n p) (c = 0)",
                         stop_balanced - sp.log(stop / u0) / (2 * n1 * p)),
                identity(f"stopping time (asinh(2n {stop}/c) - theta0)/(2 n p) (c != 0)",
                         stop_hyperbolic - (sp.asinh(2 * n1 * stop / c) - theta0) / (2 * n1 * p)),
            ]
    return ModeModel(
        name="two_layer", loss=loss, state=STATE, parameters=(n1, n2, p), flow=frozen(flow),
        logits=named("logit", [("class_1", "class 1", z1 * y1), ("class_2", "class 2", z2 * y2)]),
        margin_signs=frozen({"class_1": 1, "class_2": -1}), invariants=invariants,
        reductions=tuple(reductions), quantities=named("quantity", quantities), claims=tuple(claims),
        fractions=(p,),
        rectified=(y1, y2),
        source="Sec. 3.2 (Theorem 3.2, App. A.3, A.6), Sec. 5 (Theorem 5.1)",
    )


def two_layer(loss: str | sp.Expr | Loss = "bce") -> ModeModel:
    """Two-layer ReLU network with one neuron and one repeated point per class.

    The flow is derived from the network ``u(x) = Z^T relu(W x)`` on the H2
    activation pattern, with the loss weighted by the class frequencies ``p``
    and ``1 - p`` (mean loss, so ``p`` acts as a time scale).

    Parameters
    ----------
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        The loss, resolved by :func:`derivations.resolve_loss` (a built-in name
        of :data:`derivations.LOSS_NAMES`, a sympy expression of
        :data:`derivations.margin`, or a :class:`~derivations.Loss`).  The flow is derived
        from the loss's learning piece; for a loss that stops at a margin
        (the hinge ``Max(0, 1 - m)``, ``loss.stop_margin = 1``) the equations
        hold inside the margin (``s u < 1``), and the stopping times are
        derived from that margin.  The linear loss ``1 - m`` never stops.

    Returns
    -------
    ModeModel
        State ``(y_1, z_1, y_2, z_2)`` (``y_1, y_2`` rectified); parameters
        ``(n_1, n_2, p)`` (``p`` a fraction); invariants ``class_1``
        (``y_1^2 - n_1^2 z_1^2``) and ``class_2``; reductions:
        balanced class 1 (eq. 14), balanced class 2 (its mirror), the two
        hyperbolic charts (App. A.3) and the stalling branch (Sec. 3.3), with identifiers
        ``balanced_class_1``, ``balanced_class_2``, ``hyperbolic_class_1_y_dominant``,
        ``hyperbolic_class_1_z_dominant``, ``anti_balanced_class_1``.  Logits
        ``class_1``, ``class_2``.  Quantities: ``growth_bound`` (19) and
        ``stall_time_bound`` (A.6) for BCE; ``stopping_time`` (c = 0),
        ``stopping_time_hyperbolic`` (c != 0) and ``logit_hyperbolic`` for a loss
        that stops at a margin with a constant drive (the hinge); none otherwise.
        Closed forms ``t(q)`` for the balanced and stalling reductions (when
        sympy finds them); the hyperbolic ones get closed forms only for a
        constant drive (the hinge).

    Raises
    ------
    TypeError
        If ``loss`` is neither a string, a sympy expression nor a
        :class:`~derivations.Loss`.
    ValueError
        If ``loss`` is an unknown name or an expression
        :func:`~derivations.resolve_loss` refuses.

    Examples
    --------
    >>> m = two_layer("bce")
    >>> m.reduced
    Eq(Derivative(u(t), t), 2*n_1*p*u(t)/(exp(u(t)) + 1))
    >>> m.closed_form.time
    (log(u/u_0) + Ei(u) - Ei(u_0))/(2*n_1*p)
    """
    return _two_layer(resolve_loss(loss))

