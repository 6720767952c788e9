"""Agreement between a theory curve and a training run, as numbers."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from .assumptions import AssumptionReport, check_h1, require
from .balanced_logit import logit
from .validation import as_finite_array

__all__ = ["Agreement", "agreement", "ClassAgreement", "compare_two_layer", "TIME_MAP"]

#: How a GD run's records map to the theory's time, stated in every comparison.
TIME_MAP = ("flow time t = lr x step (full-batch GD on the mean loss); class k's balanced mode follows the "
            "theory with its frequency p_k = |D_k|/|D| as time scale")


@dataclass(frozen=True)
class Agreement:
    """Max and RMS absolute and relative errors of ``measured`` against ``theory``."""

    max_abs: float
    rms_abs: float
    max_rel: float
    rms_rel: float

    def as_dict(self) -> dict:
        return {"max_abs": self.max_abs, "rms_abs": self.rms_abs, "max_rel": self.max_rel, "rms_rel": self.rms_rel}


def agreement(theory, measured) -> Agreement:
    """Errors of ``measured`` against ``theory`` (same shape), relative to ``|theory|``.

    Examples
    --------
    >>> agreement([1.0, 2.0], [1.1, 2.0]).max_abs
    0.10000000000000009
    """
    theory, measured = as_finite_array("theory", theory), as_finite_array("measured", measured)
    if theory.shape != measured.shape:
        raise ValueError(f"theory and measured must have the same shape, got {theory.shape} and {measured.shape}")
    err = np.abs(measured - theory)
    rel = err / np.maximum(np.abs(theory), np.finfo(float).tiny)
    return Agreement(float(err.max()), float(np.sqrt(np.mean(err**2))), float(rel.max()), float(np.sqrt(np.mean(rel**2))))


@dataclass(frozen=True)
class ClassAgreement:
    """Per-class agreement of logits and confidences on the run's own time grid."""

    time_map: str
    t: np.ndarray
    theory_logits: dict
    measured_logits: dict
    logits: dict
    confidences: dict


def compare_two_layer(run, dataset, *, loss="bce", u0, v0) -> ClassAgreement:
    """Compare a :func:`dynamics.train` run on :func:`dynamics.data.repeated_points` data with the balanced theory.

    The theory is evaluated at the run's own flow times with each class's norm and frequency.

    Raises
    ------
    AssumptionError
        If the data or the run's initial weights violate H1-H3: training ran,
        but the theory does not apply to it.
    """
    h1 = check_h1(dataset.X, dataset.labels)
    pattern = run.preactivations[0] > 0  # (n, h): which unit each point switches on at the start
    own = {k: np.flatnonzero(np.all(pattern[dataset.labels == k], axis=0) & ~np.any(pattern[dataset.labels != k], axis=0))
           for k in (1, 2)}
    failures = [f"no unit is active on exactly class {k}" for k in (1, 2) if own[k].size == 0]
    failures += [f"Z0 has the wrong sign on unit {i} of class {k}" for k in (1, 2) for i in own[k]
                 if (run.Z_history[0][i] > 0) != (k == 1)]
    require(h1, AssumptionReport("H2/H3", not failures, tuple(failures)))
    freq = dataset.frequencies
    norms = dataset.meta["norms"]
    first = {1: int(np.flatnonzero(dataset.labels == 1)[0]), 2: int(np.flatnonzero(dataset.labels == 2)[0])}
    theory = {1: logit(run.t, loss=loss, norm=norms[0], p=freq[1], u0=u0),
              2: logit(run.t, loss=loss, norm=norms[1], p=freq[2], u0=v0)}
    measured = {k: run.logits[:, first[k]] for k in (1, 2)}
    logits = {k: agreement(theory[k], measured[k]) for k in (1, 2)}
    sign = {1: 1.0, 2: -1.0}
    conf = {k: agreement(expit(sign[k] * theory[k]), expit(sign[k] * measured[k])) for k in (1, 2)}
    return ClassAgreement(TIME_MAP, run.t, theory, measured, logits, conf)
