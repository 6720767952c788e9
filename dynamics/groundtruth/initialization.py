"""Initializations that satisfy H2/H3 with chosen mode coordinates, or break them on purpose."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from .data import Dataset, row_norms
from ..validation import as_finite_array

__all__ = ["Initialization", "DeepInitialization", "class_mean_init", "data_balanced_init", "random_init",
           "mode_init", "balanced_init", "invariant_init", "cone_init", "small_random_init", "shared_neuron_init",
           "deep_balanced_init", "multiclass_init"]

#: A class mean shorter than this fraction of the class's longest point counts as zero: the points cancel
#: (up to rounding), so there is no direction their positive combination could give a unit.
ZERO_MEAN_RELATIVE = 1e-12


@dataclass(frozen=True)
class Initialization:
    """Initial weights of a two-layer (or softmax) network.

    Attributes
    ----------
    W0 : ndarray (h, d)
        Input weights, one unit per row.
    Z0 : ndarray (h,) or (C, h)
        Output weights (one per unit; a (C, h) matrix for the softmax network).
    modes : dict
        The numbers the builder was asked for (free-form notes, e.g. ``{"y0": ..., "z0": ...}``).
    """

    W0: np.ndarray
    Z0: np.ndarray
    modes: dict


@dataclass(frozen=True)
class DeepInitialization:
    """Initial weights of the diagonal deep chain ``o(Z^T relu(D_{N-2} ... relu(D_1 relu(W x))))``.

    Attributes
    ----------
    W0 : ndarray (h, d)
        Input weights.
    layers0 : tuple of ndarray (h,)
        The diagonals of ``D_1 ... D_{N-2}`` (empty for depth 2).
    Z0 : ndarray (h,)
        Output weights.
    """

    W0: np.ndarray
    layers0: tuple
    Z0: np.ndarray

    @property
    def depth(self) -> int:
        """N, the number of weight layers: ``len(layers0) + 2``."""
        return len(self.layers0) + 2


def _class_vectors(data: Dataset):
    if not isinstance(data, Dataset):
        raise TypeError(f"data must be a dynamics.groundtruth.data.Dataset, got {type(data).__name__}")
    if data.class_vectors is None:
        raise ValueError("this initialization needs a dataset with one repeated point per class "
                         "(dynamics.groundtruth.data.repeated_points: Dataset.class_vectors)")
    return tuple(_nonzero_vector(f"the dataset's class vector {k}", x)
                 for k, x in zip(("x1", "x2"), data.class_vectors))


def _nonzero_vector(name, x):
    x = as_finite_array(name, x)
    if x.ndim != 1 or not np.any(x):
        raise ValueError(f"{name} must be a non-zero vector, got {x!r}")
    return x


def _along(x, y):
    """The vector ``w`` along ``x`` with ``w . x = y``: ``y x / ||x||^2``, computed without overflow or underflow."""
    n = row_norms(x)
    return y * (x / n) / n


def _orthogonal_noise(rng, vectors, dimension, scale):
    if scale == 0 or rng is None:
        return np.zeros(dimension)
    v = rng.standard_normal(dimension)
    used = np.any(np.array(vectors) != 0, axis=0)
    if np.linalg.matrix_rank(np.array(vectors)) < used.sum():
        q, _ = np.linalg.qr(np.array(vectors).T)
        v -= q @ (q.T @ v)
    else:  # class vectors span their coordinates: stay off them, exactly
        v[used] = 0.0
    return scale * v


def class_mean_init(X: ArrayLike, labels: ArrayLike, *, norm: float = 0.1,
                    z0: ArrayLike = (0.1, -0.1)) -> Initialization:
    """One unit per class (labels 1/2) along the class's mean point, of length ``norm``, output weights ``z0``.

    Under H1 every point of class k has a positive inner product with its class mean and a non-positive one
    with the other class's mean, so H2 and H3 hold.  Means and directions are computed on ``X`` scaled by its
    largest entry, so data of any magnitude (1e200 or 1e-200) gives the same finite weights.

    Parameters
    ----------
    X : array_like (n, d)
        The training points, finite, not all zero.
    labels : array_like (n,)
        1 or 2, both present.
    norm : float
        Length of each unit's weight vector, > 0.
    z0 : (float, float)
        Output weights of the class-1 and class-2 units.

    Returns
    -------
    Initialization
        ``W0`` (2, d), ``Z0`` (2,).

    Raises
    ------
    TypeError
        If ``X``, ``norm`` or ``z0`` is not numeric (a string, a bool, ...).
    ValueError
        If ``X`` is not a finite non-empty (n, d) array with ``labels`` of shape (n,), ``X`` is all zeros,
        ``norm <= 0``, ``z0`` is not two numbers, a class is missing from ``labels``, or a class's points
        average to zero.

    Examples
    --------
    >>> X = np.array([[3e200, 0.0], [5e200, 0.0], [0.0, 2e200]])
    >>> class_mean_init(X, [1, 1, 2]).W0.round(15).tolist()
    [[0.1, 0.0], [0.0, 0.1]]
    """
    X = as_finite_array("X", X)
    labels = np.asarray(labels)
    if X.ndim != 2 or X.shape[0] == 0 or labels.shape != (X.shape[0],):
        raise ValueError(f"X must be (n, d) with n >= 1 and labels (n,), got {X.shape} and {labels.shape}")
    norm = float(as_finite_array("norm", norm))
    z0 = as_finite_array("z0", z0)
    if norm <= 0 or z0.shape != (2,):
        raise ValueError(f"norm must be > 0 and z0 two numbers (class 1, class 2), got norm={norm!r}, z0={z0.tolist()}")
    top = np.max(np.abs(X))
    if top == 0:
        raise ValueError("X is all zeros: no class has a direction to align a unit with")
    rows = []
    for k in (1, 2):
        if not np.any(labels == k):
            raise ValueError(f"labels must contain class {k} (labels are 1 or 2), found only {np.unique(labels).tolist()}")
        mean = np.mean(X[labels == k] / top, axis=0)
        length = row_norms(mean)
        if length == 0:
            raise ValueError(f"the points of class {k} in X average to zero: no direction for its unit (H1 fails)")
        rows.append(norm * mean / length)
    return Initialization(np.vstack(rows), z0.copy(), {"norm": norm, "z0": tuple(z0)})


def _labelled_points(X, labels):
    """``X`` as a finite (n, d) array, not all zero, with ``labels`` (n,) of 1/2 and both classes present."""
    X = as_finite_array("X", X)
    labels = np.asarray(labels)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0 or labels.shape != (X.shape[0],):
        raise ValueError(f"X must be (n, d) with n, d >= 1 and labels (n,), got {X.shape} and {labels.shape}")
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.number) or not np.all(np.isin(labels, (1, 2))):
        raise ValueError(f"labels must be 1 or 2, found {np.unique(labels).tolist()}")
    for k in (1, 2):
        if not np.any(labels == k):
            raise ValueError(f"labels must contain class {k} (labels are 1 or 2), found only "
                             f"{np.unique(labels).tolist()}")
    return X, labels.astype(int)


def data_balanced_init(X: ArrayLike, labels: ArrayLike, *, u0: ArrayLike = (0.1, -0.1), units_per_class: int = 1,
                       rng: np.random.Generator | None = None) -> Initialization:
    """Balanced units built from the data: each class-k unit is a positive combination of class-k points.

    With ``units_per_class == 1`` the unit of class k points along the class mean; otherwise each unit points
    along a random positive mixture ``sum_i pi_i x_i`` of the class's points, ``pi ~ Dirichlet(1, ..., 1)``
    drawn by ``rng``.  Every unit is balanced, ``||w_j|| = |z_j|`` (zero invariant ``||w_j||^2 - z_j^2``), with
    ``z_j > 0`` for class 1 and ``z_j < 0`` for class 2, and scaled so that the mean over the class-k points
    of the logit ``u_i = sum_j z_j relu(w_j . x_i)`` is ``u0[k-1]``: the units of a class share it equally,
    each contributing ``u0[k-1] / units_per_class`` through its own class's points.  This is exact when no unit
    of the other class is active on class k's points, which H1 guarantees: every point of class k then has a
    positive inner product with each class-k unit and a non-positive one with the other class's units, so
    H2 and H3 hold.  Each class is scaled by its largest entry first, so data of any magnitude (1e200 or
    1e-200) gives finite weights.

    Parameters
    ----------
    X : array_like (n, d)
        The training points, finite.
    labels : array_like (n,)
        1 or 2, both present.
    u0 : (float, float)
        Mean initial logit of the class-1 points (> 0) and of the class-2 points (< 0).
    units_per_class : int
        Units per class, >= 1 (h = 2 units_per_class).
    rng : numpy.random.Generator, optional
        Draws the mixtures; required when ``units_per_class > 1``.

    Returns
    -------
    Initialization
        ``W0`` (h, d) with class 1's units first, ``Z0`` (h,); ``modes`` records ``u0``, ``units_per_class``
        and ``partition`` (the class each unit serves).

    Raises
    ------
    TypeError
        If ``X`` or ``u0`` is not numeric, or ``rng`` is not a ``numpy.random.Generator`` while
        ``units_per_class > 1``.
    ValueError
        If ``X`` is not a finite (n, d) array with ``labels`` (n,) of 1/2, a class is missing,
        ``units_per_class`` is not an integer >= 1, ``u0`` is not two numbers with ``u0[0] > 0 > u0[1]``, or a
        class's points (or a unit's mixture of them) cancel to zero (H1 fails).

    Examples
    --------
    >>> X = np.array([[2.0, 0.1], [1.0, -0.2], [-0.5, 3.0]])  # H1: cross-class inner products < 0
    >>> init = data_balanced_init(X, [1, 1, 2], u0=(0.2, -0.3))
    >>> u = np.maximum(X @ init.W0.T, 0) @ init.Z0
    >>> round(float(u[:2].mean()), 12), round(float(u[2]), 12)
    (0.2, -0.3)
    >>> (np.linalg.norm(init.W0, axis=1) - np.abs(init.Z0)).round(15).tolist()
    [0.0, 0.0]
    """
    X, labels = _labelled_points(X, labels)
    u0 = as_finite_array("u0", u0)
    if u0.shape != (2,) or not u0[0] > 0 > u0[1]:
        raise ValueError(f"u0 must be two numbers, the mean class-1 logit > 0 and the mean class-2 logit < 0, "
                         f"got u0={u0.tolist()}")
    if isinstance(units_per_class, bool) or not isinstance(units_per_class, (int, np.integer)) \
            or units_per_class < 1:
        raise ValueError(f"units_per_class must be an integer >= 1, got {units_per_class!r}")
    if units_per_class > 1 and not isinstance(rng, np.random.Generator):
        raise TypeError(f"units_per_class={units_per_class} draws random mixtures of the class's points: "
                        f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    rows, Z0 = [], []
    for k, sign, target in ((1, 1.0, u0[0]), (2, -1.0, u0[1])):
        points = X[labels == k]
        top = np.max(np.abs(points))
        if top == 0:
            raise ValueError(f"the points of class {k} in X are all zero: no direction for its units (H1 fails)")
        points = points / top  # largest entry 1: the combinations below neither overflow nor underflow
        longest = float(np.max(row_norms(points)))
        if units_per_class == 1:
            mixtures = np.full((1, len(points)), 1.0 / len(points))  # the class mean
        else:
            mixtures = rng.dirichlet(np.ones(len(points)), size=units_per_class)
        for j, direction in enumerate(mixtures @ points):
            length = float(row_norms(direction))
            if length <= ZERO_MEAN_RELATIVE * longest:
                what = "average" if units_per_class == 1 else f"mix (unit {j} of the class)"
                raise ValueError(f"the points of class {k} in X {what} to zero: no direction for its unit "
                                 f"(H1 fails)")
            unit = direction / length
            # logit of class-k point i from this unit: sign a^2 top relu(unit . x_i / top); its class mean is
            # the unit's share target / units_per_class when a^2 = |share| / (top * mean relu)
            # > 0: the mixture weights pi of the unit's points give sum_i pi_i (x_i . unit) = length > 0
            reach = float(np.mean(np.maximum(points @ unit, 0.0)))
            a = np.sqrt(abs(target) / units_per_class / reach) / np.sqrt(top)
            rows.append(a * unit)
            Z0.append(sign * a)
    partition = (1,) * units_per_class + (2,) * units_per_class
    return Initialization(np.vstack(rows), np.array(Z0), {"u0": tuple(float(v) for v in u0),
                                                         "units_per_class": int(units_per_class),
                                                         "partition": partition})


def random_init(X: ArrayLike, *, hidden: int, scale: float = 0.1,
                rng: np.random.Generator) -> Initialization:
    """Small Gaussian weights for a network on ``X``: ``W0`` (hidden, d), ``Z0`` (hidden,), no assumption enforced.

    Every weight is drawn by ``rng`` with standard deviation ``scale`` (:func:`small_random_init` on the
    dimension of ``X``); the same seed gives the same weights.

    Parameters
    ----------
    X : array_like (n, d)
        The training points (only their dimension d is used), finite.
    hidden : int
        Units h, >= 1.
    scale : float
        Standard deviation of every weight, finite and > 0.
    rng : numpy.random.Generator
        Draws every weight.

    Returns
    -------
    Initialization
        ``W0`` (hidden, d), ``Z0`` (hidden,); ``modes`` records ``hidden`` and ``scale``.

    Raises
    ------
    TypeError
        If ``X`` or ``scale`` is not numeric, or ``rng`` is not a ``numpy.random.Generator``.
    ValueError
        If ``X`` is not a finite (n, d) array, ``hidden`` is not an integer >= 1, or ``scale`` is not > 0.

    Examples
    --------
    >>> init = random_init(np.ones((4, 3)), hidden=5, rng=np.random.default_rng(0))
    >>> init.W0.shape, init.Z0.shape, init.modes
    ((5, 3), (5,), {'hidden': 5, 'scale': 0.1})
    """
    X = as_finite_array("X", X)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must be a 2-d data matrix (n points >= 1, d features >= 1), got shape {X.shape}")
    if isinstance(hidden, bool) or not isinstance(hidden, (int, np.integer)) or hidden < 1:
        raise ValueError(f"hidden must be an integer >= 1 (units), got {hidden!r}")
    scale = float(as_finite_array("scale", scale))
    if scale <= 0:
        raise ValueError(f"scale must be > 0 (the weights' standard deviation), got {scale!r}")
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
    init = small_random_init(rng, hidden=int(hidden), dimension=X.shape[1], scale=scale)
    return Initialization(init.W0, init.Z0, {"hidden": int(hidden), "scale": scale})


def mode_init(data: Dataset, *, y0: ArrayLike = (0.1, 0.1), z0: ArrayLike = (0.1, -0.1),
              rng: np.random.Generator | None = None, orthogonal_scale: float = 0.0) -> Initialization:
    """Unit k serves class k with ``y_k = w_k . x_k`` and output weight ``z_k``.

    ``w_k = y_k x_k / ||x_k||^2`` plus an optional random part orthogonal to both
    class vectors (it never moves and never changes a logit).  H2 holds when
    ``y_k > 0``; H3 when ``z_1 > 0 > z_2``.  Pass ``y0 <= 0`` or a wrong-signed
    ``z0`` to break them deliberately (Sec. 3.3).

    Parameters
    ----------
    data : Dataset
        With ``class_vectors`` (:func:`dynamics.groundtruth.data.repeated_points`).
    y0, z0 : (float, float)
        Mode coordinates of the class-1 and class-2 units.
    rng : numpy.random.Generator, optional
        Draws the orthogonal part (none without it).
    orthogonal_scale : float
        Standard deviation of the orthogonal part (0: none).

    Returns
    -------
    Initialization
        ``W0`` (2, d), ``Z0`` (2,).

    Raises
    ------
    TypeError
        If ``data`` is not a :class:`~dynamics.groundtruth.data.Dataset`, or ``y0``/``z0`` are not numeric.
    ValueError
        If ``data`` has no ``class_vectors`` (or one is zero or not finite), or ``y0``/``z0`` are not two
        finite numbers each.

    Examples
    --------
    >>> from dynamics.groundtruth.data import repeated_points
    >>> data = repeated_points(np.random.default_rng(0), norms=(2.0, 0.5))
    >>> init = mode_init(data, y0=(0.3, 0.4), z0=(0.1, -0.2))
    >>> [round(float(data.class_vectors[k] @ init.W0[k]), 12) for k in (0, 1)]
    [0.3, 0.4]
    """
    x1, x2 = _class_vectors(data)
    y0, z0 = as_finite_array("y0", y0), as_finite_array("z0", z0)
    if y0.shape != (2,) or z0.shape != (2,):
        raise ValueError("y0 and z0 must each hold two numbers (class 1, class 2)")
    d = x1.size
    W0 = np.vstack([_along(x1, y0[0]) + _orthogonal_noise(rng, [x1, x2], d, orthogonal_scale),
                    _along(x2, y0[1]) + _orthogonal_noise(rng, [x1, x2], d, orthogonal_scale)])
    return Initialization(W0, z0.copy(), {"y0": tuple(y0), "z0": tuple(z0)})


def balanced_init(data: Dataset, *, u0: float = 0.1, v0: float = -0.1, **kwargs: Any) -> Initialization:
    """c = 0 on both classes: ``y = ||x|| z`` with logit ``u0`` (class 1) and ``v0 < 0`` (class 2).

    Computed as products of square roots, so norms and logits anywhere in the float range give finite
    weights (``||x|| = 1e200`` gives ``z = sqrt(u0) 1e-100``, not 0).

    Parameters
    ----------
    data : Dataset
        With ``class_vectors``.
    u0 : float
        Initial class-1 logit, > 0.
    v0 : float
        Initial class-2 logit, < 0.
    **kwargs : Any
        ``rng`` (numpy.random.Generator or None) and ``orthogonal_scale`` (float) of :func:`mode_init`.

    Returns
    -------
    Initialization
        ``W0`` (2, d), ``Z0`` (2,), with ``y_k = n_k z_k`` (``y_2 = -n_2 z_2``), ``z_1 y_1 = u0`` and
        ``z_2 y_2 = v0``.

    Raises
    ------
    TypeError
        If ``data`` is not a :class:`~dynamics.groundtruth.data.Dataset`, a number is not numeric, or
        ``kwargs`` holds an argument :func:`mode_init` does not take.
    ValueError
        If ``data`` has no ``class_vectors``, ``u0``/``v0`` are not finite, ``u0 <= 0`` or ``v0 >= 0``.

    Examples
    --------
    >>> from dynamics.groundtruth.data import repeated_points
    >>> data = repeated_points(np.random.default_rng(0), norms=(1e200, 1e-200))
    >>> init = balanced_init(data, u0=0.1, v0=-0.2)
    >>> float(init.Z0[0] * (data.X[0] @ init.W0[0])), float(init.Z0[1] * (data.X[-1] @ init.W0[1]))
    (0.1, -0.2)
    """
    n1, n2 = (float(row_norms(x)) for x in _class_vectors(data))
    u0, v0 = float(as_finite_array("u0", u0)), float(as_finite_array("v0", v0))
    if u0 <= 0:
        raise ValueError(f"u0 (the class-1 logit) must be > 0 for balanced_init, got {u0!r}")
    if v0 >= 0:
        raise ValueError(f"v0 (the class-2 logit) must be < 0 for balanced_init, got {v0!r}")
    r1, r2 = np.sqrt(n1), np.sqrt(n2)
    return mode_init(data, y0=(r1 * np.sqrt(u0), r2 * np.sqrt(-v0)), z0=(np.sqrt(u0) / r1, -np.sqrt(-v0) / r2),
                     **kwargs)


def invariant_init(data: Dataset, *, c: ArrayLike = 0.1, theta0: ArrayLike = 0.0, swap: bool = False,
                   **kwargs: Any) -> Initialization:
    """Hyperbolic init (App. A.3) with invariant ``|y^2 - n^2 z^2| = c`` (one value, or one per class).

    ``swap=False`` puts the neuron on the chart ``y^2 > n^2 z^2``: ``y = sqrt(c) cosh(theta0/2)``,
    ``z = sqrt(c)/n sinh(theta0/2)``; ``swap=True`` exchanges cosh and sinh.

    Parameters
    ----------
    data : Dataset
        With ``class_vectors``.
    c : float or (float, float)
        The invariant, > 0 (``c = 0`` is :func:`balanced_init`).
    theta0 : float or (float, float)
        The hyperbolic angle of each class's neuron.
    swap : bool
        Put the neurons on the chart ``y^2 < n^2 z^2`` instead.
    **kwargs : Any
        ``rng`` (numpy.random.Generator or None) and ``orthogonal_scale`` (float) of :func:`mode_init`.

    Returns
    -------
    Initialization
        ``W0`` (2, d), ``Z0`` (2,); class 2's output weight has the opposite sign of class 1's.

    Raises
    ------
    TypeError
        If ``data`` is not a :class:`~dynamics.groundtruth.data.Dataset`, a number is not numeric, or
        ``kwargs`` holds an argument :func:`mode_init` does not take.
    ValueError
        If ``data`` has no ``class_vectors``, ``c`` or ``theta0`` are not finite (or do not broadcast to two
        values), ``c <= 0``, or ``cosh(theta0 / 2)`` overflows the float range.

    Examples
    --------
    >>> from dynamics.groundtruth.data import repeated_points
    >>> data = repeated_points(np.random.default_rng(0), norms=(2.0, 1.0))
    >>> init = invariant_init(data, c=0.5, theta0=1.0)
    >>> y = float(data.class_vectors[0] @ init.W0[0])
    >>> round(y**2 - 4.0 * float(init.Z0[0]) ** 2, 12)
    0.5
    """
    norms = np.array([row_norms(x) for x in _class_vectors(data)])
    c = np.broadcast_to(as_finite_array("c", c), (2,))
    theta0 = np.broadcast_to(as_finite_array("theta0", theta0), (2,))
    if np.any(c <= 0):
        raise ValueError("c must be > 0 (use balanced_init for c = 0)")
    with np.errstate(over="ignore"):
        ch, sh = np.cosh(theta0 / 2), np.sinh(theta0 / 2)
        a, b = (sh, ch) if swap else (ch, sh)
        y = np.sqrt(c) * a
        z = np.sqrt(c) * b / norms * np.array([1.0, -1.0])
    if not (np.all(np.isfinite(y)) and np.all(np.isfinite(z))):
        raise ValueError(f"c={c.tolist()} with theta0={theta0.tolist()} gives weights beyond the float range "
                         f"(cosh(theta0/2) overflows); use a smaller |theta0| or c")
    return mode_init(data, y0=tuple(y), z0=tuple(z), **kwargs)


def cone_init(rng: np.random.Generator, data: Dataset, *, units_per_class: int = 2, scale: float = 0.3,
              noise: float = 0.05, output: tuple = ((0.2, 0.1), (-0.15, -0.2))) -> Initialization:
    """Units along the cone axis of :func:`dynamics.groundtruth.data.cone_points` (class 1) or against it (class 2).

    With small ``noise`` every unit is active on its own class only (H2); ``output`` gives the output weights
    of each class's units, positive for class 1 and negative for class 2 (H3).

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws the Gaussian part of each unit.
    data : Dataset
        With ``axis``.
    units_per_class : int
        Units per class (h = 2 units_per_class in all).
    scale : float
        Length of the axis part of each unit.
    noise : float
        Standard deviation of the Gaussian part of each unit.
    output : (sequence, sequence)
        Output weights of the class-1 units and of the class-2 units (repeated to ``units_per_class``).

    Returns
    -------
    Initialization
        ``W0`` (2 units_per_class, d): class 1's units first; ``Z0`` (2 units_per_class,).

    Raises
    ------
    ValueError
        If ``data`` is not a :class:`~dynamics.groundtruth.data.Dataset` with an ``axis``.

    Examples
    --------
    >>> from dynamics.groundtruth.data import cone_points
    >>> rng = np.random.default_rng(0)
    >>> init = cone_init(rng, cone_points(rng, n_per_class=(4, 4)), units_per_class=1)
    >>> init.W0.shape, init.Z0.tolist()
    ((2, 5), [0.2, -0.15])
    """
    if not isinstance(data, Dataset) or data.axis is None:
        raise ValueError("cone_init needs a dataset with a cone axis (dynamics.groundtruth.data.cone_points: "
                         "Dataset.axis)")
    axis = data.axis
    rows = [sign * scale * axis + noise * rng.standard_normal(axis.size)
            for sign in (1.0, -1.0) for _ in range(units_per_class)]
    Z0 = np.concatenate([np.resize(np.asarray(o, float), units_per_class) for o in output])
    return Initialization(np.vstack(rows), Z0, {"scale": scale, "noise": noise})


def small_random_init(rng: np.random.Generator, *, hidden: int, dimension: int, scale: float = 0.1) -> Initialization:
    """Gaussian ``W0``, ``Z0`` with standard deviation ``scale`` (assumptions not enforced).

    Parameters
    ----------
    rng : numpy.random.Generator
        Draws every weight.
    hidden : int
        Units h.
    dimension : int
        Features d.
    scale : float
        Standard deviation of every weight.

    Returns
    -------
    Initialization
        ``W0`` (h, d), ``Z0`` (h,).

    Raises
    ------
    TypeError
        If ``rng`` is not a :class:`numpy.random.Generator`.

    Examples
    --------
    >>> init = small_random_init(np.random.default_rng(0), hidden=3, dimension=2)
    >>> init.W0.shape, init.Z0.shape
    ((3, 2), (3,))
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator")
    return Initialization(scale * rng.standard_normal((hidden, dimension)), scale * rng.standard_normal(hidden), {})


def shared_neuron_init(x1: ArrayLike, x2: ArrayLike, *, alpha0: float, beta0: float, z0: float) -> Initialization:
    """One unit with ``w.x1 = alpha0`` and ``w.x2 = beta0`` (x1 ⊥ x2): H2 deliberately broken (Sec. 3.4).

    Parameters
    ----------
    x1, x2 : array_like (d,)
        Orthogonal, non-zero vectors (e.g. a dataset's ``class_vectors``).
    alpha0, beta0 : float
        The unit's initial pre-activations on x1 and x2.
    z0 : float
        Its output weight.

    Returns
    -------
    Initialization
        ``W0`` (1, d), ``Z0`` (1,).

    Raises
    ------
    TypeError
        If ``x1``, ``x2``, ``alpha0`` or ``beta0`` is not numeric.
    ValueError
        If ``x1`` or ``x2`` is not a finite non-zero vector, or ``alpha0``/``beta0`` are not finite.

    Examples
    --------
    >>> init = shared_neuron_init([2.0, 0.0], [0.0, 0.5], alpha0=0.2, beta0=0.3, z0=0.1)
    >>> (init.W0 @ [2.0, 0.0]).round(12).tolist(), (init.W0 @ [0.0, 0.5]).round(12).tolist()
    ([0.2], [0.3])
    """
    x1, x2 = _nonzero_vector("x1", x1), _nonzero_vector("x2", x2)
    alpha0, beta0 = float(as_finite_array("alpha0", alpha0)), float(as_finite_array("beta0", beta0))
    w = _along(x1, alpha0) + _along(x2, beta0)
    return Initialization(w[None, :], np.array([float(z0)]), {"alpha0": alpha0, "beta0": beta0, "z0": z0})


def deep_balanced_init(x: ArrayLike, *, depth: int, u0: float) -> DeepInitialization:
    """Balanced deep chain of width 1 on one point x of norm n: every layer ``(u0/n)^{1/N}``.

    ``z = D_i = (u0/n)^{1/N}`` and ``w = z x / n``, so that ``w.x = n z`` and the logit is
    ``n z^N = u0``; computed in logarithms, so any norm in the float range gives finite weights.

    Parameters
    ----------
    x : array_like (d,)
        The (non-zero) point.
    depth : int
        N >= 2, the number of weight layers.
    u0 : float
        The initial logit, > 0.

    Returns
    -------
    DeepInitialization
        ``W0`` (1, d), ``depth - 2`` hidden diagonals of shape (1,), ``Z0`` (1,).

    Raises
    ------
    TypeError
        If ``x`` or ``u0`` is not numeric.
    ValueError
        If ``x`` is not a finite non-zero vector, ``depth`` is not an integer >= 2, or ``u0`` is not finite
        and > 0.

    Examples
    --------
    >>> init = deep_balanced_init(np.array([0.0, 2.0]), depth=3, u0=0.25)
    >>> logit = (init.W0 @ [0.0, 2.0])[0] * init.layers0[0][0] * init.Z0[0]
    >>> init.depth, round(float(init.Z0[0]), 12), round(float(logit), 12)
    (3, 0.5, 0.25)
    """
    x = _nonzero_vector("x", x)
    if isinstance(depth, bool) or not isinstance(depth, (int, np.integer)) or depth < 2:
        raise ValueError(f"depth must be an integer >= 2 (weight layers), got {depth!r}")
    u0 = float(as_finite_array("u0", u0))
    if u0 <= 0:
        raise ValueError(f"u0 must be > 0 for a balanced deep chain, got {u0!r}")
    n = float(row_norms(x))
    scale = float(np.exp((np.log(u0) - np.log(n)) / depth))  # (u0/n)^(1/N) without overflow
    W0 = (scale * x / n)[None, :]
    return DeepInitialization(W0, tuple(np.array([scale]) for _ in range(depth - 2)), np.array([scale]))


def multiclass_init(data: Dataset, *, diagonal: float = 0.1, off_diagonal: float = -0.02,
                    y0: float = 0.1) -> Initialization:
    """H5/H6 init for :func:`dynamics.groundtruth.data.multiclass_points`: unit k along class k's direction.

    Parameters
    ----------
    data : Dataset
        Labels 0..C-1, every class present, with a non-zero first point in each class.
    diagonal : float
        ``Z0[k, k]`` (> 0 for H6).
    off_diagonal : float
        ``Z0[j, k]``, j != k (<= 0 for H6).
    y0 : float
        Pre-activation of unit k on class k's first point.

    Returns
    -------
    Initialization
        ``W0`` (C, d), ``Z0`` (C, C).

    Raises
    ------
    ValueError
        If some class of ``0..C-1`` has no point, or a class's first point is zero.

    Examples
    --------
    >>> from dynamics.groundtruth.data import multiclass_points
    >>> init = multiclass_init(multiclass_points(np.random.default_rng(0), classes=2), diagonal=0.3)
    >>> init.Z0.tolist()
    [[0.3, -0.02], [-0.02, 0.3]]
    """
    classes = int(data.labels.max()) + 1
    if not all(np.any(data.labels == k) for k in range(classes)):
        raise ValueError(f"multiclass_init needs labels 0..C-1 with every class present, got {np.unique(data.labels)}")
    directions = np.array([data.X[data.labels == k][0] for k in range(classes)])
    if not np.all(np.any(directions, axis=1)):
        raise ValueError("multiclass_init needs a non-zero point in every class (X has a zero row)")
    W0 = np.array([_along(v, y0) for v in directions])
    Z0 = np.full((classes, classes), float(off_diagonal))
    np.fill_diagonal(Z0, diagonal)
    return Initialization(W0, Z0, {"y0": y0})
