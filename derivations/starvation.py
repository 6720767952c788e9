"""Gradient starvation: two features, one frequent and one rare (Sec. 6, App. D).

Sec. 6 of the paper.  Every class-1 point has feature x1; a fraction ``lambda`` also has
x2.  The flow is derived from the network on concatenated inputs
``(x1, x2)`` (rate ``lambda``) and ``(x1, 0)`` (rate ``1 - lambda``), with
``w = (alpha x1, beta x2) + (orthogonal part)``.

Bounds for general feature norms ``n1 = ||x1||``, ``n2 = ||x2||``.  The flow
gives ``alpha' - beta'/lambda = (1 - lambda) z [(-l')(logit_1) - (-l')(logit_12)]``,
which is ``>= 0`` while ``z >= 0`` and ``beta >= 0`` (then ``logit_12 >= logit_1``),
so ``beta_t <= beta0 + lambda (alpha_t - alpha0)``.  At the stopping time ``t*``
the hardest point (x1, 0) has ``z alpha n1^2 = L = log((1-delta)/delta)``, hence

* (D.2) ``z beta n2^2 <= lambda (n2/n1)^2 L + z_* n2^2 (beta0 - lambda alpha0)``
  (needs ``beta0 >= 0``), and
* (7) ``z beta n2^2 <= lambda (n2/n1)^2 L`` when ``alpha0 >= beta0/lambda``.

At unit norms they are the paper's printed bounds; ``check()`` proves the chain.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .claims import identity, inequality
from .gradient_flow import dot, gradient_flow, project, vector
from .losses import Loss, margin, resolve_loss
from .model import FACTORY_CACHE_SIZE, ModeModel, frozen, named
from .symbols import lam, n1, n2

__all__ = ["starvation", "alpha", "beta", "z", "delta", "alpha0", "beta0", "z_star", "log_odds"]

alpha, beta, z = sp.symbols("alpha beta z", real=True)
#: Allowed error: training stops once P >= 1 - delta on all of D1.
delta = sp.Symbol("delta", positive=True)
alpha0, beta0, z_star = sp.symbols("alpha_0 beta_0 z_*", real=True)
#: The stopping log-odds ``L = log((1-delta)/delta)`` (the quantities are written with delta; numerical code
#: substitutes ``log((1-delta)/delta) -> L`` so that L is computed stably from delta or the confidence).
log_odds = sp.Symbol("L", positive=True)
#: Symbols of the proofs only: z_{t*} > 0, the slack of beta_t <= beta0 + lambda (alpha_t - alpha0), and the
#: margin r = lambda alpha0 - beta0 >= 0 of the hypothesis of (7).
_z_pos, _slack, _room = sp.symbols("z_pos s r", nonnegative=True)

#: Feature dimensions d1 = d2 = 2: each feature has an orthogonal complement in its block.
FEATURE_DIMENSION = 2


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def _starvation(loss: Loss) -> ModeModel:
    w = vector("w", 2 * FEATURE_DIMENSION)
    x1 = sp.Matrix([n1, 0, 0, 0])  # (x1, 0): x1 = n1 e1 in the first block, WLOG
    x12 = sp.Matrix([n1, 0, n2, 0])  # (x1, x2): x2 = n2 e1 in the second block
    objective = lam * loss.of(z * dot(w, x12)) + (1 - lam) * loss.of(z * dot(w, x1))
    raw = gradient_flow(objective, list(w) + [z])
    state = (alpha, beta, z)
    modes = {alpha: w[0] * n1 / n1**2, beta: w[2] * n2 / n2**2, z: z}  # w = (alpha x1, beta x2) + ⊥
    projected = project(raw, modes, [w[0], w[2]], {}, set(state) | {n1, n2, lam})
    logit_12 = z * (alpha * n1**2 + beta * n2**2)
    logit_1 = z * alpha * n1**2
    drive12, drive1 = loss.drive.subs(margin, logit_12), loss.drive.subs(margin, logit_1)
    # The model's flow is the projected gradient flow written per point (one drive per logit), proven equal to
    # it below: sympy's single-fraction form of alpha' and z' divides e^{2 logit_1 + ...} by itself and turns
    # into inf/inf once a logit passes ~350, while this form stays exact (each drive -> 0).
    flow = {alpha: z * (lam * drive12 + (1 - lam) * drive1), beta: lam * z * drive12,
            z: lam * (alpha * n1**2 + beta * n2**2) * drive12 + (1 - lam) * alpha * n1**2 * drive1}
    odds = sp.log((1 - delta) / delta)
    ratio = n2**2 / n1**2
    logit_7 = ratio * lam * odds  # bound (7) on the logit z beta n2^2 of (0, x2) at t*
    logit_d2 = ratio * lam * odds + z_star * n2**2 * (beta0 - lam * alpha0)  # bound (D.2)
    # The bounds (7) and (D.2) are Theorem 6.1's, proven for the cross-entropy only: another loss gets the logit
    # of (0, x2) but no bound (printing sigma(...) for a hinge or squared loss would state what is not proven).
    bounds = [
        ("bound_7", "bound (7)", 1 / (1 + sp.exp(-logit_7))),
        ("bound_d2", "bound (D.2)", 1 / (1 + sp.exp(-logit_d2))),
    ] if loss.name == "bce" else []
    quantities = named("quantity", [
        *bounds,
        ("logit_x2_only", "logit of (0, x2)", z * beta * n2**2),
        # the bounds are sigma(these): evaluate them as expit, overflow-free
        *([("logit_bound_7", "logit bound (7)", logit_7),
           ("logit_bound_d2", "logit bound (D.2)", logit_d2)] if loss.name == "bce" else []),
    ])
    claims = [
        identity("general norms: alpha' = z [lambda (-l'(logit_12)) + (1-lambda) (-l'(logit_1))]",
                 projected[alpha] - z * (lam * drive12 + (1 - lam) * drive1)),
        identity("general norms: beta' = lambda z (-l'(logit_12))", projected[beta] - lam * z * drive12),
        identity("general norms: z' = lambda (alpha n1^2 + beta n2^2)(-l'(logit_12)) + (1-lambda) alpha n1^2 (-l'(logit_1))",
                 projected[z] - lam * (alpha * n1**2 + beta * n2**2) * drive12 - (1 - lam) * alpha * n1**2 * drive1),
        *(identity(f"the model's flow of {s} is the projected gradient flow", projected[s] - flow[s]) for s in state),
    ]
    if loss.name == "bce":
        s12, s1 = 1 / (1 + sp.exp(z * (alpha + beta))), 1 / (1 + sp.exp(z * alpha))
        printed = {alpha: lam * z * s12 + (1 - lam) * z * s1, beta: lam * z * s12,
                   z: lam * (alpha + beta) * s12 + (1 - lam) * alpha * s1}
        notes = {alpha: "", beta: "", z: "; erratum: z' is not printed in the paper"}
        claims += [identity(f"(8) with unit norms: {s}'{notes[s]}", flow[s].subs({n1: 1, n2: 1}) - printed[s])
                   for s in state]
    claims.append(identity("general norms: alpha' - beta'/lambda = (1-lambda) z [(-l')(logit_1) - (-l')(logit_12)]",
                           flow[alpha] - flow[beta] / lam - (1 - lam) * z * (drive1 - drive12)))
    claims.append(identity("at t* (z alpha n1^2 = L): logit_12 - logit_1 = z beta n2^2, so (x1, 0) is the hardest "
                           "point of D1 while z beta >= 0", logit_12 - logit_1 - z * beta * n2**2))
    claims.append(inequality(
        "Theorem 6.1: alpha' >= beta'/lambda while z > 0 and beta >= 0 (so alpha_t >= beta_t/lambda)",
        flow[alpha] - flow[beta] / lam,
        {alpha: (-3.0, 3.0), beta: (0.0, 3.0), z: (0.0, 3.0), lam: (0.01, 1.0), n1: (0.2, 2.0), n2: (0.2, 2.0)}))
    # At t*: alpha_{t*} = L/(z_* n1^2), beta_{t*} = beta0 + lambda (alpha_{t*} - alpha0) - s with slack s >= 0.
    at_stop = {z_star: _z_pos}
    alpha_stop = odds / (_z_pos * n1**2)
    beta_stop = beta0 + lam * (alpha_stop - alpha0) - _slack
    if loss.name == "bce":  # the bounds are the cross-entropy's (see the quantities above)
        claims.append(inequality(
            "(D.2), general norms: z_* beta_{t*} n2^2 <= lambda (n2/n1)^2 L + z_* n2^2 (beta0 - lambda alpha0) "
            "given z_* alpha_{t*} n1^2 = L and beta_{t*} <= beta0 + lambda (alpha_{t*} - alpha0)",
            logit_d2.subs(at_stop) - _z_pos * beta_stop * n2**2,
            {_z_pos: (0.01, 5.0), _slack: (0.0, 3.0), n1: (0.2, 2.0), n2: (0.2, 2.0), lam: (0.01, 1.0)}))
        claims.append(inequality(
            "(7), general norms: (D.2) <= lambda (n2/n1)^2 L when alpha0 >= beta0/lambda (beta0 = lambda alpha0 - r)",
            (logit_7 - logit_d2).subs(at_stop).subs(beta0, lam * alpha0 - _room),
            {_z_pos: (0.01, 5.0), _room: (0.0, 3.0), n2: (0.2, 2.0)}))
        paper_7 = 1 / (1 + sp.exp(-lam * odds))
        paper_d2 = 1 / (1 + sp.exp(-(lam * odds + z_star * (beta0 - lam * alpha0))))
        claims.append(identity("unit norms: the general bound (7) is the paper's sigma(lambda log((1-delta)/delta))",
                               quantities["bound_7"].subs({n1: 1, n2: 1}) - paper_7))
        claims.append(identity("unit norms: the general bound (D.2) is the paper's (corrected) "
                               "sigma(lambda log((1-delta)/delta) + z_* (beta0 - lambda alpha0))",
                               quantities["bound_d2"].subs({n1: 1, n2: 1}) - paper_d2))
    return ModeModel(
        name="starvation", loss=loss, state=state, parameters=(lam, n1, n2), flow=frozen(flow),
        logits=named("logit", [("x1_and_x2", "(x1, x2)", logit_12), ("x1_only", "(x1, 0)", logit_1),
                               ("x2_only", "(0, x2)", z * beta * n2**2)]),
        margin_signs=frozen({"x1_and_x2": 1, "x1_only": 1, "x2_only": 0}),  # (0, x2) is a test input
        quantities=quantities, claims=tuple(claims), fractions=(lam,), source="Sec. 6 and App. D of the paper",
    )


def starvation(loss: str | sp.Expr | Loss = "bce") -> ModeModel:
    """The (alpha, beta, z) flow of gradient starvation, derived for general feature norms.

    Parameters
    ----------
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        The loss, resolved by :func:`derivations.resolve_loss`: a built-in name
        (:data:`derivations.LOSS_NAMES`), a sympy expression of
        :data:`derivations.margin`, or a :class:`~derivations.Loss`.

    Returns
    -------
    ModeModel
        State ``(alpha, beta, z)``; parameters ``(lambda, n_1, n_2)``
        (``lambda`` a fraction).  Flow: the projected gradient flow written per
        point (proven equal to it).  Logits ``x1_and_x2`` (the point (x1, x2)),
        ``x1_only`` ((x1, 0)) and ``x2_only`` ((0, x2), a test input, margin
        sign 0); for the cross-entropy, quantities ``bound_7``, ``bound_d2`` (the bounds (7) and (D.2)
        on P(class 1 | (0, x2)) at the stopping time, in terms of ``delta`` and,
        for (D.2), ``z_*``, ``alpha_0``, ``beta_0``),
        their logits ``logit_bound_7``, ``logit_bound_d2``, and
        ``logit_x2_only``.  No invariants and no reductions.

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
    >>> m = starvation()
    >>> m.flow[beta]
    lambda*z/(exp(z*(alpha*n_1**2 + beta*n_2**2)) + 1)
    """
    return _starvation(resolve_loss(loss))
