"""Gradient descent at a finite learning rate, exactly, on mode coordinates.

Lemma 3.1 holds step by step, so one GD step on the mean loss moves each
class's mode coordinates by ``eta`` times the derived flow at the current
state (with the class frequency in the flow): the map
``state <- state + eta * flow(state)`` from :meth:`derivations.ModeModel.discrete_map`.
Iterating it costs nothing in n or d.

Two events of the real network are applied between steps, as gradient
descent meets them:

* a ReLU pre-activation (a ``rectified`` coordinate) that is ``<= 0`` means
  its unit is dead on its class: it contributes 0 to the logits and gets no
  gradient, so it stays where it is (a large step can jump it below 0);
* for a loss that stops at a margin (the hinge), a logit whose signed margin
  ``s u`` has reached ``model.loss.stop_margin`` gets no gradient.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping

import numpy as np
from numpy.typing import ArrayLike

from derivations import ModeModel, Named
from derivations.symbols import eta as eta_sym

from .compiled import MODEL_CACHE_SIZE, compile_expr, freeze_at_margin, margin_groups
from ..validation import as_finite_array, require_positive

__all__ = ["ModeMapRun", "iterate_mode_map", "MAX_STEPS"]

#: Most steps one call iterates (each step costs a few vectorised numpy calls on K modes).
MAX_STEPS = 10_000_000


@dataclass(frozen=True)
class ModeMapRun:
    """Records of the discrete mode map.

    Attributes
    ----------
    t : ndarray (R,)
        Flow time ``eta * step`` of each record.
    steps : ndarray (R,)
        Step number of each record.
    states : ndarray (R, K, S)
        Mode coordinates: the exact values of the real network (a dead unit
        keeps its negative pre-activation).
    logits : Named[str, ndarray (R, K)]
        Each logit by identifier (``"class_1"``), with dead units
        contributing 0 (ReLU applied).
    death_steps : Mapping[str, ndarray (K,)]
        For each rectified coordinate, the first step at which its
        pre-activation is ``<= 0`` (its unit is dead from then on); NaN if never.
    """

    t: np.ndarray
    steps: np.ndarray
    states: np.ndarray
    logits: dict
    death_steps: Mapping

    @property
    def death_times(self) -> Mapping:
        """:attr:`death_steps` in flow time (``eta * step``)."""
        eta = self.t[-1] / self.steps[-1]  # steps >= 1, so the last record is a step
        return MappingProxyType({name: steps * eta for name, steps in self.death_steps.items()})


@lru_cache(maxsize=MODEL_CACHE_SIZE)  # models compare by value: equal specialisations share an entry
def _compiled_map(model: ModeModel) -> tuple:
    args = tuple(model.state) + tuple(model.parameters) + (eta_sym,)
    step = model.discrete_map(eta_sym)
    return tuple(compile_expr(step[s], args) for s in model.state)


def _count(name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if not minimum <= value <= MAX_STEPS:
        raise ValueError(f"{name} must lie in [{minimum}, {MAX_STEPS}], got {value}")
    return int(value)


def _parameters(model: ModeModel, parameters: Mapping, K: int) -> list:
    if not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a mapping from parameter name to value, got {type(parameters).__name__}")
    by_name = {str(k): v for k, v in parameters.items()}
    known = [str(s) for s in model.parameters]
    unknown = sorted(set(by_name) - set(known))
    if unknown:
        raise ValueError(f"parameters {unknown} are not parameters of {model.name}; it has {known}")
    values = []
    for sym in model.parameters:
        label = f"parameters['{sym}']"
        if str(sym) not in by_name:
            raise ValueError(f"parameter {sym} of {model.name} is missing; pass parameters={{'{sym}': value}}")
        arr = require_positive(label, by_name[str(sym)])
        if sym in model.fractions and np.any(arr > 1):
            raise ValueError(f"{label} is a frequency or share and must lie in (0, 1], got {float(arr.max())!r}")
        if arr.ndim > 1 or arr.size not in (1, K):
            raise ValueError(f"{label} must be a scalar or have one value per mode ({K}), got shape {arr.shape}")
        values.append(np.broadcast_to(arr, (K,)))
    return values


def iterate_mode_map(model: ModeModel, initial: ArrayLike, *, eta: float, steps: int, parameters: Mapping,
                     record_every: int = 1) -> ModeMapRun:
    """Iterate the derived discrete GD map of ``model`` for ``steps`` steps.

    Parameters
    ----------
    model : derivations.ModeModel
    initial : array_like, shape (S,) or (K, S)
        Initial mode coordinates in the order of ``model.state``.
    eta : float
        Learning rate, finite and > 0.
    steps : int
        Number of steps, in [1, MAX_STEPS].
    parameters : Mapping
        Value (scalar or shape (K,)) of every symbol in ``model.parameters``, by
        name: > 0, and in (0, 1] for frequencies and shares.
    record_every : int
        Record every ``record_every`` steps (the last step is always recorded).

    Returns
    -------
    ModeMapRun

    Raises
    ------
    TypeError
        ``model`` is not a ModeModel, ``steps``/``record_every`` not integers.
    ValueError
        Bad ``eta``, shapes or parameters; the map overflowing float64 (``eta``
        too large: gradient descent diverges); a margin stop on coordinates
        shared by several logits (not exact).

    Examples
    --------
    >>> import derivations
    >>> run = iterate_mode_map(derivations.two_layer("hinge"), [0.1, 0.1, 0.1, -0.1], eta=0.1, steps=1,
    ...                        parameters={"n_1": 1.0, "n_2": 1.0, "p": 0.5})
    >>> run.states[-1, 0].round(6).tolist()  # y <- y + eta p n^2 z, z <- z + eta p y
    [0.105, 0.105, 0.105, -0.105]
    """
    import derivations

    if not isinstance(model, derivations.ModeModel):
        raise TypeError(f"model must be a derivations.ModeModel (e.g. derivations.two_layer()), "
                        f"got {type(model).__name__}")
    eta = float(require_positive("eta", eta))
    steps = _count("steps", steps, 1)
    record_every = _count("record_every", record_every, 1)
    x = as_finite_array("initial", initial)
    x = x[None] if x.ndim == 1 else x
    S = len(model.state)
    if x.ndim != 2 or x.shape[1] != S:
        raise ValueError(f"initial must have shape ({S},) or (K, {S}) for state {model.state}, got {np.shape(initial)}")
    K = x.shape[0]
    params = _parameters(model, parameters, K)
    fns = _compiled_map(model)
    state = x.T.copy()  # (S, K)
    rect = [model.state.index(s) for s in model.rectified]
    names = {r: str(model.state[r]) for r in rect}
    deaths = {names[r]: np.where(state[r] <= 0, 0.0, np.nan) for r in rect}
    recs, rec_steps = [], []
    for step in range(steps + 1):
        if step % record_every == 0 or step == steps:
            rec_steps.append(step)
            recs.append(state.T.copy())
        if step == steps:
            break
        eff = state.copy()
        eff[rect] = np.maximum(state[rect], 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            new = np.stack([np.broadcast_to(f(*eff, *params, eta), (K,)) for f in fns]).astype(float)
        moves, inexact = freeze_at_margin(model, new - state, eff, params)  # no gradient beyond the margin
        if inexact.any():
            shared = [g.name for g in margin_groups(model) if g.shared]
            raise ValueError(f"at step {step}, modes {np.flatnonzero(inexact).tolist()} reached the margin on a logit "
                             f"that shares coordinates with another ({', '.join(map(repr, shared))} in {model.name}); "
                             "the mode map cannot apply that stop exactly")
        for r in rect:  # a dead unit gets no gradient: it stays where it is
            moves[r] = np.where(state[r] > 0, moves[r], 0.0)
        with np.errstate(over="ignore", invalid="ignore"):
            state = state + moves
        if not np.all(np.isfinite(state)):
            raise ValueError(f"eta={eta!r} is too large: the map overflowed float64 at step {step + 1} "
                             "(gradient descent diverges); use a smaller eta")
        for r in rect:
            name = names[r]
            deaths[name] = np.where(np.isnan(deaths[name]) & (state[r] <= 0), step + 1, deaths[name])
    states = np.array(recs)
    args = tuple(model.state) + tuple(model.parameters)
    alive = np.moveaxis(states, -1, 0).copy()
    alive[rect] = np.maximum(alive[rect], 0.0)  # ReLU: a dead unit contributes 0 to every logit
    logits = {}
    with np.errstate(over="ignore", invalid="ignore"):
        for name, expr in model.logits.items():
            value = compile_expr(expr, args)(*alive, *params) + 0.0  # + 0.0: a dead unit's -0.0 reads as 0
            logits[name] = np.broadcast_to(value, states.shape[:2]).copy()
            if not np.all(np.isfinite(logits[name])):
                raise ValueError(f"eta={eta!r}: logit {name!r} overflowed float64 (gradient descent diverges); "
                                 "use a smaller eta")
    rec_steps = np.array(rec_steps)
    labels = model.logits.labels
    return ModeMapRun(t=rec_steps * eta, steps=rec_steps, states=states,
                      logits=Named("logit", ((k, labels[k], v) for k, v in logits.items())),
                      death_steps=MappingProxyType(deaths))
