"""Losses as sympy functions of the signed margin ``m = s * u``.

The sign ``s`` is ``+1`` for class 1 and ``-1`` for class 2, so every loss is a
function of one real symbol, :data:`margin`.  What drives learning is the
negative derivative ``-dl/dm`` (for BCE the familiar ``sigma(-m)``), exposed as
:attr:`Loss.drive`.
"""
from __future__ import annotations

from dataclasses import dataclass

import sympy as sp

__all__ = ["margin", "Loss", "LOSS_NAMES", "resolve_loss"]

#: The signed margin ``m = s * u`` every loss is written in.
margin = sp.Symbol("m", real=True)

_BUILTIN = {
    # PAPER.md §1: -log sigma(m) written without the sigmoid.
    "bce": sp.log(1 + sp.exp(-margin)),
    # PAPER.md §1: max(0, 1 - m); the models live inside the margin (m < 1).
    "hinge": 1 - margin,
    # A bonus loss: (1 - m)^2 / 2.
    "squared": (1 - margin) ** 2 / 2,
}

#: Names accepted by :func:`resolve_loss`.
LOSS_NAMES = tuple(_BUILTIN)

_DESCRIPTIONS = {
    "bce": "binary cross-entropy log(1 + e^{-m})",
    "hinge": "hinge 1 - m, valid inside the margin (m < 1)",
    "squared": "squared (1 - m)^2 / 2",
    "softmax": "softmax cross-entropy -log softmax(u)_k (two-class margin form shown)",
}


@dataclass(frozen=True)
class Loss:
    """A loss of the margin.

    Attributes
    ----------
    name : str
        ``"bce"``, ``"hinge"``, ``"squared"`` or ``"custom"``.
    expr : sympy.Expr
        The loss as an expression of :data:`margin`.

    Examples
    --------
    >>> resolve_loss("bce").drive
    1/(exp(m) + 1)
    >>> resolve_loss("hinge").drive
    1
    """

    name: str
    expr: sp.Expr

    @property
    def stops_at_margin(self) -> bool:
        """True for the hinge loss: a point stops learning once its margin reaches 1."""
        return self.name == "hinge"

    @property
    def drive(self) -> sp.Expr:
        """``-dl/dm``: the factor that multiplies every gradient-flow term."""
        return sp.simplify(-sp.diff(self.expr, margin))

    @property
    def description(self) -> str:
        """A one-line human description."""
        return _DESCRIPTIONS.get(self.name, f"custom loss {sp.sstr(self.expr)}")

    def of(self, value: sp.Expr) -> sp.Expr:
        """The loss evaluated at margin ``value``."""
        return self.expr.subs(margin, value)


def resolve_loss(loss: "str | sp.Expr | Loss") -> Loss:
    """Turn a loss name or a sympy expression of :data:`margin` into a :class:`Loss`.

    Parameters
    ----------
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        A built-in name, or a sympy expression whose only free symbol is
        :data:`margin`.  Strings other than the built-in names are refused and
        never parsed: pass an expression built from :data:`margin` instead.

    Raises
    ------
    ValueError
        Unknown name, or an expression that does not depend on the margin or has
        other free symbols.
    TypeError
        Anything else (for example a float).

    Examples
    --------
    >>> resolve_loss(sp.exp(-margin)).drive
    exp(-m)
    """
    if isinstance(loss, Loss):
        return loss
    if isinstance(loss, str):
        if loss not in _BUILTIN:
            raise ValueError(
                f"loss={loss!r} is not a known loss; use one of {', '.join(LOSS_NAMES)}, "
                "or pass a sympy expression of derivations.margin (strings are never parsed)"
            )
        return Loss(loss, _BUILTIN[loss])
    if isinstance(loss, sp.Expr):
        extra = loss.free_symbols - {margin}
        if extra:
            raise ValueError(
                f"loss has free symbols {sorted(map(str, extra))} besides the margin; "
                "write it as a function of derivations.margin only"
            )
        if margin not in loss.free_symbols:
            raise ValueError(
                "loss does not depend on the margin derivations.margin; "
                "a constant loss has no gradient flow"
            )
        return Loss("custom", loss)
    raise TypeError(
        f"loss must be a name ({', '.join(LOSS_NAMES)}) or a sympy expression of "
        f"derivations.margin, not {type(loss).__name__}"
    )
