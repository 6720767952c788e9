"""Deep diagonal chain: N - 1 hidden layers, one unit per layer on a class mode.

Sec. 4 and App. B of the paper: ``P(x) = sigma(z z^{N-2} ... z^1 (w x)_+)``.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .claims import identity
from .gradient_flow import dot, gradient_flow, project, vector
from .losses import Loss, margin, resolve_loss
from .model import FACTORY_CACHE_SIZE, ModeModel, Reduction, frozen, integrate_reduction, named, reduce_flow
from .symbols import n, p, u, u0
from .validation import MAX_DEPTH, require_depth

__all__ = ["deep", "MAX_SYMBOLIC_DEPTH"]

#: Deepest chain derived symbolically: the one shared limit :data:`derivations.validation.MAX_DEPTH`
#: (its comment gives the reason).
MAX_SYMBOLIC_DEPTH = MAX_DEPTH

y, z = sp.symbols("y z", real=True)


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def _deep(depth: int, loss: Loss) -> ModeModel:
    hidden = sp.symbols(f"z^1:{depth - 1}", real=True) if depth > 2 else ()
    x, w = vector("a"), vector("w")
    # Balanced positive init (H3 for a chain): every unit active on its class point.
    logit = z * sp.Mul(*hidden) * dot(w, x)
    raw = gradient_flow(p * loss.of(logit), list(w) + list(hidden) + [z])
    state = (y,) + tuple(hidden) + (z,)
    modes = {y: dot(w, x), **{h: h for h in hidden}, z: z}
    geometry = {x[0]: sp.sqrt(n**2 - x[1] ** 2 - x[2] ** 2)}
    flow = project(raw, modes, [w[0]], geometry, set(state) | {n, p})
    scale = (u / n) ** sp.Rational(1, depth)
    parametrization = {y: n * scale, **{h: scale for h in hidden}, z: scale}
    rhs = reduce_flow(flow, u, parametrization)
    closed = integrate_reduction(u, rhs, u0) if (depth == 2 or loss.drive.is_constant()) else None
    reduction = Reduction("balanced", "balanced", u, rhs, frozen(parametrization), z * sp.Mul(*hidden) * y, u, closed,
                          "z0 = z^i_0 = y0 / n: eq. (5)")
    invariants = named("invariant", [("input_layer", "input layer", y**2 - n**2 * z**2)]
                       + [(f"layer_{i}", f"layer z^({i})", h**2 - z**2) for i, h in enumerate(hidden, start=1)])
    paper_rhs = depth * n ** sp.Rational(2, depth) * u ** (2 - sp.Rational(2, depth)) * p * loss.drive.subs(margin, u)
    claims = [identity(f"(5): u' = N n^(2/N) u^(2-2/N) p (-l'(u)) with N = {depth}", rhs - paper_rhs)]
    quantities = []
    if loss.stop_margin is not None and loss.drive.is_constant() and closed is not None:
        stop = sp.simplify(closed.time.subs(u, loss.stop_margin))
        quantities.append(("stopping_time", "stopping time (u = 1)", stop))
    return ModeModel(
        name="deep", loss=loss, state=state, parameters=(n, p), flow=frozen(flow),
        logits=named("logit", [("class_1", "class 1", reduction.logit_state)]), invariants=invariants,
        reductions=(reduction,), quantities=named("quantity", quantities), claims=tuple(claims),
        fractions=(p,),
        rectified=(y,),
        source="Sec. 4 and App. B of the paper",
    )


def deep(depth: int, loss: str | sp.Expr | Loss = "bce") -> ModeModel:
    """The depth-``depth`` diagonal chain on one class mode.

    Parameters
    ----------
    depth : int
        N, the number of weight layers (N - 1 hidden layers), from 2 to
        :data:`~derivations.validation.MAX_DEPTH` (32; every accepted depth derives
        in a few seconds).
        ``deep(2)`` is the class-1 half of :func:`derivations.two_layer`.
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        The loss, resolved by :func:`derivations.resolve_loss`: a built-in name
        (:data:`derivations.LOSS_NAMES`), a sympy expression of
        :data:`derivations.margin`, or a :class:`~derivations.Loss`.

    Returns
    -------
    ModeModel
        State ``(y, z^1, ..., z^{N-2}, z)`` (``y = w . x``, the hidden units
        ``z^i`` and the output weight ``z``); parameters ``(n, p)`` (``p`` a
        fraction in (0, 1]); ``y`` rectified.  Flow: the projected gradient flow.
        Invariants ``input_layer`` (``y^2 - n^2 z^2``) and ``layer_1`` ...
        ``layer_{N-2}`` (``(z^i)^2 - z^2``).  One reduction, ``balanced``, which
        obeys eq. (5), ``u' = N n^{2/N} u^{2-2/N} p (-l'(u))``; its closed form
        ``t(u)`` is derived only for N = 2 and for a loss whose drive is constant
        inside the margin (the hinge), else it is ``None``.  Logit ``class_1``.  Quantity
        ``stopping_time`` (when u reaches the margin) only for a loss that stops
        at a margin with a constant drive (the hinge); none otherwise.

    Raises
    ------
    TypeError
        If ``depth`` is not an integer, or ``loss`` is neither a string, a
        sympy expression nor a :class:`~derivations.Loss`.
    ValueError
        If ``depth`` is outside ``[2, MAX_DEPTH]``, or ``loss`` is an unknown
        name or an expression :func:`~derivations.resolve_loss` refuses.

    Examples
    --------
    >>> deep(3).reduced.rhs
    3*n**(2/3)*p*u(t)**(4/3)/(exp(u(t)) + 1)
    """
    depth = require_depth(depth)
    return _deep(depth, resolve_loss(loss))
