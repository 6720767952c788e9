"""Checks of the arguments the model factories take (clear errors at the boundary)."""
from __future__ import annotations

import numbers

__all__ = ["require_int", "require_depth", "MAX_DEPTH"]

#: Deepest chain accepted anywhere (``derivations.deep``, ``dynamics.logit``, the command line).
#: Reason: the symbolic derivation of the depth-N chain grows with N (N = 32 derives and proves its
#: claims in about 5 s on one core, the cost growing faster than linearly), while the paper's figures use
#: N <= 8 and the numerical engine is tested up to N = 16; the limit keeps every accepted depth bounded.
MAX_DEPTH = 32


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


def require_depth(depth) -> int:
    """``depth`` (number of weight layers N) as an int in ``[2, MAX_DEPTH]``, or a clear TypeError/ValueError.

    The one depth check shared by :func:`derivations.deep`, :mod:`dynamics` and the command line.

    Examples
    --------
    >>> require_depth(4)
    4
    """
    if isinstance(depth, bool) or not isinstance(depth, numbers.Integral):
        raise TypeError(f"depth must be an integer number of weight layers between 2 and {MAX_DEPTH}, "
                        f"got {depth!r} ({type(depth).__name__})")
    if not 2 <= depth <= MAX_DEPTH:
        raise ValueError(f"depth must be between 2 and {MAX_DEPTH} (number of weight layers; the limit bounds "
                         f"the symbolic derivation time), got {depth}")
    return int(depth)
