"""Loss derivatives for the numpy ground truth, written independently of :mod:`derivations`."""
from __future__ import annotations

import numpy as np
from scipy.special import expit, log_expit

__all__ = ["LOSS_NAMES", "loss_and_slope"]

LOSS_NAMES = ("bce", "hinge", "squared")


def loss_and_slope(loss: str, margin: np.ndarray):
    """``(l(m), dl/dm)`` for the signed margin ``m = s u`` (s = +1 class 1, -1 class 2)."""
    if loss == "bce":
        return -log_expit(margin), -expit(-margin)
    if loss == "hinge":
        inside = margin < 1
        return np.where(inside, 1 - margin, 0.0), np.where(inside, -1.0, 0.0)
    if loss == "squared":
        return 0.5 * (1 - margin) ** 2, margin - 1
    raise ValueError(f"loss={loss!r} is not valid; choose one of {', '.join(LOSS_NAMES)}")
