"""Losses of the numpy ground truth, written by hand, independently of :mod:`derivations`.

Each loss is a :class:`NetworkLoss` object that knows its value and slope in the
signed margin ``m = s u`` (``s = +1`` for class 1, ``-1`` for class 2) and
whether learning stops once the margin reaches 1.  The ground truth never
imports the derivations, so this registry is its own; a test checks that it
offers exactly the losses :data:`derivations.LOSS_NAMES` derives.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit, log_expit

__all__ = ["NetworkLoss", "LOSSES", "LOSS_NAMES", "get_loss", "loss_and_slope"]


@dataclass(frozen=True)
class NetworkLoss:
    """A loss of the signed margin, as gradient descent uses it.

    Attributes
    ----------
    name : str
        Its name (``"bce"``, ``"hinge"``, ``"squared"``).
    formula : str
        The loss in words, for messages and reports.
    stops_at_margin : bool
        True when the slope is exactly zero for every margin ``m >= 1``
        (learning on a point stops once its margin reaches 1).
    value_and_slope : callable
        ``m -> (l(m), dl/dm)``, elementwise on arrays.
    """

    name: str
    formula: str
    stops_at_margin: bool
    value_and_slope: Callable[[np.ndarray], tuple]

    def __call__(self, margin: ArrayLike) -> tuple:
        """``(l(m), dl/dm)`` at the signed margins ``margin``.

        Parameters
        ----------
        margin : array_like
            Signed margins ``m = s u``.

        Returns
        -------
        (ndarray, ndarray)
            Value and slope, elementwise, of the shape of ``margin``.

        Examples
        --------
        >>> value, slope = LOSSES["squared"]([0.0, 1.0, 3.0])
        >>> value.tolist(), slope.tolist()
        ([0.5, 0.0, 2.0], [-1.0, 0.0, 2.0])
        """
        return self.value_and_slope(np.asarray(margin, dtype=float))


def _bce(m):
    return -log_expit(m), -expit(-m)


def _hinge(m):
    inside = m < 1
    return np.where(inside, 1 - m, 0.0), np.where(inside, -1.0, 0.0)


def _squared(m):
    return 0.5 * (1 - m) ** 2, m - 1


#: Every loss the ground truth trains, by name.
LOSSES = {loss.name: loss for loss in (
    NetworkLoss("bce", "log(1 + exp(-m))", False, _bce),
    NetworkLoss("hinge", "max(0, 1 - m)", True, _hinge),
    NetworkLoss("squared", "(1 - m)^2 / 2", False, _squared),
)}
#: Their names, in a fixed order.
LOSS_NAMES = tuple(LOSSES)


def get_loss(loss: str | NetworkLoss) -> NetworkLoss:
    """The :class:`NetworkLoss` named ``loss`` (or ``loss`` itself), with a clear error otherwise.

    Training takes every behaviour of a loss from this object (its slope, whether it stops at the margin),
    never from its name, so a :class:`NetworkLoss` built by the caller trains like the registered ones.

    Parameters
    ----------
    loss : str or NetworkLoss
        A name in :data:`LOSSES`, or a loss object.

    Returns
    -------
    NetworkLoss

    Raises
    ------
    ValueError
        An unknown name (or anything else), naming the valid ones.

    Examples
    --------
    >>> get_loss("hinge").stops_at_margin
    True
    >>> get_loss("mse")
    Traceback (most recent call last):
    ...
    ValueError: loss='mse' is not valid; choose one of 'bce', 'hinge', 'squared'
    """
    if isinstance(loss, NetworkLoss):
        return loss
    if not isinstance(loss, str) or loss not in LOSSES:
        raise ValueError(f"loss={loss!r} is not valid; choose one of {', '.join(map(repr, LOSS_NAMES))}")
    return LOSSES[loss]


def loss_and_slope(loss: str | NetworkLoss, margin: ArrayLike) -> tuple:
    """``(l(m), dl/dm)`` for the signed margin ``m = s u`` (s = +1 class 1, -1 class 2).

    ``"hinge"`` is ``max(0, 1 - m)``: slope -1 below the margin (including a
    logit on the wrong side, ``m < 0``) and 0 once ``m >= 1``, where learning
    stops.

    Parameters
    ----------
    loss : str or NetworkLoss
        As in :func:`get_loss`.
    margin : array_like

    Returns
    -------
    (ndarray, ndarray)

    Examples
    --------
    >>> loss_and_slope("hinge", np.array([-2.0, 0.5, 1.0]))[1].tolist()
    [-1.0, -1.0, 0.0]
    """
    return get_loss(loss)(margin)
