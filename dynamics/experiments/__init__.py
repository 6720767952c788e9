"""The experiment room: the paper's phenomena, each derived, predicted and measured in one module.

Every module here that defines ``EXPERIMENT`` (an :class:`~dynamics.experiments.registry.Experiment`)
is one phenomenon: a frozen result of theory curves, gradient-descent runs and
agreement numbers; ``run`` with its sizes defined once; its figures; its claims.
The registry finds them; ``learning-dynamics reproduce`` reports them all.

Examples
--------
>>> from dynamics import experiments
>>> "sigmoidal" in [e.name for e in experiments.all_experiments()]
True
"""
from .claims import KINDS, TOLERANCES, ClaimRecord
from .registry import SIZES, Experiment, all_experiments, get

__all__ = ["Experiment", "ClaimRecord", "TOLERANCES", "KINDS", "SIZES", "all_experiments", "get"]
