"""Ground truth: full-batch gradient descent (or seeded SGD) on the real networks, in plain numpy.

Nothing here uses :mod:`derivations`: the gradients are written by hand on the
weight matrices and the data matrix, so agreement with the theory means something.

Networks: ``P(x) = o(Z^T relu(W x))`` (two-layer), the diagonal deep chain
``o(Z^T relu(D_{N-2} ... relu(D_1 relu(W x))))`` and the softmax network
``softmax(Z relu(W x))``.  The loss is the **mean** over the data.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import log_softmax, softmax

from .losses import LOSS_NAMES, loss_and_slope
from .validation import as_finite_array, require_choice

__all__ = ["TrainingRun", "BatchRun", "DeepRun", "SoftmaxRun", "TrainingDiverged", "train", "train_batch",
           "train_deep", "train_softmax", "class_gradients"]


class TrainingDiverged(RuntimeError):
    """Gradient descent produced NaN or inf."""


@dataclass(frozen=True)
class _Records:
    """Fields shared by :class:`BatchRun` and :class:`TrainingRun`."""

    t: np.ndarray
    steps: np.ndarray
    logits: np.ndarray
    preactivations: np.ndarray
    Z_history: np.ndarray
    losses: np.ndarray
    W: np.ndarray
    Z: np.ndarray

    @property
    def patterns(self) -> np.ndarray:
        """Activation patterns ``W x > 0`` (same shape as ``preactivations``)."""
        return self.preactivations > 0


@dataclass(frozen=True)
class BatchRun(_Records):
    """K two-layer runs trained together.

    Attributes
    ----------
    t : ndarray (R,)
        Flow time ``lr * step`` of each record (per run if lr differs: shape (R, K)).
    steps : ndarray (R,)
    logits : ndarray (R, K, n)
    preactivations : ndarray (R, K, n, h)
        ``W x`` for every point: the mode coordinates y of each neuron.
    Z_history : ndarray (R, K, h)
    losses : ndarray (R, K)
    W, Z : ndarray (K, h, d), (K, h)
        Final weights.
    """


@dataclass(frozen=True)
class TrainingRun(_Records):
    """One two-layer run: the K = 1 slice of a :class:`BatchRun` (no K axis anywhere)."""


def _check_common(X, labels, lr, steps, record_every, allowed_labels):
    X = as_finite_array("X", X)
    if X.ndim != 2:
        raise ValueError(f"X must be a 2-d data matrix (n points, d features), got shape {X.shape}")
    labels = np.asarray(labels)
    if labels.shape != (X.shape[0],):
        raise ValueError(f"labels must have one entry per row of X ({X.shape[0]}), got shape {labels.shape}")
    if not np.all(np.isin(labels, allowed_labels)):
        bad = labels[~np.isin(labels, allowed_labels)][0]
        raise ValueError(f"labels must be in {list(allowed_labels)}, found {bad.item()!r}")
    lr = as_finite_array("lr", lr)
    if np.any(lr <= 0):
        raise ValueError("lr must be > 0")
    if isinstance(steps, bool) or not isinstance(steps, (int, np.integer)) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    if isinstance(record_every, bool) or not isinstance(record_every, (int, np.integer)) or record_every < 1:
        raise ValueError(f"record_every must be an integer >= 1, got {record_every!r}")
    return X, labels, lr


def _diverged(step, lr):
    raise TrainingDiverged(f"training diverged at step {step}: NaN/inf in the weights or logits "
                           f"(lr={np.max(lr):g}); the learning rate is likely too large for these norms")


def _record_steps(steps, record_every):
    out = list(range(0, steps + 1, record_every))
    if out[-1] != steps:
        out.append(steps)
    return np.array(out)


def _quiet_overflow(function):
    """Run ``function`` with float overflow silenced: divergence is detected and reported explicitly."""
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore"):
            return function(*args, **kwargs)
    return wrapper


@_quiet_overflow
def train_batch(X, labels, W0, Z0, *, loss="bce", lr, steps, record_every=1, batch_size=None, rng=None) -> BatchRun:
    """Train K two-layer networks ``o(Z^T relu(W x))`` at once (one array program).

    Parameters
    ----------
    X : (n, d) data; labels : (n,) in {1, 2}
    W0 : (K, h, d); Z0 : (K, h)
    loss : {"bce", "hinge", "squared"}
    lr : float or (K,) learning rates
    steps : int; record_every : int
    batch_size, rng : optional
        SGD on ``batch_size`` points sampled with replacement by ``rng`` (a
        ``numpy.random.Generator``); default full batch.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); labels = np.array([1, 2])
    >>> run = train_batch(X, labels, np.eye(2)[None] * 0.1, np.array([[0.1, -0.1]]), lr=0.1, steps=10)
    >>> run.logits.shape, float(run.t[-1])
    ((11, 1, 2), 1.0)
    """
    require_choice("loss", loss, LOSS_NAMES)
    X, labels, lr = _check_common(X, labels, lr, steps, record_every, (1, 2))
    W = as_finite_array("W0", W0).copy()
    Z = as_finite_array("Z0", Z0).copy()
    if W.ndim != 3 or W.shape[2] != X.shape[1]:
        raise ValueError(f"W0 must have shape (K, h, d={X.shape[1]}), got {W.shape}")
    if Z.shape != W.shape[:2]:
        raise ValueError(f"Z0 must have shape (K, h) = {W.shape[:2]}, got {Z.shape}")
    K, n = W.shape[0], X.shape[0]
    lr = np.broadcast_to(lr, (K,)).astype(float)
    if batch_size is not None and not isinstance(rng, np.random.Generator):
        raise TypeError("SGD (batch_size given) needs rng, a numpy.random.Generator")
    sign = np.where(labels == 1, 1.0, -1.0)
    record = set(_record_steps(steps, record_every).tolist())
    recs = {"steps": [], "logits": [], "pre": [], "Z": [], "loss": []}

    XT = np.ascontiguousarray(X.T)
    for step in range(steps + 1):
        pre = W @ XT  # (K, h, n)
        act = np.maximum(pre, 0.0)
        u = (Z[:, None, :] @ act)[:, 0, :]  # (K, n)
        value, slope = loss_and_slope(loss, sign * u)
        if not np.all(np.isfinite(u)):
            _diverged(step, lr)
        if step in record:
            recs["steps"].append(step)
            recs["logits"].append(u)
            recs["pre"].append(pre.transpose(0, 2, 1))
            recs["Z"].append(Z.copy())
            recs["loss"].append(value.mean(axis=1))
        if step == steps:
            break
        rows = slice(None) if batch_size is None else rng.integers(0, n, batch_size)
        g = (slope * sign)[:, rows] / (n if batch_size is None else batch_size)  # dL/du per point
        active = act[:, :, rows]
        grad_Z = (active @ g[:, :, None])[:, :, 0]
        grad_W = ((pre[:, :, rows] > 0) * Z[:, :, None] * g[:, None, :]) @ X[rows]
        W -= lr[:, None, None] * grad_W
        Z -= lr[:, None] * grad_Z
        if not (np.all(np.isfinite(W)) and np.all(np.isfinite(Z))):
            _diverged(step + 1, lr)
    stepv = np.array(recs["steps"])
    t = stepv[:, None] * lr[None, :] if np.ptp(lr) > 0 else stepv * lr[0]
    return BatchRun(t=t, steps=stepv, logits=np.array(recs["logits"]), preactivations=np.array(recs["pre"]),
                    Z_history=np.array(recs["Z"]), losses=np.array(recs["loss"]), W=W, Z=Z)


def train(X, labels, W0, Z0, *, loss="bce", lr, steps, record_every=1, batch_size=None, rng=None) -> TrainingRun:
    """Full-batch GD (or seeded SGD) on the mean loss of one two-layer network.

    ``W0`` is (h, d), ``Z0`` is (h,); see :func:`train_batch`.  The flow time
    of record r is ``lr * steps[r]``; class k's mode follows the gradient flow
    at frequency ``p_k`` (its share of the data).
    """
    W0 = as_finite_array("W0", W0)
    Z0 = as_finite_array("Z0", Z0)
    if W0.ndim != 2 or Z0.ndim != 1:
        raise ValueError(f"W0 must be (h, d) and Z0 (h,), got {W0.shape} and {Z0.shape}; use train_batch for K runs")
    if np.ndim(lr) != 0:
        raise ValueError("lr must be a single number for train(); use train_batch for several learning rates")
    run = train_batch(X, labels, W0[None], Z0[None], loss=loss, lr=lr, steps=steps, record_every=record_every,
                      batch_size=batch_size, rng=rng)
    return TrainingRun(t=run.t, steps=run.steps, logits=run.logits[:, 0], preactivations=run.preactivations[:, 0],
                       Z_history=run.Z_history[:, 0], losses=run.losses[:, 0], W=run.W[0], Z=run.Z[0])


def class_gradients(X, labels, W, Z, *, loss="bce"):
    """Mean-loss gradients ``(dW, dZ)`` contributed by each class: ``{1: (dW, dZ), 2: (dW, dZ)}``."""
    X, labels = np.asarray(X, float), np.asarray(labels)
    W, Z = np.asarray(W, float), np.asarray(Z, float)
    pre = X @ W.T
    act = np.maximum(pre, 0)
    u = act @ Z
    sign = np.where(labels == 1, 1.0, -1.0)
    _, slope = loss_and_slope(loss, sign * u)
    g = slope * sign / X.shape[0]
    out = {}
    for k in (1, 2):
        sel = labels == k
        out[k] = ((g[sel, None] * (pre[sel] > 0) * Z[None, :]).T @ X[sel], act[sel].T @ g[sel])
    return out


@dataclass(frozen=True)
class DeepRun:
    """A deep-chain run: flow times, logits (R, n), final input weights, diagonal layers and output weights."""

    t: np.ndarray
    steps: np.ndarray
    logits: np.ndarray
    losses: np.ndarray
    W: np.ndarray
    layers: tuple
    Z: np.ndarray


@_quiet_overflow
def train_deep(X, labels, W0, layers0, Z0, *, loss="bce", lr, steps, record_every=1) -> DeepRun:
    """GD on ``o(Z^T relu(D_{N-2} ... relu(D_1 relu(W x))))`` with diagonal ``D_i`` (vectors in ``layers0``)."""
    require_choice("loss", loss, LOSS_NAMES)
    X, labels, lr = _check_common(X, labels, lr, steps, record_every, (1, 2))
    if np.ndim(lr) != 0:
        raise ValueError("lr must be a single number")
    lr = float(lr)
    W = as_finite_array("W0", W0).copy()
    D = [as_finite_array(f"layers0[{i}]", d).copy() for i, d in enumerate(layers0)]
    Z = as_finite_array("Z0", Z0).copy()
    h = W.shape[0]
    if W.ndim != 2 or W.shape[1] != X.shape[1] or Z.shape != (h,) or any(d.shape != (h,) for d in D):
        raise ValueError(f"W0 must be (h, d={X.shape[1]}), each layer and Z0 of shape (h,)")
    n = X.shape[0]
    sign = np.where(labels == 1, 1.0, -1.0)
    record = set(_record_steps(steps, record_every).tolist())
    recs = {"steps": [], "logits": [], "loss": []}
    for step in range(steps + 1):
        pres, acts = [X @ W.T], []
        acts.append(np.maximum(pres[0], 0))
        for d in D:
            pres.append(acts[-1] * d)
            acts.append(np.maximum(pres[-1], 0))
        u = acts[-1] @ Z
        if not np.all(np.isfinite(u)):
            _diverged(step, lr)
        value, slope = loss_and_slope(loss, sign * u)
        if step in record:
            recs["steps"].append(step)
            recs["logits"].append(u)
            recs["loss"].append(value.mean())
        if step == steps:
            break
        g = slope * sign / n
        grad_Z = acts[-1].T @ g
        back = g[:, None] * Z[None, :] * (pres[-1] > 0)  # dL/d(pre of last layer)
        grads_D = [None] * len(D)
        for i in range(len(D) - 1, -1, -1):
            grads_D[i] = np.sum(back * acts[i], axis=0)
            back = back * D[i] * (pres[i] > 0)
        grad_W = back.T @ X
        W -= lr * grad_W
        Z -= lr * grad_Z
        for d, gd in zip(D, grads_D):
            d -= lr * gd
    stepv = np.array(recs["steps"])
    return DeepRun(t=stepv * lr, steps=stepv, logits=np.array(recs["logits"]), losses=np.array(recs["loss"]),
                   W=W, layers=tuple(D), Z=Z)


@dataclass(frozen=True)
class SoftmaxRun(_Records):
    """A softmax run: flow times, logits (R, n, C), preactivations (R, n, h), Z history (R, C, h), final W, Z."""


@_quiet_overflow
def train_softmax(X, labels, W0, Z0, *, lr, steps, record_every=1) -> SoftmaxRun:
    """GD on the mean cross-entropy of ``softmax(Z relu(W x))``; labels in 0..C-1, ``Z0`` is (C, h)."""
    Z = as_finite_array("Z0", Z0).copy()
    classes = Z.shape[0]
    X, labels, lr = _check_common(X, labels, lr, steps, record_every, tuple(range(classes)))
    lr = float(lr)
    W = as_finite_array("W0", W0).copy()
    if W.ndim != 2 or W.shape[1] != X.shape[1] or Z.shape[1] != W.shape[0]:
        raise ValueError(f"W0 must be (h, d={X.shape[1]}) and Z0 (C, h), got {W.shape} and {Z.shape}")
    n = X.shape[0]
    onehot = np.eye(classes)[labels]
    record = set(_record_steps(steps, record_every).tolist())
    recs = {"steps": [], "logits": [], "pre": [], "Z": [], "loss": []}
    for step in range(steps + 1):
        pre = X @ W.T
        act = np.maximum(pre, 0)
        logits = act @ Z.T
        if not np.all(np.isfinite(logits)):
            _diverged(step, lr)
        if step in record:
            recs["steps"].append(step)
            recs["logits"].append(logits)
            recs["pre"].append(pre)
            recs["Z"].append(Z.copy())
            recs["loss"].append(-np.mean(np.sum(onehot * log_softmax(logits, axis=1), axis=1)))
        if step == steps:
            break
        g = (softmax(logits, axis=1) - onehot) / n  # dL/dlogits
        grad_Z = g.T @ act
        grad_W = ((g @ Z) * (pre > 0)).T @ X
        W -= lr * grad_W
        Z -= lr * grad_Z
    stepv = np.array(recs["steps"])
    return SoftmaxRun(t=stepv * lr, steps=stepv, logits=np.array(recs["logits"]),
                      preactivations=np.array(recs["pre"]), Z_history=np.array(recs["Z"]),
                      losses=np.array(recs["loss"]), W=W, Z=Z)
