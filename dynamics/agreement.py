"""Agreement between a theory curve and a training run, as numbers."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import expit

from .groundtruth.assumptions import check_binary, require
from .groundtruth.data import Dataset
from .groundtruth.losses import NetworkLoss, get_loss
from .theory.balanced_logit import logit
from .groundtruth.training import TrainingRun
from .validation import as_finite_array

__all__ = ["Agreement", "agreement", "ClassAgreement", "compare_two_layer", "TIME_MAP"]

#: How a GD run's records map to the theory's time, stated in every comparison.
TIME_MAP = ("flow time t = lr x step (full-batch GD on the mean loss); class k's balanced mode follows the "
            "theory with its frequency p_k = |D_k|/|D| as time scale")


@dataclass(frozen=True)
class Agreement:
    """Max and RMS absolute and relative errors of ``measured`` against ``theory``.

    ``rel_excluded`` counts the points where the theory is exactly 0 and the measurement is not: a relative
    error is undefined there, so they are left out of ``max_rel``/``rms_rel`` (flagged here, never inf).
    """

    max_abs: float
    rms_abs: float
    max_rel: float
    rms_rel: float
    rel_excluded: int = 0

    def as_dict(self) -> dict:
        """The five numbers by name, for JSON.

        Returns
        -------
        dict
            ``{"max_abs", "rms_abs", "max_rel", "rms_rel", "rel_excluded"}`` to the fields of the same names.

        Examples
        --------
        >>> Agreement(0.5, 0.25, 0.1, 0.05).as_dict()["rel_excluded"]
        0
        """
        return {"max_abs": self.max_abs, "rms_abs": self.rms_abs, "max_rel": self.max_rel, "rms_rel": self.rms_rel,
                "rel_excluded": self.rel_excluded}


def _max_and_rms(values):
    """``(max, rms)`` of non-negative finite values, scaled so that squares cannot overflow or underflow."""
    top = float(values.max())
    if top == 0.0:
        return 0.0, 0.0
    return top, top * float(np.sqrt(np.mean((values / top) ** 2)))


def agreement(theory: ArrayLike, measured: ArrayLike) -> Agreement:
    """Errors of ``measured`` against ``theory`` (same shape, at least one value), relative to ``|theory|``.

    All four numbers are finite: RMS values are computed scaled, and points where the theory is 0 are
    excluded from the relative errors (counted in ``rel_excluded``).

    Parameters
    ----------
    theory, measured : array_like
        Finite, of one shape, non-empty.

    Returns
    -------
    Agreement

    Raises
    ------
    ValueError
        Non-finite or empty inputs, different shapes, or errors beyond the float range.

    Examples
    --------
    >>> agreement([1.0, 2.0], [1.1, 2.0]).max_abs
    0.10000000000000009
    >>> round(agreement([1e300, 2e300], [1.5e300, 2e300]).rms_abs / 1e299, 12)  # 5e299 / sqrt(2): no overflow
    3.535533905933
    """
    theory, measured = as_finite_array("theory", theory), as_finite_array("measured", measured)
    if theory.shape != measured.shape:
        raise ValueError(f"theory and measured must have the same shape, got {theory.shape} and {measured.shape}")
    if theory.size == 0:
        raise ValueError("theory and measured must hold at least one value each, got empty curves")
    with np.errstate(over="ignore"):
        err = np.abs(measured - theory)
        defined = theory != 0
        rel = np.where(defined, err / np.where(defined, np.abs(theory), 1.0), 0.0)
    if not (np.all(np.isfinite(err)) and np.all(np.isfinite(rel))):
        i = int(np.flatnonzero(~(np.isfinite(err) & np.isfinite(rel)))[0])
        raise ValueError(f"the error of measured against theory exceeds the float range at index {i} "
                         f"(theory {theory.ravel()[i]:.3g}, measured {measured.ravel()[i]:.3g})")
    max_abs, rms_abs = _max_and_rms(err)
    kept = defined | (err == 0)
    max_rel, rms_rel = _max_and_rms(rel[kept]) if kept.any() else (0.0, 0.0)
    return Agreement(max_abs, rms_abs, max_rel, rms_rel, int(np.count_nonzero(~kept)))


@dataclass(frozen=True)
class ClassAgreement:
    """Per-class agreement of logits and confidences on the run's own time grid."""

    time_map: str
    t: np.ndarray
    theory_logits: dict
    measured_logits: dict
    logits: dict
    confidences: dict


def compare_two_layer(run: TrainingRun, dataset: Dataset, *, loss: str | NetworkLoss = "bce", u0: float,
                      v0: float) -> ClassAgreement:
    """Compare a :func:`dynamics.train` run on one-point-per-class data with the balanced theory.

    The theory is evaluated at the run's own flow times with each class's norm (of
    ``dataset.class_vectors``) and frequency.

    Parameters
    ----------
    run : TrainingRun
        From :func:`dynamics.groundtruth.training.train` on ``dataset``.
    dataset : Dataset
        With ``class_vectors`` (:func:`dynamics.groundtruth.data.repeated_points`).
    loss : {"bce", "hinge"} or NetworkLoss
        The loss the run was trained with (its name, or the ground truth's loss object).
    u0, v0 : float
        The balanced initial logits of class 1 and class 2.

    Returns
    -------
    ClassAgreement

    Raises
    ------
    AssumptionError
        If the data or the run's initial weights violate H1-H3: training ran,
        but the theory does not apply to it.
    TypeError, ValueError
        ``run`` is not a single two-layer run, ``dataset`` is not one point per class, or the theory logit
        is not finite for ``u0``/``v0``.

    Examples
    --------
    >>> from dynamics.groundtruth.data import repeated_points
    >>> from dynamics.groundtruth.initialization import balanced_init
    >>> from dynamics.groundtruth.training import train
    >>> data = repeated_points(np.random.default_rng(0), n_points=4)
    >>> init = balanced_init(data, u0=0.1, v0=-0.1)
    >>> run = train(data.X, data.labels, init.W0, init.Z0, lr=0.01, steps=100, record_every=100)
    >>> bool(compare_two_layer(run, data, u0=0.1, v0=-0.1).logits[1].max_abs < 1e-3)
    True
    """
    if not isinstance(run, TrainingRun) or run.W0 is None:
        raise TypeError(f"run must be the result of dynamics.train (one two-layer run), got {type(run).__name__}")
    if not isinstance(dataset, Dataset) or dataset.class_vectors is None:
        raise ValueError("dataset must come from dynamics.groundtruth.data.repeated_points (one repeated point per "
                         "class: Dataset.class_vectors)")
    if run.logits.shape[1] != dataset.X.shape[0]:
        raise ValueError(f"run was trained on {run.logits.shape[1]} points but dataset has {dataset.X.shape[0]}")
    u0, v0 = float(as_finite_array("u0", u0)), float(as_finite_array("v0", v0))
    resolved = get_loss(loss)
    if resolved.name not in ("bce", "hinge"):
        raise ValueError(f"loss={resolved.formula} cannot be compared by compare_two_layer, which uses the closed-form "
                         "logit of 'bce' or 'hinge'; use dynamics.Problem for any other loss")
    loss = resolved.name
    require(*check_binary(dataset.X, dataset.labels, run.W0, run.Z_history[0]))
    freq = dataset.frequencies
    norms = dataset.class_norms
    first = {1: int(np.flatnonzero(dataset.labels == 1)[0]), 2: int(np.flatnonzero(dataset.labels == 2)[0])}
    theory = {1: logit(run.t, loss=loss, norm=norms[0], p=freq[1], u0=u0),
              2: logit(run.t, loss=loss, norm=norms[1], p=freq[2], u0=v0)}
    for k, start in ((1, "u0"), (2, "v0")):
        if not np.all(np.isfinite(theory[k])):
            raise ValueError(f"the theory logit of class {k} is not finite for {start}={(u0, v0)[k - 1]!r} "
                             f"on these flow times; use a smaller |{start}| or a shorter run")
    measured = {k: run.logits[:, first[k]] for k in (1, 2)}
    logits = {k: agreement(theory[k], measured[k]) for k in (1, 2)}
    sign = {1: 1.0, 2: -1.0}
    conf = {k: agreement(expit(sign[k] * theory[k]), expit(sign[k] * measured[k])) for k in (1, 2)}
    return ClassAgreement(TIME_MAP, run.t, theory, measured, logits, conf)
