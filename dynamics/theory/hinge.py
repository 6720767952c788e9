"""The hinge loss off the balanced manifold (Sec. 5, Theorem 5.1, Fig. 9): when the logit reaches the margin.

With the invariant ``c = y0^2 - n^2 z0^2 > 0`` the two-layer class mode moves on
the hyperbola ``y = sqrt(c) cosh(theta/2)``, ``z = sqrt(c)/n sinh(theta/2)``
(App. A.3), with logit ``u = c sinh(theta) / (2 n)``.  For the hinge the angle
grows linearly, ``theta(t) = theta0 + 2 n p t``, until ``u`` reaches the margin.
The stopping time is the derived quantity ``"stopping_time_hyperbolic"`` of
:func:`derivations.two_layer` (``(asinh(2 n / c) - theta0) / (2 n p)`` for the
hinge, proven by ``two_layer("hinge").check()``), compiled here.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Callable, Tuple

import numpy as np
from numpy.typing import ArrayLike

import derivations
from derivations.symbols import c as c_sym, n1 as n1_sym, p as p_sym, theta0 as theta0_sym

from ..validation import as_finite_array, require_frequency, require_positive
from .compiled import compile_expr

__all__ = ["hinge_stopping_time"]


@lru_cache(maxsize=1)  # one expression, compiled once
def _stopping_time() -> Tuple[Callable, float]:
    """The compiled derived stopping time ``t(c, theta0, n, p)`` and the margin it stops at (from the loss)."""
    model = derivations.two_layer("hinge")
    time = compile_expr(model.quantity("stopping_time_hyperbolic"), (c_sym, theta0_sym, n1_sym, p_sym))
    return time, float(model.loss.stop_margin)


def hinge_stopping_time(c: ArrayLike, theta0: ArrayLike = 0.0, *, norm: ArrayLike = 1.0,
                        p: ArrayLike = 1.0) -> np.ndarray:
    """Flow time at which the hinge logit of a two-layer class mode with invariant ``c > 0`` reaches the margin.

    Parameters
    ----------
    c : array_like
        The invariant ``y0^2 - norm^2 z0^2``, > 0 (``y`` dominant: the chart
        ``"hyperbolic_class_1_y_dominant"``).  For ``c = 0`` (the balanced mode)
        use :func:`~dynamics.theory.balanced_logit.time_to_confidence` with
        ``confidence=1.0, loss="hinge"``.
    theta0 : array_like
        Initial hyperbolic angle: ``y0 = sqrt(c) cosh(theta0/2)``,
        ``z0 = sqrt(c)/norm sinh(theta0/2)``, so the initial logit is
        ``c sinh(theta0) / (2 norm)``; it must be below the margin 1.
    norm : array_like
        Input norm ``||x||`` of the class (> 0).
    p : array_like
        Frequency of the class, in (0, 1].

    Returns
    -------
    ndarray
        The broadcast shape of the arguments: ``(asinh(2 norm / c) - theta0) / (2 norm p)``.

    Raises
    ------
    ValueError
        ``c <= 0``, ``norm <= 0``, ``p`` outside (0, 1], non-finite values, or an
        initial logit already at or past the margin.

    Examples
    --------
    >>> round(float(hinge_stopping_time(0.2, norm=1.5)), 10)  # asinh(15) / 3
    1.1341022152
    """
    c, norm, p = require_positive("c", c), require_positive("norm", norm), require_frequency("p", p)
    theta0 = as_finite_array("theta0", theta0)
    c, theta0, norm, p = np.broadcast_arrays(c, theta0, norm, p)
    time, margin = _stopping_time()
    with np.errstate(over="ignore"):  # sinh overflows to inf only far past the margin, refused below
        start = c * np.sinh(theta0) / (2 * norm)
    past = start >= margin
    if np.any(past):
        k = tuple(np.argwhere(past)[0])
        raise ValueError(f"theta0 must put the initial logit c sinh(theta0)/(2 norm) below the margin {margin:g} (the "
                         f"hinge stops there), got theta0 = {float(theta0[k])!r} with c = {float(c[k])!r}, "
                         f"norm = {float(norm[k])!r}")
    return np.asarray(time(c, theta0, norm, p), dtype=float)
