"""Progress bars that show on a terminal and stay quiet when piped or under CI."""
from __future__ import annotations

import os
import sys
from collections.abc import Iterable
from typing import Any, TextIO

from tqdm.auto import tqdm

__all__ = ["progress", "interactive"]


def interactive(stream: TextIO | None = None) -> bool:
    """Tell whether progress should show: ``stream`` is a terminal and ``CI`` is not set.

    Parameters
    ----------
    stream : file-like, optional
        The stream to test (default ``sys.stderr``); one without ``isatty`` counts as no terminal.

    Returns
    -------
    bool
        True when ``stream.isatty()`` and the ``CI`` environment variable is unset or empty.

    Examples
    --------
    >>> import io
    >>> interactive(io.StringIO())
    False
    """
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("CI")


def progress(iterable: Iterable | None = None, *, quiet: bool = False, **kwargs: Any) -> tqdm:
    """Wrap ``iterable`` in a ``tqdm`` bar, disabled when ``quiet`` or not on an interactive terminal.

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate over (None for a manually updated bar).
    quiet : bool
        Disable the bar regardless of the terminal.
    **kwargs
        Further ``tqdm`` keywords (``desc``, ``unit``, ``total``, ...).

    Returns
    -------
    tqdm.auto.tqdm
        The bar (iterates like ``iterable``); it is not left on screen when done.

    Examples
    --------
    >>> list(progress(range(3), quiet=True))
    [0, 1, 2]
    """
    return tqdm(iterable, disable=quiet or not interactive(), leave=False, **kwargs)
