"""Checks of the arguments the model factories take (clear errors at the boundary)."""
from __future__ import annotations

import numbers

__all__ = ["require_int"]


def require_int(name: str, value, minimum: int, maximum: int | None = None) -> int:
    """``value`` as an int in ``[minimum, maximum]``, or a clear TypeError/ValueError.

    Examples
    --------
    >>> require_int("depth", 3, 2)
    3
    """
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {value!r} ({type(value).__name__}); "
                        f"pass e.g. {name}={minimum}")
    value = int(value)
    if value < minimum or (maximum is not None and value > maximum):
        upper = f" and at most {maximum}" if maximum is not None else ""
        raise ValueError(f"{name} must be at least {minimum}{upper}, got {value}")
    return value
