"""Losses as sympy functions of the signed margin ``m = s * u``.

The sign ``s`` is ``+1`` for class 1 and ``-1`` for class 2, so every loss is a
function of one real symbol, :data:`margin`.  What drives learning is the
negative derivative ``-dl/dm`` (for BCE the familiar ``sigma(-m)``), exposed as
:attr:`Loss.drive`.

A loss may be piecewise (``Max``, ``Min``, ``Abs``, ``Heaviside`` or
``Piecewise``).  It is then split into smooth pieces on intervals of the
margin; the supported shape is one *learning piece* on ``m < a`` and a piece of
zero drive on ``m >= a`` (the hinge ``Max(0, 1 - m)``, the squared hinge
``Max(0, 1 - m)**2 / 2``).  Flows are derived from the learning piece
(:attr:`Loss.piece`), and the margin ``a`` where learning stops is
:attr:`Loss.stop_margin`, read off the expression, never off the name.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Optional

import sympy as sp

__all__ = ["margin", "Loss", "LOSS_NAMES", "resolve_loss"]

#: The signed margin ``m = s * u`` every loss is written in.
margin = sp.Symbol("m", real=True)

_BUILTIN = {
    # -log sigma(m) written without the sigmoid.
    "bce": sp.log(1 + sp.exp(-margin)),
    # The true hinge: learning stops at the margin m = 1 (read off the expression by resolve_loss).
    "hinge": sp.Max(0, 1 - margin),
    # A bonus loss: (1 - m)^2 / 2, smooth; its drive 1 - m vanishes at m = 1 and pulls back beyond.
    "squared": (1 - margin) ** 2 / 2,
}

#: Names accepted by :func:`resolve_loss` (the one list of loss names).
LOSS_NAMES = tuple(_BUILTIN)

_DESCRIPTIONS = {
    "bce": "binary cross-entropy log(1 + e^{-m})",
    "hinge": "hinge max(0, 1 - m): learning stops at the margin m = 1",
    "squared": "squared (1 - m)^2 / 2",
    "softmax": "softmax cross-entropy -log softmax(u)_k (two-class margin form shown)",
}

#: Functions that make a loss non-smooth; each must be rewritten into ``Piecewise`` pieces.
_NONSMOOTH = (sp.Piecewise, sp.Max, sp.Min, sp.Abs, sp.Heaviside, sp.sign, sp.floor, sp.ceiling,
              sp.frac, sp.DiracDelta)


@dataclass(frozen=True)
class _Pieces:
    """The smooth split of a loss: the learning piece and where its zero-drive piece starts."""

    piece: sp.Expr
    stop_margin: Optional[sp.Expr]


def _refuse(expr, why):
    return ValueError(
        f"loss {sp.sstr(expr)} cannot be used: {why}. Supported: a smooth expression of derivations.margin, "
        "or one learning piece on m < a followed by a piece of zero drive on m >= a "
        "(e.g. Max(0, 1 - margin), Max(0, 1 - margin)**2/2)")


def _intervals(region, expr):
    """``region`` (a subset of the reals) as a list of Intervals, ignoring isolated points."""
    parts = region.args if isinstance(region, sp.Union) else (region,)
    out = []
    for part in parts:
        if isinstance(part, sp.Interval):
            if part.measure != 0:
                out.append(part)
        elif not isinstance(part, sp.FiniteSet) and part is not sp.S.EmptySet:
            raise _refuse(expr, f"its pieces are not intervals of the margin ({part})")
    return out


#: Loss expressions whose split is kept (keyed by value); far more than the built-in losses and a session's
#: custom ones, and an evicted split is recomputed identically.
SPLIT_CACHE_SIZE = 256


@lru_cache(maxsize=SPLIT_CACHE_SIZE)
def _split(expr: sp.Expr) -> _Pieces:
    """Split ``expr`` into its learning piece and stopping margin, or raise a clear ValueError."""
    if not expr.has(*_NONSMOOTH):
        return _Pieces(expr, None)
    try:
        folded = sp.piecewise_fold(expr.rewrite(sp.Piecewise))
    except Exception as exc:  # sympy raises many types here; the user only needs to know it failed
        raise _refuse(expr, f"sympy cannot rewrite it into pieces ({type(exc).__name__})") from None
    if not isinstance(folded, sp.Piecewise):
        if folded.has(*_NONSMOOTH):
            raise _refuse(expr, "sympy cannot split it into smooth pieces")
        return _Pieces(folded, None)
    remaining, pieces = sp.S.Reals, []
    for piece, condition in folded.args:
        if piece.has(*_NONSMOOTH):
            raise _refuse(expr, f"the piece {sp.sstr(piece)} is itself not smooth")
        try:
            region = condition.as_set().intersect(remaining) if condition is not sp.true else remaining
        except Exception as exc:  # e.g. NotImplementedError for periodic conditions
            raise _refuse(expr, f"sympy cannot solve the condition {sp.sstr(condition)} for the margin "
                                f"({type(exc).__name__})") from None
        remaining = remaining - region
        pieces += [(interval, piece) for interval in _intervals(region, expr)]
    if remaining.measure != 0:
        raise _refuse(expr, f"it is undefined for m in {remaining}")
    pieces.sort(key=lambda item: item[0].start)
    learning = [(i, q) for i, q in pieces if sp.simplify(sp.diff(q, margin)) != 0]
    distinct = {sp.simplify(q) for _, q in learning}
    if not learning:
        raise _refuse(expr, "no piece depends on the margin (a constant loss has no gradient flow)")
    if len(distinct) > 1:
        raise _refuse(expr, f"{len(distinct)} different pieces drive learning ({', '.join(map(sp.sstr, distinct))})")
    piece = learning[0][1]
    learning_region = sp.Union(*(i for i, _ in learning))
    end = learning_region.sup
    if learning_region.inf != -sp.oo or (sp.Interval(-sp.oo, end) - learning_region).measure != 0:
        raise _refuse(expr, "its learning piece is not one interval m < a starting at m -> -oo "
                            "(a flat piece is only allowed beyond a margin a)")
    if end == sp.oo:
        return _Pieces(piece, None)
    beyond = {sp.simplify(q) for i, q in pieces if i.start >= end}
    if len(beyond) != 1 or sp.simplify(piece.subs(margin, end) - beyond.pop()) != 0:
        raise _refuse(expr, f"beyond the margin m = {end} it is not one flat piece continuing the learning piece")
    return _Pieces(piece, end)


@dataclass(frozen=True)
class Loss:
    """A loss of the margin.

    Attributes
    ----------
    name : str
        ``"bce"``, ``"hinge"``, ``"squared"``, ``"softmax"`` or ``"custom"``.
    expr : sympy.Expr
        The loss as an expression of :data:`margin` (possibly piecewise).

    Notes
    -----
    Flows are derived from :attr:`piece`, the smooth expression of the loss
    where learning happens; :attr:`stop_margin` says where it ends.  A linear
    ``1 - margin`` is the *linear* loss: its drive is 1 everywhere, so
    learning never stops (``stop_margin is None``).  The hinge is ``"hinge"``,
    i.e. ``Max(0, 1 - margin)``.

    Examples
    --------
    >>> resolve_loss("bce").drive
    1/(exp(m) + 1)
    >>> hinge = resolve_loss("hinge")
    >>> hinge.piece, hinge.drive, hinge.stop_margin
    (1 - m, 1, 1)
    >>> resolve_loss(1 - margin).stop_margin is None  # the linear loss never stops
    True
    """

    name: str
    expr: sp.Expr

    @property
    def piece(self) -> sp.Expr:
        """The smooth learning piece: the loss on ``m < stop_margin`` (the whole loss if it never stops)."""
        return _split(self.expr).piece

    @property
    def stop_margin(self) -> Optional[sp.Expr]:
        """The margin ``a`` from which the loss is flat (zero drive), or ``None``.

        Read off the expression: 1 for ``Max(0, 1 - m)`` and the squared hinge,
        ``None`` for BCE, the linear ``1 - m`` and the squared loss.  The squared
        loss's drive ``1 - m`` also vanishes at ``m = 1``, but only at that
        point: beyond it the drive is negative and pulls the margin back, so
        ``m = 1`` is a smooth fixed point of its flow, not a place where
        learning stops.
        """
        return _split(self.expr).stop_margin

    @property
    def stops_at_margin(self) -> bool:
        """True when a point stops learning once its margin reaches :attr:`stop_margin`."""
        return self.stop_margin is not None

    @property
    def drive(self) -> sp.Expr:
        """``-dl/dm`` on the learning piece: the factor that multiplies every gradient-flow term."""
        return sp.simplify(-sp.diff(self.piece, margin))

    @property
    def description(self) -> str:
        """A one-line human description."""
        return _DESCRIPTIONS.get(self.name, f"custom loss {sp.sstr(self.expr)}")

    def of(self, value: sp.Expr) -> sp.Expr:
        """The learning piece evaluated at margin ``value``.

        This is what every flow is derived from; it equals the loss wherever
        learning happens (``m < stop_margin``).

        Parameters
        ----------
        value : sympy.Expr
            The margin at which to evaluate (an expression or a number), substituted for :data:`margin`.

        Returns
        -------
        sympy.Expr
            :attr:`piece` with :data:`margin` replaced by ``value`` (not simplified).

        Examples
        --------
        >>> resolve_loss("hinge").of(sp.Integer(3))  # the piece 1 - m, not the flat loss, beyond stop_margin
        -2
        """
        return self.piece.subs(margin, value)


def _builtin_equal(loss: sp.Expr) -> Optional[str]:
    """The built-in name whose pieces and stopping margin ``loss`` has, if any."""
    split = _split(loss)
    for name, builtin in _BUILTIN.items():
        other = _split(builtin)
        if split.stop_margin == other.stop_margin and sp.simplify(split.piece - other.piece) == 0:
            return name
    return None


def resolve_loss(loss: "str | sp.Expr | Loss") -> Loss:
    """Turn a loss name or a sympy expression of :data:`margin` into a :class:`Loss`.

    Parameters
    ----------
    loss : {"bce", "hinge", "squared"} or sympy.Expr or Loss
        A built-in name (:data:`LOSS_NAMES`), or a sympy expression whose only
        free symbol is :data:`margin`.  Strings other than the built-in names
        are refused and never parsed: pass an expression built from
        :data:`margin` instead.  ``"hinge"`` is ``Max(0, 1 - margin)``; a plain
        ``1 - margin`` is the *linear* loss, whose drive never vanishes, so
        learning never stops.  Piecewise expressions (``Max``, ``Piecewise``,
        ...) are split into smooth pieces; an expression equal to a built-in
        one (same learning piece, same stopping margin) gets its name.

    Returns
    -------
    Loss
        ``loss`` itself if it is a :class:`Loss`; the built-in loss of that name
        (or the built-in an expression equals); else a loss named ``"custom"``.

    Raises
    ------
    ValueError
        Unknown name, an expression that does not depend on the margin or has
        other free symbols, or a piecewise expression that cannot be split
        into one learning piece on ``m < a`` and a flat piece on ``m >= a``.
    TypeError
        Anything else (for example a float).

    Examples
    --------
    >>> resolve_loss(sp.exp(-margin)).drive
    exp(-m)
    >>> resolve_loss(sp.Piecewise((1 - margin, margin < 1), (0, True))).name
    'hinge'
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
        name = _builtin_equal(loss)
        return Loss(name, _BUILTIN[name]) if name else Loss("custom", loss)
    raise TypeError(
        f"loss must be a name ({', '.join(LOSS_NAMES)}) or a sympy expression of "
        f"derivations.margin, not {type(loss).__name__}"
    )
