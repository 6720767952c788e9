"""Checks of the arguments the model factories take (clear errors at the boundary)."""
from __future__ import annotations

import numbers

__all__ = ["require_int", "require_depth", "MAX_DEPTH"]

#: Deepest chain accepted anywhere (``derivations.deep``, ``dynamics.logit``, the command line).
#: Reason: the symbolic derivation of the depth-N chain grows with N (N = 32 derives and proves its
#: claims in about 5 s on one core, the cost growing faster than linearly), while the paper's figures use
#: N <= 8 and the numerical engine is tested up to N = 16; the limit keeps every accepted depth bounded.
MAX_DEPTH = 32


def require_int(name: str, value: object, minimum: int, maximum: int | None = None) -> int:
    """``value`` as an int in ``[minimum, maximum]``, or a clear TypeError/ValueError.

    Parameters
    ----------
    name : str
        The argument's name, used in the error messages.
    value : object
        The value to check: any integral number (``int``, ``numpy.int64``, ...) except ``bool``.
    minimum : int
        Smallest accepted value.
    maximum : int or None
        Largest accepted value (``None``: no upper limit).

    Returns
    -------
    int
        ``value`` as a Python int.

    Raises
    ------
    TypeError
        If ``value`` is not an integer (a bool, a float, a string, ...).
    ValueError
        If ``value`` lies outside ``[minimum, maximum]``; the message names ``name``, the range and the value.

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


def require_depth(depth: object) -> int:
    """``depth`` (number of weight layers N) as an int in ``[2, MAX_DEPTH]``, or a clear TypeError/ValueError.

    The one depth check shared by :func:`derivations.deep`, :mod:`dynamics` and the command line.

    Parameters
    ----------
    depth : object
        N, the number of weight layers: any integral number except ``bool``.

    Returns
    -------
    int
        ``depth`` as a Python int.

    Raises
    ------
    TypeError
        If ``depth`` is not an integer.
    ValueError
        If ``depth`` lies outside ``[2, MAX_DEPTH]``.

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
