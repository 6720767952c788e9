"""The theory room: curves computed from the derived equations, never from formulas typed again.

It imports :mod:`derivations` (the equations, compiled with ``lambdify`` in
:mod:`~dynamics.theory.compiled`) and never the ground truth.

Modules
-------
compiled
    Derived sympy expressions turned into vectorized numpy functions.
balanced_logit
    The balanced mode's logit in closed form (Ei for cross-entropy, exponentials
    for the hinge, quadrature inversion for deep chains): :func:`logit`,
    :func:`time_to_confidence`, :func:`growth_bound`, :func:`depth_crossover`.
flow
    Any derived flow integrated with ``solve_ivp``, many modes in one call
    (:func:`integrate`), and the derived planar reductions (:func:`solve_reduction`).
data_flow
    The exact switching gradient flow in data coordinates for any data (:func:`data_flow`, with every
    :class:`Switch`), and the decoupled per-class modes with closed forms where they apply (:func:`class_modes`).
mode_map
    The exact discrete map of gradient descent on a mode (finite learning rate).
modified_flow
    Gradient descent at a finite learning rate to second order: the modified flow ``f - (lr/2) J_f f``
    integrated (:func:`modified_flow`), and the drift of the invariants it predicts (:func:`invariant_drift`).
corollary
    Corollary 3.3: ratio of the convergence times of two classes.
hinge
    The hinge off the balanced manifold: when the logit reaches the margin (:func:`hinge_stopping_time`).
shared_neuron
    Theorem 3.4: which ReLU dies when one neuron is shared by both classes; the fixed point and the
    separatrix of the shared neuron's flow.
sgd
    Minibatch SGD: the mean and the variance of every mode's logit (linear-noise approximation,
    :func:`sgd_moments`).
starvation
    Gradient starvation: the bounds (7) and (D.2) and ODE (8).
lr_threshold
    The largest learning rate at which gradient descent keeps the activation pattern and Lemma 3.1's signs,
    from the derived map (:func:`lr_threshold`, :func:`keeps_pattern`).
roots
    The safeguarded Newton solver used to invert increasing closed forms.
"""
from .balanced_logit import DepthCrossover, depth_crossover, growth_bound, logit, time_to_confidence
from .corollary import ConvergenceRatio, convergence_time_ratio
from .data_flow import DataFlowSolution, ModeSolution, Switch, class_modes, data_flow
from .flow import ReducedTrajectory, Trajectory, integrate, solve_reduction
from .hinge import hinge_stopping_time
from .mode_map import ModeMapRun, iterate_mode_map
# issue 13, part 1 (modflow): the modified flow of finite-learning-rate gradient descent
from .modified_flow import InvariantDrift, invariant_drift, modified_flow
from .shared_neuron import (SharedNeuronOutcome, shared_neuron_fixed_point, shared_neuron_outcome,
                            shared_neuron_separatrix)
from .starvation import StarvedConfidence, bound_7, bound_d2, starved_confidence, starved_confidences, table1
# issue 13, part 2 (threshold): the learning-rate threshold of Lemma 3.1's pattern
from .lr_threshold import LrThreshold, keeps_pattern, lr_threshold
# issue 13, part 3 (sgd): minibatch SGD predicted
from .sgd import SgdMoments, sgd_moments, share_covariance

__all__ = [
    "logit", "time_to_confidence", "growth_bound", "depth_crossover", "DepthCrossover", "integrate", "Trajectory",
    "solve_reduction", "ReducedTrajectory", "iterate_mode_map", "ModeMapRun", "convergence_time_ratio",
    "ConvergenceRatio", "shared_neuron_outcome", "SharedNeuronOutcome", "bound_7", "bound_d2", "table1",
    "starved_confidence", "starved_confidences", "StarvedConfidence", "hinge_stopping_time",
    "shared_neuron_fixed_point", "shared_neuron_separatrix", "data_flow", "class_modes", "DataFlowSolution",
    "ModeSolution", "Switch",
    # issue 13, part 1 (modflow)
    "modified_flow", "invariant_drift", "InvariantDrift",
    # issue 13, part 2 (threshold)
    "lr_threshold", "keeps_pattern", "LrThreshold",
    # issue 13, part 3 (sgd)
    "sgd_moments", "SgdMoments", "share_covariance",
]
