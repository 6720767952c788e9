"""Comparisons of gradient descent with the theory that a wrong theory cannot pass.

Gradient descent at learning rate ``eta`` is an Euler step of the gradient
flow, so a quantity it measures is ``Q(eta) = Q_flow + C eta + O(eta^2)``.  Two
runs, at ``eta`` and ``eta / 2``, give the Richardson extrapolation
``2 Q(eta/2) - Q(eta) = Q_flow + O(eta^2)``: at the report's learning rates
this is 30-100 times closer to the flow than either run, which is what lets a
tight tolerance separate the right theory from a slightly wrong one.

Discrepancies are measured in *time*: a record ``u`` measured at flow time
``t`` is compared with the theory ``F`` through ``|u - F(t)| / (t |F'(t)|)``,
the relative shift of the time axis that would explain the gap (to first
order).  A theory whose time scale is wrong by a fraction ``e`` shows exactly
``e`` on every record, whatever the phase of learning (slow start, fast middle
or logarithmic tail), so one tolerance serves every experiment.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["TIME_TOLERANCE", "MOVING_FRACTION", "LOG_TIME_STEP", "WRONG_TIME_SCALE", "richardson",
           "time_discrepancy", "time_shift", "evaluate_sorted", "relative_discrepancy", "first_crossing", "halved_lrs"]

#: A theory whose time scale is off by this fraction must fail every GD-vs-theory claim (the issue's criterion).
WRONG_TIME_SCALE = 0.01
#: Pass threshold of every GD-vs-theory time discrepancy.  A theory off by WRONG_TIME_SCALE in its time scale
#: shows exactly 1e-2 (4x the threshold); the Richardson-extrapolated GD of the report reaches 1e-5 to 6e-4
#: against the right theory (measured at the report's learning rates: >= 4x below the threshold).
TIME_TOLERANCE = 2.5e-3
#: Records where the theory barely moves (|t F'(t)| below this fraction of the run's range of F: a stopped
#: hinge logit, a dead unit, the very first record) carry no information about the time scale and are skipped.
MOVING_FRACTION = 0.05
#: Relative step in log-time of the central difference that gives t F'(t) (its error ~1e-8 relative, far
#: below the tolerances; the integration error 1e-12 divided by it is 1e-8 too).
LOG_TIME_STEP = 1e-4


def halved_lrs(lr: float) -> tuple[float, float]:
    """The two learning rates of a Richardson pair, ``(lr, lr / 2)``.

    Parameters
    ----------
    lr : float
        The coarser learning rate.

    Returns
    -------
    tuple of float
        ``(lr, lr / 2)`` as Python floats.

    Examples
    --------
    >>> halved_lrs(0.1)
    (0.1, 0.05)
    """
    return float(lr), float(lr) / 2


def richardson(coarse: ArrayLike, fine: ArrayLike) -> np.ndarray:
    """Richardson extrapolation ``2 fine - coarse`` of two gradient-descent measurements.

    The O(eta^2) estimate of the flow from runs at ``eta`` (coarse) and ``eta / 2`` (fine).

    Parameters
    ----------
    coarse : array_like
        Quantity measured by gradient descent at learning rate ``eta``.
    fine : array_like
        The same quantity at learning rate ``eta / 2`` (broadcastable with ``coarse``).

    Returns
    -------
    ndarray
        ``2 fine - coarse``, as floats.

    Examples
    --------
    >>> richardson([1.0, 2.0], [1.5, 2.5])
    array([2., 3.])
    """
    return 2 * np.asarray(fine, float) - np.asarray(coarse, float)


def time_discrepancy(t: ArrayLike, measured: ArrayLike, theory: Callable[[np.ndarray], ArrayLike]) -> float:
    """Largest relative time shift ``|measured - F(t)| / (t |F'(t)|)`` over the records where the theory moves.

    Parameters
    ----------
    t : ndarray, shape (R,)
        Flow times of the records.
    measured : ndarray, shape (R,) or (R, K)
        Measured values (one column per curve).
    theory : callable
        ``theory(times)`` -> values of the same trailing shape as ``measured``.

    Returns
    -------
    float
        The largest relative time shift over the records where the theory moves
        (see :func:`time_shift`).

    Raises
    ------
    ValueError
        If the theory does not move on any record (see :data:`MOVING_FRACTION`).

    Examples
    --------
    >>> t = np.linspace(0.0, 2.0, 5)
    >>> round(time_discrepancy(t, (1.01 * t)**2, np.square), 6)  # a clock 1% fast: (1.01^2 - 1) / 2
    0.01005
    """
    t = np.asarray(t, float)
    F, ahead, behind = evaluate_sorted(theory, t, t * (1 + LOG_TIME_STEP), t * (1 - LOG_TIME_STEP))
    return time_shift(t, measured, F, ahead, behind)


def time_shift(t: ArrayLike, measured: ArrayLike, F: ArrayLike, ahead: ArrayLike, behind: ArrayLike) -> float:
    """:func:`time_discrepancy` from the theory already evaluated at ``t``, ``t (1 + h)`` and ``t (1 - h)``.

    Here ``h`` is :data:`LOG_TIME_STEP`; ``t F'(t)`` is the central difference
    ``(ahead - behind) / (2 h)``.  Records at ``t <= 0``, and records where
    ``|t F'(t)|`` is below :data:`MOVING_FRACTION` of the range of ``F`` over the
    run (per column), are skipped.

    Parameters
    ----------
    t : array_like, shape (R,)
        Flow times of the records.
    measured : array_like, shape (R,) or (R, K)
        Measured values (one column per curve).
    F, ahead, behind : array_like, same shape as ``measured``
        The theory at ``t``, ``t (1 + h)`` and ``t (1 - h)``.

    Returns
    -------
    float
        ``max |measured - F| / |t F'(t)|`` over the kept records.

    Raises
    ------
    ValueError
        If no record is kept (the theory does not move on any record).

    Examples
    --------
    >>> t = np.array([1.0, 2.0])
    >>> h = LOG_TIME_STEP
    >>> round(time_shift(t, 1.01 * t, t, t * (1 + h), t * (1 - h)), 9)  # F(t) = t, measured 1% ahead
    0.01
    """
    t, measured, F = np.asarray(t, float), np.asarray(measured, float), np.asarray(F, float)
    rate = (np.asarray(ahead, float) - np.asarray(behind, float)) / (2 * LOG_TIME_STEP)  # t F'(t)
    span = np.ptp(F, axis=0)
    keep = (t.reshape((-1,) + (1,) * (F.ndim - 1)) > 0) & (np.abs(rate) >= MOVING_FRACTION * span) & (span > 0)
    if not np.any(keep):
        raise ValueError("time_discrepancy: the theory does not move on any record; compare values instead")
    return float(np.max(np.abs(measured - F)[keep] / np.abs(rate)[keep]))


def evaluate_sorted(theory: Callable[[np.ndarray], ArrayLike], *grids: ArrayLike) -> list[np.ndarray]:
    """Evaluate ``theory`` once on the sorted union of ``grids`` (one integration), split back per grid.

    Parameters
    ----------
    theory : callable
        ``theory(times)`` for an increasing 1-D array ``times``; returns one value
        (or one row) per time.
    *grids : array_like
        1-D arrays of times, in any order.

    Returns
    -------
    list of ndarray
        ``theory`` on each grid, in the grid's own order.

    Examples
    --------
    >>> a, b = evaluate_sorted(np.square, [2.0, 0.0], [1.0])
    >>> a, b
    (array([4., 0.]), array([1.]))
    """
    sizes = [len(g) for g in grids]
    times = np.concatenate(grids)
    order = np.argsort(times, kind="stable")
    values = np.asarray(theory(times[order]), float)
    out = np.empty_like(values)
    out[order] = values
    return np.split(out, np.cumsum(sizes)[:-1])


def relative_discrepancy(measured: ArrayLike, theory: ArrayLike) -> float:
    """Largest relative gap ``max |measured - theory| / |theory|``.

    For flow times, a time-scale error ``e`` shows as ``e``.

    Parameters
    ----------
    measured : array_like
        Measured values.
    theory : array_like
        Theory values (nonzero), broadcastable with ``measured``.

    Returns
    -------
    float
        The largest relative gap.

    Examples
    --------
    >>> round(relative_discrepancy([1.01, 2.0], [1.0, 2.0]), 12)
    0.01
    """
    measured, theory = np.asarray(measured, float), np.asarray(theory, float)
    return float(np.max(np.abs(measured - theory) / np.abs(theory)))


def first_crossing(t: ArrayLike, values: ArrayLike, level: float) -> float:
    """First time ``values`` reaches ``level``, linearly interpolated between the two records around it.

    With a record at every step the interpolation error is O(eta^2), below the Richardson residual.

    Parameters
    ----------
    t : array_like, shape (R,)
        Flow times of the records.
    values : array_like, shape (R,)
        Recorded values.
    level : float
        The level to reach (``values >= level``).

    Returns
    -------
    float
        The interpolated crossing time; ``t[0]`` if the first record already
        reaches ``level``; NaN if it is never reached.

    Examples
    --------
    >>> first_crossing([0.0, 1.0, 2.0], [0.0, 0.5, 1.5], 1.0)
    1.5
    >>> first_crossing([0.0, 1.0], [0.0, 0.5], 1.0)
    nan
    """
    values = np.asarray(values, float)
    hit = np.flatnonzero(values >= level)
    if hit.size == 0:
        return np.nan
    i = hit[0]
    if i == 0:
        return float(t[0])
    v0, v1 = values[i - 1], values[i]
    return float(t[i - 1] + (level - v0) / (v1 - v0) * (t[i] - t[i - 1]))
