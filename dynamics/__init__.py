"""Numerical half of learning-dynamics: theory curves from the derived equations.

Everything here evaluates expressions derived in :mod:`derivations`
(compiled with ``lambdify``), never formulas typed again.

Examples
--------
>>> import dynamics
>>> round(float(dynamics.logit(10.0, u0=0.1)), 6)
3.589179
"""
__version__ = "0.1.0"

from . import assumptions, data, initialization
from .agreement import Agreement, ClassAgreement, agreement, compare_two_layer
from .assumptions import AssumptionError, AssumptionReport
from .corollary import ConvergenceRatio, convergence_time_ratio
from .mode_map import ModeMapRun, iterate_mode_map
from .training import (BatchRun, DeepRun, SoftmaxRun, TrainingDiverged, TrainingRun, class_gradients, train,
                       train_batch, train_deep, train_softmax)
from .flow import ReducedTrajectory, Trajectory, integrate, solve_reduction
from .balanced_logit import DepthCrossover, depth_crossover, growth_bound, logit, time_to_confidence
from .relaxed_h2 import SharedNeuronOutcome, shared_neuron_outcome
from .starvation import StarvedConfidence, bound_7, bound_d2, starved_confidence, starved_confidences, table1

__all__ = [
    "__version__", "logit", "time_to_confidence", "growth_bound", "depth_crossover", "DepthCrossover", "integrate",
    "Trajectory", "solve_reduction",
    "ReducedTrajectory",
    "convergence_time_ratio", "ConvergenceRatio", "shared_neuron_outcome", "SharedNeuronOutcome",
    "bound_7", "bound_d2", "table1", "starved_confidence", "starved_confidences", "StarvedConfidence",
    "train", "train_batch", "train_deep", "train_softmax", "class_gradients", "TrainingRun", "BatchRun", "DeepRun",
    "SoftmaxRun", "TrainingDiverged", "iterate_mode_map", "ModeMapRun", "agreement", "Agreement",
    "compare_two_layer", "ClassAgreement", "assumptions", "AssumptionError", "AssumptionReport", "data",
    "initialization",
]
