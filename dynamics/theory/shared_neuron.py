"""Theorem 3.4 (Sec. 3.4): which class takes a neuron shared by both."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import derivations

from .flow import integrate
from ..validation import as_finite_array, require_positive

__all__ = ["SharedNeuronOutcome", "shared_neuron_outcome", "classify", "OUTCOMES", "WORKED_INITS"]

OUTCOMES = ("beta_dies", "alpha_dies", "both_dead", "undecided")
#: The paper's worked initializations (alpha0, beta0, z0) with their stated outcomes (unit norms, equal sampling).
WORKED_INITS = {(0.1, 0.1, 0.1): "beta_dies", (0.2, 0.9, 0.2): "alpha_dies", (1.0, 0.0, -1.1): "both_dead"}
#: Flow time after which an undecided trajectory is reported as such.
HORIZON = 500.0


def classify(alpha, beta) -> str:
    """Outcome name from final pre-activations (alpha on x1, beta on x2): which ReLU died."""
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


def shared_neuron_outcome(alpha0, beta0, z0, *, norm1=1.0, norm2=1.0, p=0.5, horizon=HORIZON) -> SharedNeuronOutcome:
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
