"""Gradient descent at a finite learning rate, followed to second order: the modified flow integrated.

The paper's theory is the gradient flow ``m' = f(m)``; gradient descent at learning rate ``lr`` is the
map ``m + lr f(m)`` (:mod:`~dynamics.theory.mode_map`), which the flow follows only to O(lr).  The
modified flow ``m' = f - (lr/2) J_f f`` derived in :mod:`derivations.modified_flow` follows it to
O(lr^2): :func:`modified_flow` integrates it (many modes and learning rates in one ``solve_ivp``, with the
plain flow's handling of dead units and of the hinge's margin), and :func:`invariant_drift` predicts how
far gradient descent moves each invariant of the flow (``y^2 - n^2 z^2`` for the two-layer network), which
the flow conserves and gradient descent does not.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

import numpy as np
from numpy.typing import ArrayLike

from derivations import ModeModel, Named
from derivations import modified_flow as _derived

from .compiled import compile_expr, margin_groups
from .flow import ATOL, RTOL, Trajectory, integrate
from ..validation import as_finite_array, require_positive

__all__ = ["modified_flow", "invariant_drift", "InvariantDrift", "MAX_CORRECTION"]

#: Largest ratio ``||(lr/2) J_f f|| / ||f||`` along a trajectory at which the modified flow is returned.  It is
#: the first term of a series in ``lr`` (backward error analysis is asymptotic): its error is about the square of
#: this ratio, ~25% at 0.5, and beyond it the correction is no longer small against the flow (measured on the
#: two-layer network: lr 5 gives ratio 1.06 and a logit 30% off gradient descent).  There, iterate the exact
#: map (:func:`~dynamics.theory.mode_map.iterate_mode_map`) instead.
MAX_CORRECTION = 0.5


def _require_model(model) -> ModeModel:
    if not isinstance(model, ModeModel):
        raise TypeError(f"model must be a derivations.ModeModel (e.g. derivations.two_layer()), "
                        f"got {type(model).__name__}")
    return model


def _modes(model: ModeModel, initial: ArrayLike) -> np.ndarray:
    x = as_finite_array("initial", initial)
    x = x[None] if x.ndim == 1 else x
    S = len(model.state)
    if x.ndim != 2 or x.shape[1] != S or x.shape[0] == 0:
        raise ValueError(f"initial must have shape ({S},) or (K, {S}) with K >= 1 for state {model.state}, "
                         f"got {np.shape(initial)}")
    return x


def _learning_rates(lr: ArrayLike, K: int) -> np.ndarray:
    rates = require_positive("lr", lr)
    if rates.ndim > 1 or rates.size not in (1, K):
        raise ValueError(f"lr must be a scalar or have one value per mode ({K}), got shape {rates.shape}")
    return np.broadcast_to(rates, (K,)).astype(float)


def _parameters(parameters: Mapping) -> dict:
    if not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a mapping from parameter name to value, got {type(parameters).__name__}")
    by_name = {str(k): v for k, v in parameters.items()}
    if str(_derived.STEP) in by_name:
        raise ValueError(f"parameters must not hold {str(_derived.STEP)!r}: the learning rate is passed as lr=")
    return by_name


def modified_flow(model: ModeModel, initial: ArrayLike, t: ArrayLike, *, lr: ArrayLike, parameters: Mapping,
                  method: str = "DOP853", rtol: float = RTOL, atol: float = ATOL,
                  targets: Optional[Mapping] = None, margin_stop: bool = True) -> Trajectory:
    """Integrate the modified flow ``m' = f - (lr/2) J_f f`` of ``model``: gradient descent at ``lr`` to O(lr^2).

    The flow is :func:`derivations.modified_flow.modified_flow` (derived and proven), integrated by
    :func:`~dynamics.theory.flow.integrate`: K modes, each with its own learning rate and parameters, in one
    ``solve_ivp`` call.  A rectified coordinate that reaches 0 freezes (its unit is dead) and a hinge logit
    that reaches its margin stops, as in the plain flow.  Compare it with gradient descent at flow time
    ``t = lr * steps``; the plain flow (:func:`~dynamics.theory.flow.integrate`) is its ``lr -> 0`` limit.

    Parameters
    ----------
    model : derivations.ModeModel
        Any derived model (every factory of :data:`derivations.MODELS`); must not already have a symbol
        named ``eta``.
    initial : array_like, shape (S,) or (K, S)
        Initial mode coordinates in the order of ``model.state``.
    t : array_like, shape (T,)
        Increasing flow times >= 0.
    lr : float or array_like, shape (K,)
        The learning rate of each mode's gradient descent, finite and > 0.  To sweep learning rates from one
        initial state, repeat the state: ``initial=np.repeat([m0], L, axis=0), lr=lrs``.
    parameters : Mapping
        Value (scalar or shape (K,)) of every symbol of ``model.parameters``, by name (not ``eta``).
    method, rtol, atol, targets, margin_stop
        As in :func:`dynamics.theory.flow.integrate`.

    Returns
    -------
    Trajectory
        As :func:`~dynamics.theory.flow.integrate` returns it, for the modified flow.

    Raises
    ------
    TypeError
        ``model`` is not a :class:`derivations.ModeModel`, or ``parameters`` is not a mapping.
    ValueError
        ``lr`` not finite and > 0 or of the wrong shape; ``parameters`` holding ``eta``; and every error of
        :func:`~dynamics.theory.flow.integrate` (shapes, missing or invalid parameters, times).

    Examples
    --------
    >>> import derivations
    >>> m = derivations.two_layer("hinge")  # inside the margin: y' = p n^2 z - (lr/2) p^2 n^2 y
    >>> out = modified_flow(m, [1.0, 0.0, 1.0, 0.0], [0.0, 0.5], lr=0.1, parameters={"n_1": 1, "n_2": 1, "p": 1})
    >>> round(float(out.states[-1, 0, 0]), 10)  # e^{-lr t/2} cosh(t) with p = n = 1
    1.0997847809
    """
    _require_model(model)
    x = _modes(model, initial)
    rates = _learning_rates(lr, x.shape[0])
    values = {**_parameters(parameters), str(_derived.STEP): rates}
    derived = _derived.modified_flow(model)
    out = integrate(derived, x, t, parameters=values, method=method, rtol=rtol, atol=atol, targets=targets,
                    margin_stop=margin_stop)
    _check_correction(model, derived, out, values, rates)
    return out


def _check_correction(model: ModeModel, derived: ModeModel, out: Trajectory, values: Mapping,
                      rates: np.ndarray) -> None:
    """Refuse a learning rate at which the correction ``(lr/2) J_f f`` is not small against the flow ``f``."""
    args = tuple(derived.state) + tuple(derived.parameters)
    K = out.states.shape[1]
    params = [np.broadcast_to(np.asarray(values[str(s)], dtype=float), (K,)) for s in derived.parameters]
    columns = np.moveaxis(out.states, -1, 0)
    shape = out.states.shape[:2]
    plain = np.stack([np.broadcast_to(compile_expr(model.flow[s], args)(*columns, *params), shape)
                      for s in model.state], axis=-1)
    full = np.stack([np.broadcast_to(compile_expr(derived.flow[s], args)(*columns, *params), shape)
                     for s in derived.state], axis=-1)
    size = np.linalg.norm(plain, axis=-1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(size > 0, np.linalg.norm(full - plain, axis=-1) / size, 0.0)
    ratio = np.where(np.isfinite(ratio), ratio, 0.0)
    worst = ratio.max(axis=0)
    if np.any(worst > MAX_CORRECTION):
        k = int(np.argmax(worst))
        raise ValueError(f"lr={rates[k]:g} is outside the modified flow's range (mode {k}): its correction "
                         f"(lr/2) J_f f reaches {worst[k]:.3g} times the flow f along the trajectory, above "
                         f"{MAX_CORRECTION:g}; the series in lr is not small there: use a smaller lr, or "
                         "dynamics.iterate_mode_map for gradient descent at this learning rate (exact)")


@dataclass(frozen=True)
class InvariantDrift:
    """The predicted drift ``I(t) - I(0)`` of each invariant of a model under gradient descent.

    Attributes
    ----------
    t : ndarray (T,)
        Flow times (``lr * steps`` of gradient descent).
    lr : ndarray (K,)
        Learning rate of each mode.
    first_order : Named[str, ndarray (T, K)]
        ``lr * D_I(t)``, ``D_I`` the integral of ``(1/2) f^T H_I f`` along the plain flow: the drift at first
        order in ``lr`` (gradient descent differs from it by O(lr^2)), by invariant identifier.
    modified : Named[str, ndarray (T, K)]
        ``I`` along the modified flow minus ``I(0)``: the same prediction, with the modified flow's own
        O(lr^2) terms (its difference with ``first_order`` is O(lr^2) too).
    success : bool
        False when an integration failed or (for a loss that stops at a margin) a logit reached its margin
        before ``t[-1]``: after that time the first-order integral keeps a rate the frozen gradient descent
        no longer has; ``message`` says which.
    message : str
    """

    t: np.ndarray
    lr: np.ndarray
    first_order: Mapping
    modified: Mapping
    success: bool
    message: str


def invariant_drift(model: ModeModel, initial: ArrayLike, t: ArrayLike, *, lr: ArrayLike, parameters: Mapping,
                    method: str = "DOP853", rtol: float = RTOL, atol: float = ATOL) -> InvariantDrift:
    """Predict the drift of every invariant of ``model`` under gradient descent at ``lr``.

    The flow conserves each invariant ``I`` (for the two-layer network ``y^2 - n^2 z^2``); gradient descent
    moves it by ``(lr^2/2) f^T H_I f`` per step (exactly, for a quadratic ``I``), i.e. at the rate
    ``(lr/2) f^T H_I f`` per unit of flow time (:func:`derivations.modified_flow.invariant_drift`).  For the
    two-layer network that rate is ``-lr p^2 n^2 g^2 I``: gradient descent pulls a mode towards balance.

    Parameters
    ----------
    model : derivations.ModeModel
        A model with invariants.
    initial : array_like, shape (S,) or (K, S)
    t : array_like, shape (T,)
        Increasing flow times >= 0.
    lr : float or array_like, shape (K,)
        Learning rates, finite and > 0.
    parameters : Mapping
        As in :func:`modified_flow`.
    method, rtol, atol
        As in :func:`dynamics.theory.flow.integrate`.

    Returns
    -------
    InvariantDrift

    Raises
    ------
    TypeError, ValueError
        As :func:`modified_flow`; ValueError also when ``model`` has no invariants.

    Examples
    --------
    >>> import derivations
    >>> m = derivations.two_layer("hinge")  # inside the margin the drift is -lr p^2 n^2 I t at first order
    >>> out = invariant_drift(m, [1.0, 0.0, 1.0, 0.0], [0.0, 0.5], lr=0.1, parameters={"n_1": 1, "n_2": 1, "p": 1})
    >>> round(float(out.first_order["class_1"][-1, 0]), 10), out.success
    (-0.05, True)
    """
    _require_model(model)
    if not model.invariants:
        raise ValueError(f"model {model.name!r} has no invariants to drift")
    x = _modes(model, initial)
    K = x.shape[0]
    rates = _learning_rates(lr, K)
    values = _parameters(parameters)
    levels = {g.name: float(model.loss.stop_margin) for g in margin_groups(model)}
    augmented = _derived.drift_model(model)
    plain = integrate(augmented, np.hstack([x, np.zeros((K, len(model.invariants)))]), t, parameters=values,
                      method=method, rtol=rtol, atol=atol, targets=levels)
    modified = modified_flow(model, x, t, lr=rates, parameters=values, method=method, rtol=rtol, atol=atol)
    args = tuple(model.state) + tuple(model.parameters)
    params = [np.broadcast_to(np.asarray(values[str(s)], dtype=float), (K,)) for s in model.parameters]
    S = len(model.state)
    first, along = {}, {}
    for i, (key, expr) in enumerate(model.invariants.items()):
        first[key] = rates * plain.states[:, :, S + i]
        f = compile_expr(expr, args)
        value = np.broadcast_to(f(*np.moveaxis(modified.states, -1, 0), *params), modified.states.shape[:2])
        along[key] = value - value[:1]
    labels = model.invariants.labels
    success = plain.success and modified.success
    message = "; ".join(m for m in (plain.message, modified.message) if m)
    reached = [name for name, hit in plain.hitting_times.items() if np.any(hit < plain.t[-1])]
    if success and reached:
        success = False
        message = (f"logits {reached} reach the margin before t = {plain.t[-1]:g}: the first-order drift is "
                   "predicted only up to that time")
    return InvariantDrift(t=plain.t, lr=rates,
                          first_order=Named("drift", ((k, labels[k], v) for k, v in first.items())),
                          modified=Named("drift", ((k, labels[k], v) for k, v in along.items())),
                          success=success, message=message)
