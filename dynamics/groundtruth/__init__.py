"""The ground-truth room: real networks trained by numpy gradient descent on real data matrices.

Written independently of the theory: nothing here imports :mod:`derivations`
or :mod:`dynamics.theory`, so an agreement between the two is evidence.

Modules
-------
data
    Datasets that satisfy (or deliberately break) the paper's assumptions.
initialization
    Initial weights (W0, Z0) with a chosen mode, invariant or logit.
assumptions
    Checks of H1-H6 on real data and weights, with margins and offenders.
losses
    The losses gradient descent trains (value and slope of the signed margin).
training
    Full-batch gradient descent on two-layer, batched, deep and softmax networks.
"""
from . import assumptions, data, initialization, losses
from .assumptions import AssumptionError, AssumptionReport
from .training import (BatchRun, DeepRun, SoftmaxRun, TrainingDiverged, TrainingRun, class_gradients, train,
                       train_batch, train_deep, train_softmax)

__all__ = [
    "train", "train_batch", "train_deep", "train_softmax", "class_gradients", "TrainingRun", "BatchRun", "DeepRun",
    "SoftmaxRun", "TrainingDiverged", "AssumptionError", "AssumptionReport", "assumptions", "data",
    "initialization", "losses",
]
