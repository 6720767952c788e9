"""The gradient flow of a two-layer ReLU network on any dataset, in data coordinates.

Every hidden unit's weight gradient lies in the span of the data, so the flow closes in the
pre-activations ``Y = W X^T`` (one entry per unit and point), the output weights ``Z`` and the Gram
matrix ``G = X X^T``.  What the loss contributes is one scalar per point, its *residual*
``r_i = -dL/du_i`` for the objective ``L = sum_i q_i l(s_i u_i)``; :func:`residual` derives it from the
loss expression.

Examples
--------
>>> residual("bce")
q*s/(exp(s*u) + 1)
"""
from __future__ import annotations

import sympy as sp

from .losses import Loss, margin, resolve_loss

__all__ = ["residual", "WEIGHT", "SIGN", "LOGIT"]

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
    >>> residual(sp.exp(-margin))
    q*s*exp(-s*u)
    """
    loss = resolve_loss(loss)
    pulled = -sp.diff(WEIGHT * loss.of(SIGN * LOGIT), LOGIT)
    pulled = sp.simplify(pulled)
    if loss.stop_margin is None:
        return pulled
    return sp.Piecewise((pulled, SIGN * LOGIT < loss.stop_margin), (0, True))
