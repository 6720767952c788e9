"""Numbers for learning-dynamics: theory curves, real networks trained, and the two compared.

The package is a house of rooms, each importing only the floors below it:

- :mod:`dynamics.theory` evaluates the equations derived in :mod:`derivations`
  (compiled with ``lambdify``, never typed again): closed forms, integrated flows,
  the exact finite-learning-rate map;
- :mod:`dynamics.groundtruth` trains real networks with numpy gradient descent,
  written independently of the derivations and the theory;
- :mod:`dynamics.agreement` turns a theory curve and a run into error numbers;
- :class:`dynamics.Problem` (:mod:`dynamics.problem`) is the user's own data, loss and initialization: its
  assumptions, the theory's prediction (decoupled modes, closed form, or the exact flow in data coordinates),
  gradient descent on the real network, and their agreement;
- :mod:`dynamics.experiments` holds the paper's phenomena (result, sizes, figures,
  claims) and :mod:`dynamics.report` writes them; :mod:`dynamics.io` reads and
  writes every file; :mod:`dynamics.cli` is the ``learning-dynamics`` command;
- ``dynamics.plots`` is the plotting module :mod:`dynamics.report.figures` (loaded on first use, so that
  ``import dynamics`` never imports matplotlib): ``dynamics.plots.comparison_figure(...)``.

The names below are the public surface: the theory's and the ground truth's main functions, and
:func:`save` / :func:`load` (:mod:`dynamics.archive`), which keep any result in ``.npz`` + ``.json`` files.

Examples
--------
>>> import dynamics
>>> round(float(dynamics.logit(10.0, u0=0.1)), 6)
3.589179
"""
__version__ = "0.1.0"

from . import groundtruth, theory
from .agreement import Agreement, ClassAgreement, agreement, compare_two_layer
from .problem import Prediction, Problem, ProblemAssumptions, ProblemComparison
from .groundtruth import (AssumptionError, AssumptionReport, BatchRun, DeepRun, SoftmaxRun, TrainingDiverged,
                          TrainingRun, assumptions, class_gradients, data, initialization, train, train_batch,
                          train_deep, train_softmax)
from .theory import (ConvergenceRatio, DepthCrossover, ModeMapRun, ReducedTrajectory, SharedNeuronOutcome,
                     StarvedConfidence, Trajectory, bound_7, bound_d2, convergence_time_ratio, depth_crossover,
                     growth_bound, integrate, iterate_mode_map, logit, shared_neuron_outcome, solve_reduction,
                     starved_confidence, starved_confidences, table1, time_to_confidence)
# issue 13, part 3 (sgd): minibatch SGD predicted
from .theory import SgdMoments, sgd_moments, share_covariance
from .archive import load, save
# issue 13, part 1 (modflow): gradient descent at a finite learning rate, to second order
from .theory import InvariantDrift, invariant_drift, modified_flow
# issue 13, part 2 (threshold): the learning-rate threshold of Lemma 3.1's pattern
from .theory import LrThreshold, keeps_pattern, lr_threshold

__all__ = [
    "__version__", "logit", "time_to_confidence", "growth_bound", "depth_crossover", "DepthCrossover", "integrate",
    "Trajectory", "solve_reduction",
    "ReducedTrajectory",
    "convergence_time_ratio", "ConvergenceRatio", "shared_neuron_outcome", "SharedNeuronOutcome",
    "bound_7", "bound_d2", "table1", "starved_confidence", "starved_confidences", "StarvedConfidence",
    "train", "train_batch", "train_deep", "train_softmax", "class_gradients", "TrainingRun", "BatchRun", "DeepRun",
    "SoftmaxRun", "TrainingDiverged", "iterate_mode_map", "ModeMapRun", "agreement", "Agreement",
    "compare_two_layer", "ClassAgreement", "assumptions", "AssumptionError", "AssumptionReport", "data",
    "initialization", "theory", "groundtruth", "Problem", "ProblemAssumptions", "Prediction", "ProblemComparison",
    "save", "load",
    # issue 13, part 1 (modflow)
    "modified_flow", "invariant_drift", "InvariantDrift",
    # issue 13, part 2 (threshold)
    "lr_threshold", "keeps_pattern", "LrThreshold",
    # issue 13, part 3 (sgd)
    "sgd_moments", "SgdMoments", "share_covariance",
]

#: Rooms loaded on first use (``dynamics.experiments.get("depth")`` works after a bare ``import dynamics``),
#: so importing the package stays light and never touches matplotlib's figure machinery or the report.
_ON_FIRST_USE = ("experiments", "report", "io", "cli", "validation", "progress")

#: Short names of modules deeper in the house, also loaded on first use: ``dynamics.plots`` is the figures module.
_ALIASES = {"plots": "report.figures"}


def __getattr__(name: str):
    """Load a room of :data:`_ON_FIRST_USE` when it is first asked for (PEP 562)."""
    if name in _ON_FIRST_USE or name in _ALIASES:
        import importlib

        return importlib.import_module(f"{__name__}.{_ALIASES.get(name, name)}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
