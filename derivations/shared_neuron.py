"""Relaxed H2: one ReLU shared by both classes (Theorem 3.4, App. A.8).

Sec. 3.4 of the paper.  The neuron is active on x1 (class 1) and x2 (class 2), with
``x1 ⊥ x2``; ``alpha = w.x1``, ``beta = w.x2``.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .claims import identity, inequality
from .gradient_flow import dot, gradient_flow, project, vector
from .losses import Loss, resolve_loss
from .model import FACTORY_CACHE_SIZE, ModeModel, frozen, named
from .symbols import c, n1, n2, p

__all__ = ["shared_neuron", "alpha", "beta", "z"]

alpha, beta, z = sp.symbols("alpha beta z", real=True)
#: Depth of the invariant below zero (c = -k <= 0), used to state the c <= 0 bound.
k = sp.Symbol("k", nonnegative=True)


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def _shared_neuron(loss: Loss) -> ModeModel:
    w = vector("w")
    x1 = sp.Matrix([n1, 0, 0])  # WLOG: two orthogonal inputs of norms n1, n2
    x2 = sp.Matrix([0, n2, 0])
    objective = p * loss.of(z * dot(w, x1)) + (1 - p) * loss.of(-z * dot(w, x2))
    raw = gradient_flow(objective, list(w) + [z])
    state = (alpha, beta, z)
    flow = project(raw, {alpha: dot(w, x1), beta: dot(w, x2), z: z}, [w[0], w[1]], {}, set(state) | {n1, n2, p})
    invariant = alpha**2 / n1**2 + beta**2 / n2**2 - z**2
    # Fixed point for c > 0: z = 0 and the flow of z vanishes, on the invariant level c.
    solutions = sp.solve([flow[z].subs(z, 0), invariant.subs(z, 0) - c], [alpha, beta], dict=True)
    fixed = [s for s in solutions if all(sp.simplify(v).is_positive is not False for v in s.values())
             and sp.simplify(s[alpha].subs({p: sp.Rational(1, 2), n1: 1, n2: 1, c: 1})) > 0]
    fixed_point = {alpha: sp.simplify(fixed[0][alpha]), beta: sp.simplify(fixed[0][beta]), z: sp.Integer(0)}
    quantities = named("quantity", [("fixed_point_alpha", "fixed point alpha", fixed_point[alpha]),
                                    ("fixed_point_beta", "fixed point beta", fixed_point[beta])])
    claims = [
        identity(f"the fixed point zeroes the flow of {s}", flow[s].subs(fixed_point, simultaneous=True))
        for s in state
    ]
    claims.append(identity("the fixed point lies on the level c of the invariant",
                           invariant.subs(fixed_point, simultaneous=True) - c))
    claims.append(identity("p = 1/2: alpha_inf = beta_inf = (1/n1^2 + 1/n2^2)^(-1/2) sqrt(c)",
                           (fixed_point[alpha] - (1 / n1**2 + 1 / n2**2) ** sp.Rational(-1, 2) * sp.sqrt(c)
                            ).subs(p, sp.Rational(1, 2))))
    if loss.name == "bce":
        printed = {alpha: n1**2 * z / (1 + sp.exp(z * alpha)),
                   beta: -n2**2 * z / (1 + sp.exp(-z * beta)),
                   z: alpha / (1 + sp.exp(z * alpha)) - beta / (1 + sp.exp(-z * beta))}
        claims += [identity(f"(4): equal sampling (p = 1/2) on time 2t gives the printed {s}'",
                            2 * flow[s].subs(p, sp.Rational(1, 2)) - printed[s]) for s in state]
        z_neg_c = sp.sqrt(alpha**2 / n1**2 + beta**2 / n2**2 + k)  # z > 0 on the level c = -k <= 0
        claims.append(inequality(
            "(A.8, corrected): c <= 0, z > 0, beta >= 0 => beta' <= -(1-p) n2^2 sqrt(-c)/2 (2(1-p) = 1 in (4))",
            (-(1 - p) * n2**2 * sp.sqrt(k) / 2 - flow[beta]).subs(z, z_neg_c),
            {alpha: (0.0, 5.0), beta: (0.0, 5.0), k: (0.0, 5.0), n1: (0.1, 3.0), n2: (0.1, 3.0), p: (0.05, 0.95)}))
    return ModeModel(
        name="shared_neuron", loss=loss, state=state, parameters=(n1, n2, p), flow=frozen(flow),
        logits=named("logit", [("class_1", "class 1", z * alpha), ("class_2", "class 2", z * beta)]),
        margin_signs=frozen({"class_1": 1, "class_2": -1}),
        invariants=named("invariant", [("hyperboloid", "alpha^2/n1^2 + beta^2/n2^2 - z^2", invariant)]),
        quantities=quantities, claims=tuple(claims), fractions=(p,), rectified=(alpha, beta),
        source="Sec. 3.4 of the paper (Theorem 3.4, App. A.8)",
    )


def shared_neuron(loss: str | sp.Expr | Loss = "bce") -> ModeModel:
    """One neuron active on a class-1 point x1 and a class-2 point x2, ``x1 ⊥ x2``.

    Classes have frequencies ``p`` and ``1 - p`` (mean loss); the paper's (4)
    samples them equally, which is ``p = 1/2`` on time ``2 t``.  When ``alpha``
    (or ``beta``) reaches 0 its ReLU dies and its terms vanish; the numerical
    engine handles that event.

    Parameters
    ----------
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        The loss, resolved by :func:`derivations.resolve_loss`: a built-in name
        (:data:`derivations.LOSS_NAMES`), a sympy expression of
        :data:`derivations.margin`, or a :class:`~derivations.Loss`.

    Returns
    -------
    ModeModel
        State ``(alpha, beta, z)`` (``alpha = w . x1`` and ``beta = w . x2``
        rectified); parameters ``(n_1, n_2, p)``; invariant ``hyperboloid``
        (``alpha^2/n1^2 + beta^2/n2^2 - z^2``); logits ``class_1`` (``z alpha``)
        and ``class_2`` (``z beta``); quantities ``fixed_point_alpha``,
        ``fixed_point_beta`` (the fixed point on the level ``c > 0``).  No
        reductions.  For BCE the claims include the printed flow (4) and the
        corrected bound (A.8).

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
    >>> from derivations.symbols import n1, n2, p
    >>> shared_neuron().quantity("fixed_point_alpha").subs({p: sp.Rational(1, 2), n1: 1, n2: 1})
    sqrt(2)*sqrt(c)/2
    """
    return _shared_neuron(resolve_loss(loss))
