"""Initializations that satisfy H2/H3 with chosen mode coordinates, or break them on purpose."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .data import Dataset
from .validation import as_finite_array

__all__ = ["Initialization", "mode_init", "balanced_init", "invariant_init", "cone_init", "small_random_init",
           "shared_neuron_init", "deep_balanced_init", "multiclass_init"]


@dataclass(frozen=True)
class Initialization:
    """Weights ``W0`` (h, d) and ``Z0`` (h,), with the mode coordinates they were built from."""

    W0: np.ndarray
    Z0: np.ndarray
    modes: dict


def _class_vectors(data: Dataset):
    if "x1" not in data.meta or "x2" not in data.meta:
        raise ValueError("this initialization needs a dataset with one repeated point per class "
                         "(dynamics.data.repeated_points)")
    return data.meta["x1"], data.meta["x2"]


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


def mode_init(data: Dataset, *, y0=(0.1, 0.1), z0=(0.1, -0.1), rng=None, orthogonal_scale=0.0) -> Initialization:
    """Unit k serves class k with ``y_k = w_k . x_k`` and output weight ``z_k``.

    ``w_k = y_k x_k / ||x_k||^2`` plus an optional random part orthogonal to both
    class vectors (it never moves and never changes a logit).  H2 holds when
    ``y_k > 0``; H3 when ``z_1 > 0 > z_2``.  Pass ``y0 <= 0`` or a wrong-signed
    ``z0`` to break them deliberately (PAPER.md §5).
    """
    x1, x2 = _class_vectors(data)
    y0, z0 = as_finite_array("y0", y0), as_finite_array("z0", z0)
    if y0.shape != (2,) or z0.shape != (2,):
        raise ValueError("y0 and z0 must each hold two numbers (class 1, class 2)")
    d = x1.size
    W0 = np.vstack([y0[0] * x1 / (x1 @ x1) + _orthogonal_noise(rng, [x1, x2], d, orthogonal_scale),
                    y0[1] * x2 / (x2 @ x2) + _orthogonal_noise(rng, [x1, x2], d, orthogonal_scale)])
    return Initialization(W0, z0.copy(), {"y0": tuple(y0), "z0": tuple(z0)})


def balanced_init(data: Dataset, *, u0=0.1, v0=-0.1, **kwargs) -> Initialization:
    """c = 0 on both classes: ``y = ||x|| z`` with logit ``u0`` (class 1) and ``v0 < 0`` (class 2)."""
    n1, n2 = (float(np.linalg.norm(x)) for x in _class_vectors(data))
    if u0 <= 0 or v0 >= 0:
        raise ValueError("balanced_init needs u0 > 0 (class 1) and v0 < 0 (class 2)")
    return mode_init(data, y0=(np.sqrt(n1 * u0), np.sqrt(-n2 * v0)), z0=(np.sqrt(u0 / n1), -np.sqrt(-v0 / n2)), **kwargs)


def invariant_init(data: Dataset, *, c=0.1, theta0=0.0, swap=False, **kwargs) -> Initialization:
    """Hyperbolic init (App. A.3) with invariant ``|y^2 - n^2 z^2| = c`` (one value, or one per class).

    ``swap=False`` puts the neuron on the chart ``y^2 > n^2 z^2``: ``y = sqrt(c) cosh(theta0/2)``,
    ``z = sqrt(c)/n sinh(theta0/2)``; ``swap=True`` exchanges cosh and sinh.
    """
    norms = np.array([np.linalg.norm(x) for x in _class_vectors(data)])
    c = np.broadcast_to(as_finite_array("c", c), (2,))
    theta0 = np.broadcast_to(as_finite_array("theta0", theta0), (2,))
    if np.any(c <= 0):
        raise ValueError("c must be > 0 (use balanced_init for c = 0)")
    ch, sh = np.cosh(theta0 / 2), np.sinh(theta0 / 2)
    a, b = (sh, ch) if swap else (ch, sh)
    y = np.sqrt(c) * a
    z = np.sqrt(c) * b / norms * np.array([1.0, -1.0])
    return mode_init(data, y0=tuple(y), z0=tuple(z), **kwargs)


def cone_init(rng, data: Dataset, *, units_per_class=2, scale=0.3, noise=0.05,
              output=((0.2, 0.1), (-0.15, -0.2))) -> Initialization:
    """Units aligned with the cone axis of :func:`dynamics.data.cone_points` (class 1) or its opposite (class 2).

    With small ``noise`` every unit is active on its own class only (H2); ``output`` gives the output weights
    of each class's units, positive for class 1 and negative for class 2 (H3).
    """
    if "axis" not in data.meta:
        raise ValueError("cone_init needs a dataset from dynamics.data.cone_points")
    axis = data.meta["axis"]
    rows = [sign * scale * axis + noise * rng.standard_normal(axis.size)
            for sign in (1.0, -1.0) for _ in range(units_per_class)]
    Z0 = np.concatenate([np.resize(np.asarray(o, float), units_per_class) for o in output])
    return Initialization(np.vstack(rows), Z0, {"scale": scale, "noise": noise})


def small_random_init(rng, *, hidden, dimension, scale=0.1) -> Initialization:
    """Gaussian ``W0``, ``Z0`` with standard deviation ``scale`` (assumptions not enforced)."""
    if not isinstance(rng, np.random.Generator):
        raise TypeError("rng must be a numpy.random.Generator")
    return Initialization(scale * rng.standard_normal((hidden, dimension)), scale * rng.standard_normal(hidden), {})


def shared_neuron_init(x1, x2, *, alpha0, beta0, z0) -> Initialization:
    """One unit with ``w.x1 = alpha0`` and ``w.x2 = beta0`` (x1 ⊥ x2): H2 deliberately broken (§6)."""
    x1, x2 = np.asarray(x1, float), np.asarray(x2, float)
    w = alpha0 * x1 / (x1 @ x1) + beta0 * x2 / (x2 @ x2)
    return Initialization(w[None, :], np.array([float(z0)]), {"alpha0": alpha0, "beta0": beta0, "z0": z0})


def deep_balanced_init(x, *, depth, u0):
    """Balanced deep chain on one point: ``z = z^i = (u0/n)^{1/N}``, ``w = n z x / n^2``. Returns (W0, layers0, Z0)."""
    x = np.asarray(x, float)
    n = float(np.linalg.norm(x))
    scale = (u0 / n) ** (1.0 / depth)
    W0 = (n * scale * x / n**2)[None, :]
    return W0, tuple(np.array([scale]) for _ in range(depth - 2)), np.array([scale])


def multiclass_init(data: Dataset, *, diagonal=0.1, off_diagonal=-0.02, y0=0.1) -> Initialization:
    """H5/H6 init for :func:`dynamics.data.multiclass_points`: unit k along class k's direction."""
    classes = int(data.labels.max()) + 1
    directions = np.array([data.X[data.labels == k][0] for k in range(classes)])
    W0 = y0 * directions / np.sum(directions**2, axis=1, keepdims=True)
    Z0 = np.full((classes, classes), float(off_diagonal))
    np.fill_diagonal(Z0, diagonal)
    return Initialization(W0, Z0, {"y0": y0})
