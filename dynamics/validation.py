"""Argument checks shared by the numerical entry points (clear errors at the boundary)."""
from __future__ import annotations

import numbers

import numpy as np

__all__ = ["as_finite_array", "require_positive", "require_frequency", "require_depth", "require_choice"]

#: Deepest chain the numerical engine accepts (symbolic derivations go further).
MAX_DEPTH = 32


def as_finite_array(name: str, value) -> np.ndarray:
    """``value`` as a float64 array, refusing NaN/inf and non-numbers with a named error."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a number or an array of numbers, got {type(value).__name__}") from None
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite; it contains NaN or inf")
    return arr


def require_positive(name: str, value) -> np.ndarray:
    arr = as_finite_array(name, value)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0, got {float(arr[arr <= 0].ravel()[0])!r}")
    return arr


def require_frequency(name: str, value) -> np.ndarray:
    arr = as_finite_array(name, value)
    if np.any((arr <= 0) | (arr > 1)):
        bad = arr[(arr <= 0) | (arr > 1)].ravel()[0]
        raise ValueError(f"{name} is a class frequency and must lie in (0, 1], got {float(bad)!r}")
    return arr


def require_depth(depth) -> int:
    """The one depth check of the project (:func:`derivations.validation.require_depth`, limit and reason there)."""
    from derivations.validation import require_depth as shared

    return shared(depth)


def require_choice(name: str, value, choices) -> str:
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{name}={value!r} is not valid; choose one of {', '.join(map(repr, choices))}")
    return value
