"""How an experiment sweeps: :func:`dynamics.sweep.sweep`, raising a failed setting's own error.

An experiment's chunk functions raise the library's usual errors on bad input (a ``ValueError`` naming the
parameter, an ``AssumptionError`` naming the broken hypothesis).  A sweep reports every failed chunk as
text in a :class:`dynamics.sweep.SweepError`, whatever the process it ran in; :func:`sweep_values` then
evaluates the first failed chunk again in this process, so that the experiment raises the error it raised
before it swept, the sweep's report chained to it.

Examples
--------
>>> import numpy as np
>>> def halves(chunk, seeds):
...     if min(chunk) < 0:
...         raise ValueError(f"x must be >= 0, got {min(chunk)}")
...     return np.asarray(chunk) / 2
>>> sweep_values(halves, [2.0, 4.0], chunk_size=1).tolist()
[1.0, 2.0]
>>> sweep_values(halves, [2.0, -1.0], chunk_size=1)
Traceback (most recent call last):
...
ValueError: x must be >= 0, got -1.0
"""
from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..sweep import SweepError, setting_seeds, sweep

__all__ = ["sweep_values"]


def sweep_values(function: Callable, settings: Sequence | np.ndarray, *, executor: Any = None,
                 chunk_size: int | None = None, seed: int | None = None, desc: str = "sweep",
                 quiet: bool = True) -> Any:
    """The values of ``sweep(function, settings, ...)``; a failure raises the failed setting's own error.

    Parameters
    ----------
    function : callable
        ``function(chunk, seeds) -> values``, module-level (picklable) and pure.
    settings : sequence or ndarray
        The settings, in the order of the values.
    executor : optional
        Anything :func:`dynamics.sweep.sweep` takes (default: in this process).
    chunk_size : int, optional
        Settings per chunk (default: :func:`dynamics.sweep.sweep`'s).
    seed : int >= 0, optional
        Seeds each setting by its position (:func:`dynamics.sweep.setting_seeds`).
    desc : str
        The progress bar's label.
    quiet : bool
        No progress bar.

    Returns
    -------
    ndarray or tuple
        :attr:`dynamics.sweep.SweepResult.values`.

    Raises
    ------
    Exception
        The error the first failed chunk raises when evaluated again here (the sweep's
        :class:`dynamics.sweep.SweepError` as its cause); the ``SweepError`` itself when the chunk raised no
        exception of its own (its worker process died, or it returned the wrong number of values: it is not
        run again here, where it could end this process too) or does not fail here.
    """
    try:
        return sweep(function, settings, chunk_size=chunk_size, executor=executor, seed=seed, quiet=quiet,
                     desc=desc).values
    except SweepError as error:
        if not error.result.failures[0].traceback:
            # no exception of the function's own: its worker died (os._exit, a signal, out of memory) or it
            # returned the wrong number of values; running it again here could end this process the same way
            raise
        indices = list(error.result.failures[0].indices)
        start, stop = indices[0], indices[-1] + 1
        chunk = settings[start:stop] if isinstance(settings, np.ndarray) else list(settings[start:stop])
        seeds = setting_seeds(seed, len(settings))[start:stop]
        try:
            function(chunk, seeds)
        except Exception as own:
            raise own from error
        raise
