"""The contract every experiment keeps, and the registry that finds them.

An experiment is one module of :mod:`dynamics.experiments` that defines a
module-level ``EXPERIMENT = Experiment(...)``: its sizes (defined once, used by
the report, the examples and the tests alike), the function that runs it, the
function that draws its figures and the function that states its claims.
Adding an experiment is adding one such module (and its test); the registry
discovers it, and ``learning-dynamics reproduce`` reports it.

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

__all__ = ["Experiment", "SIZES", "get", "all_experiments", "freeze"]

#: The sizes every experiment defines: ``"quick"`` for a fast look (``reproduce --quick``, the tests, and the
#: examples' ``--size quick``) and ``"full"`` for the report (and the examples' default).
SIZES = ("quick", "full")

_T = TypeVar("_T")


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

    def result(self, size: str = "full") -> Any:
        """The result at ``size`` (``"quick"`` or ``"full"``), computed once per size and shared (read-only).

        Every experiment is seeded, so the shared result is the one a fresh run
        would give; call :attr:`run` directly for other parameters.

        Parameters
        ----------
        size : {"quick", "full"}
            Which of :attr:`sizes` to run at.

        Returns
        -------
        object
            The frozen result of ``run(**sizes[size])``, its arrays read-only (:func:`freeze`).

        Raises
        ------
        ValueError
            If ``size`` is not one of :attr:`sizes`.
        """
        if size not in self.sizes:
            raise ValueError(f"size={size!r} is not valid; choose one of {', '.join(map(repr, self.sizes))}")
        with self._lock:
            if size not in self._cache:
                self._cache[size] = freeze(self.run(**self.sizes[size]))
            return self._cache[size]


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
