"""Validators of the paper's assumptions H1-H3 (binary) and H4-H6 (multi-class).

Each returns an :class:`AssumptionReport` naming the offending points or
units; :func:`require` turns a failed report into an :class:`AssumptionError`.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["AssumptionReport", "AssumptionError", "check_h1", "check_h2", "check_h3", "check_h4", "check_h5",
           "check_h6", "check_binary", "partition", "require"]

#: Inner products within this of zero count as zero (orthogonal data built in float64).
ZERO_TOLERANCE = 1e-12
#: How many offending pairs/units a report lists before summarising.
MAX_LISTED = 5


class AssumptionError(ValueError):
    """A dataset or initialization violates an assumption the theory needs."""


@dataclass(frozen=True)
class AssumptionReport:
    """Whether an assumption holds, and where it fails."""

    name: str
    holds: bool
    failures: tuple

    def message(self) -> str:
        if self.holds:
            return f"{self.name} holds"
        listed = "; ".join(self.failures[:MAX_LISTED])
        more = f" (and {len(self.failures) - MAX_LISTED} more)" if len(self.failures) > MAX_LISTED else ""
        return f"{self.name} fails: {listed}{more}"


def require(*reports: AssumptionReport) -> None:
    """Raise :class:`AssumptionError` listing every failed report."""
    failed = [r.message() for r in reports if not r.holds]
    if failed:
        raise AssumptionError("; ".join(failed) + " — the theory does not apply to this data/initialization")


def _pairs(mask, prefix):
    rows, cols = np.nonzero(np.triu(mask, 1))
    return tuple(f"{prefix} ({i}, {j})" for i, j in zip(rows, cols))


def check_h1(X, labels, *, orthogonal_within=False) -> AssumptionReport:
    """H1: ``x.x' > 0`` within a class, ``x.x' <= 0`` across classes (labels 1/2).

    ``orthogonal_within=True`` also accepts ``x.x' = 0`` within a class, the
    setting of App. A.7 (m orthogonal points per class).
    """
    X, labels = np.asarray(X, float), np.asarray(labels)
    gram = X @ X.T
    same = labels[:, None] == labels[None, :]
    floor = -ZERO_TOLERANCE if orthogonal_within else ZERO_TOLERANCE
    bad_within = same & (gram <= floor) if not orthogonal_within else same & (gram < floor)
    bad_across = ~same & (gram > ZERO_TOLERANCE)
    np.fill_diagonal(bad_within, False)
    failures = _pairs(bad_within, "same-class points with x.x' <= 0:") + _pairs(bad_across, "cross-class points with x.x' > 0:")
    return AssumptionReport("H1", not failures, failures)


def partition(W0, X, labels) -> np.ndarray:
    """The class (1 or 2) each hidden unit serves under H2, 0 where it serves none or both."""
    pre = np.asarray(X, float) @ np.asarray(W0, float).T  # (n, h)
    labels = np.asarray(labels)
    out = np.zeros(pre.shape[1], dtype=int)
    for k in (1, 2):
        own, other = labels == k, labels != k
        serves = np.all(pre[own] > 0, axis=0) & np.all(pre[other] <= 0, axis=0) if own.any() else np.zeros_like(out, bool)
        out[serves] = k
    return out


def check_h2(X, labels, W0) -> AssumptionReport:
    """H2: every hidden unit is active on exactly one class and inactive on the other."""
    part = partition(W0, X, labels)
    failures = tuple(f"unit {i} is active on points of both classes or on none of a class" for i in np.flatnonzero(part == 0))
    return AssumptionReport("H2", not failures, failures)


def check_h3(X, labels, W0, Z0) -> AssumptionReport:
    """H3: ``Z0 > 0`` on the units of class 1 and ``< 0`` on those of class 2."""
    part, Z0 = partition(W0, X, labels), np.asarray(Z0, float).ravel()
    bad = [i for i in range(Z0.size) if (part[i] == 1 and Z0[i] <= 0) or (part[i] == 2 and Z0[i] >= 0)]
    failures = tuple(f"unit {i} serves class {part[i]} but Z0[{i}] = {Z0[i]:.3g} has the wrong sign" for i in bad)
    return AssumptionReport("H3", not failures, failures)


def check_binary(X, labels, W0, Z0) -> tuple:
    """H1, H2 and H3 together."""
    return check_h1(X, labels), check_h2(X, labels, W0), check_h3(X, labels, W0, Z0)


def check_h4(X, labels) -> AssumptionReport:
    """H4 (multi-class, labels 0..C-1): ``x.x' > 0`` within a class, ``<= 0`` across."""
    report = check_h1(X, labels)
    return AssumptionReport("H4", report.holds, report.failures)


def check_h5(X, labels, W0) -> AssumptionReport:
    """H5: unit k is active exactly on class k."""
    pre = np.asarray(X, float) @ np.asarray(W0, float).T
    labels = np.asarray(labels)
    failures = []
    for k in range(pre.shape[1]):
        own = labels == k
        if not (np.all(pre[own, k] > 0) and np.all(pre[~own, k] <= 0)):
            failures.append(f"unit {k} is not active exactly on class {k}")
    return AssumptionReport("H5", not failures, tuple(failures))


def check_h6(Z0) -> AssumptionReport:
    """H6: ``Z0`` has a positive diagonal and non-positive off-diagonal entries."""
    Z0 = np.asarray(Z0, float)
    failures = [f"Z0[{k},{k}] = {Z0[k, k]:.3g} <= 0" for k in range(Z0.shape[0]) if Z0[k, k] <= 0]
    off = Z0 - np.diag(np.diag(Z0))
    failures += [f"Z0[{j},{k}] = {off[j, k]:.3g} > 0" for j, k in zip(*np.nonzero(off > 0))]
    return AssumptionReport("H6", not failures, tuple(failures))
