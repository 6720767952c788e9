"""The ground-truth room: real networks trained by numpy gradient descent on real data matrices.

Written independently of the theory: nothing here imports :mod:`derivations`
or :mod:`dynamics.theory`, so an agreement between the two is evidence.

Modules
-------
data
    Datasets that satisfy (or deliberately break) the paper's assumptions.
initialization
    Initial weights (W0, Z0) with a chosen mode, invariant or logit; for any data, balanced units built from
    the points (:func:`~dynamics.groundtruth.initialization.data_balanced_init`) or small random ones
    (:func:`~dynamics.groundtruth.initialization.random_init`).
assumptions
    Checks of H1-H6 on real data and weights, with margins and offenders.
losses
    The losses gradient descent trains (:class:`~dynamics.groundtruth.losses.NetworkLoss` objects: value and
    slope of the signed margin, and whether learning stops at the margin); any sympy expression of the margin
    becomes one (:func:`~dynamics.groundtruth.losses.expression_loss`).
networks
    One forward pass and one gradient per network (two-layer, K two-layer at once, deep chain, softmax).
training
    The one training core: full-batch gradient descent on those networks, with records and divergence checks
    (the two-layer loops also take point weights: objective ``sum_i q_i l(s_i u_i)``).
"""
from . import assumptions, data, initialization, losses, networks, training
from .assumptions import AssumptionError, AssumptionReport
from .data import Dataset
from .initialization import DeepInitialization, Initialization, data_balanced_init, random_init
from .losses import LOSSES, NetworkLoss, expression_loss, get_loss
from .networks import (batch_gradient, batch_logits, class_gradients, deep_gradient, deep_logits,
                       softmax_class_gradients, softmax_gradient, softmax_logits, two_layer_gradient, two_layer_logits)
from .training import (BatchRun, DeepRun, SoftmaxRun, TrainingDiverged, TrainingRun, train, train_batch, train_deep,
                       train_softmax)

__all__ = [
    "train", "train_batch", "train_deep", "train_softmax", "TrainingRun", "BatchRun", "DeepRun", "SoftmaxRun",
    "TrainingDiverged", "two_layer_logits", "two_layer_gradient", "class_gradients", "batch_logits",
    "batch_gradient", "deep_logits", "deep_gradient", "softmax_logits", "softmax_gradient",
    "softmax_class_gradients", "Dataset", "Initialization", "DeepInitialization", "NetworkLoss", "LOSSES",
    "get_loss", "expression_loss", "data_balanced_init", "random_init", "AssumptionError", "AssumptionReport",
    "assumptions", "data", "initialization", "losses", "networks", "training",
]
