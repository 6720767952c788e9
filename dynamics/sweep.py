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

:func:`executor` turns the command line's ``--workers N`` / ``--scheduler ADDRESS`` into one of these, open
for a ``with`` block (one process pool or one Dask connection shared by every sweep inside it).

Determinism.  Setting ``i`` of a sweep is given its own seed, ``SeedSequence(seed).spawn(len(settings))[i]``,
keyed by its position in the sweep and by nothing else (stronger than one seed per chunk); a chunk receives
its settings' seeds.  The results are therefore identical whatever the executor, the number of workers and
the chunk size, as long as the function draws setting ``i``'s randomness from seed ``i`` only (e.g. one
``numpy.random.default_rng`` per setting).

Failures.  A chunk that raises, or whose worker process dies (``os._exit``, a crash, running out of memory),
does not stop the others: every chunk is evaluated, then the failures are reported with the settings that
failed (:class:`SweepError`, whose ``result`` keeps every value that was computed), or returned in
:attr:`SweepResult.failures` with ``strict=False``.  Ctrl-C cancels the chunks not started and ends the
local worker processes before the ``KeyboardInterrupt`` goes on.

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
import pickle
import signal
import sys
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence, Set
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

import numpy as np

from .progress import interactive, progress

__all__ = ["sweep", "executor", "setting_seeds", "chunk_bounds", "SweepResult", "ChunkFailure", "SweepError",
           "DEFAULT_CHUNKS_PER_WORKER", "LOCAL_SCHEDULER", "MAX_WORKERS", "SETTING_REPR", "CONNECT_TIMEOUT",
           "IN_FLIGHT_PER_WORKER"]

#: Chunks per worker when ``chunk_size`` is not given: several, so that a slow chunk does not idle the others
#: and the progress bar moves, few enough that the cost of sending a chunk stays small against evaluating it.
DEFAULT_CHUNKS_PER_WORKER = 4
#: The ``scheduler`` value that asks for a local Dask cluster instead of an existing scheduler's address.
LOCAL_SCHEDULER = "local"
#: Most local worker processes :func:`executor` starts (a guard against a typo such as ``--workers 2000``).
MAX_WORKERS = 256
#: Characters of a failed setting's ``repr`` kept in a failure report.
SETTING_REPR = 200
#: Seconds :func:`executor` waits for a Dask scheduler to answer before giving up with a ConnectionError:
#: long enough for a scheduler on a busy machine across a network, short enough that a wrong address is told.
CONNECT_TIMEOUT = 10.0
#: Chunks submitted ahead per worker: enough to keep every worker busy while results travel back, few enough
#: that a sweep of very many tiny chunks holds a bounded number of them in memory and Ctrl-C has little to cancel.
IN_FLIGHT_PER_WORKER = 4
#: Seconds between the main thread's looks at the workers while it waits (it then sees Ctrl-C promptly).
_POLL = 0.2
#: Seconds between counts of a Dask scheduler's workers during a sweep (a cluster may grow as jobs start).
_RECOUNT = 5.0
#: Seconds given to terminated local worker processes to exit before they are killed.
_TERMINATE_GRACE = 2.0
#: The Dask setting of the environment its nanny gives worker processes, for glibc's trim threshold.
_NANNY_TRIM = "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_"
#: Failed chunks named one by one in a :class:`SweepError`'s message (the rest are counted).
_SHOWN_FAILURES = 5
#: Settings named per failed chunk in a :class:`SweepError`'s message.
_SHOWN_SETTINGS = 3


@dataclass(frozen=True)
class ChunkFailure:
    """One chunk that raised (or whose worker process died).

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
        The traceback, as the worker saw it (empty when there is none, e.g. the worker process died).
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
        One value per setting, in order: an array (the chunks' arrays concatenated along axis 0) when every
        chunk succeeded and returned an array and those arrays concatenate (same trailing shape), else a
        tuple with one item per setting.  A failed chunk's settings hold ``None`` in the tuple -- with
        ``strict`` (the default) a failure raises instead.
    failures : tuple of ChunkFailure
        The chunks that failed, in chunk order (empty when all succeeded).
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
    """Some chunks of a sweep failed; ``result`` keeps every value that was computed.

    The message names each failed chunk's settings (their positions and values) and its error.
    """

    def __init__(self, result: SweepResult):
        self.result = result
        lines = [f"{len(result.failures)} of {result.chunks} chunks of the sweep failed "
                 f"(the other values are kept in this error's .result):"]
        for failure in result.failures[:_SHOWN_FAILURES]:
            shown = ", ".join(failure.settings[:_SHOWN_SETTINGS])
            if len(failure.settings) > _SHOWN_SETTINGS:
                shown += ", ..."
            lines.append(f"  chunk {failure.chunk} (settings {failure.indices[0]}..{failure.indices[-1]}: {shown}): "
                         f"{failure.error}")
        if len(result.failures) > _SHOWN_FAILURES:
            lines.append(f"  ... and {len(result.failures) - _SHOWN_FAILURES} more")
        super().__init__("\n".join(lines))


# --------------------------------------------------------------------------- seeds and chunks

def _root_seed(seed) -> np.random.SeedSequence | None:
    """``seed`` checked and made a SeedSequence (None stays None)."""
    if seed is None:
        return None
    if isinstance(seed, np.random.SeedSequence):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be an integer >= 0, a numpy.random.SeedSequence or None, got {seed!r}")
    return np.random.SeedSequence(int(seed))


def _child_seeds(root: np.random.SeedSequence | None, start: int, stop: int) -> list:
    """Seeds of settings ``start..stop-1``: the children ``root.spawn(count)[start:stop]`` would give.

    Built where the chunk runs (from the root's entropy and the settings' positions), so nothing per setting
    travels to the workers and no chunk depends on another.
    """
    if root is None:
        return [None] * (stop - start)
    return [np.random.SeedSequence(root.entropy, spawn_key=root.spawn_key + (root.n_children_spawned + i,),
                                   pool_size=root.pool_size) for i in range(start, stop)]


def setting_seeds(seed: int | np.random.SeedSequence | None, count: int) -> list:
    """One seed per setting of a sweep, keyed by the setting's position only.

    Parameters
    ----------
    seed : int >= 0, numpy.random.SeedSequence or None
        The sweep's seed; None gives ``None`` for every setting (a sweep that draws nothing).
    count : int >= 0
        Number of settings.

    Returns
    -------
    list of numpy.random.SeedSequence (or of None)
        ``SeedSequence(seed).spawn(count)``: the ``i``-th is ``SeedSequence(seed, spawn_key=(i,))``, the same
        however the sweep is chunked or where it runs.  (A SeedSequence ``seed`` is not advanced: its
        children are those its next ``spawn(count)`` would give.)

    Examples
    --------
    >>> a, b = setting_seeds(7, 3), setting_seeds(7, 5)
    >>> [s.generate_state(1)[0] for s in a] == [s.generate_state(1)[0] for s in b[:3]]
    True
    """
    if isinstance(count, bool) or not isinstance(count, numbers.Integral) or count < 0:
        raise ValueError(f"count must be an integer >= 0, got {count!r}")
    return _child_seeds(_root_seed(seed), 0, int(count))


def chunk_bounds(count: int, chunk_size: int) -> list:
    """``[(start, stop), ...]`` cutting ``range(count)`` into consecutive chunks of ``chunk_size`` (the last smaller).

    Parameters
    ----------
    count : int >= 0
        Number of settings.
    chunk_size : int >= 1
        Settings per chunk.

    Returns
    -------
    list of (int, int)
        Each chunk's first position and the position after its last.

    Examples
    --------
    >>> chunk_bounds(5, 2)
    [(0, 2), (2, 4), (4, 5)]
    """
    return [(start, min(start + chunk_size, count)) for start in range(0, count, chunk_size)]


def _take(settings, start: int, stop: int):
    return settings[start:stop] if isinstance(settings, np.ndarray) else list(settings[start:stop])


def _error(exc: BaseException, trace: str = "") -> tuple:
    return ("error", f"{type(exc).__name__}: {exc}", trace)


def _one_per_setting(value) -> bool:
    """Whether ``value`` can hold one value per setting: an array with an axis, or a sequence or iterable
    (not a string or a mapping)."""
    if isinstance(value, np.ndarray):
        return value.ndim > 0
    return not isinstance(value, (str, bytes, Mapping)) and hasattr(value, "__iter__")


def _evaluate(function: Callable, chunk, root, start: int, stop: int) -> tuple:
    """Run one chunk where it is sent; ``("ok", values)`` or ``("error", text, traceback)`` (never raises).

    ``values`` is checked here to hold one value per setting (an array, or a list made of any other sequence).
    """
    try:
        value = function(chunk, _child_seeds(root, start, stop))
    except Exception as exc:  # a chunk's failure is reported with its settings, the others go on
        return _error(exc, traceback.format_exc())
    expected = stop - start
    if not _one_per_setting(value):
        return ("error", f"TypeError: function returned a {type(value).__name__}, not one value per setting "
                         f"(an array or a sequence of length {expected})", "")
    if not isinstance(value, np.ndarray):
        value = list(value)
    if len(value) != expected:
        return ("error", f"ValueError: function returned {len(value)} values for a chunk of {expected} settings "
                         "(one value per setting)", "")
    return ("ok", value)


# --------------------------------------------------------------------------- executors

class _Serial:
    name = "serial"
    workers = 1

    def run(self, function, jobs) -> Iterator:
        for position, job in jobs:
            yield position, _evaluate(function, *job)

    def close(self) -> None:
        """Nothing to release."""


def _end_pool(pool: concurrent.futures.ProcessPoolExecutor, *, kill: bool) -> None:
    """Shut ``pool`` down; with ``kill``, cancel what has not started and end the running worker processes."""
    if not kill:
        pool.shutdown(wait=True)
        return
    # Read the pool's processes before shutdown forgets them (Python < 3.14 has no public way to end them).
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(_TERMINATE_GRACE)
        if process.is_alive():
            process.kill()
            process.join()


def _died(exc: BaseException) -> tuple:
    return ("error", f"{type(exc).__name__}: the worker process evaluating this chunk ended abruptly (os._exit, "
                     "a signal, a crash or running out of memory)", "")


def _worker_signals() -> None:
    """In a pool's worker: Ctrl-C is the main process's to handle (a terminal sends it to the whole process group,
    and each worker would print its own traceback), and SIGTERM ends the worker (not a handler it inherited)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


class _Processes:
    """A local process pool, opened on first use and kept until :meth:`close` (shared by the sweeps of a block)."""

    def __init__(self, workers: int):
        self.workers = workers
        self.name = f"processes({workers})"
        self._pool = None

    def _open(self) -> concurrent.futures.ProcessPoolExecutor:
        if self._pool is None:
            self._pool = concurrent.futures.ProcessPoolExecutor(max_workers=self.workers,
                                                                initializer=_worker_signals)
        return self._pool

    def close(self, *, kill: bool = False) -> None:
        """Shut the pool down (``kill``: without waiting for running chunks, ending their processes)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            _end_pool(pool, kill=kill)

    def run(self, function, jobs) -> Iterator:
        try:
            pickle.dumps(function)
        except Exception as exc:
            raise TypeError(f"function must be picklable to run on worker processes (a module-level function, or "
                            f"functools.partial of one; not a lambda or a nested function), got {function!r}: "
                            f"{type(exc).__name__}: {exc}") from exc
        limit = self.workers * IN_FLIGHT_PER_WORKER
        pending: dict = {}
        try:
            while True:
                for job in _take_jobs(jobs, limit - len(pending)):
                    pending[self._open().submit(_evaluate, function, *job[1])] = job
                if not pending:
                    return
                done, _ = concurrent.futures.wait(pending, timeout=_POLL,
                                                  return_when=concurrent.futures.FIRST_COMPLETED)
                suspects = []
                for future in done:
                    job = pending.pop(future)
                    exc = future.exception()
                    if isinstance(exc, BrokenProcessPool):
                        suspects.append(job)
                    else:
                        yield job[0], future.result() if exc is None else _error(exc)
                if suspects:
                    # A worker died and the pool is broken: every chunk it held fails with BrokenProcessPool.
                    # Collect them, start afresh, and run those chunks one per process to name the one that kills.
                    remaining, _ = concurrent.futures.wait(pending)
                    for future in remaining:
                        job = pending.pop(future)
                        exc = future.exception()
                        if isinstance(exc, BrokenProcessPool):
                            suspects.append(job)
                        else:
                            yield job[0], future.result() if exc is None else _error(exc)
                    self.close(kill=True)
                    yield from self._isolated(function, sorted(suspects, key=lambda item: item[0]))
        except BaseException:
            # Ctrl-C, or the caller stopped early: cancel what has not started, end the running processes.
            self.close(kill=True)
            raise

    def _isolated(self, function, jobs: list) -> Iterator:
        """Each chunk in its own one-process pool (``workers`` at a time): a death names its chunk."""
        queue, running = list(jobs), {}
        try:
            while queue or running:
                while queue and len(running) < self.workers:
                    job = queue.pop(0)
                    pool = concurrent.futures.ProcessPoolExecutor(max_workers=1)
                    running[pool.submit(_evaluate, function, *job[1])] = (job, pool)
                done, _ = concurrent.futures.wait(running, timeout=_POLL,
                                                  return_when=concurrent.futures.FIRST_COMPLETED)
                for future in done:
                    job, pool = running.pop(future)
                    exc = future.exception()
                    _end_pool(pool, kill=exc is not None)
                    if isinstance(exc, BrokenProcessPool):
                        yield job[0], _died(exc)
                    else:
                        yield job[0], future.result() if exc is None else _error(exc)
        finally:
            for _, pool in running.values():
                _end_pool(pool, kill=True)


def _take_jobs(jobs: Iterator, room: int) -> list:
    """Up to ``room`` more jobs from ``jobs``."""
    taken = []
    for _ in range(max(0, room)):
        job = next(jobs, None)
        if job is None:
            break
        taken.append(job)
    return taken


class _Dask:
    """Chunks submitted to a Dask ``distributed.Client``: Dask's scheduler places them on its workers."""

    def __init__(self, client):
        self.client = client
        self.name = f"dask({getattr(client.scheduler, 'address', '?')})"
        # Workers now (a cluster that scales up later gets the default chunking of those present; give
        # chunk_size for it).  None yet: chunk as for one, the chunks wait for workers to join.
        self.present = self._present()
        self.workers = max(1, self.present)
        self.dashboard = getattr(client, "dashboard_link", None) if _has_dashboard(client) else None

    def _present(self) -> int:
        """Workers the scheduler has now (one round trip to it)."""
        return len(self.client.nthreads())

    def run(self, function, jobs) -> Iterator:
        from distributed import as_completed

        counted = [time.monotonic(), self.workers]

        def limit():  # workers that join during the sweep get chunks too (counted again now and then)
            if time.monotonic() - counted[0] > _RECOUNT:
                counted[:] = [time.monotonic(), max(1, self._present())]
            return counted[1] * IN_FLIGHT_PER_WORKER

        pending: dict = {}
        completed = as_completed()

        def submit(room):
            for job in _take_jobs(jobs, room):
                future = self.client.submit(_evaluate, function, *job[1], pure=False)
                pending[future] = job
                completed.add(future)

        try:
            submit(limit())
            for future in completed:
                job = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:  # e.g. KilledWorker: the chunk's worker died too often
                    outcome = _error(exc)
                future.release()
                yield job[0], outcome
                submit(limit() - len(pending))
        except BaseException:
            self.client.cancel(list(pending))
            raise

    def close(self) -> None:
        """The client is the caller's (or :func:`executor`'s) to close."""


def _has_dashboard(client) -> bool:
    try:
        return bool(client.scheduler_info().get("services", {}).get("dashboard"))
    except Exception:  # an informational link only: never fail a sweep over it
        return False


def _is_dask_client(spec) -> bool:
    return any(cls.__name__ == "Client" and cls.__module__.startswith("distributed") for cls in type(spec).__mro__)


def _local_cpus() -> int:
    """The default number of local workers: this machine's CPUs, at most :data:`MAX_WORKERS`."""
    return min(os.cpu_count() or 1, MAX_WORKERS)


def _worker_count(workers) -> int:
    if isinstance(workers, str):
        raise ValueError(f"workers must be an integer in [1, {MAX_WORKERS}], got the string {workers!r} "
                         "(a Dask scheduler's address goes in scheduler=...)")
    if isinstance(workers, bool) or not isinstance(workers, numbers.Integral) or not 1 <= workers <= MAX_WORKERS:
        raise ValueError(f"workers must be an integer in [1, {MAX_WORKERS}], got {workers!r}")
    return int(workers)


@contextlib.contextmanager
def _opened(spec, workers):
    """The executor object for ``sweep``'s ``executor`` argument, open for the sweep (closed after, if opened here)."""
    if isinstance(spec, str) and spec not in ("serial", "processes"):
        if spec != LOCAL_SCHEDULER and "://" not in spec:
            raise ValueError(f"executor must be None, 'serial', 'processes', {LOCAL_SCHEDULER!r}, a Dask scheduler "
                             f"address such as 'tcp://host:8786', a dask distributed Client or the value of "
                             f"dynamics.sweep.executor(...), got {spec!r}")
        with executor(workers=workers, scheduler=spec) as opened:
            yield opened
        return
    if workers is not None and spec != "processes":
        raise ValueError(f"workers is used only with executor='processes' or {LOCAL_SCHEDULER!r}, got "
                         f"workers={workers!r} with executor={spec!r}")
    if spec is None or spec == "serial":
        yield _Serial()
    elif spec == "processes":
        pool = _Processes(_worker_count(workers if workers is not None else _local_cpus()))
        try:
            yield pool
        finally:
            pool.close()
    elif isinstance(spec, (_Serial, _Processes, _Dask)):
        yield spec
    elif _is_dask_client(spec):
        yield _Dask(spec)
    else:
        raise TypeError(f"executor must be None, 'serial', 'processes', {LOCAL_SCHEDULER!r}, a Dask scheduler address, "
                        f"a dask distributed Client or the value of dynamics.sweep.executor(...), got {spec!r}")


@contextlib.contextmanager
def executor(workers: int | None = None, scheduler: str | None = None, *,
             timeout: float = CONNECT_TIMEOUT) -> Iterator[Any]:
    """The executor the command line's ``--workers`` / ``--scheduler`` ask for, open for the ``with`` block.

    Parameters
    ----------
    workers : int in [1, MAX_WORKERS], optional
        Local worker processes.  Alone: a process pool of that many processes, started on first use and shared
        by every sweep in the block.  With ``scheduler="local"``: a local Dask cluster of that many
        single-threaded worker processes (default: the number of CPUs).
    scheduler : str, optional
        A Dask scheduler's address (``"tcp://host:8786"``): connect to it (its workers do the work;
        ``workers`` must not be given), or ``"local"`` for a local Dask cluster on the loopback interface.
        Needs the ``distributed`` extra (``pip install "learning-dynamics[distributed]"``).
    timeout : float > 0
        Seconds to wait for the scheduler at ``scheduler``'s address to answer.

    Returns
    -------
    context manager
        Its ``with`` block receives what :func:`sweep` takes as ``executor`` (None for the serial default); on
        leaving the block the pool, local cluster or connection is closed (on Ctrl-C, local workers are ended).

    Raises
    ------
    ValueError
        ``workers`` out of range or given with a scheduler address, a malformed address or ``timeout``.
    ConnectionError
        No scheduler answered at the address within ``timeout`` seconds.
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
        if workers is None:
            yield None
            return
        pool = _Processes(workers)
        try:
            yield pool
        except BaseException:
            pool.close(kill=True)
            raise
        pool.close()
        return
    if not isinstance(scheduler, str) or not scheduler.strip():
        raise ValueError(f"scheduler must be a Dask scheduler address such as 'tcp://host:8786' or "
                         f"{LOCAL_SCHEDULER!r}, got {scheduler!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, numbers.Real) or not 0 < timeout < math.inf:
        raise ValueError(f"timeout must be a number of seconds > 0, got {timeout!r}")
    try:
        from distributed import Client, LocalCluster
    except ImportError as exc:
        raise ImportError("a Dask scheduler needs the 'distributed' extra: from the source folder, pip install "
                          "\".[distributed]\" (or pip install \"dask[distributed]\")") from exc
    if scheduler == LOCAL_SCHEDULER:
        import dask

        n = workers if workers is not None else _local_cpus()
        # Dask's nanny sets MALLOC_TRIM_THRESHOLD_ in its workers, which stops glibc from raising its mmap
        # threshold: every array above 128 kB is then mapped and unmapped again, and a chunk of vectorised
        # gradient descent ran 10-20 times slower than in this process.  The local workers keep glibc's default.
        with dask.config.set({_NANNY_TRIM: None}):
            # dashboard on a free port: a fixed one (8787) may be taken by another cluster on the machine
            cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1",
                                   dashboard_address="127.0.0.1:0")
        with cluster, Client(cluster) as client:
            yield _Dask(client)
        return
    if workers is not None:
        raise ValueError(f"workers must not be given with a scheduler address (got workers={workers} and "
                         f"scheduler={scheduler!r}): the cluster's own workers do the work (start them with "
                         "`dask worker ADDRESS` or dask-jobqueue)")
    try:
        client = Client(scheduler, timeout=timeout)
    except ValueError as exc:
        raise ValueError(f"scheduler must be a Dask scheduler address such as 'tcp://host:8786', got "
                         f"{scheduler!r}: {exc}") from exc
    except OSError as exc:  # Dask's connection timeout is an OSError
        raise ConnectionError(f"no Dask scheduler answered at {scheduler!r} within {timeout:g} s: start one there "
                              f"(`dask scheduler`) or check the host and port ({exc})") from exc
    with client:
        yield _Dask(client)


# --------------------------------------------------------------------------- the sweep

def _check_settings(settings) -> int:
    if isinstance(settings, np.ndarray):
        if settings.ndim == 0:
            raise TypeError("settings must be a sequence or an array with at least one axis, got a 0-d array")
    elif isinstance(settings, (str, bytes, Mapping, Set)) or not (hasattr(settings, "__len__")
                                                                  and hasattr(settings, "__getitem__")):
        raise TypeError(f"settings must be a sequence (list, tuple, range) or an array, got {type(settings).__name__}")
    count = len(settings)
    if count == 0:
        raise ValueError("settings must not be empty, got 0 settings")
    return count


def sweep(function: Callable, settings: Sequence | np.ndarray, *, chunk_size: int | None = None,
          executor: Any = None, workers: int | None = None, seed: int | np.random.SeedSequence | None = None,
          strict: bool = True, quiet: bool = True, desc: str = "sweep") -> SweepResult:
    """Evaluate ``function`` on every setting, a chunk at a time, on an executor; gather the values in order.

    Parameters
    ----------
    function : callable
        ``function(chunk, seeds) -> values``: ``chunk`` is a slice of ``settings`` (rows of the array, or a
        list), ``seeds`` the list of its settings' :class:`numpy.random.SeedSequence` (or of None when ``seed``
        is None); it returns one value per setting (an array whose first axis is the chunk's, or a sequence).
        It must be pure (the result depends only on its arguments) and, for processes, picklable (a
        module-level function or ``functools.partial`` of one; Dask also takes lambdas).
    settings : sequence or ndarray
        The settings, in the order the values are returned (not empty).
    chunk_size : int >= 1, optional
        Settings per chunk (default: the settings cut into :data:`DEFAULT_CHUNKS_PER_WORKER` chunks per worker).
        It changes how the work is cut, never the values.
    executor : None, "serial", "processes", "local", a scheduler address, dask Client, or :func:`executor`'s value
        Where the chunks run (default: in this process).  ``"processes"``, ``"local"`` and an address open a
        pool / cluster / connection for this sweep only; open one with :func:`executor` to share it.
    workers : int in [1, MAX_WORKERS], optional
        With ``executor="processes"`` or ``"local"``: local worker processes (default: the number of CPUs).
    seed : int >= 0 or numpy.random.SeedSequence, optional
        Seeds each setting by its position (:func:`setting_seeds`).
    strict : bool
        Raise :class:`SweepError` if a chunk failed (after every chunk ran); else return the failures.
    quiet : bool
        No progress bar (otherwise one shows on an interactive terminal, counting settings done, and a Dask
        scheduler's dashboard link is printed when it has one; nothing shows when piped or under CI).
    desc : str
        The progress bar's label.

    Returns
    -------
    SweepResult

    Raises
    ------
    SweepError
        With ``strict``, when a chunk failed; its ``result`` holds every computed value.
    ValueError, TypeError
        A bad argument (named), or a function that cannot be sent to worker processes.
    KeyboardInterrupt
        Ctrl-C: the chunks not started are cancelled and local worker processes ended first (on Dask, the
        chunks are cancelled; one already running on a worker ends there and its value is dropped).

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
    count = _check_settings(settings)
    if chunk_size is not None and (isinstance(chunk_size, bool) or not isinstance(chunk_size, numbers.Integral)
                                   or chunk_size < 1):
        raise ValueError(f"chunk_size must be an integer >= 1 (settings per chunk) or None, got {chunk_size!r}")
    for name, flag in (("strict", strict), ("quiet", quiet)):
        if not isinstance(flag, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {flag!r}")
    root = _root_seed(seed)
    with _opened(executor, workers) as backend:
        if chunk_size is None:
            chunk_size = max(1, math.ceil(count / (backend.workers * DEFAULT_CHUNKS_PER_WORKER)))
        bounds = chunk_bounds(count, int(chunk_size))
        jobs = ((k, (_take(settings, a, b), root, a, b)) for k, (a, b) in enumerate(bounds))
        outcomes: dict = {}
        show = not quiet and interactive()
        if show and getattr(backend, "dashboard", None):
            print(f"{desc}: Dask dashboard at {backend.dashboard}", file=sys.stderr)
        if show and getattr(backend, "present", None) == 0:
            print(f"{desc}: no Dask worker has joined {backend.name} yet; the chunks wait for one", file=sys.stderr)
        with progress(total=count, quiet=not show, desc=desc, unit="setting") as bar, \
                contextlib.closing(backend.run(function, iter(jobs))) as results:
            for position, outcome in results:
                outcomes[position] = outcome
                bar.update(bounds[position][1] - bounds[position][0])
    return _gather(settings, bounds, outcomes, backend.name, int(chunk_size), strict)


def _gather(settings, bounds: list, outcomes: dict, name: str, chunk_size: int, strict: bool) -> SweepResult:
    values, failures = [], []
    for k, (a, b) in enumerate(bounds):
        outcome = outcomes[k]
        if outcome[0] == "ok":
            values.append(outcome[1])
            continue
        failures.append(ChunkFailure(k, tuple(range(a, b)),
                                     tuple(repr(s)[:SETTING_REPR] for s in _take(settings, a, b)),
                                     outcome[1], outcome[2]))
        values.append([None] * (b - a))
    gathered = None
    if not failures and all(isinstance(v, np.ndarray) for v in values):
        with contextlib.suppress(ValueError):  # chunks' trailing shapes differ: one item per setting instead
            gathered = np.concatenate(values, axis=0)
    if gathered is None:
        gathered = tuple(item for chunk in values for item in chunk)
    result = SweepResult(gathered, tuple(failures), name, len(bounds), chunk_size)
    if failures and strict:
        raise SweepError(result)
    return result
