"""Symbolic half of learning-dynamics: gradient flows derived with sympy.

Every factory differentiates the loss of a real network (weights and data as
sympy symbols), projects the flow onto mode coordinates, and returns a frozen
:class:`ModeModel` whose ``check()`` proves each identity the paper claims.

Examples
--------
>>> import derivations
>>> m = derivations.two_layer("bce")
>>> m.flow[m.state[0]]
n_1**2*p*z_1/(exp(y_1*z_1) + 1)
>>> all(m.check().values())
True
"""
from .claims import Claim, ClaimResult, identity, inequality, prove
from .data_coordinates import (class_mode, data_flow, gram_rates, gram_reduction, matrix_rates, residual,
                               special_cases)
from .deep import deep
from .losses import LOSS_NAMES, Loss, margin, resolve_loss
from .model import ClosedForm, ModeModel, Reduction
from .named import Named, UnknownName
from .multiclass import multiclass
from .shared_neuron import shared_neuron
from .starvation import starvation
from .two_layer import two_layer
from .wide import orthogonal_points, wide

#: Factories by name, for the command line and for loops over every model.
MODELS = {
    "two_layer": two_layer,
    "deep": deep,
    "wide": wide,
    "orthogonal_points": orthogonal_points,
    "shared_neuron": shared_neuron,
    "starvation": starvation,
    "multiclass": multiclass,
    "data_flow": data_flow,
    "class_mode": class_mode,
}

__all__ = [
    "two_layer", "deep", "wide", "orthogonal_points", "shared_neuron", "starvation", "multiclass",
    "MODELS", "ModeModel", "Reduction", "ClosedForm", "Claim", "ClaimResult", "identity", "inequality",
    "prove", "residual", "data_flow", "class_mode", "matrix_rates", "gram_rates", "gram_reduction", "special_cases",
    "Loss", "LOSS_NAMES", "margin", "resolve_loss", "Named", "UnknownName",
]
