"""Sweeps: many settings cut into chunks, each chunk evaluated by a pure function, gathered in order.

The theory is cheap; its ground truth is not.  Phase diagrams at high resolution,
learning-rate and initialization sweeps and SGD ensembles are all one pattern: a
list of settings (rows of an array, or any sequence), a function that evaluates a
chunk of them at once (vectorised inside the chunk), and the results in the
settings' order.  :func:`sweep` runs that pattern on an *executor*:

* ``None`` or ``"serial"``: in this process, one chunk after another (the default);
* ``"processes"`` (with ``workers``): a :class:`concurrent.futures.ProcessPoolExecutor`;
* a Dask ``distributed.Client``, a scheduler address (``"tcp://host:8786"``) or ``"local"``
  (a local Dask cluster of ``workers`` processes): Dask's scheduler does the scheduling.

:func:`executor` turns the command line's ``--workers N`` / ``--scheduler ADDRESS`` into one of these.

Determinism.  Setting ``i`` of a sweep is given its own seed, ``SeedSequence(seed).spawn(len(settings))[i]``,
keyed by its position in the sweep and by nothing else; a chunk receives its settings' seeds.  The results
are therefore identical whatever the executor, the number of workers and the chunk size, as long as the
function draws setting ``i``'s randomness from seed ``i`` only (e.g. one ``numpy.random.default_rng`` per
setting).

Failures.  A chunk that raises does not stop the others: every chunk is evaluated, then the failures are
reported with the settings that failed (:class:`SweepError`, whose ``result`` keeps every value that was
computed), or returned in :attr:`SweepResult.failures` with ``strict=False``.

Examples
--------
>>> import numpy as np
>>> def squares(chunk, seeds):
...     return np.asarray(chunk) ** 2
>>> sweep(squares, np.arange(5), chunk_size=2).values.tolist()
[0, 1, 4, 9, 16]
"""
from __future__ import annotations

import concurrent.futures
import contextlib
import math
import numbers
import os
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .progress import progress

__all__ = ["sweep", "executor", "setting_seeds", "chunk_bounds", "SweepResult", "ChunkFailure", "SweepError",
           "DEFAULT_CHUNKS_PER_WORKER", "LOCAL_SCHEDULER", "MAX_WORKERS"]

#: Chunks per worker when ``chunk_size`` is not given: several, so that a slow chunk does not idle the others
#: and the progress bar moves, few enough that the cost of sending a chunk stays small against evaluating it.
DEFAULT_CHUNKS_PER_WORKER = 4
#: The ``scheduler`` value that asks for a local Dask cluster instead of an existing scheduler's address.
LOCAL_SCHEDULER = "local"
#: Most local worker processes :func:`executor` starts (a guard against a typo such as ``--workers 2000``).
MAX_WORKERS = 256
#: Characters of a failed setting's ``repr`` kept in a failure report.
SETTING_REPR = 200


@dataclass(frozen=True)
class ChunkFailure:
    """One chunk that raised.

    Attributes
    ----------
    chunk : int
        The chunk's position (0-based).
    indices : tuple of int
        Positions, in the sweep, of the chunk's settings.
    settings : tuple of str
        ``repr`` of each of those settings (shortened to :data:`SETTING_REPR` characters).
    error : str
        ``"ExceptionType: message"``.
    traceback : str
        The traceback, as the worker saw it.
    """

    chunk: int
    indices: tuple
    settings: tuple
    error: str
    traceback: str


@dataclass(frozen=True)
class SweepResult:
    """The values of a sweep in the settings' order, and what failed.

    Attributes
    ----------
    values : ndarray or tuple
        One value per setting, in order: an array (chunks' arrays concatenated along axis 0) when every chunk
        returned an array, else a tuple.  A failed chunk's settings hold ``None`` (tuple) -- with ``strict``
        (the default) a failure raises instead.
    failures : tuple of ChunkFailure
        The chunks that raised, in chunk order (empty when all succeeded).
    executor : str
        Where it ran: ``"serial"``, ``"processes(N)"`` or ``"dask(ADDRESS)"``.
    chunks : int
        Number of chunks.
    chunk_size : int
        Settings per chunk (the last may be smaller).
    """

    values: Any
    failures: tuple
    executor: str
    chunks: int
    chunk_size: int

    @property
    def ok(self) -> bool:
        """True when no chunk failed."""
        return not self.failures


class SweepError(RuntimeError):
    """Some chunks of a sweep raised; ``result`` keeps every value that was computed.

    The message names each failed chunk's settings (their positions and values) and its error.
    """

    def __init__(self, result: SweepResult):
        self.result = result
        lines = [f"{len(result.failures)} of {result.chunks} chunks of the sweep failed "
                 f"(the other values are kept in this error's .result):"]
        for failure in result.failures[:5]:
            shown = ", ".join(failure.settings[:3]) + (", ..." if len(failure.settings) > 3 else "")
            lines.append(f"  chunk {failure.chunk} (settings {failure.indices[0]}..{failure.indices[-1]}: {shown}): "
                         f"{failure.error}")
        if len(result.failures) > 5:
            lines.append(f"  ... and {len(result.failures) - 5} more")
        super().__init__("\n".join(lines))


def setting_seeds(seed: int | None, count: int) -> list:
    """One seed per setting of a sweep, keyed by the setting's position only.

    Parameters
    ----------
    seed : int >= 0 or None
        The sweep's seed; None gives ``None`` for every setting (a sweep that draws nothing).
    count : int
        Number of settings.

    Returns
    -------
    list of numpy.random.SeedSequence (or of None)
        ``SeedSequence(seed).spawn(count)``: the ``i``-th is ``SeedSequence(seed, spawn_key=(i,))``, the same
        however the sweep is chunked or where it runs.

    Examples
    --------
    >>> a, b = setting_seeds(7, 3), setting_seeds(7, 5)
    >>> [s.generate_state(1)[0] for s in a] == [s.generate_state(1)[0] for s in b[:3]]
    True
    """
    if seed is None:
        return [None] * count
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0 or None, got {seed!r}")
    return np.random.SeedSequence(int(seed)).spawn(count)


def chunk_bounds(count: int, chunk_size: int) -> list:
    """``[(start, stop), ...]`` cutting ``range(count)`` into consecutive chunks of ``chunk_size`` (the last smaller).

    Examples
    --------
    >>> chunk_bounds(5, 2)
    [(0, 2), (2, 4), (4, 5)]
    """
    return [(start, min(start + chunk_size, count)) for start in range(0, count, chunk_size)]


def _take(settings, start: int, stop: int):
    return settings[start:stop] if isinstance(settings, np.ndarray) else list(settings[start:stop])


def _evaluate(function: Callable, chunk, seeds: list) -> Any:
    """Run one chunk; return ``("ok", value)`` or ``("error", text, traceback)`` (never raises)."""
    try:
        return ("ok", function(chunk, seeds))
    except Exception as exc:  # a chunk's failure is reported with its settings, the others go on
        return ("error", f"{type(exc).__name__}: {exc}", traceback.format_exc())


# --------------------------------------------------------------------------- executors

class _Serial:
    name = "serial"
    workers = 1

    def run(self, function, jobs) -> Iterator:
        for position, chunk, seeds in jobs:
            yield position, _evaluate(function, chunk, seeds)


class _Processes:
    def __init__(self, workers: int):
        self.workers = workers
        self.name = f"processes({workers})"

    def run(self, function, jobs) -> Iterator:
        with concurrent.futures.ProcessPoolExecutor(max_workers=self.workers) as pool:
            futures = {pool.submit(_evaluate, function, chunk, seeds): position for position, chunk, seeds in jobs}
            try:
                for future in concurrent.futures.as_completed(futures):
                    yield futures[future], future.result()
            except BaseException:
                for future in futures:
                    future.cancel()
                raise


class _Dask:
    def __init__(self, client):
        self.client = client
        self.name = f"dask({getattr(client.scheduler, 'address', '?')})"
        self.workers = max(1, len(client.scheduler_info().get("workers", {})))

    def run(self, function, jobs) -> Iterator:
        from distributed import as_completed

        futures = {}
        for position, chunk, seeds in jobs:
            future = self.client.submit(_evaluate, function, chunk, seeds, pure=False)
            futures[future] = position
        try:
            for future in as_completed(futures):
                yield futures[future], future.result()
        except BaseException:
            self.client.cancel(list(futures))
            raise


def _resolve(spec, workers: int | None):
    """An executor object from ``sweep``'s ``executor`` argument."""
    if spec is None or spec == "serial":
        return _Serial()
    if spec == "processes":
        return _Processes(_worker_count(workers if workers is not None else os.cpu_count() or 1))
    if isinstance(spec, (_Serial, _Processes, _Dask)):
        return spec
    if type(spec).__name__ == "Client" and type(spec).__module__.startswith("distributed"):
        return _Dask(spec)
    raise TypeError(f"executor must be None, 'serial', 'processes', a dask distributed Client or the value of "
                    f"dynamics.sweep.executor(...), got {spec!r}")


def _worker_count(workers) -> int:
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be an integer in [1, {MAX_WORKERS}], got {workers!r}")
    return int(workers)


@contextlib.contextmanager
def executor(workers: int | None = None, scheduler: str | None = None):
    """The executor the command line's ``--workers`` / ``--scheduler`` ask for, open for the ``with`` block.

    Parameters
    ----------
    workers : int, optional
        Local worker processes.  Alone: a process pool of that many processes.  With ``scheduler="local"``: a
        local Dask cluster of that many single-threaded worker processes (default: the number of CPUs).
    scheduler : str, optional
        A Dask scheduler's address (``"tcp://host:8786"``): connect to it (its workers do the work;
        ``workers`` must not be given), or ``"local"`` for a local Dask cluster on the loopback interface.
        Needs the ``distributed`` extra (``pip install "learning-dynamics[distributed]"``).

    Yields
    ------
    object
        What :func:`sweep` takes as ``executor`` (None for the serial default).

    Raises
    ------
    ValueError
        ``workers`` out of range, or given with a scheduler address.
    ImportError
        A scheduler is asked for and Dask's ``distributed`` is not installed (the message says how to install it).

    Examples
    --------
    >>> with executor() as ex:
    ...     sweep(lambda chunk, seeds: [2 * c for c in chunk], [1, 2], executor=ex).values
    (2, 4)
    """
    if workers is not None:
        workers = _worker_count(workers)
    if scheduler is None:
        yield None if workers is None else _Processes(workers)
        return
    if not isinstance(scheduler, str) or not scheduler:
        raise ValueError(f"scheduler must be a Dask scheduler address such as 'tcp://host:8786' or "
                         f"{LOCAL_SCHEDULER!r}, got {scheduler!r}")
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ImportError("a Dask scheduler needs the 'distributed' extra: pip install "
                          "\"learning-dynamics[distributed]\" (or pip install \"dask[distributed]\")") from exc
    if scheduler == LOCAL_SCHEDULER:
        n = workers if workers is not None else _worker_count(os.cpu_count() or 1)
        with LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None) as cluster, Client(cluster) as client:
            yield _Dask(client)
        return
    if workers is not None:
        raise ValueError("workers must not be given with a scheduler address: the cluster's own workers do the "
                         "work (start them with dask-worker / dask-jobqueue)")
    with Client(scheduler) as client:
        yield _Dask(client)


# --------------------------------------------------------------------------- the sweep

def sweep(function: Callable, settings: Sequence | np.ndarray, *, chunk_size: int | None = None,
          executor: Any = None, workers: int | None = None, seed: int | None = None, strict: bool = True,
          quiet: bool = True, desc: str = "sweep") -> SweepResult:
    """Evaluate ``function`` on every setting, a chunk at a time, on an executor; gather the values in order.

    Parameters
    ----------
    function : callable
        ``function(chunk, seeds) -> values``: ``chunk`` is a slice of ``settings`` (rows of the array, or a
        list), ``seeds`` the list of its settings' :class:`numpy.random.SeedSequence` (or of None when ``seed``
        is None); it returns one value per setting (an array whose first axis is the chunk's, or a sequence).
        It must be pure (the result depends only on its arguments) and, for processes or Dask, picklable (a
        module-level function).
    settings : sequence or ndarray
        The settings, in the order the values are returned.
    chunk_size : int, optional
        Settings per chunk (default: the settings cut into :data:`DEFAULT_CHUNKS_PER_WORKER` chunks per worker).
    executor : None, "serial", "processes", dask Client, or the value of :func:`executor`
        Where the chunks run (default: in this process).
    workers : int, optional
        With ``executor="processes"``: the pool's size (default: the number of CPUs).
    seed : int >= 0, optional
        Seeds each setting by its position (:func:`setting_seeds`).
    strict : bool
        Raise :class:`SweepError` if a chunk failed (after every chunk ran); else return the failures.
    quiet : bool
        No progress bar (one shows on a terminal otherwise, counting settings done).
    desc : str
        The progress bar's label.

    Returns
    -------
    SweepResult

    Raises
    ------
    SweepError
        With ``strict``, when a chunk raised; its ``result`` holds every computed value.
    ValueError, TypeError
        A bad argument (named).

    Examples
    --------
    >>> def noisy(chunk, seeds):
    ...     return np.array([np.random.default_rng(s).normal() + c for c, s in zip(chunk, seeds)])
    >>> a = sweep(noisy, np.zeros(6), chunk_size=4, seed=1).values
    >>> b = sweep(noisy, np.zeros(6), chunk_size=1, seed=1).values
    >>> bool(np.array_equal(a, b))
    True
    """
    if not callable(function):
        raise TypeError(f"function must be callable, got {type(function).__name__}")
    if isinstance(settings, (str, bytes)) or not hasattr(settings, "__len__") or not hasattr(settings, "__getitem__"):
        raise TypeError(f"settings must be a sequence or an array, got {type(settings).__name__}")
    count = len(settings)
    if count == 0:
        raise ValueError("settings must not be empty")
    backend = _resolve(executor, workers)
    if chunk_size is None:
        chunk_size = max(1, math.ceil(count / (backend.workers * DEFAULT_CHUNKS_PER_WORKER)))
    elif isinstance(chunk_size, bool) or not isinstance(chunk_size, numbers.Integral) or chunk_size < 1:
        raise ValueError(f"chunk_size must be an integer >= 1, got {chunk_size!r}")
    seeds = setting_seeds(seed, count)
    bounds = chunk_bounds(count, int(chunk_size))
    jobs = ((k, _take(settings, a, b), seeds[a:b]) for k, (a, b) in enumerate(bounds))
    outcomes: dict = {}
    with progress(total=count, quiet=quiet, desc=desc, unit="setting") as bar:
        for position, outcome in backend.run(function, jobs):
            outcomes[position] = outcome
            bar.update(bounds[position][1] - bounds[position][0])
    values, failures = [], []
    for k, (a, b) in enumerate(bounds):
        outcome = outcomes[k]
        if outcome[0] == "ok":
            value = outcome[1]
            if not isinstance(value, np.ndarray):
                value = list(value)
            if len(value) != b - a:
                outcome = ("error", f"ValueError: function returned {len(value)} values for a chunk of {b - a} "
                                    "settings (one value per setting)", "")
            else:
                values.append(value)
                continue
        failures.append(ChunkFailure(k, tuple(range(a, b)),
                                     tuple(repr(s)[:SETTING_REPR] for s in _take(settings, a, b)),
                                     outcome[1], outcome[2]))
        values.append([None] * (b - a))
    if not failures and all(isinstance(v, np.ndarray) for v in values):
        gathered = np.concatenate(values, axis=0)
    else:
        gathered = tuple(item for chunk in values for item in chunk)
    result = SweepResult(gathered, tuple(failures), backend.name, len(bounds), int(chunk_size))
    if failures and strict:
        raise SweepError(result)
    return result
