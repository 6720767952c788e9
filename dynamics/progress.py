"""Progress bars that show on a terminal and stay quiet when piped or under CI."""
from __future__ import annotations

import os
import sys

from tqdm.auto import tqdm

__all__ = ["progress", "interactive"]


def interactive(stream=None) -> bool:
    """True when ``stream`` (default stderr) is a terminal and ``CI`` is not set."""
    stream = stream or sys.stderr
    return bool(getattr(stream, "isatty", lambda: False)()) and not os.environ.get("CI")


def progress(iterable=None, *, quiet: bool = False, **kwargs):
    """``tqdm(iterable)``, disabled when ``quiet`` or not on an interactive terminal."""
    return tqdm(iterable, disable=quiet or not interactive(), leave=False, **kwargs)
