"""Integrate any derived model with ``solve_ivp``: many modes in one call.

A batch of K initial states (and K parameter sets) is stacked into one state
vector, so one ``solve_ivp`` call integrates them all; the symbolic Jacobian
is supplied (block diagonal, sparse) to the implicit methods.  Coordinates the
model marks as ``rectified`` are ReLU pre-activations: once one reaches 0 its
unit is dead, the coordinate freezes at 0 and its terms vanish.  For a loss
that stops at a margin (the hinge: ``model.loss.stop_margin = 1``), a logit
whose signed margin ``s u`` reaches it stops learning (its coordinates freeze);
``s = +1`` for class 1 and ``-1`` for class 2, so a logit on the wrong side
keeps learning, as gradient descent does.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping, Optional

import numpy as np
import scipy.integrate
import scipy.optimize
import scipy.sparse
from numpy.typing import ArrayLike

from derivations import ModeModel, Named, Reduction, UnknownName

from .compiled import compile_expr, compile_flow, flow_vector, freeze_at_margin, logit_key, margin_groups, margin_sign
from ..validation import as_finite_array, require_choice, require_frequency, require_positive

__all__ = ["Trajectory", "integrate", "ReducedTrajectory", "solve_reduction", "METHODS", "RTOL", "ATOL"]

METHODS = ("DOP853", "RK45", "Radau", "BDF", "LSODA")
#: Default tolerances: tight enough for 1e-9 agreement with the closed forms.
RTOL = 1e-12
ATOL = 1e-14


@dataclass(frozen=True)
class Trajectory:
    """Integrated modes of a model.

    Attributes
    ----------
    t : ndarray, shape (T,)
        Output times.
    states : ndarray, shape (T, K, S)
        State of each of the K modes (S = len(model.state)).
    logits : Named[str, ndarray of shape (T, K)]
        Each of the model's logits along the trajectory, by identifier (``"class_1"``; the
        model's labels, e.g. ``"class 1"``, are display text and refused as keys).
    death_times : Mapping[str, ndarray of shape (K,)]
        For each rectified coordinate, the time its unit died (NaN if never).
    hitting_times : Named[str, ndarray of shape (K,)]
        For each requested logit target, by identifier, the first time the
        signed margin ``s * logit >= level`` (NaN if never).
    success : bool
        False when the integrator failed, a value overflowed, or a stop at the
        margin could not be applied exactly; ``message`` says which.
    message : str
    signs : Mapping[str, int]
        ``s`` of each logit, by identifier: +1 for a class-1 logit, -1 for a class-2 logit.
    """

    t: np.ndarray
    states: np.ndarray
    logits: Mapping
    death_times: Mapping
    hitting_times: Mapping
    success: bool
    message: str
    signs: Mapping = field(default_factory=lambda: MappingProxyType({}))

    def margin(self, name: str) -> np.ndarray:
        """``s * logit``: the signed margin of logit ``name``, positive on the correct side.

        For a hinge model this is the quantity the loss sees; learning stops
        once it reaches ``model.loss.stop_margin``.

        Parameters
        ----------
        name : str
            A logit identifier (``"class_1"``).

        Returns
        -------
        ndarray (T, K)
            The logit's values times its sign ``s`` (+1 when the logit has no sign in :attr:`signs`).

        Raises
        ------
        UnknownName
            ``name`` is not a logit of this trajectory.
        """
        try:
            key = self.logits.key_of(name) if isinstance(self.logits, Named) else name
            values = self.logits[key]
        except (UnknownName, KeyError) as exc:
            raise UnknownName(f"name={name!r} is not a logit of this trajectory: {exc}") from None
        return self.signs.get(key, 1) * values

    def confidence(self, name: str) -> np.ndarray:
        """``sigma(s * logit)``: the probability a sigmoid output gives the true class of logit ``name``.

        ``s`` is +1 for class 1 and -1 for class 2, so a logit on the wrong
        side gives a probability below 1/2.  For a hinge model the network is
        not trained as a probability: the value is still ``sigma`` of the
        margin, for comparison with BCE; use :meth:`margin` for the margin itself.

        Parameters
        ----------
        name : str
            A logit identifier (``"class_1"``).

        Returns
        -------
        ndarray (T, K)
            ``expit(self.margin(name))``, between 0 and 1.

        Raises
        ------
        UnknownName
            ``name`` is not a logit of this trajectory.
        """
        from scipy.special import expit
        return expit(self.margin(name))


def _parameter_arrays(model: ModeModel, parameters: Mapping, K: int) -> list:
    if not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a mapping from parameter name to value, got {type(parameters).__name__}")
    values = []
    by_name = {str(k): v for k, v in dict(parameters).items()}
    unknown = set(by_name) - {str(s) for s in model.parameters}
    if unknown:
        raise ValueError(f"parameters {sorted(unknown)} are not parameters of {model.name}; "
                         f"it has {[str(s) for s in model.parameters]}")
    for sym in model.parameters:
        if str(sym) not in by_name:
            raise ValueError(f"parameter {sym} of {model.name} is missing; pass parameters={{'{sym}': value}}")
        label = f"parameters['{sym!s}']"
        check = require_frequency if sym in model.fractions else require_positive
        arr = check(label, by_name[str(sym)])
        if arr.ndim > 1 or arr.size not in (1, K):
            raise ValueError(f"{label} must be a scalar or have one value per mode ({K}), got shape {arr.shape}")
        values.append(np.broadcast_to(arr, (K,)).astype(float))
    return values


def integrate(model: ModeModel, initial: ArrayLike, t: ArrayLike, *, parameters: Mapping, method: str = "DOP853", rtol: float = RTOL,
              atol: float = ATOL, targets: Optional[Mapping] = None, margin_stop: bool = True) -> Trajectory:
    """Integrate ``model``'s derived flow from a batch of initial states.

    Parameters
    ----------
    model : derivations.ModeModel
    initial : array_like, shape (S,) or (K, S)
        Initial states in the order of ``model.state``.
    t : array_like, shape (T,)
        Increasing output times starting at 0 or later.
    parameters : Mapping
        Value (scalar or shape (K,)) of every symbol in ``model.parameters``, by name.
    method : {"DOP853", "RK45", "Radau", "BDF", "LSODA"}
        ``solve_ivp`` method.  The default, DOP853, suits these flows: their
        Jacobians have eigenvalues of size ``~ p n^2 |z|`` with no widely
        separated time scales, and it reaches the 1e-12 tolerances cheaply.
        For stiff regimes (huge norms or weights) use Radau or BDF, which
        receive the symbolic Jacobian as a sparse block-diagonal matrix (one
        block per mode).
    targets : Mapping[str, float], optional
        Logit identifier -> level; the first time each mode's signed
        margin ``s * logit`` reaches it is returned in ``hitting_times``.
    margin_stop : bool
        For a loss that stops at a margin (``model.loss.stop_margin``, e.g. the
        hinge), freeze a logit's coordinates once its signed margin
        ``s * logit >= stop_margin`` (+1 for class 1, -1 for class 2: a logit on
        the wrong side keeps learning).  If the frozen coordinates are shared
        with another logit (one neuron for two classes), the stop is not exact
        and the result has ``success=False``.  Pass False when the state is an
        aggregate whose "logit" is not a margin (e.g. App. C.2's ``X = sum x_i``).

    Returns
    -------
    Trajectory
        ``success`` is False, with the reason in ``message``, when the solver
        fails, a state or logit overflows (not finite), or a margin stop was
        not exact.

    Raises
    ------
    TypeError
        ``model`` is not a :class:`derivations.ModeModel`, or ``parameters`` is not a mapping.
    ValueError
        Bad shapes, non-finite numbers, a parameter that is missing, unknown,
        not > 0, or (for a frequency or share) outside (0, 1], an unknown target
        name, or a non-finite target level.

    Examples
    --------
    >>> import derivations
    >>> m = derivations.two_layer("hinge")
    >>> traj = integrate(m, [0.1, 0.1, 0.1, -0.1], [0.0, 1.0], parameters={"n_1": 1, "n_2": 1, "p": 0.5})
    >>> round(float(traj.logits["class_1"][-1, 0]), 10)  # 0.01 e^{2 n p t} with c = 0
    0.0271828183
    """
    import derivations

    if not isinstance(model, derivations.ModeModel):
        raise TypeError(f"model must be a derivations.ModeModel (e.g. derivations.two_layer()), "
                        f"got {type(model).__name__}")
    require_choice("method", method, METHODS)
    rtol, atol = float(require_positive("rtol", rtol)), float(require_positive("atol", atol))
    requested = dict(targets or {})
    targets = {}
    for name, level in requested.items():
        key = logit_key(model, name, "targets")
        as_finite_array(f"targets[{name!r}]", level)
        targets[key] = level
    y0 = as_finite_array("initial", initial)
    if y0.ndim == 1:
        y0 = y0[None, :]
    S = len(model.state)
    if y0.ndim != 2 or y0.shape[1] != S or y0.shape[0] == 0:
        raise ValueError(f"initial must have shape ({S},) or (K, {S}) with K >= 1 for state {model.state}, "
                         f"got {y0.shape}")
    K = y0.shape[0]
    times = as_finite_array("t", t).ravel()
    if times.size < 1 or np.any(times < 0) or np.any(np.diff(times) < 0):
        raise ValueError("t must be a non-empty increasing array of flow times >= 0")
    params = _parameter_arrays(model, parameters, K)
    rates_all = flow_vector(model)
    # the symbolic Jacobian (S^2 derivatives to compile) only for the implicit methods that use it
    jac = compile_flow(model)[1] if method in ("Radau", "BDF") else None
    rect = [model.state.index(s) for s in model.rectified]

    def effective(x):
        x = x.reshape(S, K).copy()
        dead = np.zeros((S, K), dtype=bool)
        for r in rect:
            dead[r] = x[r] <= 0
            x[r] = np.maximum(x[r], 0.0)
        return x, dead

    inexact = np.zeros(K, dtype=bool)  # a margin stop applied to coordinates shared by several logits

    def velocity(_, flat):
        x, dead = effective(flat)
        out = np.empty((S, K))
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            for i, value in enumerate(rates_all(*x, *params)):
                out[i] = value  # broadcasts a coordinate whose derivative is a constant
        out[dead] = 0.0
        if margin_stop:
            _, shared = freeze_at_margin(model, out, x, params)  # learning stops at s u >= stop_margin
            inexact[:] |= shared
        return out.ravel()

    def jacobian(_, flat):
        x, dead = effective(flat)
        blocks = np.empty((K, S, S))
        with np.errstate(over="ignore", under="ignore", invalid="ignore"):
            for i in range(S):
                for j in range(S):
                    blocks[:, i, j] = np.broadcast_to(jac[i][j](*x, *params), (K,))
        blocks[dead.T] = 0.0
        if margin_stop:  # frozen coordinates have zero rows, as in velocity
            moving, _ = freeze_at_margin(model, np.ones((S, K)), x, params)
            blocks *= moving.T[:, :, None]
        # state is ordered (S, K): entry (i*K + k, j*K + k) = blocks[k, i, j]
        rows = (np.arange(S)[:, None, None] * K + np.arange(K)[None, None, :]).repeat(S, axis=1)
        cols = (np.arange(S)[None, :, None] * K + np.arange(K)[None, None, :]).repeat(S, axis=0)
        return scipy.sparse.csr_matrix((blocks.transpose(1, 2, 0).ravel(), (rows.ravel(), cols.ravel())),
                                       shape=(S * K, S * K))

    extra = {"jac": jacobian} if method in ("Radau", "BDF") else {}
    sol = scipy.integrate.solve_ivp(velocity, (0.0, float(times[-1])), y0.T.ravel(), method=method, rtol=rtol,
                                    atol=atol, dense_output=True, **extra)
    grid = sol.sol(times) if sol.success else np.full((S * K, times.size), np.nan)
    states = grid.reshape(S, K, times.size).transpose(2, 1, 0)
    for r in rect:
        states[:, :, r] = np.maximum(states[:, :, r], 0.0)
    args = tuple(model.state) + tuple(model.parameters)
    logits = {}
    with np.errstate(over="ignore", invalid="ignore"):
        for name, expr in model.logits.items():
            f = compile_expr(expr, args)
            logits[name] = np.broadcast_to(f(*states.transpose(2, 0, 1), *params), (times.size, K)).copy()
    labels = model.logits.labels
    signs = {name: margin_sign(model, name) for name in model.logits}
    success, message = bool(sol.success), str(sol.message)
    overflow = [name for name, values in logits.items() if not np.all(np.isfinite(values))]
    if success and (overflow or not np.all(np.isfinite(states))):
        success = False
        message = (f"the flow overflowed float64: {'logits ' + ', '.join(map(repr, overflow)) if overflow else 'states'}"
                   " are not finite; start from smaller states (or rescale the data norms)")
    if success and inexact.any():
        success = False
        shared = [g.name for g in margin_groups(model) if g.shared]
        message = (f"modes {np.flatnonzero(inexact).tolist()} reached the margin on a logit that shares coordinates "
                   f"with another ({', '.join(map(repr, shared))} in {model.name}): freezing them is not the exact "
                   "stop; pass margin_stop=False for the flow of the learning piece")

    def first_time(values_at, threshold_reached):
        out = np.full(K, np.nan)
        if not sol.success:
            return out
        steps = sol.t
        v = values_at(steps)
        for k in range(K):
            hit = np.flatnonzero(threshold_reached(v[:, k]))
            if hit.size == 0:
                continue
            i = hit[0]
            if i == 0:
                out[k] = steps[0]
                continue
            g = lambda s: float(values_at(np.array([s]))[0, k])
            try:
                out[k] = scipy.optimize.brentq(g, steps[i - 1], steps[i], xtol=1e-13)
            except ValueError:
                out[k] = steps[i]
        return out

    deaths = {}
    for r in rect:
        at = lambda s, r=r: sol.sol(s).reshape(S, K, -1)[r].T
        deaths[str(model.state[r])] = first_time(at, lambda col: col <= 0)
    hits = {}
    for name, level in targets.items():
        f = compile_expr(model.logits[name], args)

        def at(s, f=f, level=float(level), sign=signs[name]):
            x = sol.sol(s).reshape(S, K, -1)
            with np.errstate(over="ignore", invalid="ignore"):
                return (sign * f(*x, *[q[:, None] for q in params]) - level).T.reshape(-1, K)

        hits[name] = first_time(at, lambda col: col >= 0)
    return Trajectory(t=times, states=states, logits=Named("logit", ((k, labels[k], v) for k, v in logits.items())),
                      death_times=MappingProxyType(deaths),
                      hitting_times=Named("logit", ((k, labels[k], v) for k, v in hits.items())),
                      success=success, message=message, signs=MappingProxyType(signs))


@dataclass(frozen=True)
class ReducedTrajectory:
    """A one-dimensional reduction integrated: the variable and the logit it implies, per mode.

    ``variable`` and ``logit`` have shape (T, K); ``success`` and ``message`` as in :class:`Trajectory`.
    """

    t: np.ndarray
    variable: np.ndarray
    logit: np.ndarray
    success: bool
    message: str


def solve_reduction(reduction: Reduction, initial: ArrayLike, t: ArrayLike, *, parameters: Mapping, rtol: float = RTOL,
                    atol: float = ATOL) -> ReducedTrajectory:
    """Integrate a derived 1-D reduction ``q' = f(q)`` (e.g. the hyperbolic ``theta`` form, App. A.3).

    Parameters
    ----------
    reduction : derivations.Reduction
        For instance ``two_layer().reduction("hyperbolic_class_1_y_dominant")``.
    initial : array_like, shape (K,)
        Initial values of the reduction's variable, one per mode (one call for all).
    t : array_like, shape (T,)
        Increasing output times, >= 0.
    parameters : Mapping
        Values of every other symbol of ``reduction.rhs`` and ``reduction.logit_value`` (e.g. ``c``, ``n_1``, ``p``).
    rtol, atol : float
        Tolerances of ``solve_ivp`` (DOP853).

    Returns
    -------
    ReducedTrajectory
        The variable and the logit it implies, shape (T, K).

    Examples
    --------
    >>> import derivations
    >>> r = derivations.two_layer("hinge").reduction("hyperbolic_class_1_y_dominant")
    >>> out = solve_reduction(r, [0.0], [0.0, 0.5], parameters={"c": 0.2, "n_1": 1.0, "p": 1.0})
    >>> round(float(out.variable[-1, 0]), 10)  # theta0 + 2 n p t
    1.0
    """
    q0 = as_finite_array("initial", initial).ravel()
    times = as_finite_array("t", t).ravel()
    if times.size < 1 or np.any(times < 0) or np.any(np.diff(times) < 0):
        raise ValueError("t must be a non-empty increasing array of flow times >= 0")
    others = sorted((reduction.rhs.free_symbols | reduction.logit_value.free_symbols) - {reduction.variable}, key=str)
    by_name = {str(k): v for k, v in dict(parameters).items()}
    missing = [str(s) for s in others if str(s) not in by_name]
    if missing:
        raise ValueError(f"parameters {missing} of the reduction {reduction.key!r} are missing")
    values = [np.broadcast_to(as_finite_array(str(s), by_name[str(s)]), q0.shape) for s in others]
    rhs = compile_expr(reduction.rhs, (reduction.variable, *others))
    sol = scipy.integrate.solve_ivp(lambda _, q: np.broadcast_to(rhs(q, *values), q.shape), (0.0, float(times[-1])),
                                    q0, method="DOP853", rtol=rtol, atol=atol, dense_output=True)
    q = sol.sol(times).T if sol.success else np.full((times.size, q0.size), np.nan)
    logit = np.broadcast_to(compile_expr(reduction.logit_value, (reduction.variable, *others))(q, *values), q.shape)
    return ReducedTrajectory(times, q, np.array(logit), bool(sol.success), str(sol.message))
