"""Vectorized root finding for increasing functions: safeguarded Newton inside a bracket."""
from __future__ import annotations

from typing import Callable, Optional, Tuple

import numpy as np

__all__ = ["solve_increasing"]

#: Relative step size at which an element counts as converged (a few ulps: residuals of
#: t(u) - t carry rounding noise of about one ulp of t, so Newton cannot resolve finer).
STEP_TOLERANCE = 16 * np.finfo(float).eps
#: Iteration cap (bisection alone halves a bracket 200 times: far past float precision).
MAX_ITERATIONS = 200


def solve_increasing(residual: Callable[[np.ndarray, np.ndarray], Tuple[np.ndarray, np.ndarray]], lo: np.ndarray,
                     hi: np.ndarray, start: np.ndarray, *, final_step: Optional[float] = None) -> np.ndarray:
    """Solve ``residual(x) = 0`` elementwise for an increasing residual.

    Parameters
    ----------
    residual : callable
        ``residual(x, index) -> (value, slope)`` for the elements ``index``.
    lo, hi : ndarray
        A bracket per element (``residual(lo) <= 0 <= residual(hi)``).
    start : ndarray
        Starting points inside the bracket.
    final_step : float, optional
        A Newton step smaller than ``final_step * max(|x|, 1)`` is taken and
        the element declared converged without another evaluation.  Newton
        converges quadratically, so after such a step the error is about
        ``(|f''| / 2|f'|) * step**2``; callers choose ``final_step`` from a bound
        on that ratio.

    Returns
    -------
    ndarray
        The roots, one per element of ``start``.

    Notes
    -----
    Newton steps that leave the current bracket, or are not finite, are
    replaced by bisection; the bracket shrinks with every evaluation.

    Examples
    --------
    >>> f = lambda x, i: (x**3 - 2.0, 3 * x**2)
    >>> round(float(solve_increasing(f, np.array([0.0]), np.array([2.0]), np.array([2.0]))[0]) ** 3, 12)
    2.0
    """
    lo, hi = np.array(lo, dtype=float), np.array(hi, dtype=float)
    x = np.array(start, dtype=float)
    x = np.where(np.isfinite(x) & (x >= lo) & (x <= hi), x, hi)
    active = np.arange(x.size)
    for _ in range(MAX_ITERATIONS):
        if active.size == 0:
            break
        xa = x[active]
        value, slope = residual(xa, active)
        value = np.where(np.isnan(value), np.inf, value)
        hi[active] = np.where(value > 0, xa, hi[active])
        lo[active] = np.where(value < 0, xa, lo[active])
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            new = xa - value / slope
        bad = ~np.isfinite(new) | (new < lo[active]) | (new > hi[active])
        new = np.where(bad, 0.5 * (lo[active] + hi[active]), new)
        new = np.where(value == 0, xa, new)
        x[active] = new
        step = np.abs(new - xa)
        width = hi[active] - lo[active]
        scale = np.maximum(np.abs(new), 1.0)
        done = (step <= STEP_TOLERANCE * scale) | (width <= STEP_TOLERANCE * scale)
        if final_step is not None:
            done |= ~bad & (step <= final_step * scale)
        active = active[~done]
    return x
