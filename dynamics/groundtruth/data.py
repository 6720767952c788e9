"""Datasets satisfying H1 (or H4), each built from a ``numpy.random.Generator``."""
from __future__ import annotations

from dataclasses import KW_ONLY, dataclass, field, replace

import numpy as np
from numpy.typing import ArrayLike

from ..validation import as_finite_array

__all__ = ["Dataset", "repeated_points", "orthogonal_points", "cone_points", "starvation_data",
           "multiclass_points", "random_orthonormal", "random_rotation", "rotate", "row_norms"]


def row_norms(A: ArrayLike) -> np.ndarray:
    """Euclidean norm of each row of ``A`` (or of a vector), without overflow or underflow.

    Each row is divided by its largest entry before squaring, so ``1e200 * x``
    has norm ``1e200 * ||x||`` rather than inf, and ``1e-200 * x`` is not 0.

    Parameters
    ----------
    A : array_like (..., d)

    Returns
    -------
    ndarray (...)
        The norm over the last axis (a 0-d array for a vector).

    Examples
    --------
    >>> (row_norms(np.array([[3e200, 4e200], [3e-200, 4e-200], [0.0, 0.0]])) / [1e200, 1e-200, 1]).round(12).tolist()
    [5.0, 5.0, 0.0]
    """
    A = np.asarray(A, float)
    top = np.max(np.abs(A), axis=-1, keepdims=True) if A.shape[-1] else np.zeros(A.shape[:-1] + (1,))
    safe = np.where(top > 0, top, 1.0)
    return (safe * np.sqrt(np.sum((A / safe) ** 2, axis=-1, keepdims=True)))[..., 0] * (top[..., 0] > 0)


@dataclass(frozen=True)
class Dataset:
    """Inputs, labels and the vectors they were built from.

    Attributes
    ----------
    X : ndarray (n, d)
        Inputs, one point per row.
    labels : ndarray (n,)
        1/2 (two classes) or 0..C-1 (multi-class).
    description : str
        What the builder made, in words.
    meta : dict
        Free-form notes: the numbers the builder was asked for (e.g. ``{"p": 0.3}``).  Nothing reads them;
        what other code needs is a typed field below.
    class_vectors : tuple (x1, x2) of ndarray (d,), or None
        The point each class repeats (:func:`repeated_points`): class 1 is copies of x1, class 2 of x2.
    axis : ndarray (d,) or None
        The unit axis of :func:`cone_points`: class 1 lies around ``+axis``, class 2 around ``-axis``.
    features : tuple (x1, x2) of ndarray (d,), or None
        The two class-1 features of :func:`starvation_data`, as inputs in R^d: every class-1 point has x1,
        a fraction ``lam`` of them also x2.

    Examples
    --------
    >>> data = Dataset(np.eye(2), [1, 2], "two axes", class_vectors=(np.array([1.0, 0.0]), np.array([0.0, 1.0])))
    >>> data.frequencies, data.class_norms.tolist(), data.axis is None
    ({1: 0.5, 2: 0.5}, [1.0, 1.0], True)
    """

    X: np.ndarray
    labels: np.ndarray
    description: str
    meta: dict = field(default_factory=dict)
    _: KW_ONLY
    class_vectors: tuple | None = None
    axis: np.ndarray | None = None
    features: tuple | None = None

    def __post_init__(self):
        X = as_finite_array("X", self.X)
        if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
            raise ValueError(f"X must be a 2-d data matrix with at least one point and one feature, got shape {X.shape}")
        labels = np.asarray(self.labels)
        if labels.shape != (X.shape[0],):
            raise ValueError(f"labels must have one entry per row of X ({X.shape[0]}), got shape {labels.shape}")
        object.__setattr__(self, "X", X)
        object.__setattr__(self, "labels", labels)
        if not isinstance(self.meta, dict):
            raise TypeError(f"meta must be a dict of free-form notes, got {type(self.meta).__name__}")
        d = X.shape[1]
        for name in ("class_vectors", "features"):
            pair = getattr(self, name)
            if pair is not None:
                if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                    raise ValueError(f"{name} must be a pair (x1, x2) of vectors of length d={d}, got {pair!r}")
                object.__setattr__(self, name, tuple(_vector(f"{name}[{i}]", v, d) for i, v in enumerate(pair)))
        if self.axis is not None:
            object.__setattr__(self, "axis", _vector("axis", self.axis, d))

    @property
    def frequencies(self) -> dict:
        """Share of the points in each class: ``{label: p_label}`` (float), in label order."""
        values, counts = np.unique(self.labels, return_counts=True)
        return {int(v): float(c / self.labels.size) for v, c in zip(values, counts)}

    @property
    def class_norms(self) -> np.ndarray:
        """``(||x1||, ||x2||)`` of :attr:`class_vectors` (ValueError if the dataset has none)."""
        if self.class_vectors is None:
            raise ValueError("this dataset has no class_vectors (one repeated point per class: repeated_points)")
        return row_norms(np.array(self.class_vectors))


def _vector(name, value, d):
    v = as_finite_array(name, value)
    if v.shape != (d,):
        raise ValueError(f"{name} must be a vector of length d={d} (the number of features of X), got shape {v.shape}")
    return v


def _generator(rng):
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator, e.g. numpy.random.default_rng(0)")
    return rng


def random_orthonormal(rng: np.random.Generator, dimension: int, count: int) -> np.ndarray:
    """``count`` orthonormal vectors in R^dimension, as rows: random signed coordinate axes.

    Axes keep inner products exactly 0 in floating point, so a ReLU meant to be
    inactive (``w.x = 0``) is not switched on by rounding noise.

    Parameters
    ----------
    rng : numpy.random.Generator
    dimension : int
    count : int
        At most ``dimension``.

    Returns
    -------
    ndarray (count, dimension)

    Examples
    --------
    >>> E = random_orthonormal(np.random.default_rng(0), 4, 3)
    >>> (E @ E.T).tolist() == np.eye(3).tolist()
    True
    """
    if count > dimension:
        raise ValueError(f"cannot draw {count} orthonormal vectors in dimension {dimension}; increase dimension")
    rng = _generator(rng)
    axes = rng.choice(dimension, size=count, replace=False)
    out = np.zeros((count, dimension))
    out[np.arange(count), axes] = rng.choice([-1.0, 1.0], size=count)
    return out


def random_rotation(rng: np.random.Generator, dimension: int) -> np.ndarray:
    """A random orthogonal (dimension, dimension) matrix (QR of a Gaussian matrix, signs fixed).

    Parameters
    ----------
    rng : numpy.random.Generator
    dimension : int

    Returns
    -------
    ndarray (dimension, dimension)

    Examples
    --------
    >>> Q = random_rotation(np.random.default_rng(0), 3)
    >>> bool(np.allclose(Q.T @ Q, np.eye(3), rtol=0, atol=1e-15))
    True
    """
    rng = _generator(rng)
    q, r = np.linalg.qr(rng.standard_normal((dimension, dimension)))
    return q * np.where(np.diag(r) < 0, -1.0, 1.0)


def rotate(data: Dataset, rotation: ArrayLike) -> Dataset:
    """``data`` with every point and every vector field (class vectors, axis, features) mapped by ``rotation``.

    H1 is invariant under rotations, but the points are no longer coordinate axes: inner products that
    were exactly 0 become rounding noise of order 1e-17, which the assumption checks must tolerate.

    Parameters
    ----------
    data : Dataset
    rotation : array_like (d, d)
        An orthogonal matrix (``Q^T Q = I`` within 1e-12).

    Returns
    -------
    Dataset
        Same labels and notes, description ending in ", rotated".

    Examples
    --------
    >>> data = repeated_points(np.random.default_rng(0), dimension=2)
    >>> turned = rotate(data, [[0.0, -1.0], [1.0, 0.0]])
    >>> bool(np.allclose(turned.X[0], turned.class_vectors[0])), turned.description
    (True, 'one repeated point per class, rotated')
    """
    Q = as_finite_array("rotation", rotation)
    d = data.X.shape[1]
    if Q.shape != (d, d) or not np.allclose(Q.T @ Q, np.eye(d), rtol=0, atol=1e-12):
        raise ValueError(f"rotation must be an orthogonal ({d}, {d}) matrix, got shape {Q.shape}")
    turn = lambda pair: None if pair is None else tuple(Q @ v for v in pair)  # noqa: E731
    return replace(data, X=data.X @ Q.T, description=data.description + ", rotated",
                   class_vectors=turn(data.class_vectors), features=turn(data.features),
                   axis=None if data.axis is None else Q @ data.axis)


def _counts(n_points, p):
    n1 = int(round(n_points * p))
    if not 1 <= n1 <= n_points - 1:
        raise ValueError(f"p={p} with n_points={n_points} leaves a class empty; raise n_points or move p")
    return n1, n_points - n1


def repeated_points(rng: np.random.Generator, *, norms: ArrayLike = (1.0, 1.0), p: float = 0.5, n_points: int = 10,
                    dimension: int = 5, angle: float = np.pi / 2) -> Dataset:
    """One repeated vector per class (Sec. 3.2): ``round(p n)`` copies of x1, the rest copies of x2.

    Parameters
    ----------
    rng : numpy.random.Generator
    norms : (float, float)
        ``||x1||``, ``||x2||``, both > 0.
    p : float
        Share of class 1; ``round(p n_points)`` must leave both classes non-empty.
    n_points : int
    dimension : int
        >= 2.
    angle : float
        Between x1 and x2, in [pi/2, pi] (H1: ``x1.x2 <= 0``); at pi/2 the two are signed coordinate axes.

    Returns
    -------
    Dataset
        With ``class_vectors = (x1, x2)``.

    Examples
    --------
    >>> d = repeated_points(np.random.default_rng(0), norms=(0.5, 2.0), p=0.3)
    >>> d.frequencies, round(float(np.linalg.norm(d.X[0])), 12)
    ({1: 0.3, 2: 0.7}, 0.5)
    """
    if not np.pi / 2 <= angle <= np.pi:
        raise ValueError(f"angle must lie in [pi/2, pi] so that x1.x2 <= 0 (H1), got {angle}")
    if dimension < 2:
        raise ValueError("dimension must be at least 2")
    norms = as_finite_array("norms", norms)
    if norms.shape != (2,) or np.any(norms <= 0):
        raise ValueError("norms must be two positive numbers (class 1, class 2)")
    e1, e2 = random_orthonormal(rng, dimension, 2)
    x1 = norms[0] * e1
    cosine = 0.0 if np.isclose(angle, np.pi / 2, rtol=0, atol=1e-15) else np.cos(angle)  # exact 0 at pi/2
    x2 = norms[1] * (cosine * e1 + np.sin(angle) * e2)
    n1, n2 = _counts(n_points, p)
    X = np.vstack([np.repeat(x1[None], n1, 0), np.repeat(x2[None], n2, 0)])
    labels = np.array([1] * n1 + [2] * n2)
    return Dataset(X, labels, "one repeated point per class", {"norms": tuple(norms), "p": n1 / n_points},
                   class_vectors=(x1, x2))


def orthogonal_points(rng: np.random.Generator, *, points: int = 3, norm: float = 1.0,
                      dimension: int | None = None) -> Dataset:
    """``points`` mutually orthogonal points of equal norm per class (App. A.7); classes orthogonal too.

    Parameters
    ----------
    rng : numpy.random.Generator
    points : int
        Points per class.
    norm : float
        Norm of every point.
    dimension : int, optional
        At least ``2 points`` (the default).

    Returns
    -------
    Dataset
        Labels 1 (first ``points`` rows) and 2.

    Examples
    --------
    >>> data = orthogonal_points(np.random.default_rng(0), points=2, norm=0.5)
    >>> (data.X @ data.X.T).tolist() == (0.25 * np.eye(4)).tolist(), data.labels.tolist()
    (True, [1, 1, 2, 2])
    """
    dimension = dimension or 2 * points
    basis = random_orthonormal(rng, dimension, 2 * points)
    X = norm * basis
    labels = np.array([1] * points + [2] * points)
    return Dataset(X, labels, f"{points} orthogonal points per class", {"norm": norm})


def cone_points(rng: np.random.Generator, *, n_per_class: tuple = (20, 20), dimension: int = 5,
                half_angle: float = np.pi / 6, norm_range: tuple = (0.5, 1.5)) -> Dataset:
    """Many points per class in opposite cones around a random unit axis.

    Parameters
    ----------
    rng : numpy.random.Generator
    n_per_class : (int, int)
        Points of class 1 (around ``+axis``) and class 2 (around ``-axis``).
    dimension : int
    half_angle : float
        In (0, pi/4): any two points of a class are then less than pi/2 apart and any two of different
        classes more than pi/2 apart (H1).
    norm_range : (float, float)
        Norms are uniform in this range.

    Returns
    -------
    Dataset
        With ``axis`` set.

    Examples
    --------
    >>> data = cone_points(np.random.default_rng(0), n_per_class=(3, 2), dimension=4)
    >>> data.labels.tolist(), bool(np.all((data.X @ data.axis > 0) == (data.labels == 1)))
    ([1, 1, 1, 2, 2], True)
    """
    if not 0 < half_angle < np.pi / 4:
        raise ValueError(f"half_angle must lie in (0, pi/4) for H1 to hold, got {half_angle}")
    rng = _generator(rng)
    q, _ = np.linalg.qr(rng.standard_normal((dimension, 1)))
    axis = q[:, 0]
    rows, labels = [], []
    for label, sign, count in ((1, 1.0, n_per_class[0]), (2, -1.0, n_per_class[1])):
        for _ in range(count):
            v = rng.standard_normal(dimension)
            v -= (v @ axis) * axis
            v /= np.linalg.norm(v)
            theta = rng.uniform(0, half_angle)
            direction = sign * (np.cos(theta) * axis + np.sin(theta) * v)
            rows.append(rng.uniform(*norm_range) * direction)
            labels.append(label)
    return Dataset(np.array(rows), np.array(labels), "two opposite cones", axis=axis)


def starvation_data(rng: np.random.Generator, *, lam: float = 0.2, n_points: int = 100,
                    norms: tuple = (1.0, 1.0), dimensions: tuple = (2, 2)) -> Dataset:
    """Two-feature data of Sec. 6: class 1 has x1, a fraction ``lam`` also x2; class 2 has a third feature.

    Inputs are concatenations (x1-block, x2-block, class-2 block), so class 2 is
    orthogonal to class 1 (H1) and uses its own unit.  Half the points are class 1.

    Parameters
    ----------
    rng : numpy.random.Generator
    lam : float
        Share of class-1 points that also carry x2 (rounded to ``round(lam n1)`` points, at least one).
    n_points : int
    norms : (float, float)
        ``||x1||``, ``||x2||``.
    dimensions : (int, int)
        Sizes of the x1 and x2 blocks (the inputs have ``d1 + d2 + 1`` features).

    Returns
    -------
    Dataset
        With ``features = (x1, x2)`` as vectors of R^d; ``meta`` notes the realised ``lam`` and the block sizes.

    Examples
    --------
    >>> data = starvation_data(np.random.default_rng(0), lam=0.5, n_points=8)
    >>> x1, x2 = data.features
    >>> [int((row == x1 + x2).all()) for row in data.X[:4]], data.meta["lam"]
    ([1, 1, 0, 0], 0.5)
    """
    rng = _generator(rng)
    d1, d2 = dimensions
    e1 = random_orthonormal(rng, d1, 1)[0] * norms[0]
    e2 = random_orthonormal(rng, d2, 1)[0] * norms[1]
    n1 = n_points // 2
    n_both = int(round(lam * n1))
    if not 1 <= n_both <= n1:
        raise ValueError(f"lam={lam} with n_points={n_points} gives no point with both features; raise n_points")
    rows = [np.concatenate([e1, e2, [0.0]])] * n_both + [np.concatenate([e1, np.zeros(d2), [0.0]])] * (n1 - n_both)
    rows += [np.concatenate([np.zeros(d1 + d2), [1.0]])] * (n_points - n1)
    labels = np.array([1] * n1 + [2] * (n_points - n1))
    features = (np.concatenate([e1, np.zeros(d2 + 1)]), np.concatenate([np.zeros(d1), e2, [0.0]]))
    return Dataset(np.array(rows), labels, "gradient-starvation features", {"lam": n_both / n1, "dimensions": (d1, d2)},
                   features=features)


def multiclass_points(rng: np.random.Generator, *, classes: int = 3, per_class: ArrayLike = 1,
                      dimension: int | None = None, norm: ArrayLike = 1.0) -> Dataset:
    """H4 data: class k's points are copies of ``norm_k`` times an orthonormal direction (labels 0..C-1).

    Parameters
    ----------
    rng : numpy.random.Generator
    classes : int
    per_class : int or sequence of int
        Points of each class (one value for every class, or one per class), >= 1.
    dimension : int, optional
        At least ``classes`` (the default).
    norm : float or sequence of float
        Norm of each class's direction, > 0.

    Returns
    -------
    Dataset

    Examples
    --------
    >>> data = multiclass_points(np.random.default_rng(0), classes=3, per_class=(1, 2, 1), norm=(1.0, 2.0, 3.0))
    >>> data.labels.tolist(), np.linalg.norm(data.X, axis=1).tolist()
    ([0, 1, 1, 2], [1.0, 2.0, 2.0, 3.0])
    """
    dimension = dimension or classes
    counts = np.broadcast_to(np.asarray(per_class, dtype=int), (classes,))
    norms = np.broadcast_to(as_finite_array("norm", norm), (classes,))
    if np.any(counts < 1) or np.any(norms <= 0):
        raise ValueError("per_class must be >= 1 and norm > 0 for every class")
    basis = random_orthonormal(rng, dimension, classes) * norms[:, None]
    X = np.repeat(basis, counts, axis=0)
    labels = np.repeat(np.arange(classes), counts)
    return Dataset(X, labels, f"{classes} classes, orthogonal directions", {"norms": tuple(norms)})
