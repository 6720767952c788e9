"""The ``learning-dynamics`` command line.

Exit status
-----------
0
    Success (``reproduce``: every claim passed; ``check``: the report was
    written, whether the assumptions hold or not, unless ``--strict``).
1
    The command ran but failed: a claim failed, ``check --strict`` found an
    assumption that fails, gradient descent diverged
    (the arguments were valid; the run they ask for does not converge), an
    output could not be written (disk full, permission), or an internal error
    (one line; set ``LEARNING_DYNAMICS_TRACEBACK=1`` or pass ``--traceback`` to
    see the traceback).
2
    Usage error: a bad argument, a bad data file, a refused output path or
    report folder.  One line on stderr naming the flag; nothing is written.
    A library error is a usage error only where the user's arguments enter the
    library (the library refusing them); anywhere else it is an internal error.
130, 143
    Interrupted by Ctrl-C (130) or SIGTERM (143): one line on stderr; outputs
    and report folders are left exactly as they were.
141
    The reader of the standard output went away (``... | head -1``): quiet exit.

Outputs are written only once everything is computed, through
:mod:`dynamics.io` (atomic files; report folders moved into place when
complete); ``--out`` naming a symbolic link is refused unless the link points at
a pipe or character device such as ``/dev/stdout``.
"""
from __future__ import annotations

import argparse
import contextlib
import math
import os
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = ["main", "build_parser", "MAX_POINTS", "MAX_DEEP_POINTS", "MAX_STEPS", "MAX_RECORDED_VALUES",
           "MAX_DATA_VALUES", "MAX_WORK", "MAX_ABS_LOGIT",
           "NORM_RANGE", "MAX_T_MAX", "EXIT_FAILURE", "EXIT_USAGE", "EXIT_INTERRUPTED", "EXIT_TERMINATED",
           "EXIT_BROKEN_PIPE", "TABLE_COLUMNS", "NPZ_ARRAYS", "MAX_SWEEP_GRID", "MAX_WORKERS"]

PROG = "learning-dynamics"
EXIT_FAILURE = 1
EXIT_USAGE = 2
#: 128 + SIGINT, what a shell reports for a program stopped by Ctrl-C.
EXIT_INTERRUPTED = 130
#: 128 + SIGTERM, for a run stopped by ``kill``.
EXIT_TERMINATED = 143
#: 128 + SIGPIPE, what a shell reports for a writer whose reader closed the pipe.
EXIT_BROKEN_PIPE = 141
#: Environment variable that makes an internal error print its traceback.
TRACEBACK_ENV = "LEARNING_DYNAMICS_TRACEBACK"

#: Most time points ``predict`` evaluates: a curve needs far fewer, and the theory of a deep chain costs up
#: to a few milliseconds per point (measured 4 ms at depth 5), so this bounds a run to well under a minute.
MAX_POINTS = 10_000
#: Most time points for a deep BCE chain (depth > 2): it has no closed form, each point is a Newton inversion of
#: a quadrature of the derived ODE (measured up to 50 ms per point at depth 32), so this bounds a run to about a
#: minute; the closed forms (depth 2, hinge) take MAX_POINTS.
MAX_DEEP_POINTS = 1_000
#: Most gradient-descent steps of ``simulate``/``compare`` (measured 70 us per step on the default data:
#: about a minute).
MAX_STEPS = 1_000_000
#: Most recorded values, ``(steps / record_every + 1) x points``: every record keeps the logits and
#: pre-activations of every point, so this bounds the memory (a few hundred MB) and the output table.
MAX_RECORDED_VALUES = 10**7
#: Most data values, ``points x dimension`` (80 MB as float64).
MAX_DATA_VALUES = 10**7
#: Most work of a run, ``steps x points x dimension`` (measured 4e-8 s per unit: under a minute).
MAX_WORK = 10**9
#: Largest |initial logit|: sigma(u) is exactly 1 in float64 beyond 37 and the BCE gradient is exactly 0
#: beyond 745; 1e6 keeps squared logits (losses, RMS agreement) far inside float64 range.
MAX_ABS_LOGIT = 1e6
#: Input norms accepted: the balanced initialization uses ||x||^2 and sqrt(||x|| |u0|), which stay far inside
#: float64 range (1e-308 .. 1e308) only for norms in this range.
NORM_RANGE = (1e-100, 1e100)
#: Last flow time of ``predict``: the BCE logit grows like log t, so confidence is 1 to float64 precision
#: long before; beyond this the ODE integrator cannot resolve the time axis.
MAX_T_MAX = 1e12
#: Points of the theory's curves drawn by ``compare`` (dense enough for a smooth line whatever --record-every).
THEORY_CURVE_POINTS = 400
#: Largest grid per axis of ``sweep phase-diagram``: 2001 x 2001 = 4 million initializations per norm (a few
#: hundred MB of region codes and weights at most; a larger map is a cluster's job, split over norms or extents).
MAX_SWEEP_GRID = 2001
#: Most local worker processes ``--workers`` starts (as the sweep facility allows).
MAX_WORKERS = 256

#: Library parameter names and the flags that set them (to name the flag in a library's error message).
#: Default tolerance of the ``compare`` verdict on the true class's probability: gradient descent at one learning
#: rate is O(lr) off the flow, and at the default lr 0.05 the gap stays near 1e-3; 0.01 is the report's bound for
#: a raw single-learning-rate comparison.
COMPARE_TOLERANCE = 0.01

#: Length of the units of the class_mean initialization and |output weight|: small, so that the run starts in the
#: small-initialization regime the theory describes (the value simulate --data has always used).
CLASS_MEAN_NORM = 0.1

#: Initialization schemes of a run on the user's data (``dynamics.Problem``'s ``init``); the first is the default.
INIT_SCHEMES = ("class_mean", "balanced", "random")

#: The columns of the tidy tables of ``simulate`` and ``compare`` (CSV, or ``"table"`` in their JSON): one row per
#: (recorded step, data point), rows in time order and, within a step, in point order.  ``compare`` has the logit
#: and its probability or margin twice, suffixed ``_gd`` (gradient descent) and ``_theory``.
TABLE_COLUMNS = {
    "step": "gradient-descent step of the record (0 = the initialization)",
    "t": "flow time, learning rate x step",
    "point": "index of the data point (its row in the data, from 0)",
    "class": "the point's class, 1 or 2 (the paper's numbering: class 1 has s = +1, class 2 has s = -1)",
    "label": "the point's label as the data file spells it (on generated data, the class)",
    "logit": "the network's output u(x) on the point",
    "p_true_class": "probability of the point's own class, sigmoid(s u) (cross-entropy loss only)",
    "signed_margin": "signed margin s u of the point (losses without a probability: hinge, squared, formulas); "
                     "learning on the point stops at 1 for the hinge",
    "mean_loss": "the run's mean loss at this step (the same on each point's row)",
}

#: The arrays of ``simulate --format npz`` (T recorded steps, n points, h hidden units, d input dimension); the
#: parameters are in the JSON sidecar of the same name.
NPZ_ARRAYS = {
    "step": "(T,) gradient-descent step of each record",
    "time": "(T,) flow time, learning rate x step",
    "logits": "(T, n) the network's output u on each point",
    "p_true_class": "(T, n) probability of each point's own class, sigmoid(s u) (cross-entropy loss only)",
    "signed_margin": "(T, n) signed margin s u (losses without a probability)",
    "mean_loss": "(T,) the run's mean loss",
    "classes": "(n,) class of each point, 1 or 2",
    "labels": "(n,) label of each point as the data file spells it (on generated data, the class)",
    "X": "(n, d) the data points",
    "W0": "(h, d) initial first-layer weights",
    "Z0": "(h,) initial output weights",
    "W": "(h, d) final first-layer weights",
    "Z": "(h,) final output weights",
}

#: The losses of a run on generated data (whose theory is the closed form of one repeated point per class).
_GENERATED_LOSSES = {"simulate": ("bce", "hinge", "squared"), "compare": ("bce", "hinge")}

#: Defaults of the options that shape generated data (None in the parser, so that a given one is seen).
_GENERATED_DEFAULTS = {"norms": (1.0, 1.0), "p": 0.5, "n_points": 10, "dimension": 5}

_FLAGS = {"u0": "--u0", "v0": "--v0", "norm": "--norm", "norms": "--norms", "p": "--p", "depth": "--depth",
          "lr": "--lr", "steps": "--steps", "record_every": "--record-every", "loss": "--loss", "t": "--t-max",
          "method": "--method", "n_points": "--n-points", "dimension": "--dimension", "points": "--points",
          "neurons": "--neurons", "classes": "--classes", "force": "--force", "out": "--out", "X": "--data",
          "labels": "--data", "data": "--data", "only": "--only", "hidden": "--hidden", "init": "--init",
          "W0": "--weights", "Z0": "--weights", "batch_size": "--batch-size",
          "seed": "--seed", "tolerance": "--tolerance", "workers": "--workers", "scheduler": "--scheduler",
          "grid": "--grid", "extent": "--extent", "horizon": "--horizon", "stem": "FIGURE", "report_dir": "REPORT"}


class _UsageError(Exception):
    pass


class _OutputFailed(Exception):
    """An output could not be written (disk full, permission): exit status 1, not a usage error."""


class _Interrupted(BaseException):
    """SIGTERM, turned into an exception so that cleanup runs as for Ctrl-C (a BaseException, like
    KeyboardInterrupt, so that no ``except Exception`` swallows it)."""


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Parse '-1e-300', '-.5', '-inf' as values, not options (argparse only knows '-1' and '-1.5').
        self._negative_number_matcher = re.compile(r"^-(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$|^-(inf|infinity|nan)$",
                                                   re.IGNORECASE)

    def error(self, message):  # one line, exit status 2
        raise _UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def _finite(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _logit(text: str) -> float:
    value = _finite(text)
    if not 0 < abs(value) <= MAX_ABS_LOGIT:
        raise argparse.ArgumentTypeError(f"an initial logit must be non-zero with |value| <= {MAX_ABS_LOGIT:g}, "
                                         f"got {text}")
    return value


def _norm(text: str) -> float:
    value = _finite(text)
    low, high = NORM_RANGE
    if not low <= value <= high:
        raise argparse.ArgumentTypeError(f"an input norm must lie in [{low:g}, {high:g}], got {text}")
    return value


def _positive(text: str) -> float:
    value = _finite(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _t_max(text: str) -> float:
    value = _positive(text)
    if value > MAX_T_MAX:
        raise argparse.ArgumentTypeError(f"must be at most {MAX_T_MAX:g} (confidence is 1 to float64 precision "
                                         f"long before), got {text}")
    return value


def _count(low: int, high: int | None = None):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"invalid int value: {text!r}") from None
        if value < low or (high is not None and value > high):
            upper = f" and at most {high:,}" if high is not None else ""
            raise argparse.ArgumentTypeError(f"must be at least {low}{upper}, got {value:,}")
        return value
    parse.__name__ = "int"
    return parse


def _path(text: str) -> str:
    if text == "":
        raise argparse.ArgumentTypeError("must not be empty; pass a file name")
    return text


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``learning-dynamics``.

    Returns
    -------
    argparse.ArgumentParser
        The parser of every ``learning-dynamics`` subcommand.
    """
    from . import __version__
    import derivations
    from derivations.validation import MAX_DEPTH

    parser = _Parser(prog=PROG,
                     description="Derive, solve, simulate and check the learning dynamics of ReLU networks "
                                 "(Tachet des Combes et al., arXiv:1809.06848).",
                     epilog="Exit status: 0 ok; 1 the run failed (a claim failed, training diverged, an output "
                            "could not be written, internal error); 2 bad usage (nothing written); 130 "
                            "interrupted by Ctrl-C, 143 by SIGTERM (previous outputs intact).")
    parser.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    parser.add_argument("--traceback", action="store_true",
                        help=f"print the traceback of an internal error (or set {TRACEBACK_ENV}=1)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    derive = sub.add_parser("derive", help="print the derived flow, invariants, reduced ODE and closed form",
                            description="Print the equations sympy derives for MODEL.")
    derive.add_argument("model", choices=sorted(derivations.MODELS), metavar="MODEL",
                        help="one of: " + ", ".join(sorted(derivations.MODELS)))
    derive.add_argument("--loss", default=None,
                        help=f"loss: {', '.join(derivations.LOSS_NAMES)} or a formula in the margin m, e.g. "
                             "'exp(-m)' (default: bce; not for multiclass, whose loss is the softmax cross-entropy)")
    derive.add_argument("--depth", type=int, default=None,
                        help=f"number of weight layers N, for 'deep' only: 2..{MAX_DEPTH} (default 3)")
    derive.add_argument("--neurons", type=int, default=None,
                        help="neurons per class, for 'wide' (default 2); hidden units, for 'data_flow' (default 2) "
                             "and 'class_mode' (default 1)")
    derive.add_argument("--points", type=int, default=None,
                        help="orthogonal points, for 'orthogonal_points' (default 2); data points, for 'data_flow' "
                             "(default 3) and 'class_mode' (default 2)")
    derive.add_argument("--classes", type=int, default=None, help="classes, for 'multiclass' only (default 3)")
    derive.add_argument("--latex", action="store_true", help="print LaTeX (an align* block) instead of text")
    derive.add_argument("--check", action="store_true", help="also prove every claim and list the outcomes")

    pred = sub.add_parser("predict", help="theory curve u(t) and the true class's confidence (BCE) or signed "
                                          "margin (hinge) on a time grid (CSV or JSON)",
                          description="Balanced-mode theory from the derived equations.")
    pred.add_argument("--loss", default="bce", choices=("bce", "hinge"))
    pred.add_argument("--norm", type=_norm, default=1.0,
                      help=f"input norm ||x|| in [{NORM_RANGE[0]:g}, {NORM_RANGE[1]:g}] (default 1)")
    pred.add_argument("--p", type=_finite, default=1.0, help="class frequency in (0, 1] (default 1)")
    pred.add_argument("--u0", type=_logit, default=0.1,
                      help=f"initial logit, non-zero, |u0| <= {MAX_ABS_LOGIT:g}; < 0 for class 2 (default 0.1)")
    pred.add_argument("--depth", type=int, default=2, help=f"number of weight layers N, 2..{MAX_DEPTH} (default 2)")
    pred.add_argument("--t-max", type=_t_max, default=20.0, help=f"last flow time, at most {MAX_T_MAX:g} (default 20)")
    pred.add_argument("--points", type=_count(2, MAX_POINTS), default=101,
                      help=f"number of time points, 2..{MAX_POINTS:,} (default 101; at most {MAX_DEEP_POINTS:,} "
                           "for a BCE chain deeper than 2, which has no closed form)")
    pred.add_argument("--method", default="closed_form", choices=("closed_form", "ode"))
    pred.add_argument("--format", default="csv", choices=("csv", "json"))
    pred.add_argument("--out", type=_path, default=None, help="output file (default: stdout)")
    pred.add_argument("--force", action="store_true", help="replace output files that exist (--out, its parameters JSON, --figure files); without it an existing file is never replaced")

    for name, helptext in (("simulate", "gradient-descent ground truth on a generated or given dataset"),
                           ("compare", "theory vs gradient descent: agreement numbers and a figure")):
        sim = sub.add_parser(name, help=helptext, description=helptext,
                             epilog=f"Limits: --steps <= {MAX_STEPS:,}; points x dimension <= {MAX_DATA_VALUES:.0e}; "
                                    f"(steps / record-every + 1) x points <= {MAX_RECORDED_VALUES:.0e} recorded "
                                    f"values; steps x points x dimension <= {MAX_WORK:.0e} (the run's work).")
        sim.add_argument("--data", type=_path, default=None,
                         help=".npz (X, labels) or .csv (features..., label; a header row is optional) file; any "
                              "two distinct labels (the mapping is reported); default: one repeated point per "
                              "class, generated")
        builtin = _GENERATED_LOSSES[name]
        sim.add_argument("--loss", default="bce",
                         help=f"loss: {', '.join(builtin)}, or with --data any name of "
                              f"{', '.join(derivations.LOSS_NAMES)} or a formula in the margin m, e.g. "
                              "'exp(-m)', '2*log(1+exp(-m/2))', 'max(0, 1-m)' (default bce)")
        sim.add_argument("--norms", type=_norm, nargs=2, default=None, metavar=("N1", "N2"),
                         help=f"class input norms of the generated data, in [{NORM_RANGE[0]:g}, {NORM_RANGE[1]:g}] "
                              "(default 1 1)")
        sim.add_argument("--p", type=_finite, default=None, help="class-1 frequency of the generated data (default 0.5)")
        sim.add_argument("--n-points", type=_count(2), default=None, help="points in the generated data (default 10)")
        sim.add_argument("--dimension", type=_count(2), default=None,
                         help="input dimension of the generated data (default 5)")
        _add_init_arguments(sim, data_only=True)
        sim.add_argument("--lr", type=_positive, default=0.05, help="learning rate (default 0.05)")
        sim.add_argument("--steps", type=_count(1, MAX_STEPS), default=400,
                         help=f"gradient-descent steps, 1..{MAX_STEPS:,} (default 400)")
        sim.add_argument("--record-every", type=_count(1), default=10, help="record every k steps (default 10)")
        sim.add_argument("--seed", type=_count(0), default=0, help="random seed (default 0)")
        sim.add_argument("--force", action="store_true", help="replace output files that exist (--out, its parameters JSON, --figure files); without it an existing file is never replaced")
        if name == "simulate":
            sim.add_argument("--format", default="csv", choices=("csv", "json", "npz"),
                             help="csv: one row per recorded step and point (step, t, point, class, label, logit, "
                                  "p_true_class for the cross-entropy or signed_margin otherwise, mean_loss); json: "
                                  "the parameters and that table; npz: 2-D arrays (logits[T, n], time[T], "
                                  "classes[n], labels[n], X, W0, Z0, W, Z, ...).  A CSV or NPZ file gets its "
                                  "parameters in a JSON file of the same name (run.csv -> run.json)  (default csv)")
            sim.add_argument("--out", type=_path, default=None, help="output file (default: stdout; required for npz)")
        else:
            sim.add_argument("--batch-size", type=_count(1), default=None,
                             help="with --data: SGD on this many points per step, drawn with replacement (seeded "
                                  "by --seed); default: full-batch gradient descent")
            sim.add_argument("--format", default="json", choices=("json",), help="output format (JSON only)")
            sim.add_argument("--figure", type=_path, default="comparison",
                             help="figure path stem, PNG and PDF (default ./comparison)")
            sim.add_argument("--out", type=_path, default=None,
                             help="write the agreement JSON here (default: stdout); it holds every parameter, the "
                                  "verdict and a table with one row per recorded step and point (logit, and "
                                  "p_true_class or signed_margin, by gradient descent and by the theory)")
            sim.add_argument("--tolerance", type=_positive, default=COMPARE_TOLERANCE,
                             help="for the verdict 'agrees': the largest |P_GD - P_theory| of the true class "
                                  "over the run (generated data), or with --data the largest |u_GD - u_theory| "
                                  "relative to the run's largest |u_GD| (default "
                                  f"{COMPARE_TOLERANCE:g}: GD at one learning rate is O(lr) off the flow)")

    chk = sub.add_parser("check", help="which of the assumptions H1-H3 hold on a data file and initialization",
                         description="The assumption report of the theory (H1: the data; H2, H3: the "
                                     "initialization) on the user's data, with the points and units that break "
                                     "them.  Exit status 0 whether they hold or not, unless --strict.")
    chk.add_argument("--data", type=_path, required=True,
                     help=".npz (X, labels) or .csv (features..., label; a header row is optional) file")
    _add_init_arguments(chk, data_only=False)
    chk.add_argument("--seed", type=_count(0), default=0, help="random seed of --init random (default 0)")
    chk.add_argument("--format", default="text", choices=("text", "json"))
    chk.add_argument("--strict", action="store_true", help="exit status 1 when an assumption fails")

    rep = sub.add_parser("reproduce", help="run every claim of the paper and write a report (the main job)",
                         description="Run every experiment with built-in defaults; write report.md, report.json "
                                     "and figures into --out.  The report is built in a temporary folder next to "
                                     "--out and moved into place only when complete; Ctrl-C leaves --out as it "
                                     "was.")
    rep.add_argument("--out", type=_path, default=None, help="output folder (default ./learning-dynamics-report)")
    rep.add_argument("--quick", action="store_true", help="smaller sizes, for a fast look")
    rep.add_argument("--force", action="store_true",
                     help="replace a previous report in --out: only the files it recorded (unchanged) are removed; "
                          "a folder holding anything else is refused, naming the entries")
    rep.add_argument("--quiet", action="store_true", help="no progress bar")
    rep.add_argument("--only", nargs="+", metavar="EXPERIMENT", default=None,
                     help="run only these experiments, e.g. --only depth hinge or --only depth,hinge (a name that "
                          "is not one lists them all)")
    rep.add_argument("--seed", type=_count(0), default=None,
                     help="seed every experiment that draws randomness from this one number (each experiment gets "
                          "its own stream, keyed by its name); default: the built-in seeds of the report")
    _add_executor_arguments(rep)

    swp = sub.add_parser("sweep", help="a large sweep of the ground truth against the theory, on local processes or a "
                                       "Dask cluster",
                         description="phase-diagram: batched gradient descent from a grid of initializations (z0, y0) "
                                     "of a class-1 unit, for each input norm, against the regions Sec. 3.3 predicts. "
                                     "Writes an .npz (norms, z0, y0, measured and theory region codes, agreement) and "
                                     "its parameters in a JSON file of the same name.")
    swp.add_argument("kind", choices=("phase-diagram",), help="what to sweep")
    swp.add_argument("--grid", type=_count(2, MAX_SWEEP_GRID), default=201,
                     help=f"grid points per axis, 2..{MAX_SWEEP_GRID:,} (default 201: 40,401 initializations per norm)")
    swp.add_argument("--norms", type=_norm, nargs="+", default=[0.7],
                     help=f"input norms ||x||, each in [{NORM_RANGE[0]:g}, {NORM_RANGE[1]:g}] (default 0.7, the "
                          "paper's Fig. 2)")
    swp.add_argument("--extent", type=_positive, default=1.0, help="half-width of the grid in z0 and y0 (default 1)")
    swp.add_argument("--lr", type=_positive, default=0.05, help="learning rate (default 0.05)")
    swp.add_argument("--horizon", type=_positive, default=60.0, help="flow time of every run (default 60)")
    swp.add_argument("--out", type=_path, required=True, help="the .npz file to write (parameters beside it, .json)")
    swp.add_argument("--force", action="store_true", help="replace the output files if they exist")
    swp.add_argument("--quiet", action="store_true", help="no progress bar")
    _add_executor_arguments(swp)

    red = sub.add_parser("redraw", help="draw a report's figures again from the data it saved (nothing reruns)",
                         description="Load the results a report saved (data/<experiment>.npz + .json) and draw the "
                                     "named figures again with the experiments' current figure code, into a new "
                                     "folder: restyle a figure without rerunning gradient descent.")
    red.add_argument("report", type=_path, help="a folder written by 'learning-dynamics reproduce'")
    red.add_argument("figures", nargs="+", metavar="FIGURE",
                     help="figure stems (e.g. fig4_depth) or experiment names (e.g. depth, for all its figures)")
    red.add_argument("--out", type=_path, required=True,
                     help="folder for the redrawn PNG and PDF files (not the report itself; existing files there "
                          "are never replaced)")
    return parser


def _add_executor_arguments(parser) -> None:
    """``--workers`` / ``--scheduler``: where the sweeps of a command run (results do not depend on it)."""
    parser.add_argument("--workers", type=_count(1, MAX_WORKERS), default=None,
                        help="run the sweeps on this many local worker processes (a process pool; with --scheduler "
                             f"local, a local Dask cluster), 1..{MAX_WORKERS}; the results are identical to a serial "
                             "run (default: serial, in this process)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS",
                        help="run the sweeps on a Dask cluster: a scheduler's address (tcp://host:8786) or 'local' "
                             "(needs the distributed extra: pip install \".[distributed]\" from the source folder)")


@contextlib.contextmanager
def _sweep_executor(args):
    """The executor ``--workers`` / ``--scheduler`` ask for, open for the ``with`` block (usage errors named)."""
    from .sweep import executor

    with contextlib.ExitStack() as stack:
        try:
            handle = stack.enter_context(executor(workers=args.workers, scheduler=args.scheduler))
        except ImportError as exc:
            raise _UsageError(f"{PROG}: argument --scheduler: {_one_line(exc)}") from None
        except ValueError as exc:
            flag = "--workers" if str(exc).startswith("workers") else "--scheduler"
            raise _UsageError(f"{PROG}: argument {flag}: {_one_line(exc)}") from None
        except OSError as exc:  # no scheduler at that address (or it timed out)
            raise _UsageError(f"{PROG}: argument --scheduler: cannot reach {args.scheduler!r}: "
                              f"{_one_line(exc)}") from None
        yield handle


def _add_init_arguments(parser, *, data_only: bool) -> None:
    """The initialization options of simulate / compare / check (``data_only``: --init and the rest need --data)."""
    from .validation import MAX_HIDDEN

    where = "with --data: " if data_only else ""
    parser.add_argument("--init", default=None, choices=INIT_SCHEMES,
                        help=f"{where}initialization: class_mean (one unit per class along its class mean, the "
                             "default), balanced (units made of class points, balanced, aiming at the logits "
                             "--u0/--v0), random (--hidden small random units, seeded by --seed)")
    parser.add_argument("--hidden", type=_count(1, MAX_HIDDEN), default=None,
                        help=f"{where}units per class for --init balanced (default 1); hidden units for --init "
                             f"random; at most {MAX_HIDDEN:,}")
    parser.add_argument("--u0", type=_logit, default=None,
                        help=f"initial class-1 logit of the balanced initialization, in (0, {MAX_ABS_LOGIT:g}] "
                             "(default 0.1)")
    parser.add_argument("--v0", type=_logit, default=None,
                        help=f"initial class-2 logit of the balanced initialization, in [-{MAX_ABS_LOGIT:g}, 0) "
                             "(default -0.1)")
    parser.add_argument("--weights", type=_path, default=None,
                        help=f"{where}initial weights: an .npz file with arrays W0 (h, d) and Z0 (h,), instead of "
                             "--init")


# --------------------------------------------------------------------------- commands

#: File suffixes of the output formats, to refuse an --out whose suffix names another format than --format.
_FORMAT_SUFFIXES = {".csv": "csv", ".json": "json", ".npz": "npz"}


def _check_output(flag: str, path, *, fmt: str | None = None) -> None:
    """Refuse a bad output path before any work is done.

    A path is refused when it is not writable as an output (:func:`dynamics.io.output_target`) or when its suffix
    names another format than ``fmt``.  :func:`_refuse_existing` then refuses a file that exists.
    """
    from .io import output_target

    if path in (None, "-"):
        return
    try:
        target = output_target(path)
    except ValueError as exc:
        raise _UsageError(f"{PROG}: argument {flag}: {exc}") from None
    if target != "file":
        return
    path = Path(path)
    named = _FORMAT_SUFFIXES.get(path.suffix.lower())
    if fmt is not None and named is not None and named != fmt:
        raise _UsageError(f"{PROG}: argument {flag}: {str(path)!r} names a .{named} file but the format is {fmt}; "
                          f"name it .{fmt} or pass --format {named}")


def _refuse_existing(outputs, force: bool) -> None:
    """Unless ``force``, refuse an output file that exists: another run's results are never replaced silently.

    ``outputs`` is ``[(flag, path), ...]``; streams (stdout, pipes, devices) are written through, never refused.
    """
    from .io import output_target

    for flag, path in outputs:
        if force or path in (None, "-") or output_target(path) != "file":
            continue
        if Path(path).exists():
            raise _UsageError(f"{PROG}: argument {flag}: {str(path)!r} exists (another run's results, or a file of "
                              "yours); pass --force to replace it, or choose another name")


#: The options of ``derive`` that size some models only: option -> {model: default}.  The data-coordinate models
#: (``data_flow``, ``class_mode``) take units (--neurons) and points (--points) when derivations provides them.
_DERIVE_SIZES = {"depth": {"deep": 3}, "neurons": {"wide": 2, "data_flow": 2, "class_mode": 1},
                 "points": {"orthogonal_points": 2, "data_flow": 3, "class_mode": 2}, "classes": {"multiclass": 3}}


def _defaults_for_derive(args) -> None:
    """Refuse an option that does not apply to the model (never ignore it silently); fill in the defaults."""
    import derivations

    for option, defaults in _DERIVE_SIZES.items():
        models = [model for model in defaults if model in derivations.MODELS]
        if getattr(args, option) is not None and args.model not in models:
            names = ", ".join(f"'{model}'" for model in models)
            raise _UsageError(f"{PROG}: argument --{option}: applies to {names} only, not to '{args.model}'")
        if getattr(args, option) is None:
            setattr(args, option, defaults.get(args.model))
    if args.model == "multiclass" and args.loss is not None:
        raise _UsageError(f"{PROG}: argument --loss: the multiclass model has its own loss (softmax "
                          f"cross-entropy); --loss does not apply to it")
    if args.loss is None:
        args.loss = "bce"


def _derive(args) -> int:
    import derivations

    factories = {
        "deep": lambda: derivations.deep(args.depth, args.loss),
        "wide": lambda: derivations.wide(args.neurons, args.loss),
        "orthogonal_points": lambda: derivations.orthogonal_points(args.points, args.loss),
        "multiclass": lambda: derivations.multiclass(args.classes),
        "data_flow": lambda: derivations.MODELS["data_flow"](units=args.neurons, points=args.points, loss=args.loss),
        "class_mode": lambda: derivations.MODELS["class_mode"](units=args.neurons, points=args.points,
                                                               loss=args.loss),
    }
    build = factories.get(args.model, lambda: derivations.MODELS[args.model](args.loss))
    _defaults_for_derive(args)
    args.loss = _loss_spec(args)  # a built-in name, or the formula read by the whitelist parser
    with _user_arguments():
        model = build()
    lines = [model.latex() if args.latex else model.pretty()]
    status = 0
    if args.check:
        proofs = model.proofs()
        lines += [f"[{'ok' if r.holds else 'FAILED'}] ({r.method}) {r.statement}" for r in proofs]
        status = 0 if all(r.holds for r in proofs) else EXIT_FAILURE
    _emit("\n".join(lines) + "\n")
    return status


def _predict(args) -> int:
    import numpy as np

    from scipy.special import expit

    from .theory.balanced_logit import logit
    from .io import write_table

    if args.loss == "bce" and args.depth > 2 and args.points > MAX_DEEP_POINTS:
        raise _UsageError(f"{PROG}: argument --points: at most {MAX_DEEP_POINTS:,} points for a BCE chain of depth "
                          f"{args.depth} (no closed form: each point is a quadrature inversion), got {args.points:,}")
    _check_output("--out", args.out, fmt=args.format)
    _refuse_existing([("--out", args.out)], args.force)
    t = np.linspace(0.0, args.t_max, args.points)
    with _user_arguments():
        u = logit(t, loss=args.loss, norm=args.norm, p=args.p, u0=args.u0, depth=args.depth, method=args.method)
    sign = 1.0 if args.u0 > 0 else -1.0  # the class the curve belongs to
    # cross-entropy: the probability of the true class, sigma(s u); the hinge has no probability: its signed
    # margin s u (learning stops at 1) is what it reports, under that name
    third = {"confidence": expit(sign * u)} if args.loss == "bce" else {"margin": sign * u}
    with _writing("--out"):
        write_table({"t": t, "u": u, **third}, args.format, args.out)
    return 0


def _check_work(args, n_points: int, dimension: int, source: str) -> None:
    """Refuse a run above the named limits before it starts (``source`` names what sets the data size)."""
    if n_points * dimension > MAX_DATA_VALUES:
        raise _UsageError(f"{PROG}: {source}: {n_points:,} points of dimension {dimension:,} is "
                          f"{n_points * dimension:,} values, more than the limit {MAX_DATA_VALUES:.0e}")
    records = args.steps // args.record_every + 1
    if records * n_points > MAX_RECORDED_VALUES:
        raise _UsageError(f"{PROG}: argument --record-every: {args.steps:,} steps recorded every "
                          f"{args.record_every:,} on {n_points:,} points would keep {records * n_points:,} values, "
                          f"more than the limit {MAX_RECORDED_VALUES:.0e}; raise --record-every or lower --steps")
    work = args.steps * n_points * dimension
    if work > MAX_WORK:
        raise _UsageError(f"{PROG}: argument --steps: {args.steps:,} steps on {n_points:,} points of dimension "
                          f"{dimension:,} is {work:.2g} operations, more than the limit {MAX_WORK:.0e}; lower "
                          "--steps or use less data")


def _generated_run(args):
    import numpy as np

    from .groundtruth.data import repeated_points
    from .groundtruth.initialization import balanced_init
    from .groundtruth.training import train

    if args.u0 <= 0 or args.v0 >= 0:
        flag, value = ("--u0", args.u0) if args.u0 <= 0 else ("--v0", args.v0)
        raise _UsageError(f"{PROG}: argument {flag}: the balanced initialization needs --u0 > 0 (class 1) and "
                          f"--v0 < 0 (class 2), got {value:g}")
    _check_work(args, args.n_points, args.dimension, "arguments --n-points/--dimension")
    rng = np.random.default_rng(args.seed)
    with _user_arguments():
        data = repeated_points(rng, norms=tuple(args.norms), p=args.p, n_points=args.n_points,
                               dimension=args.dimension)
        init = balanced_init(data, u0=args.u0, v0=args.v0)
        run = train(data.X, data.labels, init.W0, init.Z0, loss=args.loss, lr=args.lr, steps=args.steps,
                    record_every=args.record_every)
    return data, run


def _settle_data_options(args) -> None:
    """Refuse an option that does not apply to the run (never ignore it silently); fill in the defaults.

    On generated data the options of --data runs (--init, --hidden, --weights, --batch-size, a loss formula) are
    refused; with --data the options that shape generated data (--norms, --p, --n-points, --dimension) are.
    """
    data_only = ("init", "hidden", "weights", "batch_size")
    if args.data is None:
        for option in data_only:
            if getattr(args, option, None) is not None:
                raise _UsageError(f"{PROG}: argument {_FLAGS[option]}: applies to --data runs only (the generated "
                                  "data use the balanced initialization set by --u0/--v0)")
        allowed = _GENERATED_LOSSES[args.command]
        if args.loss not in allowed:
            raise _UsageError(f"{PROG}: argument --loss: invalid choice: {args.loss!r} (choose from "
                              f"{', '.join(repr(a) for a in allowed)}; other losses and formulas need --data)")
        for option, default in _GENERATED_DEFAULTS.items():
            if getattr(args, option) is None:
                setattr(args, option, default)
        args.u0 = 0.1 if args.u0 is None else args.u0
        args.v0 = -0.1 if args.v0 is None else args.v0
        return
    for option in _GENERATED_DEFAULTS:
        if getattr(args, option) is not None:
            raise _UsageError(f"{PROG}: argument {_FLAGS[option]}: applies to generated data only, not with --data "
                              f"(the data file fixes the points)")


def _load_data(args):
    """The user's data file (:func:`dynamics.io.load_labelled`), checked against the run's limits."""
    import numpy as np

    from .io import load_labelled

    with _user_arguments():
        data = load_labelled(args.data)
    X = data.X
    if hasattr(args, "steps"):
        _check_work(args, X.shape[0], X.shape[1], f"argument --data: {args.data}")
    elif X.size > MAX_DATA_VALUES:
        raise _UsageError(f"{PROG}: argument --data: {args.data}: {X.shape[0]:,} points of dimension "
                          f"{X.shape[1]:,} is {X.size:,} values, more than the limit {MAX_DATA_VALUES:.0e}")
    if not np.all(np.isfinite(X)):
        raise _UsageError(f"{PROG}: argument --data: {args.data}: X must be finite; it contains NaN or inf")
    scale = np.max(np.abs(X))
    low, high = NORM_RANGE
    if scale == 0:
        raise _UsageError(f"{PROG}: argument --data: {args.data}: X is all zeros; no unit can learn from it")
    if not low <= scale <= high:
        raise _UsageError(f"{PROG}: argument --data: {args.data}: the largest |entry| of X is {scale:.3g}, "
                          f"outside [{low:g}, {high:g}]; rescale the data")
    return data


def _initialization(args, data) -> tuple[dict, dict]:
    """The initialization the options ask for: ``(keyword arguments of dynamics.Problem, description for JSON)``.

    Every option is either used or refused in one line naming it: --weights excludes --init, --hidden, --u0 and
    --v0; --u0/--v0 are the target logits of --init balanced only; --hidden applies to balanced (units per class)
    and random (units).  ``class_mean`` (the default) is the initialization ``simulate --data`` has always used
    (:func:`_class_mean_weights`), given to the Problem as ``W0``/``Z0`` so that its outputs stay bit-identical.
    """
    from .io import load_weights

    if args.weights is not None:
        for option in ("init", "hidden", "u0", "v0"):
            if getattr(args, option) is not None:
                raise _UsageError(f"{PROG}: argument {_FLAGS[option]}: not with --weights (the weights file is the "
                                  "initialization)")
        try:
            W0, Z0 = load_weights(args.weights)
        except (ValueError, FileNotFoundError) as exc:
            raise _UsageError(f"{PROG}: argument --weights: {_one_line(exc)}") from None
        return ({"W0": W0, "Z0": Z0},
                {"scheme": "weights", "file": str(args.weights), "hidden": int(W0.shape[0])})
    scheme = args.init or INIT_SCHEMES[0]
    if scheme != "balanced":
        for option in ("u0", "v0"):
            if getattr(args, option) is not None:
                raise _UsageError(f"{PROG}: argument {_FLAGS[option]}: sets a target logit of --init balanced; the "
                                  f"initialization here is {scheme} (add --init balanced)")
    if scheme == "class_mean" and args.hidden is not None:
        raise _UsageError(f"{PROG}: argument --hidden: applies to --init balanced (units per class) or random, not "
                          "to class_mean (one unit per class)")
    if scheme == "class_mean":
        W0, Z0 = _class_mean_weights(data.X, data.labels, args.seed)
        return {"W0": W0, "Z0": Z0}, {"scheme": scheme, "norm": CLASS_MEAN_NORM, "z0": Z0.tolist()}
    kwargs = {"init": scheme, "seed": args.seed}
    description = {"scheme": scheme, "seed": args.seed}
    if scheme == "balanced":
        u0 = 0.1 if args.u0 is None else args.u0
        v0 = -0.1 if args.v0 is None else args.v0
        if u0 <= 0 or v0 >= 0:
            flag, value = ("--u0", u0) if u0 <= 0 else ("--v0", v0)
            raise _UsageError(f"{PROG}: argument {flag}: the balanced initialization needs --u0 > 0 (class 1) and "
                              f"--v0 < 0 (class 2), got {value:g}")
        kwargs["u0"] = (u0, v0)
    if args.hidden is not None:
        kwargs["hidden"] = args.hidden
        if scheme == "random":
            description["hidden"] = args.hidden
    return kwargs, description


def _class_mean_weights(X, labels, seed):
    """One unit per class along its class mean, length :data:`CLASS_MEAN_NORM`, output weights +-0.1 of the
    class's sign (H2/H3 when H1 holds).  A class whose points average to 0 gets a unit along its first non-zero
    point (a unit that starts at 0 would never move)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    scale = np.max(np.abs(X))
    W0 = CLASS_MEAN_NORM * np.vstack([_unit_direction(X[labels == k] / scale, rng) for k in (1, 2)])
    return W0, np.array([CLASS_MEAN_NORM, -CLASS_MEAN_NORM])


def _unit_direction(points, rng):
    """Unit vector along the mean of ``points`` (already scaled to O(1)), else along its first non-zero point,
    else (no point, or all zero) a random direction: a unit that starts at 0 would never move."""
    import numpy as np

    for candidate in (points.mean(axis=0) if len(points) else None, *points):
        if candidate is not None and np.linalg.norm(candidate) > 0:
            return candidate / np.linalg.norm(candidate)
    direction = rng.standard_normal(points.shape[1])
    return direction / np.linalg.norm(direction)


def _loss_spec(args):
    """The --loss of a --data run: a built-in name, or the parsed formula (refused in one line naming --loss)."""
    from .formula import loss_spec

    with _user_arguments():
        return loss_spec(args.loss)


def _loss_formula(loss) -> str:
    import sympy as sp

    import derivations

    return sp.sstr(derivations.resolve_loss(loss).expr)


def _problem(args, data, loss, init_kwargs):
    """``dynamics.Problem`` of the user's data, loss and initialization (its refusals name the flag)."""
    from .problem import Problem

    try:
        with _user_arguments():
            return Problem(data.X, data.labels, loss=loss, **init_kwargs)
    except ValueError as exc:
        if _raised_by_validation(exc) is None:
            raise
        # the library refusing this initialization on this data (e.g. a class whose points average to zero has
        # no direction for a balanced unit): a usage error, named by the option that chose the initialization
        flag = "--weights" if args.weights is not None else f"--init {init_kwargs.get('init', 'class_mean')}"
        raise _UsageError(f"{PROG}: argument {flag}: {_one_line(exc)}") from None


def _data_description(args, data) -> dict:
    return {"file": str(args.data), "n": int(data.X.shape[0]), "d": int(data.X.shape[1]),
            "labels": data.mapping, "classes": [_json_value(c) for c in data.classes],
            "points_per_class": [int((data.labels == k).sum()) for k in (1, 2)]}


def _json_value(value):
    import numpy as np

    if isinstance(value, np.generic):
        return value.item()
    return value


def _assumption_payload(report) -> dict:
    """``{"holds": bool, "assumptions": {"H1": {"holds", "margin", "violations", ...}, ...}}`` of a report."""
    return {"holds": bool(report.holds), "assumptions": report.as_dict()["assumptions"]}


def _check(args) -> int:
    import json

    data = _load_data(args)
    init_kwargs, init = _initialization(args, data)
    problem = _problem(args, data, "bce", init_kwargs)
    init.update(problem.parameters)  # what the scheme used, defaults included
    with _user_arguments():
        report = problem.assumptions()
    payload = {**_assumption_payload(report), "data": _data_description(args, data), "init": init}
    if args.format == "json":
        try:
            text = json.dumps(payload, indent=2, allow_nan=False) + "\n"
        except ValueError:
            raise RuntimeError("the assumption report holds NaN or an infinity") from None
    else:
        settings = ", ".join(f"{key}={value}" for key, value in init.items() if key != "scheme")
        lines = [f"data: {args.data}: {data.X.shape[0]} points of dimension {data.X.shape[1]}; {data.mapping}",
                 f"init: {init['scheme']} ({settings})"]
        for name, entry in payload["assumptions"].items():
            violations = entry.get("violations") or []
            status = "holds" if entry.get("holds") else "FAILS"
            margin = entry.get("margin")
            margin_text = f", margin {margin:.3g}" if isinstance(margin, (int, float)) else ""
            broken = f"; {len(violations)} violation(s): {_some(violations)}" if violations else ""
            lines.append(f"{name}: {status}{margin_text}{broken}")
        lines.append("all assumptions hold: the decoupled per-class theory applies" if payload["holds"] else
                     "not all assumptions hold: the theory is the data-coordinate flow (exact, with switches)")
        text = "\n".join(lines) + "\n"
    _emit(text)
    return EXIT_FAILURE if args.strict and not payload["holds"] else 0


def _some(items, count: int = 3) -> str:
    shown = "; ".join(str(item) for item in items[:count])
    return shown + (f"; ... ({len(items) - count} more)" if len(items) > count else "")


def _data_run(args):
    """The --data run of ``simulate``: gradient descent through ``dynamics.Problem`` (default init class_mean).

    Returns ``(data, run, parameters)``: the :class:`dynamics.io.LabelledData`, the run and every parameter of it
    (for the JSON).
    """
    from .groundtruth.training import train

    data = _load_data(args)
    loss = _loss_spec(args)
    init_kwargs, init = _initialization(args, data)
    problem = _problem(args, data, loss, init_kwargs)
    init.update(problem.parameters)  # what the scheme used, defaults included
    if data.classes != (1, 2):  # every argument checked: say how the labels were read (columns: file order)
        print(f"{PROG}: note: {args.data}: {data.mapping}", file=sys.stderr)
    # the Problem's data, initial weights and network loss, trained on the mean loss (weights=None): Problem.train
    # passes explicit point weights 1/n, whose sum rounds the recorded loss differently in the last bit
    with _user_arguments():
        run = train(problem.X, problem.labels, problem.W0, problem.Z0, loss=problem.network_loss, lr=args.lr,
                    steps=args.steps, record_every=args.record_every)
    parameters = {"data": str(args.data), "labels": data.mapping, "loss": args.loss,
                  "loss_formula": _loss_formula(loss), "init": init, "lr": args.lr, "steps": args.steps,
                  "record_every": args.record_every, "seed": args.seed}
    return data, run, parameters


def _generated_parameters(args) -> dict:
    """Every parameter of a run on generated data (enough to redo it)."""
    return {"loss": args.loss, "norms": list(args.norms), "p": args.p, "u0": args.u0, "v0": args.v0, "lr": args.lr,
            "steps": args.steps, "record_every": args.record_every, "n_points": args.n_points,
            "dimension": args.dimension, "seed": args.seed,
            "data": "generated: one repeated point per class, balanced initialization"}


def _software() -> dict:
    """The versions that produced an output (so that a kept result says what made it)."""
    import platform

    import numpy
    import scipy
    import sympy

    from . import __version__

    return {"learning-dynamics": __version__, "python": platform.python_version(), "numpy": numpy.__version__,
            "scipy": scipy.__version__, "sympy": sympy.__version__}


def _has_probability(loss) -> bool:
    """Whether the loss's network output is a probability (the cross-entropy: P = sigmoid(u)); else the tables
    report the signed margin."""
    import derivations

    return derivations.resolve_loss(loss).name == "bce"


def _tidy_columns(t, steps, classes, labels, logits: dict, *, probability: bool) -> dict:
    """The tidy table: one row per (record, point), in time order and then point order (see :data:`TABLE_COLUMNS`).

    ``logits`` maps a column name (``"logit"``, or ``"logit_gd"`` and ``"logit_theory"``) to an ``(R, n)`` array;
    each gets its true-class probability (or signed margin) column, named alike.
    """
    import numpy as np
    from scipy.special import expit

    classes = np.asarray(classes)
    records, n = np.shape(next(iter(logits.values())))
    columns = {"step": np.repeat(np.asarray(steps), n), "t": np.repeat(np.asarray(t, dtype=float), n),
               "point": np.tile(np.arange(n), records), "class": np.tile(classes, records),
               "label": np.tile(np.asarray(labels), records)}
    signs = np.where(classes == 1, 1.0, -1.0)
    columns.update({name: np.asarray(u, dtype=float).ravel() for name, u in logits.items()})
    derived = "p_true_class" if probability else "signed_margin"
    for name, u in logits.items():
        margin = signs * np.asarray(u, dtype=float)
        columns[name.replace("logit", derived)] = (expit(margin) if probability else margin).ravel()
    return columns


def _original_labels(data):
    """Each point's label as the data file spells it (``data.classes`` holds the values of class 1 and 2)."""
    import numpy as np

    return np.asarray([_json_value(data.classes[k - 1]) for k in data.labels])


def _json_with_table(meta: dict, table: dict) -> str:
    """``meta`` as indented JSON, then ``"table"``: each column's list on one line (a table of thousands of rows
    stays a few lines long); NaN or an infinity is refused (``ValueError``)."""
    import json

    head = json.dumps(meta, indent=2, allow_nan=False)
    columns = ",\n".join(f"    {json.dumps(name)}: {json.dumps(values, allow_nan=False)}"
                          for name, values in table.items())
    return head[:-2] + ',\n  "table": {\n' + columns + "\n  }\n}\n"


def _sidecar(out) -> "str | None":
    """The JSON file that holds the parameters of a CSV or NPZ written to ``out`` (None for a stream)."""
    from pathlib import Path

    from .io import output_target

    if out in (None, "-") or output_target(out) == "stream":
        return None
    return str(Path(out).with_suffix(".json"))


def _simulate(args) -> int:
    import json

    import numpy as np

    from .io import table_text, write_table, write_text_atomic

    if args.format == "npz" and args.out in (None, "-"):
        raise _UsageError(f"{PROG}: --format npz needs --out FILE (binary output cannot go to the terminal)")
    _settle_data_options(args)
    _check_output("--out", args.out, fmt=args.format)
    sidecar = _sidecar(args.out) if args.format != "json" else None
    outputs = [("--out", args.out), ("--out (its parameters, JSON)", sidecar)]
    _distinct_files(args, outputs)
    _refuse_existing(outputs, args.force)
    if args.data:
        data, run, parameters = _data_run(args)
        X, classes, labels = data.X, data.labels, _original_labels(data)
        loss, description = _loss_spec(args), _data_description(args, data)
    else:
        generated, run = _generated_run(args)
        X, classes, labels = generated.X, generated.labels, generated.labels
        loss, parameters, description = args.loss, _generated_parameters(args), None
    if run.dead_step is not None:
        print(f"{PROG}: note: from step {run.dead_step} every unit of a class is inactive on all its points "
              "(dead ReLUs): its logits stay 0 from then on; a smaller --lr avoids it", file=sys.stderr)
    probability = _has_probability(loss)
    columns = _tidy_columns(run.t, run.steps, classes, labels, {"logit": run.logits}, probability=probability)
    columns["mean_loss"] = np.repeat(run.losses, run.logits.shape[1])
    meta = {"parameters": parameters, **({"data": description} if description else {}),
            "dead_step": run.dead_step, "software": _software()}
    if args.format == "npz":
        derived = "p_true_class" if probability else "signed_margin"
        meta["arrays"] = {k: v for k, v in NPZ_ARRAYS.items()
                          if k not in ("p_true_class", "signed_margin") or k == derived}
        arrays = {"step": run.steps, "time": run.t, "logits": run.logits,
                  derived: columns[derived].reshape(run.logits.shape), "mean_loss": run.losses,
                  "classes": classes, "labels": labels, "X": X, "W0": run.W0, "Z0": run.Z_history[0], "W": run.W,
                  "Z": run.Z}
        table = None
    else:
        meta["columns"] = {k: TABLE_COLUMNS[k] for k in columns}
        table = table_text(columns, args.format)  # refuses NaN; one row per (record, point)
    with _created_only_on_success([args.out, sidecar]):
        with _writing("--out"):
            if args.format == "npz":
                write_table(arrays, "npz", args.out)
            elif args.format == "json":
                text = _json_with_table(meta, {k: np.asarray(v).tolist() for k, v in columns.items()})
                if args.out in (None, "-"):
                    _emit(text)
                else:
                    write_text_atomic(args.out, text)
            elif args.out in (None, "-"):
                _emit(table)
            else:
                write_text_atomic(args.out, table)
            if sidecar is not None:
                meta["table_file"] = os.path.basename(args.out)
                write_text_atomic(sidecar, json.dumps(meta, indent=2, allow_nan=False) + "\n")
    return 0


def _distinct_files(args, outputs) -> None:
    """Refuse an output that is one of the run's inputs (``--data``, ``--weights``) or another of its outputs:
    writing it would destroy the data, or one output would replace the other."""
    from .io import output_target

    def key(path):  # the file itself (device, inode) when it exists, so hard links are the same file
        try:
            found = os.stat(path)
        except OSError:
            return ("path", os.path.realpath(os.path.abspath(path)))
        return ("file", found.st_dev, found.st_ino)

    inputs = [(flag, getattr(args, name, None)) for flag, name in (("--data", "data"), ("--weights", "weights"))]
    seen = {}
    for flag, path in [(f, p) for f, p in inputs if p not in (None, "-")]:
        seen.setdefault(key(path), flag)
    for flag, path in outputs:
        if path in (None, "-") or output_target(path) == "stream":  # a pipe or device is written through
            continue
        other = seen.get(key(path))
        if other is not None:
            raise _UsageError(f"{PROG}: argument {flag}: {path} is also the {other} file of this run; writing it "
                              "would replace that file: choose another path")
        seen[key(path)] = flag


def _figure_paths(args) -> dict:
    from pathlib import Path

    stem = Path(args.figure)
    for ext in ("png", "pdf"):
        _check_output("--figure", stem.with_name(f"{stem.name}.{ext}"))
    return {ext: str(stem.with_name(f"{stem.name}.{ext}")) for ext in ("png", "pdf")}


def _write_comparison(args, payload: dict, figure, figures: dict) -> None:
    """Write the JSON (stdout or --out) and the figure's files, all or nothing (see _created_only_on_success)."""

    from .io import scratch_folder, write_bytes_atomic, write_text_atomic
    from .report.figures import save_figure

    try:
        rest = {key: value for key, value in payload.items() if key != "table"}
        text = _json_with_table(rest, payload["table"])
    except ValueError:
        raise RuntimeError("the agreement holds NaN or an infinity; nothing was written") from None
    with scratch_folder() as scratch:
        drawn = save_figure(figure, scratch / "figure")
        # the main output first: if it cannot be written, no figure is left behind; if a figure cannot be
        # written, the files and folders this command created are removed again
        with _created_only_on_success([args.out, *figures.values()]):
            if args.out in (None, "-"):
                _emit(text)
            else:
                with _writing("--out"):
                    write_text_atomic(args.out, text)
            with _writing("--figure"):
                for source in map(Path, drawn):
                    write_bytes_atomic(figures[source.suffix.lstrip(".")], source.read_bytes())


def _compare(args) -> int:
    _settle_data_options(args)
    if args.data is not None:
        return _compare_data(args)
    from .agreement import compare_two_layer
    from .report.figures import comparison_figure

    _check_output("--out", args.out)
    figures = _figure_paths(args)
    outputs = [("--out", args.out), *(("--figure", path) for path in figures.values())]
    _distinct_files(args, outputs)
    _refuse_existing(outputs, args.force)
    data, run = _generated_run(args)
    with _user_arguments():
        result = compare_two_layer(run, data, loss=args.loss, u0=args.u0, v0=args.v0)
    probability = _has_probability(args.loss)
    if probability:
        worst = max(result.confidences[k].max_abs for k in (1, 2))
        verdict = {"max_abs_confidence_error": worst,
                   "criterion": "largest |P_GD - P_theory| of the true class, over both classes and every recorded "
                                "step, at most the tolerance"}
    else:  # the hinge has no probability: judge the signed margin s*u itself (|s| = 1, so its gap is the logit's)
        worst = max(result.logits[k].max_abs for k in (1, 2))
        verdict = {"max_abs_margin_error": worst,
                   "criterion": "largest |m_GD - m_theory| of the signed margin m = s*u, over both classes and "
                                "every recorded step, at most the tolerance"}
    import numpy as np

    theory = np.column_stack([result.theory_logits[k] for k in data.labels])  # each point follows its class's mode
    table = _tidy_columns(run.t, run.steps, data.labels, data.labels, {"logit_gd": run.logits, "logit_theory": theory},
                          probability=probability)
    payload = {"parameters": _generated_parameters(args),
               "verdict": {"agrees": bool(worst <= args.tolerance), **verdict, "tolerance": args.tolerance},
               "time_map": result.time_map,
               "logits": {f"class {k}": result.logits[k].as_dict() for k in (1, 2)},
               **({"confidences": {f"class {k}": result.confidences[k].as_dict() for k in (1, 2)}}
                  if probability else {}),
               "figures": list(figures.values()), "software": _software(), **_table_payload(table)}
    # the theory's curves on a fine grid (the run's records are too sparse for a smooth line: kinks at each record)
    from .theory.balanced_logit import logit

    dense = np.linspace(0.0, float(run.t[-1]), THEORY_CURVE_POINTS)
    curves = [logit(dense, loss=args.loss, norm=data.class_norms[k - 1], p=data.frequencies[k], u0=start)
              for k, start in ((1, args.u0), (2, args.v0))]
    figure = comparison_figure(dense, curves, run.t, [result.measured_logits[1], result.measured_logits[2]],
                               title=f"{args.loss}: theory (lines) vs GD lr={args.lr:g} (markers)")
    _write_comparison(args, payload, figure, figures)
    return 0


def _table_payload(columns: dict) -> dict:
    """``{"columns": descriptions, "table": lists}`` of a tidy table of ``compare`` (theory and GD, row per point)."""
    import numpy as np

    def describe(name):
        base, _, who = name.rpartition("_")
        if who in ("gd", "theory") and base in TABLE_COLUMNS:
            return TABLE_COLUMNS[base] + (", by gradient descent" if who == "gd" else ", by the theory")
        return TABLE_COLUMNS[name]

    return {"columns": {name: describe(name) for name in columns},
            "table": {name: np.asarray(values).tolist() for name, values in columns.items()}}


def _decoupled_modes_error(problem, run) -> dict:
    """How far the paper's decoupled per-class theory would be off on a run outside its assumptions."""
    try:
        modes = problem.compare(run, theory="modes")
    except ValueError as exc:  # the modes need a unit serving each class; the report says why they cannot run
        return {"available": False, "reason": _one_line(exc)}
    return {"available": True, "max_abs_logit": modes.max_abs_logit, "max_rel_logit": modes.max_rel_logit,
            "note": "the decoupled per-class modes (Lemma 3.1) used although H1-H3 fail: what the paper's "
                    "theory would predict"}


def _compare_data(args) -> int:
    """``compare --data``: the user's data, loss and initialization through ``dynamics.Problem``."""
    import numpy as np
    from scipy.special import expit

    from .report.figures import MAX_POINTS_DRAWN, point_comparison_figure

    _check_output("--out", args.out)
    figures = _figure_paths(args)
    outputs = [("--out", args.out), *(("--figure", path) for path in figures.values())]
    _distinct_files(args, outputs)
    _refuse_existing(outputs, args.force)
    data = _load_data(args)
    loss = _loss_spec(args)
    init_kwargs, init = _initialization(args, data)
    problem = _problem(args, data, loss, init_kwargs)
    init.update(problem.parameters)  # what the scheme used, defaults included
    with _user_arguments():
        report = problem.assumptions()
        run = problem.train(lr=args.lr, steps=args.steps, record_every=args.record_every,
                            batch_size=args.batch_size, seed=args.seed)
        comparison = problem.compare(run)
    signs = np.where(data.labels == 1, 1.0, -1.0)
    measured = np.asarray(run.logits)
    theory = np.asarray(comparison.theory_logits)
    confidence_gap = float(np.max(np.abs(expit(signs * measured) - expit(signs * theory))))
    agreement = comparison.as_dict()
    if not report.holds:
        agreement["decoupled_modes"] = _decoupled_modes_error(problem, run)
    payload = {
        "parameters": {"data": str(args.data), "labels": data.mapping,
                       "loss": args.loss, "loss_formula": _loss_formula(loss), "init": init,
                       "lr": args.lr, "steps": args.steps, "record_every": args.record_every,
                       "batch_size": args.batch_size, "seed": args.seed, "tolerance": args.tolerance},
        "data": _data_description(args, data),
        **_assumption_payload(report),
        "theory": comparison.theory,
        "agreement": agreement,
        "verdict": {"agrees": bool(comparison.max_rel_logit <= args.tolerance),
                    "max_rel_logit": comparison.max_rel_logit, "max_abs_confidence_error": confidence_gap,
                    "tolerance": args.tolerance,
                    "criterion": "largest |u_GD - u_theory| over every point and recorded step, relative to the "
                                 "run's largest |u_GD| (max_rel_logit), at most the tolerance; the logits, not "
                                 "sigmoid(u), which saturates for large logits and means nothing for other losses"},
        "figures": list(figures.values()),
        "software": _software(),
        **_table_payload(_tidy_columns(run.t, run.steps, data.labels, _original_labels(data),
                                       {"logit_gd": measured, "logit_theory": theory},
                                       probability=_has_probability(loss))),
    }
    drawn_note = ""
    if any(int((data.labels == k).sum()) > MAX_POINTS_DRAWN for k in (1, 2)):
        drawn_note = f"the figure draws at most {MAX_POINTS_DRAWN} evenly spaced points per class"
        payload["figure_note"] = drawn_note
    title = f"{args.loss}: {comparison.theory} (lines) vs GD lr={args.lr:g} (markers)"
    figure = point_comparison_figure(run.t, theory, measured, data.labels, title=title,
                                     switch_times=[switch.time for switch in comparison.switches])
    _write_comparison(args, payload, figure, figures)
    return 0


@contextlib.contextmanager
def _created_only_on_success(targets):
    """On any failure inside the block, remove the regular files among ``targets`` that did not exist before it,
    and the folders created for them (if empty).  Files that existed are never touched; links are not followed."""
    from pathlib import Path

    fresh, folders = [], []
    for target in targets:
        if target in (None, "-") or os.path.lexists(target):
            continue
        fresh.append(Path(target))
        parent = Path(os.path.abspath(target)).parent
        while not os.path.lexists(parent):
            folders.append(parent)
            parent = parent.parent
    try:
        yield
    except BaseException:
        for path in fresh:
            if path.is_file() and not path.is_symlink():
                path.unlink()
        for folder in sorted(set(folders), key=lambda f: len(f.parts), reverse=True):
            try:
                folder.rmdir()  # only if empty
            except OSError:
                pass
        raise


def _reproduce(args) -> int:
    from .io import OutputFolderError
    from .report.reproduction import DEFAULT_OUT, reproduce, selected_experiments

    out = args.out or DEFAULT_OUT
    if args.only is not None:  # names separated by spaces or commas
        args.only = [name for item in args.only for name in item.split(",") if name.strip()]
    with _user_arguments():  # the selection is checked before anything runs
        selected_experiments(args.only)
    try:
        with _sweep_executor(args) as executor:
            payload = reproduce(out, quick=args.quick, force=args.force, quiet=args.quiet, only=args.only,
                                seed=args.seed, executor=executor)
    except OutputFolderError as exc:
        remedy = "; pass --force to replace it or choose another --out" if exc.needs_force else ""
        raise _UsageError(f"{PROG}: argument --out: {exc.problem.replace('(even with force)', '(even with --force)')}"
                          f"{remedy}") from None
    claims = payload["claims"]
    passed = sum(c["passed"] for c in claims)
    _emit(f"{passed}/{len(claims)} claims passed in {payload['elapsed_seconds']:.1f} s; report: {out}/report.md\n")
    return 0 if passed == len(claims) else EXIT_FAILURE


def _sweep(args) -> int:
    import time

    import numpy as np

    from .experiments.phase_diagram import REGIONS, sweep_regions
    from .io import write_json_atomic, write_table

    _check_output("--out", args.out, fmt="npz")
    sidecar = _sidecar(args.out)
    outputs = [("--out", args.out), ("--out (its parameters, JSON)", sidecar)]
    _distinct_files(args, outputs)
    _refuse_existing(outputs, args.force)
    if sidecar is None:
        raise _UsageError(f"{PROG}: argument --out: the sweep writes an .npz file and its parameters beside it; "
                          "name a file, not a stream")
    norms = list(dict.fromkeys(args.norms))  # in the order given, once each
    start = time.perf_counter()
    with _sweep_executor(args) as executor:
        with _user_arguments():
            results = [sweep_regions(norm, args.grid, extent=args.extent, horizon=args.horizon, lr=args.lr,
                                     executor=executor, quiet=args.quiet) for norm in norms]
        where = getattr(executor, "name", "serial")
    elapsed = time.perf_counter() - start
    arrays = {"norms": np.array(norms), "z0": results[0].z0, "y0": results[0].y0,
              "measured": np.stack([r.measured for r in results]), "theory": np.stack([r.theory for r in results]),
              "agreement": np.array([r.agreement for r in results]), "counted": np.array([r.counted for r in results])}
    inits = len(norms) * args.grid ** 2
    meta = {"parameters": {"kind": args.kind, "grid": args.grid, "norms": norms, "extent": args.extent, "lr": args.lr,
                           "horizon": args.horizon, "workers": args.workers, "scheduler": args.scheduler},
            "executor": where, "initializations": inits, "elapsed_seconds": elapsed,
            "regions": {str(code): name for code, name in enumerate(REGIONS)},
            "arrays": {"norms": "(k,) the input norms", "z0": "(G,) grid of output weights (columns)",
                       "y0": "(G,) grid of pre-activations w0.x (rows)",
                       "measured": "(k, G, G) region code reached by gradient descent",
                       "theory": "(k, G, G) region code the theory predicts (Sec. 3.3)",
                       "agreement": "(k,) fraction of grid points away from region boundaries where they agree",
                       "counted": "(k,) number of those grid points"},
            "table_file": os.path.basename(args.out), "software": _software()}
    with _created_only_on_success([args.out, sidecar]):
        with _writing("--out"):
            write_table(arrays, "npz", args.out)
            write_json_atomic(sidecar, meta)
    agreement = ", ".join(f"{r.agreement:.1%} at ||x|| = {r.norm:g}" for r in results)
    _emit(f"phase diagram: {inits:,} initializations in {elapsed:.1f} s on {where}; agreement with the theory "
          f"{agreement}; written to {args.out}\n")
    return 0


def _redraw(args) -> int:
    from .report.figures import FORMATS, save_figure
    from .report.redraw import redraw

    report, out = Path(args.report), Path(args.out)
    if out.exists() and report.exists() and out.resolve() == report.resolve():
        raise _UsageError(f"{PROG}: argument --out: is the report folder itself; redraw into another folder so the "
                          "report's own figures stay as it recorded them")
    if out.exists() and not out.is_dir():
        raise _UsageError(f"{PROG}: argument --out: {str(out)!r} exists and is not a folder; choose a new folder")
    if not (report / "report.json").is_file():
        raise _UsageError(f"{PROG}: argument REPORT: {str(report)!r} is not a folder written by 'learning-dynamics "
                          "reproduce' (no report.json)")
    drawn = {}
    try:
        for stem in args.figures:
            drawn.update(redraw(report, stem))
    except (ValueError, FileNotFoundError) as exc:
        # the report's own files are the input here: a damaged or edited one is refused like a bad data file
        if _raised_by_validation(exc) not in ("dynamics.archive", "dynamics.report.redraw"):
            raise
        flag = "FIGURE" if str(exc).startswith("stem ") else "REPORT"
        raise _UsageError(f"{PROG}: argument {flag}: {_one_line(exc)}") from None
    existing = [str(out / f"{stem}.{ext}") for stem in drawn for ext in FORMATS if (out / f"{stem}.{ext}").exists()]
    if existing:
        raise _UsageError(f"{PROG}: argument --out: {existing[0]} exists; redraw never replaces a file, choose "
                          "another --out")
    with _writing("--out"):
        for stem, fig in drawn.items():
            save_figure(fig, out / stem)
    _emit(f"redrew {len(drawn)} figure(s) from {report}: " + ", ".join(sorted(drawn)) + f"; into {out}\n")
    return 0


@contextlib.contextmanager
def _writing(flag: str):
    """Report a failed write (other than a closed pipe) as one line naming the flag."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        reason = exc.strerror or _one_line(exc)
        where = f" ({exc.filename})" if exc.filename else ""
        raise _OutputFailed(f"argument {flag}: {reason}{where}") from None


def _emit(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


# --------------------------------------------------------------------------- errors

@contextlib.contextmanager
def _user_arguments():
    """The boundary where the user's arguments enter the library: a refusal there is a usage error.

    A ``ValueError`` (or ``FileNotFoundError`` for a data file) that dynamics or derivations
    raise explicitly inside this block is how the library refuses an argument: it
    becomes one line naming the flag, exit status 2.  Everything else (the same
    types raised by numpy or an operation, and any library error outside such a
    block, e.g. a guard of the library's own consistency during ``reproduce``)
    propagates and is reported as an internal error, exit status 1.  ``TypeError``
    is never a usage error: argparse has already given every argument its type.
    """
    from derivations import UnknownName

    try:
        yield
    except (ValueError, FileNotFoundError) as exc:
        if isinstance(exc, UnknownName) or not _refuses_an_argument(exc):
            raise  # e.g. a lookup of the library's own names: a bug, reported as an internal error
        raise _UsageError(f"{PROG}: error: {_name_flag(_one_line(exc))}") from None


def _refuses_an_argument(exc: BaseException) -> bool:
    """A refusal of the user's input: raised explicitly by the library and naming what the user gave.

    That is: a data-file error (raised by :mod:`dynamics.io`, naming the file) or a missing file, or a message
    that starts with the name of a parameter the command line sets (``u0 must ...``).
    """
    module = _raised_by_validation(exc)
    if module is None:
        return False
    if isinstance(exc, FileNotFoundError) or module == "dynamics.io":
        return True
    match = re.match(r"[A-Za-z_][A-Za-z0-9_]*", str(exc))
    return bool(match) and match.group(0) in _FLAGS


def _raised_by_validation(exc: BaseException) -> str | None:
    """The module of dynamics or derivations whose ``raise`` statement raised ``exc``, else None.

    That is how the library reports bad arguments; the same exception types
    raised anywhere else (numpy, sympy, an operation on a wrong type) are bugs.
    """
    import linecache

    tb = exc.__traceback__
    if tb is None:
        return None
    while tb.tb_next is not None:
        tb = tb.tb_next
    module = tb.tb_frame.f_globals.get("__name__", "")
    if module.split(".")[0] not in ("dynamics", "derivations"):
        return None
    line = linecache.getline(tb.tb_frame.f_code.co_filename, tb.tb_lineno).strip()
    return module if line.startswith("raise ") else None


def _name_flag(message: str) -> str:
    """Prefix a library message with the flag of the parameter it starts with (``u0 must ...`` -> ``--u0``)."""
    match = re.match(r"[A-Za-z_][A-Za-z0-9_]*", message)
    flag = _FLAGS.get(match.group(0)) if match else None
    return f"argument {flag}: {message}" if flag else message


def _usage_line(text: str, command: str | None = None) -> str:
    """A usage error in the one style of argparse: ``<command>: error: <message>``.

    ``<command>`` is ``learning-dynamics`` before a subcommand is known, else ``learning-dynamics predict``
    (whether argparse or the library refused the argument).
    """
    if text.startswith(PROG + " "):  # a subcommand's parser: "learning-dynamics predict: message"
        where, _, message = text.partition(": ")
        return f"{where}: error: {message}"
    where = f"{PROG} {command}" if command else PROG
    for prefix in (f"{PROG}: error: ", f"{PROG}: "):
        if text.startswith(prefix):
            return f"{where}: error: {text[len(prefix):]}"
    return f"{where}: error: {text}"


def _on_sigterm(signum, frame):
    raise _Interrupted()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``learning-dynamics`` command line (the console script's entry point); return the exit status.

    Errors are reported on stderr as one line and returned as the exit statuses listed in the module
    docstring rather than raised; the parser's exit (``--help``, ``--version``, a bad argument) is
    returned as its code.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments after the program name (default ``sys.argv[1:]``), e.g. ``["reproduce", "--quick"]``.
        ``--traceback`` anywhere in them (or the environment variable :data:`TRACEBACK_ENV` set to anything
        but ``""`` or ``"0"``) prints the traceback of an internal error.

    Returns
    -------
    int
        The exit status: 0 on success, :data:`EXIT_FAILURE` (1) when the command ran but failed (a claim
        failed, gradient descent diverged, an output could not be written, an internal error),
        :data:`EXIT_USAGE` (2) for a usage error, :data:`EXIT_INTERRUPTED` (130) or
        :data:`EXIT_TERMINATED` (143) when interrupted, :data:`EXIT_BROKEN_PIPE` (141) when the reader of
        standard output went away.

    Examples
    --------
    >>> main(["no-such-command"])  # a usage error: one line on stderr
    2
    """
    from .groundtruth.training import TrainingDiverged

    argv = sys.argv[1:] if argv is None else list(argv)
    show_traceback = "--traceback" in argv or os.environ.get(TRACEBACK_ENV, "") not in ("", "0")
    argv = [a for a in argv if a != "--traceback"]  # accepted anywhere, before or after the subcommand
    previous_sigterm, command = None, None
    try:
        if _in_main_thread():
            previous_sigterm = signal.signal(signal.SIGTERM, _on_sigterm)
        parser = build_parser()
        try:
            args = parser.parse_args(argv)
        except SystemExit as exc:  # --help, --version
            return exc.code if isinstance(exc.code, int) else 0
        if args.command is None:
            parser.print_help(sys.stderr)
            return EXIT_USAGE
        command = args.command
        commands = {"derive": _derive, "predict": _predict, "simulate": _simulate, "compare": _compare,
                    "check": _check, "reproduce": _reproduce, "redraw": _redraw, "sweep": _sweep}
        return commands[args.command](args)
    except (KeyboardInterrupt, _Interrupted) as exc:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return EXIT_TERMINATED if isinstance(exc, _Interrupted) else EXIT_INTERRUPTED
    except BrokenPipeError:
        _silence_stdout()
        return EXIT_BROKEN_PIPE
    except _UsageError as exc:
        print(_usage_line(str(exc), command), file=sys.stderr)
        return EXIT_USAGE
    except TrainingDiverged as exc:
        print(f"{PROG}: error: {exc} (lower --lr)", file=sys.stderr)
        return EXIT_FAILURE
    except _OutputFailed as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE
    except OSError as exc:  # reading a data file or writing a report failed (permission, disk)
        print(f"{PROG}: error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001 - the last resort: one line, the traceback on request
        return _internal(exc, show_traceback)
    finally:
        if previous_sigterm is not None:
            signal.signal(signal.SIGTERM, previous_sigterm)


def _in_main_thread() -> bool:
    import threading

    return threading.current_thread() is threading.main_thread()


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _internal(exc: BaseException, show_traceback: bool) -> int:
    if show_traceback:
        import traceback

        traceback.print_exception(exc, file=sys.stderr)
    else:
        print(f"{PROG}: internal error: {type(exc).__name__}: {_one_line(exc)} (run with --traceback or "
              f"{TRACEBACK_ENV}=1 for details)", file=sys.stderr)
    return EXIT_FAILURE


def _silence_stdout() -> None:
    """After a broken pipe, point stdout at /dev/null so the interpreter's final flush stays quiet."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
