"""Argument checks shared by the theory and the ground truth (clear errors at the boundary).

It imports nothing of the project, so both rooms can use it without depending on each other.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["as_finite_array", "require_positive", "require_frequency", "require_choice", "MAX_HIDDEN"]

#: Most hidden units an initialization scheme builds (per class for "balanced"), in the library and on the
#: command line: far above what the theory's questions need, and a bound on memory (a million units of a
#: thousand features would be 8 GB).
MAX_HIDDEN = 10_000


def _is_text_or_flag(value) -> bool:
    """Strings and booleans convert to floats in numpy ("1" -> 1.0, True -> 1.0); as numbers they are mistakes."""
    if isinstance(value, (str, bytes, bool, np.bool_)):
        return True
    kind = getattr(getattr(value, "dtype", None), "kind", None)
    if kind is None and isinstance(value, (list, tuple)):
        kind = np.asarray(value).dtype.kind
    return kind in ("U", "S", "b")


def _kind_of(value) -> str:
    if isinstance(value, (bool, np.bool_)):
        return f"a boolean ({value})"
    if isinstance(value, (str, bytes)):
        return f"a string ({value!r}; strings are never parsed)"
    return "an array of strings or booleans"


def as_finite_array(name: str, value: ArrayLike) -> np.ndarray:
    """``value`` as a float64 array, refusing NaN/inf (naming the first, and where) and non-numbers.

    Parameters
    ----------
    name : str
        The parameter's name, for the error message.
    value : array_like
        A number or an array of numbers (strings and booleans are refused).

    Returns
    -------
    ndarray
        ``value`` as float64.

    Raises
    ------
    TypeError
        Strings, booleans or other non-numbers.
    ValueError
        NaN or inf (the message names the first and its index).

    Examples
    --------
    >>> as_finite_array("X", [[1.0, 2.0], [float("nan"), 0.0]])
    Traceback (most recent call last):
    ...
    ValueError: X must be finite; it contains NaN at index (1, 0)
    """
    if _is_text_or_flag(value):
        raise TypeError(f"{name} must be a number or an array of numbers, got {_kind_of(value)}")
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {type(value).__name__}") from None
    bad = ~np.isfinite(arr)
    if bad.any():
        first = tuple(int(i) for i in np.argwhere(bad)[0])
        kind = "NaN" if np.isnan(arr[first]) else "inf"
        where = "" if arr.ndim == 0 else f" at index {first[0] if arr.ndim == 1 else first}"
        raise ValueError(f"{name} must be finite; it contains {kind}{where}")
    return arr


def require_positive(name: str, value: ArrayLike) -> np.ndarray:
    """``value`` as a finite float64 array of numbers > 0, or a clear TypeError/ValueError naming ``name``.

    Parameters
    ----------
    name : str
        The parameter's name, for the error message.
    value : array_like

    Returns
    -------
    ndarray

    Examples
    --------
    >>> require_positive("norm", 0.0)
    Traceback (most recent call last):
    ...
    ValueError: norm must be > 0, got 0.0
    """
    arr = as_finite_array(name, value)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0, got {float(arr[arr <= 0].ravel()[0])!r}")
    return arr


def require_frequency(name: str, value: ArrayLike) -> np.ndarray:
    """``value`` as a finite float64 array of class frequencies in (0, 1], or a clear error naming ``name``.

    Parameters
    ----------
    name : str
        The parameter's name, for the error message.
    value : array_like

    Returns
    -------
    ndarray

    Examples
    --------
    >>> float(require_frequency("p", 0.5))
    0.5
    """
    arr = as_finite_array(name, value)
    if np.any((arr <= 0) | (arr > 1)):
        bad = arr[(arr <= 0) | (arr > 1)].ravel()[0]
        raise ValueError(f"{name} is a class frequency and must lie in (0, 1], got {float(bad)!r}")
    return arr


def require_choice(name: str, value: object, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices`` (strings), else a ValueError naming ``name`` and the choices.

    Parameters
    ----------
    name : str
        The parameter's name, for the error message.
    value : object
    choices : sequence of str

    Returns
    -------
    str

    Examples
    --------
    >>> require_choice("method", "ode", ("closed_form", "ode"))
    'ode'
    """
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}={value!r} is not valid; choose one of {', '.join(map(repr, choices))}")
    return value
