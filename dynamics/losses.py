"""Loss derivatives for the numpy ground truth, written independently of :mod:`derivations`.

Only the list of names is shared with :mod:`derivations` (:data:`LOSS_NAMES`), so
the symbolic and numerical halves accept the same losses; every formula here is
written by hand.
"""
from __future__ import annotations

import numpy as np
from scipy.special import expit, log_expit

from derivations.losses import LOSS_NAMES

__all__ = ["LOSS_NAMES", "loss_and_slope"]


def loss_and_slope(loss: str, margin: np.ndarray):
    """``(l(m), dl/dm)`` for the signed margin ``m = s u`` (s = +1 class 1, -1 class 2).

    ``"hinge"`` is ``max(0, 1 - m)``: slope -1 below the margin (including a
    logit on the wrong side, ``m < 0``) and 0 once ``m >= 1``, where learning
    stops.

    Examples
    --------
    >>> loss_and_slope("hinge", np.array([-2.0, 0.5, 1.0]))[1].tolist()
    [-1.0, -1.0, 0.0]
    """
    if loss == "bce":
        return -log_expit(margin), -expit(-margin)
    if loss == "hinge":
        inside = margin < 1
        return np.where(inside, 1 - margin, 0.0), np.where(inside, -1.0, 0.0)
    if loss == "squared":
        return 0.5 * (1 - margin) ** 2, margin - 1
    raise ValueError(f"loss={loss!r} is not valid; choose one of {', '.join(LOSS_NAMES)}")
