"""The contract every experiment keeps, and the registry that finds them.

An experiment is one module of :mod:`dynamics.experiments` that defines a
module-level ``EXPERIMENT = Experiment(...)``: its sizes (defined once, used by
the report, the examples and the tests alike), the function that runs it, the
function that draws its figures and the function that states its claims.
Adding an experiment is adding one such module (and its test); the registry
discovers it, and ``learning-dynamics reproduce`` reports it.

Seeds: an experiment draws randomness if and only if its ``run`` takes a ``seed``
parameter, whose default is the built-in seed of the report.  ``result(size, seed=k)``
replaces that default by :func:`experiment_seed` ``(name, k)``: a seed drawn from
``numpy.random.SeedSequence`` keyed by the experiment's name, so experiments never
share a stream and the seed one gets does not depend on which others run.  A draw an
experiment cannot use is drawn again from the same stream (:func:`redraw`), never refused.

Sweeps: an experiment that evaluates many settings (a grid of initializations, learning rates, seeds,
datasets) sends them through :func:`dynamics.sweep.sweep` and its ``run`` takes ``executor``
(:attr:`Experiment.sweeps`); ``result(size, executor=...)`` runs it on a process pool or a Dask cluster.
Its result is the same on every executor (GD draws nothing; what is random is seeded per setting).

Examples
--------
>>> from dynamics.experiments import registry
>>> experiment = registry.get("phase_diagram")
>>> sorted(experiment.sizes)
['full', 'quick']
"""
from __future__ import annotations

import dataclasses
import importlib
import inspect
import pkgutil
import threading
from pathlib import Path
from dataclasses import dataclass, field
from types import MappingProxyType
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import numpy as np

__all__ = ["Experiment", "SIZES", "get", "all_experiments", "freeze", "experiment_seed", "check_seed", "redraw",
           "MAX_REDRAWS"]

#: The sizes every experiment defines: ``"quick"`` for a fast look (``reproduce --quick``, the tests, and the
#: examples' ``--size quick``) and ``"full"`` for the report (and the examples' default).
SIZES = ("quick", "full")

_T = TypeVar("_T")

#: How many times :func:`redraw` draws before giving up: a usable draw is a likely event (each experiment's
#: draws are usable for most seeds), so failing this many times in a row means the experiment is misconfigured.
MAX_REDRAWS = 100


def check_seed(seed: Any) -> int | None:
    """``seed`` itself when it is None or an int >= 0; a clear error otherwise.

    Parameters
    ----------
    seed : int or None

    Returns
    -------
    int or None

    Raises
    ------
    TypeError
        ``seed`` is not an int (a bool or a float is refused).
    ValueError
        ``seed`` is negative.

    Examples
    --------
    >>> check_seed(3), check_seed(None)
    (3, None)
    """
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int >= 0 or None, got {seed!r} ({type(seed).__name__})")
    if seed < 0:
        raise ValueError(f"seed must be an int >= 0 or None, got {seed}")
    return int(seed)


def experiment_seed(name: str, seed: int) -> int:
    """The seed the experiment ``name`` runs with when the report is seeded with ``seed``.

    Drawn from ``numpy.random.SeedSequence`` with the entropy ``seed`` and the experiment's
    name (its UTF-8 bytes): the same for the same pair on every machine and in every selection
    of experiments, and unrelated between experiments.

    Parameters
    ----------
    name : str
        The experiment's name.
    seed : int
        The report's seed, >= 0.

    Returns
    -------
    int
        A 64-bit seed for the experiment's ``run(seed=...)``.

    Examples
    --------
    >>> experiment_seed("hinge", 1) == experiment_seed("hinge", 1) != experiment_seed("sigmoidal", 1)
    True
    """
    seed = check_seed(seed)
    if seed is None:
        raise TypeError("seed must be an int >= 0, got None")
    sequence = np.random.SeedSequence([seed, *name.encode("utf-8")])
    return int(sequence.generate_state(1, dtype=np.uint64)[0])


def redraw(draw: Callable[[], _T], usable: Callable[[_T], bool], *, what: str) -> _T:
    """Call ``draw()`` until ``usable`` accepts its value (at most :data:`MAX_REDRAWS` times).

    ``draw`` takes from one seeded stream, so the draw that is kept depends on the seed only:
    a seed whose first draw is usable gives exactly that draw.

    Parameters
    ----------
    draw : callable
        Makes one random draw (from a generator it closes over).
    usable : callable
        True for a draw the experiment can use.
    what : str
        What is drawn and what it needs, for the error message.

    Returns
    -------
    object
        The first usable draw.

    Raises
    ------
    RuntimeError
        No usable draw in :data:`MAX_REDRAWS` attempts.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> float(redraw(rng.random, lambda x: x > 0.5, what="a number above 1/2")) > 0.5
    True
    """
    for _ in range(MAX_REDRAWS):
        value = draw()
        if usable(value):
            return value
    raise RuntimeError(f"no usable draw of {what} in {MAX_REDRAWS} attempts")


def freeze(value: _T) -> _T:
    """Make the numpy arrays inside a result read-only (in dataclasses, tuples, lists and dicts), in place.

    A frozen dataclass cannot be re-bound, but its arrays could still be written;
    results handed out from the registry's cache are shared, so they are made
    read-only.

    Parameters
    ----------
    value : object
        A numpy array, a dataclass instance, a tuple, list or dict (searched
        recursively); anything else is left alone.

    Returns
    -------
    object
        ``value`` itself, its arrays now read-only.

    Examples
    --------
    >>> frozen = freeze({"a": np.zeros(2)})
    >>> frozen["a"].flags.writeable
    False
    """
    if isinstance(value, np.ndarray):
        value.flags.writeable = False
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            freeze(getattr(value, f.name))
    elif isinstance(value, (tuple, list)):
        for item in value:
            freeze(item)
    elif isinstance(value, dict):
        for item in value.values():
            freeze(item)
    return value


@dataclass(frozen=True)
class Experiment:
    """One phenomenon of the paper: how to run it, draw it and judge it.

    Attributes
    ----------
    name : str
        Identifier (the module's name), for :func:`get`.
    title : str
        What it shows, with the paper's section, for reports and progress bars.
    order : int
        Position in the report (smaller first).
    sizes : mapping
        ``{"quick": {...}, "full": {...}}``: the keyword arguments of ``run`` at each size.
    run : callable
        ``run(**sizes[size]) -> result``: a frozen dataclass of theory, measurements and parameters.
        A ``run`` that draws randomness takes ``seed`` (see :attr:`seeded`).
    figures : callable
        ``figures(result) -> {stem: matplotlib.figure.Figure}``; drawn without pyplot, so
        no backend is selected and nothing global changes.  Saving is the report's step.
    claims : callable
        ``claims(result) -> list[ClaimRecord]``: what the paper claims, judged on this result.
    """

    name: str
    title: str
    order: int
    sizes: Mapping[str, Mapping[str, Any]]
    run: Callable[..., Any]
    figures: Callable[[Any], dict]
    claims: Callable[[Any], list]
    _cache: dict = field(default_factory=dict, repr=False, compare=False)
    _lock: Any = field(default_factory=threading.Lock, repr=False, compare=False)

    def __post_init__(self):
        missing = [s for s in SIZES if s not in self.sizes]
        if missing:
            raise ValueError(f"experiment {self.name!r} defines no size {missing[0]!r}; every experiment defines "
                             f"{', '.join(map(repr, SIZES))}")
        object.__setattr__(self, "sizes", MappingProxyType({k: MappingProxyType(dict(v))
                                                            for k, v in self.sizes.items()}))
        _check_sizes_against_run(self.name, self.sizes, self.run)

    @property
    def seeded(self) -> bool:
        """True when the experiment draws randomness: its ``run`` takes a ``seed``."""
        return "seed" in inspect.signature(self.run).parameters

    def run_seed(self, seed: int | None) -> int | None:
        """The ``seed`` passed to ``run`` when the report is seeded with ``seed``.

        Parameters
        ----------
        seed : int or None
            The report's seed; None keeps the built-in one.

        Returns
        -------
        int or None
            None (the built-in seed, or an experiment that draws nothing), else
            :func:`experiment_seed` ``(name, seed)``.
        """
        seed = check_seed(seed)
        return None if seed is None or not self.seeded else experiment_seed(self.name, seed)

    @property
    def sweeps(self) -> bool:
        """True when the experiment sweeps through :func:`dynamics.sweep.sweep`: its ``run`` takes ``executor``."""
        return "executor" in inspect.signature(self.run).parameters

    def result(self, size: str = "full", seed: int | None = None, executor: Any = None) -> Any:
        """The result at ``size`` (``"quick"`` or ``"full"``), computed once per (size, seed) and shared (read-only).

        Every experiment is seeded, so the shared result is the one a fresh run
        would give; call :attr:`run` directly for other parameters.

        Parameters
        ----------
        size : {"quick", "full"}
            Which of :attr:`sizes` to run at.
        seed : int >= 0, optional
            None: the built-in seed.  An int: the run's randomness is drawn from
            :meth:`run_seed` ``(seed)`` (an experiment that draws nothing gives its one result).
        executor : optional
            Where a sweeping experiment's sweeps run (anything :func:`dynamics.sweep.sweep` takes; default in
            this process), passed to ``run`` when it takes ``executor`` (:attr:`sweeps`).  The result does not
            depend on it, so it is not part of the cache's key.

        Returns
        -------
        object
            The frozen result of ``run(**sizes[size])``, its arrays read-only (:func:`freeze`).

        Raises
        ------
        ValueError
            If ``size`` is not one of :attr:`sizes`, or ``seed`` is negative.
        TypeError
            If ``seed`` is not an int.
        """
        if size not in self.sizes:
            raise ValueError(f"size={size!r} is not valid; choose one of {', '.join(map(repr, self.sizes))}")
        run_seed = self.run_seed(seed)
        key = (size, run_seed)
        with self._lock:
            if key not in self._cache:
                extra = {} if run_seed is None else {"seed": run_seed}
                if executor is not None and self.sweeps:
                    extra["executor"] = executor
                self._cache[key] = freeze(self.run(**self.sizes[size], **extra))
            return self._cache[key]


def _same(a: Any, b: Any) -> bool:
    try:
        return bool(a == b)
    except (ValueError, TypeError):  # arrays compare elementwise
        return bool(np.array_equal(a, b))


def _check_sizes_against_run(name: str, sizes: Mapping[str, Mapping[str, Any]], run: Callable[..., Any]) -> None:
    """Sizes are defined once: every size's keys are parameters of ``run``, and a default ``run`` gives a
    parameter of the ``"full"`` size is that size's value (so ``run()`` is the report's run, never a copy
    that drifts)."""
    parameters = inspect.signature(run).parameters
    if any("seed" in values for values in sizes.values()):
        raise ValueError(f"experiment {name!r}: a size sets 'seed'; the seed is the run's default or "
                         "Experiment.result(seed=...), never a size")
    takes_any = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values())
    for size, values in sizes.items():
        for key in values:
            if key not in parameters and not takes_any:
                raise ValueError(f"experiment {name!r}: size {size!r} sets {key!r}, which its run does not take")
    for key, value in sizes["full"].items():
        default = parameters[key].default if key in parameters else inspect.Parameter.empty
        if default is not inspect.Parameter.empty and not _same(default, value):
            raise ValueError(f"experiment {name!r}: run's default {key}={default!r} is not its 'full' size "
                             f"{value!r}; define the size once, in SIZES (use the value or no default)")


_REGISTRY: dict = {}


def all_experiments() -> tuple[Experiment, ...]:
    """Every experiment module's ``EXPERIMENT``, in report order (discovered once).

    Returns
    -------
    tuple of Experiment
        Sorted by ``order``, then by name.

    Raises
    ------
    RuntimeError
        If two experiment modules define the same name.

    Examples
    --------
    >>> all_experiments()[0].order <= all_experiments()[-1].order
    True
    """
    if not _REGISTRY:
        found = {}
        for info in pkgutil.iter_modules([str(Path(__file__).parent)]):  # the modules beside this one
            module = importlib.import_module(f"{__package__}.{info.name}")
            experiment = getattr(module, "EXPERIMENT", None)
            if isinstance(experiment, Experiment):
                if experiment.name in found:
                    raise RuntimeError(f"two experiments are named {experiment.name!r}")
                found[experiment.name] = experiment
        _REGISTRY.update(sorted(found.items(), key=lambda item: (item[1].order, item[0])))
    return tuple(_REGISTRY.values())


def get(name: str) -> Experiment:
    """The experiment called ``name``, with the valid names in the error otherwise.

    Parameters
    ----------
    name : str
        An experiment's name (its module's name, e.g. ``"sigmoidal"``).

    Returns
    -------
    Experiment
        The registered experiment.

    Raises
    ------
    ValueError
        If no experiment is named ``name``; the message lists the valid names.

    Examples
    --------
    >>> get("sigmoidal").name
    'sigmoidal'
    """
    experiments = {e.name: e for e in all_experiments()}
    if name not in experiments:
        raise ValueError(f"no experiment is named {name!r}; choose one of {', '.join(map(repr, experiments))}")
    return experiments[name]
