"""Theorem 3.4 (Sec. 3.4): which class takes a neuron shared by both.

The state is ``(alpha, beta, z)``: the neuron's pre-activations on x1 (class 1)
and x2 (class 2) and its output weight.  Besides the outcome of a trajectory,
this module gives what the figures need from the derived flow of
:func:`derivations.shared_neuron`: the fixed point on the level ``c > 0`` of the
invariant (:func:`shared_neuron_fixed_point`) and the separatrix through it
(:func:`shared_neuron_separatrix`).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Tuple

import numpy as np
import scipy.integrate

import derivations
from derivations.symbols import c as c_sym, n1 as n1_sym, n2 as n2_sym, p as p_sym

from .compiled import compile_expr, compile_flow
from .flow import integrate
from ..validation import as_finite_array, require_positive

__all__ = ["SharedNeuronOutcome", "shared_neuron_outcome", "classify", "shared_neuron_fixed_point",
           "shared_neuron_separatrix", "OUTCOMES", "WORKED_INITS", "SEPARATRIX_OFFSET", "SEPARATRIX_EXTENT"]

OUTCOMES = ("beta_dies", "alpha_dies", "both_dead", "undecided")
#: The paper's worked initializations (alpha0, beta0, z0) with their stated outcomes (unit norms, equal sampling).
WORKED_INITS = {(0.1, 0.1, 0.1): "beta_dies", (0.2, 0.9, 0.2): "alpha_dies", (1.0, 0.0, -1.1): "both_dead"}
#: Flow time after which an undecided trajectory is reported as such.
HORIZON = 500.0
#: Displacement from the fixed point where the backward integration of the separatrix starts (small enough that
#: the linearisation holds, large enough that the trajectory leaves the fixed point in a few time units).
SEPARATRIX_OFFSET = 1e-6
#: The separatrix is traced until |z| reaches this (or a ReLU coordinate reaches 0).
SEPARATRIX_EXTENT = 2.5
#: Eigenvalues of the Jacobian below -STABLE_EIGENVALUE are the stable directions of the fixed point (the
#: invariant gives one zero eigenvalue, which rounding makes about 1e-16, far above this in magnitude only).
STABLE_EIGENVALUE = 1e-12
#: Tolerances of the backward integration of the separatrix (a curve for a figure and a geometric check).
SEPARATRIX_RTOL, SEPARATRIX_ATOL = 1e-10, 1e-12
#: The separatrix is sampled at SEPARATRIX_SAMPLES backward times, geometric from SEPARATRIX_FIRST_TIME.
SEPARATRIX_SAMPLES, SEPARATRIX_FIRST_TIME = 300, 1e-3


def classify(alpha: float, beta: float) -> str:
    """Outcome name from final pre-activations (alpha on x1, beta on x2): which ReLU died.

    Parameters
    ----------
    alpha, beta : float
        Pre-activations on x1 and on x2.

    Returns
    -------
    str
        One of :data:`OUTCOMES`: ``"undecided"`` (both > 0), ``"beta_dies"``,
        ``"alpha_dies"`` or ``"both_dead"``.

    Examples
    --------
    >>> classify(0.3, -0.1)
    'beta_dies'
    """
    alive_a, alive_b = alpha > 0, beta > 0
    return ("undecided" if alive_a and alive_b else "beta_dies" if alive_a else
            "alpha_dies" if alive_b else "both_dead")


@dataclass(frozen=True)
class SharedNeuronOutcome:
    """Where the shared neuron ends up.

    Attributes
    ----------
    outcome : str
        One of :data:`OUTCOMES`: ``"beta_dies"`` (class 1 takes the neuron), ``"alpha_dies"``
        (class 2 takes it), ``"both_dead"`` or ``"undecided"`` (both alive at the horizon).
    final_state : tuple
        ``(alpha, beta, z)`` at the horizon.
    death_times : dict
        Flow time at which each pre-activation reached 0 (NaN if it never did).
    final_probabilities : tuple
        ``sigma(z alpha)`` and ``sigma(-z beta)``: the probabilities of the true class on x1 and on x2.
    """

    outcome: str
    final_state: tuple
    death_times: dict
    final_probabilities: tuple


def shared_neuron_outcome(alpha0: float, beta0: float, z0: float, *, norm1: float = 1.0, norm2: float = 1.0,
                          p: float = 0.5, horizon: float = HORIZON) -> SharedNeuronOutcome:
    """Integrate (4) with ReLU death and classify the end state.

    Parameters
    ----------
    alpha0, beta0, z0 : float
        Initial pre-activations on x1 and x2 and output weight (finite).
    norm1, norm2 : float
        ``||x1||`` and ``||x2||`` (> 0).
    p : float
        Class-1 frequency, in (0, 1) (the paper's (4) is p = 1/2).
    horizon : float
        Flow time integrated (> 0).

    Returns
    -------
    SharedNeuronOutcome

    Examples
    --------
    >>> shared_neuron_outcome(0.1, 0.1, 0.1).outcome
    'beta_dies'
    """
    for name, value in (("alpha0", alpha0), ("beta0", beta0), ("z0", z0)):
        if np.ndim(as_finite_array(name, value)):
            raise ValueError(f"{name} must be one number, got an array of shape {np.shape(value)}")
    norm1, norm2 = float(require_positive("norm1", norm1)), float(require_positive("norm2", norm2))
    p = float(as_finite_array("p", p))
    if not 0 < p < 1:
        raise ValueError(f"p is the class-1 frequency and must lie in (0, 1) so that both classes are seen, got {p!r}")
    horizon = float(require_positive("horizon", horizon))
    traj = integrate(derivations.shared_neuron(), [alpha0, beta0, z0], [0.0, horizon],
                     parameters={"n_1": norm1, "n_2": norm2, "p": p})
    a, b, z = traj.states[-1, 0]
    outcome = classify(a, b)
    probs = tuple(float(x) for x in (traj.confidence("class_1")[-1, 0], traj.confidence("class_2")[-1, 0]))
    return SharedNeuronOutcome(outcome, (float(a), float(b), float(z)),
                               {k: float(v[0]) for k, v in traj.death_times.items()}, probs)


def _scalar(name: str, value) -> float:
    if np.ndim(as_finite_array(name, value)):
        raise ValueError(f"{name} must be one number, got an array of shape {np.shape(value)}")
    return float(value)


def _setting(c, norm1, norm2, p) -> Tuple[float, float, float, float]:
    """``c``, the norms and ``p`` checked: one number each, ``c > 0``, norms > 0, ``p`` in (0, 1)."""
    c = _scalar("c", c)
    if not c > 0:
        raise ValueError(f"c must be > 0 (the fixed point and the separatrix lie on the level c > 0 of the invariant "
                         f"alpha^2/norm1^2 + beta^2/norm2^2 - z^2), got {c!r}")
    norm1, norm2 = (float(require_positive(name, _scalar(name, v))) for name, v in (("norm1", norm1), ("norm2", norm2)))
    p = _scalar("p", p)
    if not 0 < p < 1:
        raise ValueError(f"p is the class-1 frequency and must lie in (0, 1) so that both classes are seen, got {p!r}")
    return c, norm1, norm2, p


@lru_cache(maxsize=1)  # one pair of expressions, compiled once
def _fixed_point_functions() -> Tuple[Callable, Callable]:
    model = derivations.shared_neuron()
    args = (c_sym, n1_sym, n2_sym, p_sym)
    return (compile_expr(model.quantity("fixed_point_alpha"), args),
            compile_expr(model.quantity("fixed_point_beta"), args))


def shared_neuron_fixed_point(c: float, *, norm1: float = 1.0, norm2: float = 1.0,
                              p: float = 0.5) -> Tuple[float, float, float]:
    """The fixed point ``(alpha, beta, 0)`` of the shared neuron's flow on the level ``c > 0`` of the invariant.

    It is the derived quantity pair ``"fixed_point_alpha"``, ``"fixed_point_beta"``
    of :func:`derivations.shared_neuron` (where ``z' = 0`` at ``z = 0`` on the level
    ``alpha^2/norm1^2 + beta^2/norm2^2 = c``), compiled.

    Parameters
    ----------
    c : float
        Level of the invariant ``alpha^2/norm1^2 + beta^2/norm2^2 - z^2`` (> 0).
    norm1, norm2 : float
        ``||x1||`` and ``||x2||`` (> 0).
    p : float
        Class-1 frequency, in (0, 1) (the paper's (4) is p = 1/2).

    Returns
    -------
    tuple of float
        ``(alpha, beta, z)`` with ``z = 0``.

    Examples
    --------
    >>> tuple(round(x, 12) for x in shared_neuron_fixed_point(1.0))  # sqrt(c/2) each at p = 1/2, unit norms
    (0.707106781187, 0.707106781187, 0.0)
    """
    c, norm1, norm2, p = _setting(c, norm1, norm2, p)
    alpha, beta = _fixed_point_functions()
    return float(alpha(c, norm1, norm2, p)), float(beta(c, norm1, norm2, p)), 0.0


def shared_neuron_separatrix(c: float, *, norm1: float = 1.0, norm2: float = 1.0, p: float = 0.5,
                             length: float = 200.0) -> np.ndarray:
    """The separatrix ``C_c`` through the fixed point on the level ``c > 0`` (Theorem 3.4, Fig. 3).

    Initializations on one side of it end with ``beta`` dead, on the other with
    ``alpha`` dead.  It is traced by integrating the derived flow backwards in
    time from :func:`shared_neuron_fixed_point`, displaced by
    ``SEPARATRIX_OFFSET`` along each stable eigenvector of the derived Jacobian
    (both signs), until ``|z|`` reaches ``SEPARATRIX_EXTENT``, a ReLU coordinate
    reaches 0, or the backward time reaches ``length``.

    Parameters
    ----------
    c : float
        Level of the invariant (> 0).
    norm1, norm2 : float
        ``||x1||`` and ``||x2||`` (> 0).
    p : float
        Class-1 frequency, in (0, 1).
    length : float
        Longest backward flow time integrated per branch (> 0).

    Returns
    -------
    ndarray (N, 3)
        Points ``(alpha, beta, z)`` with ``alpha, beta >= 0``, the branches in
        order (empty if the fixed point has no stable direction).

    Examples
    --------
    >>> curve = shared_neuron_separatrix(1.0)
    >>> bool(np.allclose(curve[:, 0]**2 + curve[:, 1]**2 - curve[:, 2]**2, 1.0, atol=1e-6))  # on C_c
    True
    """
    c, norm1, norm2, p = _setting(c, norm1, norm2, p)
    length = float(require_positive("length", _scalar("length", length)))
    rates, jac = compile_flow(derivations.shared_neuron())
    params = (norm1, norm2, p)  # the order of derivations.shared_neuron().parameters
    fixed = np.array(shared_neuron_fixed_point(c, norm1=norm1, norm2=norm2, p=p))
    jacobian = np.array([[float(jac[i][j](*fixed, *params)) for j in range(3)] for i in range(3)])
    values, vectors = np.linalg.eig(jacobian)

    def leave(_, x):
        return min(x[0], x[1], SEPARATRIX_EXTENT - abs(x[2]))

    leave.terminal = True
    branches = []
    for k in np.flatnonzero(values.real < -STABLE_EIGENVALUE):
        for sign in (1.0, -1.0):
            start = fixed + sign * SEPARATRIX_OFFSET * vectors[:, k].real
            sol = scipy.integrate.solve_ivp(lambda _, x: [-float(f(*x, *params)) for f in rates], (0, length), start,
                                            rtol=SEPARATRIX_RTOL, atol=SEPARATRIX_ATOL, dense_output=True,
                                            events=leave)
            points = sol.sol(np.geomspace(SEPARATRIX_FIRST_TIME, sol.t[-1], SEPARATRIX_SAMPLES)).T
            branches.append(points[(points[:, 0] >= 0) & (points[:, 1] >= 0)])
    return np.vstack(branches[::-1]) if branches else np.empty((0, 3))
