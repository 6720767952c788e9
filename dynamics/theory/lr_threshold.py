"""The largest learning rate at which gradient descent keeps the activation pattern and Lemma 3.1's signs.

The theory holds while every unit keeps its activation pattern (no ReLU dies) and
the output and hidden weights keep the signs of Lemma 3.1 (hypothesis H3, the
orthant of :func:`derivations.step_bounds.lemma_signs`).  One gradient-descent step
keeps the sign of a coordinate ``s`` iff ``eta < b_s = -s / f_s`` where
``s f_s < 0`` (:func:`derivations.step_bounds.step_bounds`).  From an
initialization, the learning rates that keep the constrained signs for a whole
run of ``steps`` steps are found on the exact discrete map (the derived
``s + eta f_s``, iterated as gradient descent meets it, hinge margin included):

1. the bracket: just above the first-step bound ``min_s b_s`` over the
   coordinates that the first step pushes towards 0 (above it the first step
   breaks); when no coordinate is pushed towards 0 and the orthant is proven
   invariant (non-negative drive), the threshold is infinite; otherwise (or if
   the first-step bracket does not break, rounding) it is doubled until a
   learning rate breaks, at most :data:`MAX_DOUBLINGS` times (else infinite);
2. a scan of ``scan`` learning rates evenly spaced in (0, bracket], all modes and
   learning rates iterated together (one array program);
3. bisection between the last scanned learning rate that keeps and the first that
   breaks, to a relative width :data:`RELATIVE_WIDTH`.

The result is the edge of the interval of learning rates, starting at 0, that
keep the pattern.  The set of keeping learning rates need not be an interval: a
larger step can jump a wrong-signed output weight over 0 before the unit it
feeds dies (the phase diagram of Sec. 3.3 of the paper); ``interval`` is False
when the scan finds such learning rates above the threshold.

Which coordinates are constrained: those whose initial sign is Lemma 3.1's
(a coordinate that starts with the wrong sign, e.g. a class-1 output weight
``z < 0``, is free to cross 0 towards its lemma sign, as the gradient flow itself
does).  A rectified coordinate that starts at or below 0 is a dead unit, frozen,
and not constrained.  A coordinate that reaches exactly 0 (or underflows to it) counts as crossed, as a unit
whose pre-activation is 0 is inactive in the real network.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from types import MappingProxyType
from typing import Mapping

import numpy as np
from numpy.typing import ArrayLike

from derivations import ModeModel
from derivations.step_bounds import step_bounds
from derivations.symbols import eta as eta_sym

from .compiled import compile_expr, freeze_at_margin, margin_groups
from .mode_map import MAX_STEPS
from .mode_map import _parameters as _mode_map_parameters
from ..validation import as_finite_array, require_positive

__all__ = ["LrThreshold", "lr_threshold", "keeps_pattern", "RELATIVE_WIDTH", "DEFAULT_SCAN", "MAX_DOUBLINGS",
           "OVERFLOW"]

#: Bisection stops when the bracket is this narrow relative to the threshold: far below any difference a
#: gradient-descent run can show (a learning rate 1e-10 above the threshold breaks at the same step).
RELATIVE_WIDTH = 1e-10
#: Learning rates scanned in (0, bracket] before bisecting: enough to see a second interval of keeping learning
#: rates wider than 1/64 of the bracket.
DEFAULT_SCAN = 64
#: When no coordinate is pushed towards 0 at the first step, the bracket starts at 1 and is doubled at most
#: this many times (up to 2^60 ~ 1e18, beyond any learning rate the map iterates without overflow).
MAX_DOUBLINGS = 60
#: The name given to a break that is an overflow of the map (gradient descent diverging).
OVERFLOW = "overflow"


@dataclass(frozen=True)
class LrThreshold:
    """Learning-rate thresholds of K initializations.

    Attributes
    ----------
    threshold : ndarray (K,)
        The largest learning rate (to :data:`RELATIVE_WIDTH`) such that every learning rate in (0, threshold]
        keeps the constrained signs for ``steps`` steps; ``inf`` if no learning rate breaks them.
    breaking : ndarray (K,)
        The smallest learning rate found to break them (``threshold * (1 + RELATIVE_WIDTH)`` or less); ``inf``
        if none.
    first_step_bound : ndarray (K,)
        ``min_s b_s`` over the constrained coordinates the first step pushes towards 0; ``inf`` if none.
    binding : tuple of (str or None)
        The coordinate that crosses 0 first at ``breaking`` (:data:`OVERFLOW` if the map overflowed), per mode.
    binding_step : ndarray (K,) of int
        The step (1 = the first) at which it crosses; -1 if nothing breaks.
    interval : ndarray (K,) of bool
        False when a scanned learning rate above the threshold keeps the signs again (the set of keeping
        learning rates is not an interval; ``threshold`` is the edge of its first piece).
    constrained : ndarray (K, S) of bool
        The coordinates whose sign is kept (their initial sign is Lemma 3.1's).
    steps : int
        Length of the run.
    signs : Mapping[str, int]
        Lemma 3.1's sign of each coordinate, by name.
    at_horizon : ndarray (K,) of bool
        True when the binding crossing happens at the run's last step: the threshold is then set by the flow time
        the run covers (``threshold * steps``), not by one step overshooting -- the gradient flow itself crosses
        about then (e.g. from below the stalling line, where the flow kills the unit), and a longer run lowers
        the threshold.  False for a first-step (or any earlier) break and where nothing breaks.
    """

    threshold: np.ndarray
    breaking: np.ndarray
    first_step_bound: np.ndarray
    binding: tuple
    binding_step: np.ndarray
    interval: np.ndarray
    constrained: np.ndarray
    steps: int
    signs: Mapping
    at_horizon: np.ndarray


def _count(name: str, value, minimum: int, maximum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer in [{minimum}, {maximum}], got {value!r} "
                        f"({type(value).__name__})")
    if not minimum <= value <= maximum:
        raise ValueError(f"{name} must lie in [{minimum}, {maximum}], got {value}")
    return int(value)


def _parameters(model: ModeModel, parameters: Mapping, K: int) -> np.ndarray:
    """The parameter values as an array (P, K), validated as the mode map validates them."""
    return np.array(_mode_map_parameters(model, parameters, K), dtype=float).reshape(len(model.parameters), K)


class _Map:
    """The derived GD map of a model, compiled, iterated on lanes (mode, learning rate) until a sign breaks."""

    def __init__(self, model: ModeModel, signs: np.ndarray):
        args = tuple(model.state) + tuple(model.parameters) + (eta_sym,)
        step = model.discrete_map(eta_sym)
        self.model = model
        self.functions = tuple(compile_expr(step[s], args) for s in model.state)
        self.rectified = [model.state.index(s) for s in model.rectified]
        self.signs = signs
        self.margin = bool(margin_groups(model))  # a loss that stops at a margin (the hinge)

    def breaks(self, state0: np.ndarray, params: np.ndarray, etas: np.ndarray, constrained: np.ndarray,
               steps: int) -> tuple:
        """Iterate lanes; return (broken, step, coordinate) per lane (coordinate -1 for an overflow).

        state0 (S, L), params (P, L), etas (L,), constrained (S, L)."""
        state = state0.copy()
        L = state.shape[1]
        broken = np.zeros(L, dtype=bool)
        at_step = np.full(L, -1)
        which = np.full(L, -2)
        alive = state0[self.rectified] > 0 if self.rectified else np.zeros((0, L), dtype=bool)
        for k in range(1, steps + 1):
            lanes = np.flatnonzero(~broken)
            if lanes.size == 0:
                break
            s, q, e = state[:, lanes], params[:, lanes], etas[lanes]
            eff = s.copy()
            if self.rectified:
                eff[self.rectified] = np.maximum(s[self.rectified], 0.0)
            with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
                new = np.stack([np.broadcast_to(f(*eff, *q, e), lanes.shape) for f in self.functions]).astype(float)
            moves = new - s
            if self.margin:
                moves, inexact = freeze_at_margin(self.model, moves, eff, q)  # no gradient beyond the margin
                if inexact.any():
                    raise ValueError(f"at step {k}, a logit of {self.model.name} that shares coordinates with another "
                                     "reached the margin: the map cannot apply that stop exactly, so no threshold "
                                     "is computed")
            for j, r in enumerate(self.rectified):  # a unit dead from the start gets no gradient
                moves[r] = np.where(alive[j, lanes], moves[r], 0.0)
            with np.errstate(over="ignore", invalid="ignore"):
                s = s + moves
            crossed = constrained[:, lanes] & (s * self.signs[:, None] <= 0)
            overflow = ~np.all(np.isfinite(s), axis=0)
            hit = crossed.any(axis=0) | overflow
            state[:, lanes] = s
            newly = lanes[hit]
            broken[newly] = True
            at_step[newly] = k
            which[newly] = np.where(overflow[hit], -1, np.argmax(crossed[:, hit], axis=0))
        return broken, at_step, which


def keeps_pattern(model: ModeModel, initial: ArrayLike, *, lr: ArrayLike, steps: int, parameters: Mapping,
                  signs: Mapping | None = None) -> np.ndarray:
    """Whether gradient descent at each learning rate keeps the constrained signs for ``steps`` steps.

    Parameters
    ----------
    model : derivations.ModeModel
    initial : array_like, shape (S,) or (K, S)
        Initial mode coordinates (order of ``model.state``).
    lr : array_like, shape (M,) or scalar
        Learning rates, > 0.
    steps : int
        Steps of each run, in [1, MAX_STEPS].
    parameters : Mapping
        As in :func:`lr_threshold`.
    signs : Mapping, optional
        As in :func:`lr_threshold`.

    Returns
    -------
    ndarray (K, M) of bool
        True where the run keeps every constrained sign (no unit dies, no lemma sign flips).

    Raises
    ------
    TypeError, ValueError
        As :func:`lr_threshold`, and for a learning rate that is not finite and > 0.

    Examples
    --------
    >>> import derivations
    >>> keeps_pattern(derivations.deep(2, "hinge"), [1.0, -0.5], lr=[0.5, 2.5], steps=20,
    ...               parameters={"n": 1.0, "p": 1.0}).tolist()
    [[True, False]]
    """
    fn, x, params, constrained, steps = _setup(model, initial, parameters, steps, signs)
    lrs = require_positive("lr", lr).ravel()
    K, M = x.shape[0], lrs.size
    # lane k * M + j is initialization k at learning rate j
    broken, _, _ = fn.breaks(np.repeat(x.T, M, axis=1), np.repeat(params, M, axis=1), np.tile(lrs, K),
                             np.repeat(constrained.T, M, axis=1), steps)
    return ~broken.reshape(K, M)


def _setup(model, initial, parameters, steps, signs):
    import derivations

    if not isinstance(model, derivations.ModeModel):
        raise TypeError(f"model must be a derivations.ModeModel (e.g. derivations.two_layer()), "
                        f"got {type(model).__name__}")
    steps = _count("steps", steps, 1, MAX_STEPS)
    x = as_finite_array("initial", initial)
    x = x[None] if x.ndim == 1 else x
    S = len(model.state)
    if x.ndim != 2 or x.shape[1] != S:
        raise ValueError(f"initial must have shape ({S},) or (K, {S}) for state {model.state}, "
                         f"got {np.shape(initial)}")
    params = _parameters(model, parameters, x.shape[0])
    bounds = step_bounds(model, signs=signs)
    sign = np.array([bounds.signs[s] for s in model.state], dtype=float)
    constrained = x * sign > 0
    return _Map(model, sign), x, params, constrained, steps


def lr_threshold(model: ModeModel, initial: ArrayLike, *, parameters: Mapping, steps: int,
                 signs: Mapping | None = None, scan: int = DEFAULT_SCAN) -> LrThreshold:
    """The largest learning rate at which gradient descent keeps the pattern and Lemma 3.1's signs.

    Computed on the derived discrete map (exact for gradient descent on the real network under Lemma 3.1), for
    K initializations at once: first-step bound as the bracket, a scan, then bisection (module docstring).

    Parameters
    ----------
    model : derivations.ModeModel
        E.g. ``derivations.two_layer("bce")``, ``derivations.deep(3)``.
    initial : array_like, shape (S,) or (K, S)
        Initial mode coordinates in the order of ``model.state``.
    parameters : Mapping
        Value (scalar or shape (K,)) of every symbol of ``model.parameters``, by name: > 0, and in (0, 1] for
        frequencies.
    steps : int
        Length of the run, in [1, MAX_STEPS]: the signs must hold at every step up to it.
    signs : Mapping, optional
        ``{coordinate name: +1 or -1}``, the orthant to keep; default Lemma 3.1's
        (:func:`derivations.step_bounds.lemma_signs`).
    scan : int
        Learning rates scanned in (0, bracket] before bisecting, in [2, 4096].

    Returns
    -------
    LrThreshold

    Raises
    ------
    TypeError
        ``model`` not a ModeModel; ``steps`` or ``scan`` not integers; ``parameters`` not a mapping.
    ValueError
        Bad shapes, parameters, ``steps``, ``scan`` or ``signs``.

    Examples
    --------
    >>> import derivations
    >>> m = derivations.two_layer("hinge")  # class 1 on the stalling line y = -n z: threshold 1/(n p)
    >>> out = lr_threshold(m, [0.4, -0.4, 0.3, -0.3], parameters={"n_1": 1.0, "n_2": 1.0, "p": 0.5}, steps=1)
    >>> round(float(out.threshold[0]), 8), out.binding[0], int(out.binding_step[0])
    (2.0, 'y_1', 1)
    """
    fn, x, params, constrained, steps = _setup(model, initial, parameters, steps, signs)
    scan = _count("scan", scan, 2, 4096)
    K, S = x.shape
    bounds = step_bounds(model, signs=signs)
    crossing = [compile_expr(bounds.crossing[s], tuple(model.state) + tuple(model.parameters)) for s in model.state]
    eff = x.T.copy()
    if fn.rectified:
        eff[fn.rectified] = np.maximum(eff[fn.rectified], 0.0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        b = np.stack([np.broadcast_to(f(*eff, *params), (K,)).astype(float) for f in crossing])  # (S, K)
    b = np.where(constrained.T & np.isfinite(b) & (b > 0), b, np.inf)
    first = b.min(axis=0)
    # the bracket: a learning rate verified to break, from just above the first-step bound (at the bound itself
    # rounding may leave the coordinate a hair above 0), or from 1, doubled until it breaks
    on_orthant = constrained.all(axis=1)
    never = ~np.isfinite(first) & on_orthant & bounds.orthant_invariant  # proven: nothing moves towards 0
    bracket = np.full(K, np.inf)
    todo = np.flatnonzero(~never)
    trial = np.where(np.isfinite(first[todo]), first[todo] * (1 + RELATIVE_WIDTH), 1.0)
    for _ in range(MAX_DOUBLINGS + 1):
        if todo.size == 0:
            break
        broke, _, _ = fn.breaks(x[todo].T, params[:, todo], trial, constrained[todo].T, steps)
        bracket[todo[broke]] = trial[broke]
        todo, trial = todo[~broke], trial[~broke] * 2.0
    never[todo] = True
    live = np.flatnonzero(~never)
    threshold = np.full(K, np.inf)
    breaking = np.full(K, np.inf)
    interval = np.ones(K, dtype=bool)
    binding_step = np.full(K, -1)
    binding = [None] * K
    if live.size:
        grid = bracket[live, None] * np.arange(1, scan + 1)[None, :] / scan  # (k, scan); the last breaks
        n = live.size
        broke, _, _ = fn.breaks(np.repeat(x[live].T, scan, axis=1), np.repeat(params[:, live], scan, axis=1),
                                grid.ravel(), np.repeat(constrained[live].T, scan, axis=1), steps)
        broke = broke.reshape(n, scan)
        broke[:, -1] = True  # the last scanned learning rate is the bracket, verified to break
        j0 = np.argmax(broke, axis=1)
        lo = np.where(j0 > 0, grid[np.arange(n), np.maximum(j0 - 1, 0)], 0.0)
        hi = grid[np.arange(n), j0]
        interval[live] = ~np.array([np.any(~broke[i, j0[i]:]) for i in range(n)])
        state0, p0, c0 = x[live].T, params[:, live], constrained[live].T
        while True:
            wide = hi - lo > RELATIVE_WIDTH * hi
            if not wide.any():
                break
            mid = np.where(wide, 0.5 * (lo + hi), hi)
            b_mid, _, _ = fn.breaks(state0, p0, mid, c0, steps)
            hi = np.where(wide & b_mid, mid, hi)
            lo = np.where(wide & ~b_mid, mid, lo)
        _, at, which = fn.breaks(state0, p0, hi, c0, steps)
        threshold[live], breaking[live], binding_step[live] = lo, hi, at
        names = [str(s) for s in model.state]
        for i, k in enumerate(live):
            binding[k] = OVERFLOW if which[i] == -1 else names[which[i]]
    return LrThreshold(threshold=threshold, breaking=breaking, first_step_bound=first, binding=tuple(binding),
                       binding_step=binding_step, interval=interval, constrained=constrained, steps=steps,
                       signs=MappingProxyType({str(s): bounds.signs[s] for s in model.state}),
                       at_horizon=binding_step == steps)
