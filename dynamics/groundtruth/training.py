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
from ..validation import as_finite_array, require_choice

__all__ = ["TrainingRun", "BatchRun", "DeepRun", "SoftmaxRun", "TrainingDiverged", "train", "train_batch",
           "train_deep", "train_softmax", "class_gradients"]


class TrainingDiverged(RuntimeError):
    """Gradient descent produced NaN or inf; ``step`` and ``lr`` say where and with which learning rate."""

    def __init__(self, step: int, lr: float):
        self.step, self.lr = int(step), float(lr)
        super().__init__(f"training diverged at step {self.step} with lr={self.lr:g}: NaN/inf in the weights or "
                         f"logits; the learning rate is likely too large for these norms, try a smaller lr")

    def __reduce__(self):  # pickle with the constructor's own arguments
        return type(self), (self.step, self.lr)


@dataclass(frozen=True)
class _Records:
    """Fields shared by :class:`BatchRun`, :class:`TrainingRun` and :class:`SoftmaxRun`."""

    t: np.ndarray
    steps: np.ndarray
    logits: np.ndarray
    preactivations: np.ndarray
    Z_history: np.ndarray
    losses: np.ndarray
    W: np.ndarray
    Z: np.ndarray
    W0: np.ndarray = None
    dead_step: object = None

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
    W0 : ndarray (K, h, d)
        Initial weights.
    dead_step : tuple of (int or None), one per run
        The first step (0 = the initialization) at which every unit is inactive (``w.x <= 0``) on every
        point of some class: that class's logits are 0 and its points give no gradient.  A learning rate
        that overshoots (e.g. the squared loss at lr 100) does this silently; None if it never happened.
        Checked at every step, recorded or not.
    """


@dataclass(frozen=True)
class TrainingRun(_Records):
    """One two-layer run: the K = 1 slice of a :class:`BatchRun` (no K axis; ``dead_step`` is an int or None)."""


def _check_common(X, labels, lr, steps, record_every, allowed_labels):
    """Validate the arguments every training loop shares; return ``(X, labels, lr)`` as arrays."""
    X, labels = _check_data(X, labels, allowed_labels)
    lr = as_finite_array("lr", lr)
    if np.any(lr <= 0):
        raise ValueError(f"lr must be > 0, got {float(lr[lr <= 0].ravel()[0])!r}")
    _require_count("steps", steps)
    _require_count("record_every", record_every)
    return X, labels, lr


def _check_data(X, labels, allowed_labels):
    X = as_finite_array("X", X)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must be a 2-d data matrix (n points >= 1, d features >= 1), got shape {X.shape}")
    if not np.any(X):
        raise ValueError("X is all zeros: every pre-activation and logit stays 0, so there is nothing to train")
    labels = np.asarray(labels)
    if labels.shape != (X.shape[0],):
        raise ValueError(f"labels must have one entry per row of X ({X.shape[0]}), got shape {labels.shape}")
    if labels.dtype == bool or not np.issubdtype(labels.dtype, np.number):
        raise TypeError(f"labels must be numbers in {list(allowed_labels)}, got dtype {labels.dtype}")
    if not np.all(np.isin(labels, allowed_labels)):
        bad = labels[~np.isin(labels, allowed_labels)][0]
        raise ValueError(f"labels must be in {list(allowed_labels)}, found {bad.item()!r}")
    return X, labels.astype(int)


def _check_two_layer(W0, Z0, d, names=("W0", "Z0")):
    """One network's ``(W (h, d), Z (h,))`` as finite arrays, with shape errors naming the parameters."""
    W, Z = as_finite_array(names[0], W0), as_finite_array(names[1], Z0)
    if W.ndim != 2 or W.shape[1] != d or W.shape[0] == 0:
        raise ValueError(f"{names[0]} must have shape (h, d={d}) with h >= 1, got {W.shape}")
    if Z.shape != (W.shape[0],):
        raise ValueError(f"{names[1]} must have shape (h,) = ({W.shape[0]},), one output weight per unit, got {Z.shape}")
    return W, Z


def _require_count(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def _check_sgd(batch_size, rng):
    if batch_size is None:
        return
    _require_count("batch_size", batch_size)
    if not isinstance(rng, np.random.Generator):
        raise TypeError("SGD (batch_size given) needs rng, a numpy.random.Generator")


def _record_steps(steps, record_every):
    out = list(range(0, steps + 1, record_every))
    if out[-1] != steps:
        out.append(steps)
    return np.array(out)


class _Loop:
    """What every training loop does besides its gradients: records, divergence checks, death of a class.

    ``masks`` holds one boolean row-mask per class; ``hidden`` activations passed to :meth:`watch` have the
    points on their last axis and the units on the one before (any leading run axis).
    """

    def __init__(self, steps, record_every, lr, masks):
        self.record = set(_record_steps(steps, record_every).tolist())
        self.lr = np.atleast_1d(lr)
        self.members = np.array([m for m in masks if m.any()], dtype=float).T  # (n, classes present)
        self.rows = {}
        self.dead = None

    def finite(self, step, *arrays):
        """Raise :class:`TrainingDiverged` naming ``step`` (and the lr of the first bad run) unless all finite."""
        if all(np.isfinite(a).all() for a in arrays):
            return
        runs = self.lr.size
        ok = np.ones(runs, bool)
        for a in arrays:
            ok &= np.isfinite(a.reshape(runs, -1)).all(axis=1)
        raise TrainingDiverged(step, self.lr[np.flatnonzero(~ok)[0]])

    def watch(self, step, hidden):
        """Note the first step at which some class has no active unit on any of its points."""
        if self.dead is None:
            self.dead = np.full(hidden.shape[:-2], -1)
        elif (self.dead >= 0).all():
            return  # every run already has its dead_step
        lit = hidden.max(axis=-2) > 0  # (..., n): the point switches on at least one unit
        if lit.all():
            return  # every point has an active unit: no class is dead
        dead = ((lit @ self.members) == 0).any(axis=-1)  # some class has no lit point
        self.dead[(self.dead < 0) & dead] = step

    def recording(self, step) -> bool:
        return step in self.record

    def keep(self, step, **values):
        """Store copies of ``values`` (call only when :meth:`recording`)."""
        self.rows.setdefault("steps", []).append(step)
        for name, value in values.items():
            self.rows.setdefault(name, []).append(np.array(value, copy=True))

    def arrays(self):
        return {name: np.array(rows) for name, rows in self.rows.items()}

    def dead_steps(self):
        """``dead_step``: an int or None (one run), or a tuple of them (a leading run axis)."""
        as_step = lambda v: None if v < 0 else int(v)  # noqa: E731
        return as_step(self.dead) if self.dead.ndim == 0 else tuple(as_step(v) for v in self.dead)


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
    lr : float or (K,) learning rates, > 0
    steps : int >= 1; record_every : int >= 1
    batch_size, rng : optional
        SGD on ``batch_size`` (>= 1) points sampled with replacement by ``rng`` (a
        ``numpy.random.Generator``); default full batch.

    Raises
    ------
    ValueError, TypeError
        Invalid arguments, each naming the parameter.
    TrainingDiverged
        NaN or inf in the logits or weights, naming the step and the learning rate.

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); labels = np.array([1, 2])
    >>> run = train_batch(X, labels, np.eye(2)[None] * 0.1, np.array([[0.1, -0.1]]), lr=0.1, steps=10)
    >>> run.logits.shape, float(run.t[-1]), run.dead_step
    ((11, 1, 2), 1.0, (None,))
    """
    require_choice("loss", loss, LOSS_NAMES)
    X, labels, lr = _check_common(X, labels, lr, steps, record_every, (1, 2))
    _check_sgd(batch_size, rng)
    W = as_finite_array("W0", W0).copy()
    Z = as_finite_array("Z0", Z0).copy()
    if W.ndim != 3 or W.shape[2] != X.shape[1] or W.shape[1] == 0:
        raise ValueError(f"W0 must have shape (K, h, d={X.shape[1]}) with h >= 1, got {W.shape}")
    if Z.shape != W.shape[:2]:
        raise ValueError(f"Z0 must have shape (K, h) = {W.shape[:2]}, got {Z.shape}")
    K, n = W.shape[0], X.shape[0]
    if lr.ndim > 1 or lr.size not in (1, K):
        raise ValueError(f"lr must be one number or one per run (K = {K}), got shape {lr.shape}")
    lr = np.broadcast_to(lr, (K,)).astype(float)
    W0 = W.copy()
    sign = np.where(labels == 1, 1.0, -1.0)
    loop = _Loop(steps, record_every, lr, [labels == k for k in (1, 2)])

    XT = np.ascontiguousarray(X.T)
    for step in range(steps + 1):
        pre = W @ XT  # (K, h, n)
        act = np.maximum(pre, 0.0)
        u = (Z[:, None, :] @ act)[:, 0, :]  # (K, n)
        loop.finite(step, u)
        loop.watch(step, pre)
        value, slope = loss_and_slope(loss, sign * u)
        if loop.recording(step):
            loop.keep(step, logits=u, pre=pre.transpose(0, 2, 1), Z=Z, loss=value.mean(axis=1))
        if step == steps:
            break
        rows = slice(None) if batch_size is None else rng.integers(0, n, batch_size)
        g = (slope * sign)[:, rows] / (n if batch_size is None else batch_size)  # dL/du per point
        active = act[:, :, rows]
        grad_Z = (active @ g[:, :, None])[:, :, 0]
        grad_W = ((pre[:, :, rows] > 0) * Z[:, :, None] * g[:, None, :]) @ X[rows]
        W -= lr[:, None, None] * grad_W
        Z -= lr[:, None] * grad_Z
        loop.finite(step + 1, W, Z)
    recs = loop.arrays()
    stepv = recs["steps"]
    t = stepv[:, None] * lr[None, :] if np.ptp(lr) > 0 else stepv * lr[0]
    return BatchRun(t=t, steps=stepv, logits=recs["logits"], preactivations=recs["pre"], Z_history=recs["Z"],
                    losses=recs["loss"], W=W, Z=Z, W0=W0, dead_step=loop.dead_steps())


def train(X, labels, W0, Z0, *, loss="bce", lr, steps, record_every=1, batch_size=None, rng=None) -> TrainingRun:
    """Full-batch GD (or seeded SGD) on the mean loss of one two-layer network.

    ``W0`` is (h, d), ``Z0`` is (h,); see :func:`train_batch`.  The flow time
    of record r is ``lr * steps[r]``; class k's mode follows the gradient flow
    at frequency ``p_k`` (its share of the data).  ``dead_step`` is the first
    step at which some class has no active unit on any of its points (None if never).

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); labels = np.array([1, 2])
    >>> run = train(X, labels, 0.1 * np.eye(2), np.array([0.1, -0.1]), loss="squared", lr=100.0, steps=3)
    >>> run.dead_step  # step 1 overshoots to u = 25.5, step 2 pushes w.x below 0 on both classes
    2
    """
    X, labels, _ = _check_common(X, labels, lr, steps, record_every, (1, 2))  # data first: name X, not W0
    W0, Z0 = _check_two_layer(W0, Z0, X.shape[1])
    if np.ndim(lr) != 0:
        raise ValueError("lr must be a single number for train(); use train_batch for several learning rates")
    run = train_batch(X, labels, W0[None], Z0[None], loss=loss, lr=lr, steps=steps, record_every=record_every,
                      batch_size=batch_size, rng=rng)
    return TrainingRun(t=run.t, steps=run.steps, logits=run.logits[:, 0], preactivations=run.preactivations[:, 0],
                       Z_history=run.Z_history[:, 0], losses=run.losses[:, 0], W=run.W[0], Z=run.Z[0],
                       W0=run.W0[0], dead_step=run.dead_step[0])


def class_gradients(X, labels, W, Z, *, loss="bce"):
    """Mean-loss gradients ``(dW, dZ)`` contributed by each class: ``{1: (dW, dZ), 2: (dW, dZ)}``."""
    require_choice("loss", loss, LOSS_NAMES)
    X, labels = _check_data(X, labels, (1, 2))
    W, Z = _check_two_layer(W, Z, X.shape[1], ("W", "Z"))
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
    """A deep-chain run: flow times, logits (R, n), final input weights, diagonal layers and output weights.

    ``dead_step`` as in :class:`BatchRun`: the first step at which the last hidden layer is inactive on
    every point of some class (int), or None.
    """

    t: np.ndarray
    steps: np.ndarray
    logits: np.ndarray
    losses: np.ndarray
    W: np.ndarray
    layers: tuple
    Z: np.ndarray
    dead_step: object = None


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
    h = W.shape[0] if W.ndim == 2 else -1
    if W.ndim != 2 or h == 0 or W.shape[1] != X.shape[1] or Z.shape != (h,) or any(d.shape != (h,) for d in D):
        raise ValueError(f"W0 must be (h, d={X.shape[1]}) with h >= 1, each layer in layers0 and Z0 of shape (h,); "
                         f"got W0 {W.shape}, layers0 {[d.shape for d in D]}, Z0 {Z.shape}")
    n = X.shape[0]
    sign = np.where(labels == 1, 1.0, -1.0)
    loop = _Loop(steps, record_every, lr, [labels == k for k in (1, 2)])
    for step in range(steps + 1):
        pres, acts = [X @ W.T], []
        acts.append(np.maximum(pres[0], 0))
        for d in D:
            pres.append(acts[-1] * d)
            acts.append(np.maximum(pres[-1], 0))
        u = acts[-1] @ Z
        loop.finite(step, u)
        loop.watch(step, acts[-1].T)
        value, slope = loss_and_slope(loss, sign * u)
        if loop.recording(step):
            loop.keep(step, logits=u, loss=value.mean())
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
        loop.finite(step + 1, W, Z, *D)
    recs = loop.arrays()
    return DeepRun(t=recs["steps"] * lr, steps=recs["steps"], logits=recs["logits"], losses=recs["loss"],
                   W=W, layers=tuple(D), Z=Z, dead_step=loop.dead_steps())


@dataclass(frozen=True)
class SoftmaxRun(_Records):
    """A softmax run: flow times, logits (R, n, C), preactivations (R, n, h), Z history (R, C, h), final W, Z.

    ``dead_step``: the first step at which every unit is inactive on every point of some class, or None.
    """


@_quiet_overflow
def train_softmax(X, labels, W0, Z0, *, lr, steps, record_every=1) -> SoftmaxRun:
    """GD on the mean cross-entropy of ``softmax(Z relu(W x))``; labels in 0..C-1, ``Z0`` is (C, h)."""
    Z = as_finite_array("Z0", Z0).copy()
    if Z.ndim != 2 or 0 in Z.shape:
        raise ValueError(f"Z0 must be a (C, h) matrix of output weights (C classes, h units), got shape {Z.shape}")
    classes = Z.shape[0]
    X, labels, lr = _check_common(X, labels, lr, steps, record_every, tuple(range(classes)))
    if np.ndim(lr) != 0:
        raise ValueError("lr must be a single number")
    lr = float(lr)
    W = as_finite_array("W0", W0).copy()
    if W.ndim != 2 or W.shape[1] != X.shape[1] or Z.shape[1] != W.shape[0]:
        raise ValueError(f"W0 must be (h, d={X.shape[1]}) and Z0 (C, h), got {W.shape} and {Z.shape}")
    n = X.shape[0]
    onehot = np.eye(classes)[labels]
    loop = _Loop(steps, record_every, lr, [labels == k for k in range(classes)])
    for step in range(steps + 1):
        pre = X @ W.T
        act = np.maximum(pre, 0)
        logits = act @ Z.T
        loop.finite(step, logits)
        loop.watch(step, pre.T)
        if loop.recording(step):
            loop.keep(step, logits=logits, pre=pre, Z=Z,
                      loss=-np.mean(np.sum(onehot * log_softmax(logits, axis=1), axis=1)))
        if step == steps:
            break
        g = (softmax(logits, axis=1) - onehot) / n  # dL/dlogits
        grad_Z = g.T @ act
        grad_W = ((g @ Z) * (pre > 0)).T @ X
        W -= lr * grad_W
        Z -= lr * grad_Z
        loop.finite(step + 1, W, Z)
    recs = loop.arrays()
    return SoftmaxRun(t=recs["steps"] * lr, steps=recs["steps"], logits=recs["logits"], preactivations=recs["pre"],
                      Z_history=recs["Z"], losses=recs["loss"], W=W, Z=Z, W0=np.asarray(W0, float),
                      dead_step=loop.dead_steps())
