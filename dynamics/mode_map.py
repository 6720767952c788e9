"""Gradient descent at a finite learning rate, exactly, on mode coordinates.

Lemma 3.1 holds step by step, so one GD step on the mean loss moves each
class's mode coordinates by ``eta`` times the derived flow at the current
state (with the class frequency in the flow): the map
``state <- state + eta * flow(state)`` from :meth:`derivations.ModeModel.discrete_map`.
Iterating it costs nothing in n or d.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from derivations.symbols import eta as eta_sym

from .compiled import compile_expr, freeze_at_margin
from .validation import as_finite_array

__all__ = ["ModeMapRun", "iterate_mode_map"]


@dataclass(frozen=True)
class ModeMapRun:
    """Records of the discrete mode map: flow times (R,), states (R, K, S), named logits (R, K)."""

    t: np.ndarray
    steps: np.ndarray
    states: np.ndarray
    logits: dict


@lru_cache(maxsize=None)
def _compiled_map(model):
    args = tuple(model.state) + tuple(model.parameters) + (eta_sym,)
    step = model.discrete_map(eta_sym)
    return tuple(compile_expr(step[s], args) for s in model.state)


def iterate_mode_map(model, initial, *, eta, steps, parameters, record_every=1) -> ModeMapRun:
    """Iterate the derived discrete GD map of ``model`` for ``steps`` steps from ``initial`` ((S,) or (K, S)).

    Examples
    --------
    >>> import derivations
    >>> run = iterate_mode_map(derivations.two_layer("hinge"), [0.1, 0.1, 0.1, -0.1], eta=0.1, steps=1,
    ...                        parameters={"n_1": 1.0, "n_2": 1.0, "p": 0.5})
    >>> run.states[-1, 0].round(6).tolist()  # y <- y + eta p n^2 z, z <- z + eta p y
    [0.105, 0.105, 0.105, -0.105]
    """
    x = as_finite_array("initial", initial)
    x = x[None] if x.ndim == 1 else x
    S = len(model.state)
    if x.shape[1] != S:
        raise ValueError(f"initial must have {S} coordinates {model.state}, got shape {x.shape}")
    K = x.shape[0]
    by_name = {str(k): v for k, v in parameters.items()}
    params = [np.broadcast_to(as_finite_array(str(s), by_name[str(s)]), (K,)) for s in model.parameters]
    fns = _compiled_map(model)
    state = [x[:, i].copy() for i in range(S)]
    rect = [model.state.index(s) for s in model.rectified]
    recs, rec_steps = [], []
    for step in range(steps + 1):
        if step % record_every == 0 or step == steps:
            rec_steps.append(step)
            recs.append(np.stack(state, axis=-1))
        if step == steps:
            break
        eff = list(state)
        for r in rect:
            eff[r] = np.maximum(state[r], 0.0)
        new = [np.broadcast_to(f(*eff, *params, eta), (K,)).astype(float) for f in fns]
        moves = freeze_at_margin(model, np.stack(new) - np.stack(state), eff, params)  # hinge stops at 1
        new = list(np.stack(state) + moves)
        for r in rect:  # a dead unit stays dead
            new[r] = np.where(state[r] > 0, new[r], state[r])
        state = new
    states = np.array(recs)
    args = tuple(model.state) + tuple(model.parameters)
    logits = {name: np.broadcast_to(compile_expr(expr, args)(*np.moveaxis(states, -1, 0), *params), states.shape[:2]).copy()
              for name, expr in model.logits.items()}
    rec_steps = np.array(rec_steps)
    return ModeMapRun(t=rec_steps * float(eta), steps=rec_steps, states=states, logits=logits)
