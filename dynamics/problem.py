"""The user's own problem: their data, loss and initialization, derived, predicted and measured.

:class:`Problem` holds a binary dataset (any two label values), point weights, a loss (a built-in name or a
sympy expression of :data:`derivations.margin`) and a two-layer ReLU network's initial weights.  It answers the
three questions of the toolkit on that setting:

- :meth:`Problem.assumptions`: do H1-H3 hold, by what margin, and which points or units break them;
- :meth:`Problem.predict`: the theory's logits for every training point; the decoupled per-class modes (Lemma
  3.1, with the closed form where a class's structure allows it) when H1-H3 hold, the exact data-coordinate
  gradient flow (with its activation switches) when they do not;
- :meth:`Problem.train` and :meth:`Problem.compare`: numpy gradient descent (or SGD) on the real network, and
  its agreement with the theory, per point and overall.

The theory side is compiled from :mod:`derivations`; the ground truth differentiates the loss expression by
itself (never the derived flows), so the agreement between the two is evidence.

Examples
--------
>>> import numpy as np
>>> X = np.array([[1.0, 0.2], [0.8, -0.1], [-0.3, 1.0]])
>>> problem = Problem(X, ["cat", "cat", "dog"])
>>> problem.label_mapping
"labels 'cat' -> class 1, 'dog' -> class 2"
>>> problem.assumptions().holds
True
>>> run = problem.train(lr=0.01, steps=200, record_every=50)
>>> comparison = problem.compare(run)
>>> comparison.theory, comparison.max_rel_logit < 0.01
('modes', True)
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import numpy as np
import sympy as sp
from numpy.typing import ArrayLike
from scipy.special import expit

import derivations

from .agreement import Agreement, agreement
from .groundtruth.assumptions import AssumptionReport, check_binary, partition
from .groundtruth.initialization import class_mean_init, data_balanced_init, random_init
from .groundtruth.losses import LOSSES, NetworkLoss, expression_loss
from .groundtruth.training import TrainingRun, train
from .io import binary_classes
from .theory.data_flow import class_modes, data_flow
from .validation import MAX_HIDDEN, as_finite_array

__all__ = ["Problem", "ProblemAssumptions", "Prediction", "ProblemComparison", "INITS", "THEORIES", "MAX_HIDDEN",
           "DATA_SCALE_RANGE"]

#: Named initialization schemes, used when ``W0``/``Z0`` are not given.
INITS = ("balanced", "class_mean", "random")
#: What :meth:`Problem.predict` may use: ``"auto"`` picks the modes when H1-H3 hold, the flow otherwise.
THEORIES = ("auto", "modes", "data-coordinate flow")
#: Default initial logits (class 1, class 2) of the balanced initialization: small, as in the paper.
DEFAULT_U0 = (0.1, -0.1)
#: Default number of hidden units of the random initialization.
DEFAULT_RANDOM_UNITS = 4
#: Default standard deviation of the random initialization's weights.
DEFAULT_RANDOM_SCALE = 0.1
#: The largest |entry| of X must lie in this range: inside it, Gram entries, logits and their products with
#: small initial weights stay normal floats; outside, rescale the data (the dynamics only change time scale).
DATA_SCALE_RANGE = (1e-100, 1e100)
#: A run matches this problem when its initial logits and initial objective equal the problem's to this
#: relative tolerance (both are computed from the same numbers: only summation order can differ).
RUN_MATCH_RTOL = 1e-9


@dataclass(frozen=True)
class ProblemAssumptions:
    """Which of H1-H3 hold on a problem, by what margin, and what breaks them.

    Attributes
    ----------
    holds : bool
        True when H1, H2 and H3 all hold (the decoupled per-class theory applies).
    reports : Mapping[str, AssumptionReport]
        ``{"H1": ..., "H2": ..., "H3": ...}``; each with ``holds``, ``margin`` (scaled: cosines, or ``Z0 /
        max|Z0|``; negative when violated) and ``failures`` (the offending points or units).
    """

    holds: bool
    reports: Mapping[str, AssumptionReport]

    def as_dict(self) -> dict:
        """The report as JSON-ready data.

        Returns
        -------
        dict
            ``{"holds": bool, "assumptions": {"H1": {"holds", "margin", "violations"}, ...}}``.

        Examples
        --------
        >>> Problem(np.eye(2), [1, 2]).assumptions().as_dict()["assumptions"]["H1"]["violations"]
        []
        """
        return {"holds": self.holds,
                "assumptions": {name: {"holds": r.holds, "margin": r.margin, "violations": list(r.failures)}
                                for name, r in self.reports.items()}}

    def message(self) -> str:
        """One line per assumption (``"H1 holds (margin 0.05)"`` or ``"H2 fails by ...: ..."``).

        Returns
        -------
        str

        Examples
        --------
        >>> print(Problem(np.eye(2), [1, 2]).assumptions().message().splitlines()[0])
        H1 holds (margin 1e-12)
        """
        return "\n".join(r.message() for r in self.reports.values())


@dataclass(frozen=True)
class Prediction:
    """The theory's logits for every training point of a problem.

    Attributes
    ----------
    t : ndarray (T,)
        Flow times (learning rate x number of updates).
    logits : ndarray (T, n)
        Theory logits ``u_i(t)``.
    probabilities : ndarray (T, n)
        ``sigmoid(s_i u_i)``: the probability of each point's true class when the logit is read as a logistic
        output (for a hinge-like loss, read :attr:`margins` instead).
    margins : ndarray (T, n)
        Signed margins ``s_i u_i`` (``s = +1`` class 1, ``-1`` class 2).
    theory : str
        ``"closed form"``, ``"modes"`` or ``"data-coordinate flow"``.
    switches : tuple
        The activation switches of the data-coordinate flow (:class:`dynamics.theory.data_flow.Switch`);
        empty for the decoupled modes, whose pattern is fixed by Lemma 3.1.
    """

    t: np.ndarray
    logits: np.ndarray
    probabilities: np.ndarray
    margins: np.ndarray
    theory: str
    switches: tuple = ()


@dataclass(frozen=True)
class ProblemComparison:
    """Theory against a gradient-descent run of the same problem.

    Attributes
    ----------
    theory : str
        Which theory was used (as :attr:`Prediction.theory`).
    t : ndarray (R,)
        The run's recorded flow times.
    theory_logits, measured_logits : ndarray (R, n)
    per_point : tuple of Agreement
        The logit agreement of each training point over the run.
    overall : Agreement
        The logit agreement over every point and record.
    max_abs_logit : float
        ``max |u_theory - u_GD|`` over every point and record (``overall.max_abs``).
    max_rel_logit : float
        ``max_abs_logit`` over the run's largest ``|u_GD|``: the error on the scale of the logits.  (A pointwise
        relative error, ``overall.max_rel``, blows up where a logit passes near 0, as it does outside H1; it is
        kept in ``overall`` and ``per_point``.)
    first_pattern_change : float or None
        The first recorded flow time at which the run's activation pattern differs from its initial one.
    first_switch : float or None
        The first activation switch of the theory (data-coordinate flow only).
    switches : tuple
        Every switch of the theory (as :attr:`Prediction.switches`).
    """

    theory: str
    t: np.ndarray
    theory_logits: np.ndarray
    measured_logits: np.ndarray
    per_point: tuple
    overall: Agreement
    max_abs_logit: float
    max_rel_logit: float
    first_pattern_change: Optional[float]
    first_switch: Optional[float]
    switches: tuple = ()

    def as_dict(self) -> dict:
        """The agreement numbers, JSON-ready.

        Returns
        -------
        dict
            ``{"theory", "max_abs_logit", "max_rel_logit", "rms_abs_logit", "first_pattern_change",
            "first_switch", "per_point": [{"max_abs", ...}, ...]}``.
        """
        return {"theory": self.theory, "max_abs_logit": self.max_abs_logit, "max_rel_logit": self.max_rel_logit,
                "rms_abs_logit": self.overall.rms_abs, "first_pattern_change": self.first_pattern_change,
                "first_switch": self.first_switch, "switches": len(self.switches),
                "per_point": [a.as_dict() for a in self.per_point]}


def _network_loss(loss: derivations.Loss) -> NetworkLoss:
    """The ground truth's loss: its own hand-written one for a built-in name, else the expression differentiated
    by the ground truth itself."""
    if loss.name in LOSSES:
        return LOSSES[loss.name]
    return expression_loss(loss.expr)


@dataclass(frozen=True, eq=False)
class Problem:
    """A binary classification problem of the user's, with a two-layer ReLU network ``u = Z^T relu(W x)``.

    Parameters
    ----------
    X : array_like (n, d)
        The training points, one per row, finite.
    labels : array_like (n,)
        Exactly two distinct values (numbers or strings): a label 1 is class 1 (1/2 kept, 0/1 and -1/+1 map 1 to
        class 1), otherwise the smaller value is class 1 (:attr:`label_mapping` says how;
        :func:`dynamics.io.binary_classes`).
    loss : str or sympy.Expr or derivations.Loss
        ``"bce"``, ``"hinge"``, ``"squared"``, or a sympy expression of :data:`derivations.margin` (e.g.
        ``sympy.exp(-derivations.margin)``, ``sympy.Max(0, 1 - derivations.margin)``).
    W0, Z0 : array_like (h, d) and (h,), optional
        Initial weights; both or neither.
    init : {"balanced", "class_mean", "random"}, optional
        The scheme when ``W0``/``Z0`` are not given (default ``"balanced"``): ``"balanced"`` puts ``hidden``
        units per class (default 1) inside each class's cone of points, balanced (``||w_j|| = |z_j|``) with a
        mean class logit ``u0``; ``"class_mean"`` one unit per class along its mean (length 0.1, output weights
        +-0.1); ``"random"`` ``hidden`` (default 4) Gaussian units of standard deviation 0.1, seeded.
    weights : array_like (n,), optional
        Point weights ``q_i >= 0`` of the objective ``sum_i q_i l(s_i u_i)``; default ``1/n`` (the mean loss).
    hidden : int, optional
        Units per class (``"balanced"``) or in total (``"random"``).
    u0 : float or (float, float), optional
        Mean initial logit of class 1 and class 2 for ``"balanced"`` (default ``(0.1, -0.1)``; one number ``u``
        means ``(u, -u)``).
    seed : int, optional
        Seeds the random schemes (``"random"``; ``"balanced"`` with several units per class).

    Attributes
    ----------
    X, labels, weights, W0, Z0 : ndarray
        The data (labels as 1/2), the point weights and the initial weights.
    signs : ndarray (n,)
        ``+1`` for class 1, ``-1`` for class 2.
    classes : tuple
        The original label values of class 1 and class 2.
    label_mapping : str
        How the labels were mapped, in words.
    loss : derivations.Loss
        The loss the theory is derived from.
    network_loss : NetworkLoss
        The loss gradient descent trains (built independently from the same expression).
    init : str
        The scheme used (``"given"`` when ``W0``/``Z0`` were passed).
    parameters : Mapping
        What the initialization scheme used (its defaults included).
    mean_loss : bool
        True when ``weights`` was not given (the objective is the mean loss).

    Raises
    ------
    ValueError, TypeError
        Bad data, labels, weights, loss or initialization, naming the parameter.
    """

    X: np.ndarray
    labels: np.ndarray
    weights: np.ndarray
    W0: np.ndarray
    Z0: np.ndarray
    signs: np.ndarray
    classes: tuple
    label_mapping: str
    loss: Any
    network_loss: NetworkLoss
    init: str
    parameters: Mapping = field(default_factory=dict)
    mean_loss: bool = True

    def __init__(self, X: ArrayLike, labels: ArrayLike, *, loss: "str | sp.Expr | derivations.Loss" = "bce",
                 W0: ArrayLike | None = None, Z0: ArrayLike | None = None, init: str | None = None,
                 weights: ArrayLike | None = None, hidden: int | None = None, u0: Any = None,
                 seed: int | None = None) -> None:
        X = as_finite_array("X", X)
        if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] == 0:
            raise ValueError(f"X must be an (n, d) data matrix with at least two points, got shape {X.shape}")
        scale = float(np.max(np.abs(X)))
        if not DATA_SCALE_RANGE[0] <= scale <= DATA_SCALE_RANGE[1]:
            raise ValueError(f"X must have its largest |entry| in [{DATA_SCALE_RANGE[0]:g}, {DATA_SCALE_RANGE[1]:g}], "
                             f"got {scale:.3g}; rescale the data (scaling X by c only rescales time by c^2)")
        mapped, classes, mapping = binary_classes(labels)
        if mapped.shape != (X.shape[0],):
            raise ValueError(f"labels must have one entry per row of X ({X.shape[0]}), got {mapped.shape[0]}")
        q = _point_weights(weights, X.shape[0])
        theory_loss = derivations.resolve_loss(loss)
        W, Z, scheme, used = _initial_weights(X, mapped, W0, Z0, init, hidden, u0, seed)
        for name, value in (("X", X), ("labels", mapped), ("weights", q), ("W0", W), ("Z0", Z)):
            value.setflags(write=False)
        set_ = object.__setattr__
        set_(self, "X", X)
        set_(self, "labels", mapped)
        set_(self, "weights", q)
        set_(self, "W0", W)
        set_(self, "Z0", Z)
        signs = np.where(mapped == 1, 1.0, -1.0)
        signs.setflags(write=False)
        set_(self, "signs", signs)
        set_(self, "classes", classes)
        set_(self, "label_mapping", mapping)
        set_(self, "loss", theory_loss)
        set_(self, "network_loss", _network_loss(theory_loss))
        set_(self, "init", scheme)
        set_(self, "parameters", dict(used))
        set_(self, "mean_loss", weights is None)

    @classmethod
    def from_file(cls, path: "str | os.PathLike", **kwargs: Any) -> "Problem":
        """A problem on the data of an ``.npz`` (``X``, ``labels``) or ``.csv`` file (features, then the label).

        A CSV may have a header row (as pandas writes, index column included); labels may be any two values.

        Parameters
        ----------
        path : str or path-like
            The data file (read by :func:`dynamics.io.load_labelled`).
        **kwargs
            Everything else :class:`Problem` takes (``loss``, ``init``, ``weights``, ...).

        Returns
        -------
        Problem
            With :attr:`classes` and :attr:`label_mapping` as the file spelt the labels.

        Raises
        ------
        FileNotFoundError, ValueError, TypeError
            A missing or malformed file, or a bad argument (as :class:`Problem`).

        Examples
        --------
        >>> import tempfile, pathlib
        >>> with tempfile.TemporaryDirectory() as folder:
        ...     path = pathlib.Path(folder) / "mine.csv"
        ...     _ = path.write_text("x,y,kind\\n1.0,0.1,cat\\n0.9,0.3,cat\\n-0.2,1.0,dog\\n")
        ...     problem = Problem.from_file(path)
        >>> problem.label_mapping, problem.X.shape
        ("labels 'cat' -> class 1, 'dog' -> class 2", (3, 2))
        """
        from .io import load_labelled

        data = load_labelled(path)
        problem = cls(data.X, data.labels, **kwargs)
        object.__setattr__(problem, "classes", tuple(data.classes))
        object.__setattr__(problem, "label_mapping", data.mapping)
        return problem

    # ------------------------------------------------------------------------------------------- the checks
    def assumptions(self) -> ProblemAssumptions:
        """Which of H1-H3 hold on this data and initialization, by what margin, and which points/units break them.

        Returns
        -------
        ProblemAssumptions

        Examples
        --------
        >>> X = np.array([[1.0, 0.0], [0.6, 0.8], [0.5, -0.1]])  # the class-2 point leans towards class 1
        >>> report = Problem(X, [1, 1, 2], init="class_mean").assumptions()
        >>> report.holds, report.reports["H1"].holds
        (False, False)
        """
        reports = dict(zip(("H1", "H2", "H3"), check_binary(self.X, self.labels, self.W0, self.Z0)))
        return ProblemAssumptions(all(r.holds for r in reports.values()), reports)

    # ------------------------------------------------------------------------------------------ the theory
    def predict(self, t: ArrayLike, *, theory: str = "auto") -> Prediction:
        """The theory's logits at flow times ``t`` for every training point.

        Parameters
        ----------
        t : array_like (T,)
            Flow times, >= 0, increasing.
        theory : {"auto", "modes", "data-coordinate flow"}
            ``"auto"``: the decoupled per-class modes (closed form where a class allows it) when H1-H3 hold,
            else the exact data-coordinate flow.  ``"modes"`` forces the decoupled theory even when the
            assumptions fail (each unit serving the class of its output weight's sign): what the paper's theory
            would predict; ``"data-coordinate flow"`` forces the exact flow.

        Returns
        -------
        Prediction

        Raises
        ------
        ValueError
            Bad ``t`` or ``theory``.

        Examples
        --------
        >>> problem = Problem(np.array([[1.0, 0.0], [0.0, 2.0]]), [1, 2])
        >>> prediction = problem.predict([0.0, 5.0])
        >>> prediction.theory, prediction.logits.shape
        ('closed form', (2, 2))
        """
        if theory not in THEORIES:
            raise ValueError(f"theory={theory!r} is not valid; choose one of {', '.join(map(repr, THEORIES))}")
        times = as_finite_array("t", t)
        if times.ndim != 1 or times.size == 0:
            raise ValueError(f"t must be a non-empty one-dimensional array of flow times, got shape {times.shape}")
        use_modes = theory == "modes" or (theory == "auto" and self.assumptions().holds)
        if use_modes:
            solution = class_modes(self.X, self.signs, self.weights, self.W0, self.Z0, times,
                                   partition=self._partition(), loss=self.loss)
            switches = ()
        else:
            solution = data_flow(self.X, self.signs, self.weights, self.W0, self.Z0, times, loss=self.loss)
            switches = solution.switches
        logits = np.asarray(solution.logits)[:, 0, :]
        margins = logits * self.signs
        return Prediction(_frozen(times), _frozen(logits), _frozen(expit(margins)), _frozen(margins),
                          solution.theory, tuple(switches))

    def _partition(self) -> np.ndarray:
        """The class each unit serves: by H2 where it holds, else by the sign of its output weight (H3); a unit
        inactive on every point serves none (it never moves: its gradient is 0)."""
        served = partition(self.W0, self.X, self.labels)
        by_sign = np.where(self.Z0 > 0, 1, np.where(self.Z0 < 0, 2, 0))
        dead = ~np.any(self.W0 @ self.X.T > 0, axis=1)
        return np.where(dead, 0, np.where(served > 0, served, by_sign))

    # ------------------------------------------------------------------------------------ the ground truth
    def train(self, *, lr: float, steps: int, record_every: int = 1, batch_size: int | None = None,
              seed: int | None = None) -> TrainingRun:
        """Gradient descent (or SGD) on the real network, from this problem's initial weights.

        Parameters
        ----------
        lr : float
            Learning rate, > 0; record r is at flow time ``lr * steps[r]``.
        steps : int
            Number of updates, >= 1.
        record_every : int
            Record every this many steps (the first and last are always recorded).
        batch_size : int, optional
            SGD on this many points sampled with replacement per step; default full batch.
        seed : int, optional
            Seeds the SGD sampling (required for SGD to be reproducible; default 0).

        Returns
        -------
        TrainingRun
            ``.t`` (R,), ``.logits`` (R, n), ``.preactivations`` (R, n, h).

        Examples
        --------
        >>> problem = Problem(np.array([[1.0, 0.0], [0.0, 2.0]]), [1, 2])
        >>> problem.train(lr=0.1, steps=10).logits.shape
        (11, 2)
        """
        rng = None if batch_size is None else np.random.default_rng(0 if seed is None else seed)
        weights = None if self.mean_loss else self.weights  # None: the mean loss, bit for bit
        return train(self.X, self.labels, self.W0, self.Z0, loss=self.network_loss, lr=lr, steps=steps,
                     record_every=record_every, weights=weights, batch_size=batch_size, rng=rng)

    def _check_run(self, run: TrainingRun) -> None:
        """Refuse a run of another problem: other initial weights, data (its initial logits), or labels, loss or
        point weights (its initial objective)."""
        if run.W0 is None or not _same(run.W0, self.W0) or not _same(run.Z_history[0], self.Z0):
            raise ValueError("run was trained from other initial weights than this problem's W0, Z0; compare a run "
                             "of this problem (Problem.train), or build the Problem with that run's W0 and Z0")
        logits = np.maximum(self.X @ self.W0.T, 0.0) @ self.Z0
        if not _same(run.logits[0], logits):
            raise ValueError("run was trained on other data than this problem's X (its initial logits differ)")
        values, _ = self.network_loss(self.signs * logits)
        objective = float(np.mean(values)) if self.mean_loss else float(self.weights @ values)
        if not _same(run.losses[0], objective):
            raise ValueError("run was trained with other labels, loss or point weights than this problem (its "
                             "initial objective differs); compare a run of this problem (Problem.train)")

    def compare(self, run: TrainingRun, *, theory: str = "auto") -> ProblemComparison:
        """The theory's logits at the run's recorded times against the run's, per point and overall.

        Parameters
        ----------
        run : TrainingRun
            A run of this problem (:meth:`train`), or any run on the same data and initial weights.
        theory : {"auto", "modes", "data-coordinate flow"}
            As in :meth:`predict`.

        Returns
        -------
        ProblemComparison

        Raises
        ------
        TypeError
            If ``run`` is not a :class:`~dynamics.groundtruth.training.TrainingRun`.
        ValueError
            If the run's logits do not have one column per training point, or the run is not of this problem:
            other initial weights, data (initial logits), labels, loss or point weights (initial objective).
        """
        if not isinstance(run, TrainingRun):
            raise TypeError(f"run must be a TrainingRun (from Problem.train), not {type(run).__name__}")
        if run.logits.ndim != 2 or run.logits.shape[1] != self.X.shape[0]:
            raise ValueError(f"run must have one logit per training point ({self.X.shape[0]}), got logits of "
                             f"shape {run.logits.shape}")
        self._check_run(run)
        prediction = self.predict(run.t, theory=theory)
        per_point = tuple(agreement(prediction.logits[:, i], run.logits[:, i]) for i in range(self.X.shape[0]))
        overall = agreement(prediction.logits, run.logits)
        patterns = run.preactivations > 0
        changed = np.flatnonzero(np.any(patterns != patterns[0], axis=(1, 2)))
        first_change = float(run.t[changed[0]]) if changed.size else None
        first_switch = float(prediction.switches[0].time) if prediction.switches else None
        scale = float(np.max(np.abs(run.logits)))
        relative = overall.max_abs / scale if scale > 0 else (0.0 if overall.max_abs == 0 else float("inf"))
        return ProblemComparison(prediction.theory, _frozen(np.asarray(run.t, float)), prediction.logits,
                                 _frozen(np.asarray(run.logits, float)), per_point, overall, overall.max_abs,
                                 relative, first_change, first_switch, prediction.switches)


def _same(a, b) -> bool:
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    return a.shape == b.shape and bool(np.allclose(a, b, rtol=RUN_MATCH_RTOL, atol=0.0))


def _frozen(array: np.ndarray) -> np.ndarray:
    out = np.array(array, dtype=float)
    out.setflags(write=False)
    return out


def _point_weights(weights, n):
    if weights is None:
        return np.full(n, 1.0 / n)
    q = as_finite_array("weights", weights)
    if q.shape != (n,):
        raise ValueError(f"weights must hold one weight per point, shape ({n},), got {q.shape}")
    if np.any(q < 0) or not np.any(q > 0):
        raise ValueError("weights must be >= 0 and not all zero (the objective is sum_i q_i l(s_i u_i))")
    return q.copy()


def _initial_weights(X, labels, W0, Z0, init, hidden, u0, seed):
    """``(W0, Z0, scheme, parameters used)`` from given weights or a named scheme."""
    if (W0 is None) != (Z0 is None):
        raise ValueError("W0 and Z0 must be given together (or neither, to use init=...)")
    if W0 is not None:
        if init is not None or hidden is not None or u0 is not None:
            raise ValueError("init, hidden and u0 choose an initialization; they do not apply when W0 and Z0 "
                             "are given")
        W = as_finite_array("W0", W0)
        Z = as_finite_array("Z0", Z0)
        if W.ndim != 2 or W.shape[1] != X.shape[1] or W.shape[0] == 0:
            raise ValueError(f"W0 must have shape (h, d={X.shape[1]}) with at least one unit, got {W.shape}")
        if Z.shape != (W.shape[0],):
            raise ValueError(f"Z0 must hold one output weight per unit, shape ({W.shape[0]},), got {Z.shape}")
        return W.copy(), Z.copy(), "given", {}
    scheme = "balanced" if init is None else init
    if scheme not in INITS:
        raise ValueError(f"init={scheme!r} is not valid; choose one of {', '.join(map(repr, INITS))} "
                         "(or pass W0 and Z0)")
    if hidden is not None and (isinstance(hidden, bool) or not isinstance(hidden, (int, np.integer))
                               or not 1 <= hidden <= MAX_HIDDEN):
        raise ValueError(f"hidden must be a whole number in [1, {MAX_HIDDEN:,}], got {hidden!r}")
    if scheme != "balanced" and u0 is not None:
        raise ValueError(f"u0 sets the balanced initialization's logits; it does not apply to init={scheme!r}")
    rng = np.random.default_rng(0 if seed is None else seed)
    if scheme == "balanced":
        targets = _class_logits(u0)
        units = 1 if hidden is None else int(hidden)
        made = data_balanced_init(X, labels, u0=targets, units_per_class=units, rng=rng)
        used = {"u0": list(targets), "units_per_class": units, "seed": seed}
    elif scheme == "class_mean":
        if hidden is not None:
            raise ValueError("hidden does not apply to init='class_mean' (one unit per class)")
        made = class_mean_init(X, labels)
        used = {"norm": made.modes["norm"], "z0": list(made.modes["z0"])}
    else:
        units = DEFAULT_RANDOM_UNITS if hidden is None else int(hidden)
        made = random_init(X, hidden=units, scale=DEFAULT_RANDOM_SCALE, rng=rng)
        used = {"hidden": units, "scale": DEFAULT_RANDOM_SCALE, "seed": seed}
    return np.array(made.W0, float), np.array(made.Z0, float), scheme, used


def _class_logits(u0):
    if u0 is None:
        return DEFAULT_U0
    values = as_finite_array("u0", u0)
    if values.ndim == 0 and float(values) > 0:
        values = np.array([float(values), -float(values)])
    if values.shape != (2,) or not (values[0] > 0 > values[1]):
        raise ValueError(f"u0 must be one positive number u (meaning (u, -u)) or (u_class1 > 0, u_class2 < 0), "
                         f"got {np.asarray(u0).tolist()!r}")
    return float(values[0]), float(values[1])
