"""The paper's phenomena, each derived, predicted, checked against training (Secs. 3-6 and the appendices of the paper).

Every experiment returns a frozen result object holding theory curves, GD runs,
agreement numbers and the parameters used; :mod:`dynamics.report.figures` draws them.
"""
from .corollary_ratio import CorollaryResult, corollary_ratio
from .depth import DepthResult, depth_experiment
from .hinge import HingeResult, hinge_vs_bce
from .multiclass import MulticlassResult, multiclass_independence
from .phase_diagram import PhaseDiagramResult, phase_diagram
from .shared_neuron import RelaxedH2Result, relaxed_h2
from .shortcut import ShortcutResult, shortcut_experiment
from .sigmoidal import SigmoidalResult, sigmoidal_learning
from .starvation import StarvationResult, starvation_experiment

__all__ = [
    "sigmoidal_learning", "SigmoidalResult", "corollary_ratio", "CorollaryResult", "phase_diagram",
    "PhaseDiagramResult", "relaxed_h2", "RelaxedH2Result", "depth_experiment", "DepthResult", "hinge_vs_bce",
    "HingeResult", "starvation_experiment", "StarvationResult", "multiclass_independence", "MulticlassResult",
    "shortcut_experiment", "ShortcutResult",
]
