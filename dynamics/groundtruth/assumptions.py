"""Validators of the paper's assumptions H1-H3 (binary) and H4-H6 (multi-class).

Each returns an :class:`AssumptionReport` naming the offending points or
units and the ``margin`` by which the assumption holds; :func:`require` turns
a failed report into an :class:`AssumptionError`.

Every check uses the same scale-aware tolerance, :data:`RELATIVE_TOLERANCE`:
an inner product ``a.b`` is judged through its cosine ``a.b / (||a|| ||b||)``
and an output weight through ``Z0 / max|Z0|``, so that rounding (an
orthogonal pair built in float64 has ``x.x'`` of order 1e-17, not 0) and the
scale of the data never decide the answer.

Examples
--------
>>> import numpy as np
>>> report = check_h1(np.array([[1.0, -0.2], [2.0, 0.1], [-0.1, 1.0]]), np.array([1, 1, 2]))
>>> report.holds, round(report.margin, 6)  # the closest pair: points 1 and 2, cosine -0.0497
(True, 0.04969)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from .data import row_norms
from ..validation import as_finite_array

__all__ = ["AssumptionReport", "AssumptionError", "check_h1", "check_h2", "check_h3", "check_h4", "check_h5",
           "check_h6", "check_binary", "partition", "require", "RELATIVE_TOLERANCE"]

#: One tolerance for every assumption check, relative to the scale of what is compared (a cosine, or an
#: output weight over ``max|Z0|``).  Rounding a float64 dot product of length d moves it by at most about
#: ``d * 2**-53 * ||a|| ||b||`` (the standard bound for recursive summation), i.e. a cosine error below 1e-12 up
#: to ~9000 features: a cosine within 1e-12 of zero is indistinguishable from an exact 0 and counts as 0.
RELATIVE_TOLERANCE = 1e-12
#: Binary labels of H1-H3.
BINARY_LABELS = (1, 2)
#: How many offending pairs/units a report lists before summarising.
MAX_LISTED = 5


class AssumptionError(ValueError):
    """A dataset or initialization violates an assumption the theory needs."""


@dataclass(frozen=True)
class AssumptionReport:
    """Whether an assumption holds, where it fails, and by how much.

    Attributes
    ----------
    name : str
        "H1" ... "H6".
    holds : bool
    failures : tuple of str
        Each offending pair of points or unit, with its scaled value.
    margin : float
        The smallest slack over every condition of the assumption, in scaled units (cosines, or
        ``Z0 / max|Z0|``) and measured from the tolerance: a condition ``c > 0`` has slack
        ``c - RELATIVE_TOLERANCE``, a condition ``c <= 0`` has slack ``RELATIVE_TOLERANCE - c``.
        Negative when the assumption is violated; orthogonal classes (``c = 0``, allowed across classes)
        hold with margin ``RELATIVE_TOLERANCE``.
    """

    name: str
    holds: bool
    failures: tuple
    margin: float

    def message(self) -> str:
        """One line: "H1 holds (margin ...)" or "H1 fails by ...: <the first offenders>".

        Returns
        -------
        str
            ``"<name> holds (margin <margin>)"``, or ``"<name> fails by <-margin>: <failures>"`` listing the
            first :data:`MAX_LISTED` failures and how many more there are.

        Examples
        --------
        >>> AssumptionReport("H3", False, ("unit 0 has the wrong sign",), -0.5).message()
        'H3 fails by 0.5: unit 0 has the wrong sign'
        """
        if self.holds:
            return f"{self.name} holds (margin {self.margin:.3g})"
        listed = "; ".join(self.failures[:MAX_LISTED])
        more = f" (and {len(self.failures) - MAX_LISTED} more)" if len(self.failures) > MAX_LISTED else ""
        return f"{self.name} fails by {-self.margin:.3g}: {listed}{more}"


def require(*reports: AssumptionReport) -> None:
    """Raise :class:`AssumptionError` listing every failed report; return None if all hold.

    Parameters
    ----------
    *reports : AssumptionReport

    Returns
    -------
    None

    Raises
    ------
    AssumptionError
        If any report fails; the message names each failed assumption and its offenders.

    Examples
    --------
    >>> require(check_h1([[1.0, 0.0], [0.0, 1.0]], [1, 2])) is None
    True
    """
    failed = [r.message() for r in reports if not r.holds]
    if failed:
        raise AssumptionError("; ".join(failed) + " — the theory does not apply to this data/initialization")


# ----------------------------------------------------------------------------------------------- input checks
def _data(X, labels, *, binary: bool):
    X = as_finite_array("X", X)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must be a 2-d data matrix with at least one point and one feature, got shape {X.shape}")
    labels = np.asarray(labels)
    if labels.shape != (X.shape[0],):
        raise ValueError(f"labels must have one entry per row of X ({X.shape[0]}), got shape {labels.shape}")
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.number):
        raise TypeError(f"labels must be whole numbers, got dtype {labels.dtype}")
    if binary:
        ok, valid = np.isin(labels, BINARY_LABELS), "1 or 2"
    else:
        ok, valid = (labels >= 0) & (labels == np.round(labels)), "whole numbers 0, 1, ..., C-1"
    if not np.all(ok):
        raise ValueError(f"labels must be {valid}, found {labels[~ok][0].item()!r}")
    return X, labels.astype(int)


def _weights(W0, d):
    W0 = as_finite_array("W0", W0)
    if W0.ndim != 2 or W0.shape[1] != d or W0.shape[0] == 0:
        raise ValueError(f"W0 must have shape (h, d={d}) with at least one unit, got {W0.shape}")
    return W0


def _unit_rows(A):
    """Rows of ``A`` scaled to unit length (zero rows stay zero), without overflow or underflow."""
    norms = row_norms(A)
    return A / np.where(norms > 0, norms, 1.0)[:, None]


def _z_scaled(Z0):
    top = np.max(np.abs(Z0)) if Z0.size else 0.0
    return Z0 / top if top > 0 else np.zeros_like(Z0)


def _pairs(mask, cos, slack, prefix, need):
    """The offending pairs, the most violated (smallest slack) first."""
    rows, cols = np.nonzero(np.triu(mask))
    order = np.argsort(slack[rows, cols], kind="stable")
    return tuple(f"{prefix} ({rows[k]}, {cols[k]}) have cosine {cos[rows[k], cols[k]]:.3g} (need {need})"
                 for k in order)


# ------------------------------------------------------------------------------------------------ H1 / H4
def _gram_check(name, X, labels, orthogonal_within):
    U = _unit_rows(X)
    cos = U @ U.T
    same = labels[:, None] == labels[None, :]
    tol = RELATIVE_TOLERANCE
    # Conditions: c > 0 within a class (c >= 0 with orthogonal_within, but x.x > 0 always), c <= 0 across.
    strict = same & (np.eye(len(X), dtype=bool) | (not orthogonal_within))
    slack = np.where(same, np.where(strict, cos - tol, cos + tol), tol - cos)
    bad = np.where(strict, slack <= 0, slack < 0)
    bad_within, bad_across = bad & same, bad & ~same
    relation = "x.x' >= 0, x.x > 0" if orthogonal_within else "x.x' > 0"
    failures = _pairs(bad_within, cos, slack, "same-class points", relation)
    failures += _pairs(bad_across, cos, slack, "cross-class points", "x.x' <= 0")
    return AssumptionReport(name, not failures, failures, float(slack.min()))


def check_h1(X: ArrayLike, labels: ArrayLike, *, orthogonal_within: bool = False) -> AssumptionReport:
    """H1: ``x.x' > 0`` within a class, ``x.x' <= 0`` across classes (labels 1/2).

    ``orthogonal_within=True`` also accepts ``x.x' = 0`` within a class, the
    setting of App. A.7 (m orthogonal points per class).  A zero point fails
    (``x.x > 0`` is part of H1).  Inner products are judged as cosines with
    :data:`RELATIVE_TOLERANCE`.

    Parameters
    ----------
    X : array_like (n, d)
    labels : array_like (n,)
        1 or 2.
    orthogonal_within : bool

    Returns
    -------
    AssumptionReport
    """
    X, labels = _data(X, labels, binary=True)
    return _gram_check("H1", X, labels, orthogonal_within)


def check_h4(X: ArrayLike, labels: ArrayLike) -> AssumptionReport:
    """H4 (multi-class, labels 0..C-1): ``x.x' > 0`` within a class, ``<= 0`` across.

    Parameters
    ----------
    X : array_like (n, d)
    labels : array_like (n,)
        Whole numbers 0..C-1.

    Returns
    -------
    AssumptionReport

    Examples
    --------
    >>> check_h4(np.eye(3), [0, 1, 2]).holds
    True
    """
    X, labels = _data(X, labels, binary=False)
    return _gram_check("H4", X, labels, False)


# ------------------------------------------------------------------------------------------------ H2 / H5
def _unit_slacks(cos, own):
    """Per unit: slack of "active on every point of ``own``" and of "inactive on every other point"."""
    tol = RELATIVE_TOLERANCE
    active = np.min(np.where(own[:, None], cos - tol, np.inf), axis=0)
    inactive = np.min(np.where(own[:, None], np.inf, tol - cos), axis=0)
    return active, inactive


def _serving(X, labels, W0):
    """Per present class k: (active slack, inactive slack) of every unit, and the units that serve k."""
    cos = _unit_rows(X) @ _unit_rows(W0).T  # (n, h)
    slacks, serves = {}, {}
    for k in BINARY_LABELS:
        own = labels == k
        if own.any():
            slacks[k] = _unit_slacks(cos, own)
            serves[k] = (slacks[k][0] > 0) & (slacks[k][1] >= 0)
    return slacks, serves


def partition(W0: ArrayLike, X: ArrayLike, labels: ArrayLike) -> np.ndarray:
    """The class (1 or 2) each hidden unit serves under H2, 0 where it serves none (tolerance as in H2).

    Parameters
    ----------
    W0 : array_like (h, d)
    X : array_like (n, d)
    labels : array_like (n,)
        1 or 2.

    Returns
    -------
    ndarray (h,) of int

    Examples
    --------
    >>> partition([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]], np.eye(2), [1, 2]).tolist()
    [1, 2, 0]
    """
    X, labels = _data(X, labels, binary=True)
    return _h2(X, labels, _weights(W0, X.shape[1]))[0]


def _h2(X, labels, W0):
    """``(class served by each unit or 0, slack of each unit's best class, slack of each class's best unit)``."""
    slacks, serves = _serving(X, labels, W0)
    unit_slack = np.max([np.minimum(*s) for s in slacks.values()], axis=0)  # (h,) best class of each unit
    class_slack = {k: float(np.max(np.minimum(*s))) for k, s in slacks.items()}  # best unit of each class
    part = np.zeros(W0.shape[0], dtype=int)
    for k, mask in serves.items():
        part[mask] = k
    return part, unit_slack, class_slack


def check_h2(X: ArrayLike, labels: ArrayLike, W0: ArrayLike) -> AssumptionReport:
    """H2: every hidden unit is active on every point of one class and inactive on the other; each class has one.

    A unit is active where ``cos(w, x) > RELATIVE_TOLERANCE`` and inactive where it is ``<= RELATIVE_TOLERANCE``.

    Parameters
    ----------
    X : array_like (n, d)
    labels : array_like (n,)
        1 or 2.
    W0 : array_like (h, d)

    Returns
    -------
    AssumptionReport

    Examples
    --------
    >>> report = check_h2(np.eye(2), [1, 2], [[1.0, 1.0]])  # one unit, active on both classes
    >>> report.holds, report.failures[1:]
    (False, ('no unit serves class 1', 'no unit serves class 2'))
    """
    X, labels = _data(X, labels, binary=True)
    W0 = _weights(W0, X.shape[1])
    part, unit_slack, class_slack = _h2(X, labels, W0)
    active = _unit_rows(X) @ _unit_rows(W0).T > RELATIVE_TOLERANCE  # (n, h), the tolerance of H2
    counts = {k: active[labels == k].sum(axis=0) for k in BINARY_LABELS}
    sizes = {k: int(np.sum(labels == k)) for k in BINARY_LABELS}

    def why(i):
        on = ", ".join(f"{counts[k][i]} of {sizes[k]} class-{k} points" for k in BINARY_LABELS if sizes[k])
        kind = ("is active on points of both classes" if all(counts[k][i] for k in BINARY_LABELS if sizes[k])
                else "is not active on every point of its class")
        return f"unit {i} {kind} (active on {on}; slack {unit_slack[i]:.3g})"

    broken = np.flatnonzero(part == 0)
    failures = tuple(why(i) for i in broken[np.argsort(unit_slack[broken], kind="stable")])
    failures += tuple(f"no unit serves class {k}" for k in class_slack if not np.any(part == k))
    margin = min(float(unit_slack.min()), *class_slack.values())
    return AssumptionReport("H2", not failures, failures, margin)


def check_h3(X: ArrayLike, labels: ArrayLike, W0: ArrayLike, Z0: ArrayLike) -> AssumptionReport:
    """H3: ``Z0 > 0`` on the units of class 1 and ``< 0`` on those of class 2.

    Output weights are given, not computed, so their signs are exact and are checked without a tolerance (a
    correct sign 1e-13 times smaller than the largest weight still holds); the margin is the smallest signed
    weight scaled by ``max|Z0|``.  A class with no unit of its own (H2 fails) fails H3 too, with the slack of
    its best unit under H2.

    Parameters
    ----------
    X : array_like (n, d)
    labels : array_like (n,)
        1 or 2.
    W0 : array_like (h, d)
    Z0 : array_like (h,)

    Returns
    -------
    AssumptionReport

    Examples
    --------
    >>> check_h3(np.eye(2), [1, 2], np.eye(2), [0.5, -1.0]).margin
    0.5
    """
    X, labels = _data(X, labels, binary=True)
    W0 = _weights(W0, X.shape[1])
    Z0 = as_finite_array("Z0", Z0)
    if Z0.ndim != 1 or Z0.size != W0.shape[0]:
        raise ValueError(f"Z0 must hold one output weight per unit, shape ({W0.shape[0]},), got {Z0.shape}")
    part, _, class_slack = _h2(X, labels, W0)
    sign = np.where(part == 2, -1.0, 1.0)
    slack = _z_scaled(Z0) * sign  # the margin; it may underflow to 0 when the weights span 600 decades
    served = part > 0
    wrong = served & (Z0 * sign <= 0)  # the sign itself, on the given weights
    failures = tuple(f"unit {i} serves class {part[i]} but Z0[{i}] = {Z0[i]:.3g} has the wrong sign"
                     for i in np.flatnonzero(wrong))
    missing = [k for k in class_slack if not np.any(part == k)]
    failures += tuple(f"no unit serves class {k} (H2 fails), so its output weights cannot satisfy H3" for k in missing)
    margin = float(min(list(slack[served]) + [class_slack[k] for k in missing])) + 0.0  # never empty; no -0.0
    return AssumptionReport("H3", not failures, failures, margin)


def check_binary(X: ArrayLike, labels: ArrayLike, W0: ArrayLike, Z0: ArrayLike) -> tuple:
    """H1, H2 and H3 together.

    Parameters
    ----------
    X, labels, W0, Z0
        As in :func:`check_h3`.

    Returns
    -------
    (AssumptionReport, AssumptionReport, AssumptionReport)

    Examples
    --------
    >>> [r.holds for r in check_binary(np.eye(2), [1, 2], np.eye(2), [0.5, -1.0])]
    [True, True, True]
    """
    return check_h1(X, labels), check_h2(X, labels, W0), check_h3(X, labels, W0, Z0)


def check_h5(X: ArrayLike, labels: ArrayLike, W0: ArrayLike) -> AssumptionReport:
    """H5: unit k is active exactly on class k (labels 0..C-1, ``W0`` of shape (C, d)).

    Parameters
    ----------
    X : array_like (n, d)
    labels : array_like (n,)
        0..C-1.
    W0 : array_like (C, d)

    Returns
    -------
    AssumptionReport

    Examples
    --------
    >>> check_h5(np.eye(2), [0, 1], [[0.0, 1.0], [1.0, 0.0]]).holds  # the units are swapped
    False
    """
    X, labels = _data(X, labels, binary=False)
    W0 = _weights(W0, X.shape[1])
    if labels.max() >= W0.shape[0]:
        raise ValueError(f"W0 must have one unit per class (at least {labels.max() + 1} rows), got {W0.shape}")
    cos = _unit_rows(X) @ _unit_rows(W0).T
    failures, slacks = [], []
    for k in range(W0.shape[0]):
        active, inactive = _unit_slacks(cos[:, k:k + 1], labels == k)
        slacks.append(min(float(active[0]), float(inactive[0])))
        if not (active[0] > 0 and inactive[0] >= 0):
            failures.append(f"unit {k} is not active exactly on class {k} (slack {slacks[-1]:.3g})")
    return AssumptionReport("H5", not failures, tuple(failures), min(slacks))


def check_h6(Z0: ArrayLike) -> AssumptionReport:
    """H6: ``Z0`` (C, C) has a positive diagonal and non-positive off-diagonal entries (scaled by ``max|Z0|``).

    Parameters
    ----------
    Z0 : array_like (C, C)

    Returns
    -------
    AssumptionReport

    Examples
    --------
    >>> check_h6([[1.0, -0.5], [0.0, 2.0]]).holds
    True
    """
    Z0 = as_finite_array("Z0", Z0)
    if Z0.ndim != 2 or Z0.shape[0] != Z0.shape[1] or Z0.size == 0:
        raise ValueError(f"Z0 must be a square (C, C) matrix of output weights, got shape {Z0.shape}")
    diagonal = np.eye(Z0.shape[0], dtype=bool)
    scaled = _z_scaled(Z0)
    slack = np.where(diagonal, scaled - RELATIVE_TOLERANCE, RELATIVE_TOLERANCE - scaled)
    failures = [f"Z0[{k},{k}] = {Z0[k, k]:.3g} <= 0" for k in range(Z0.shape[0]) if slack[k, k] <= 0]
    failures += [f"Z0[{j},{k}] = {Z0[j, k]:.3g} > 0" for j, k in zip(*np.nonzero(~diagonal & (slack < 0)))]
    return AssumptionReport("H6", not failures, tuple(failures), float(slack.min()))
