"""Ground truth: full-batch gradient descent (or seeded SGD) on the real networks, in plain numpy.

Nothing here uses :mod:`derivations`: the gradients (:mod:`dynamics.groundtruth.networks`) are written by hand
on the weight matrices and the data matrix, so agreement with the theory means something.

Every loop (:func:`train_batch`, :func:`train`, :func:`train_deep`, :func:`train_softmax`) is the one training
core: it validates its arguments the same way, and at each step runs the network's forward pass, checks the logits
for NaN/inf, watches for a class without active units (``dead_step``), records, takes the gradient step and checks
every updated weight (:class:`TrainingDiverged`).  The loss is the **mean** over the data; the loss object
(:class:`dynamics.groundtruth.losses.NetworkLoss`, its name, or a sympy expression of the margin) alone decides
the slope of each point.  The two-layer loops also take point weights ``q`` (``weights``): the objective is then
``sum_i q_i l(s_i u_i)`` (the mean loss is ``q_i = 1/n``).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

from .initialization import DeepInitialization
from .losses import NetworkLoss, get_loss
from .networks import (BINARY_LABELS, _batch_backward, _batch_forward, _check_batch, _check_data, _check_deep,
                       _check_softmax, _check_two_layer, _cross_entropy, _deep_backward, _deep_forward, _signs,
                       _softmax_backward, _softmax_forward, _softmax_slopes, batch_gradient, batch_logits,
                       class_gradients, deep_gradient, deep_logits, softmax_class_gradients, softmax_gradient,
                       softmax_logits, two_layer_gradient, two_layer_logits)
from ..validation import as_finite_array

__all__ = ["TrainingRun", "BatchRun", "DeepRun", "SoftmaxRun", "TrainingDiverged", "train", "train_batch",
           "train_deep", "train_softmax",
           # the networks' forward passes and gradients, re-exported from dynamics.groundtruth.networks
           "two_layer_logits", "two_layer_gradient", "class_gradients", "batch_logits", "batch_gradient",
           "deep_logits", "deep_gradient", "softmax_logits", "softmax_gradient", "softmax_class_gradients"]


class TrainingDiverged(RuntimeError):
    """Gradient descent produced NaN or inf; ``step`` and ``lr`` say where and with which learning rate.

    Parameters
    ----------
    step : int
        The step (0 = the initialization) whose logits or freshly updated weights are not finite.
    lr : float
        The learning rate of the (first) run that diverged.
    """

    def __init__(self, step: int, lr: float):
        self.step, self.lr = int(step), float(lr)
        super().__init__(f"training diverged at step {self.step} with lr={self.lr:g}: NaN/inf in the weights or "
                         f"logits; the learning rate is likely too large for these norms, try a smaller lr")

    def __reduce__(self):  # pickle with the constructor's own arguments
        return type(self), (self.step, self.lr)


# ------------------------------------------------------------------------------------------------------ results
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
    W0: np.ndarray | None = None
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
    t : ndarray (R, K)
        Flow time ``lr_k * steps[r]`` of record r in run k.  Always two-dimensional, whether one learning
        rate or one per run was given (``t[:, k]`` is run k's time axis).
    steps : ndarray (R,)
        The step of each record (0 = the initialization; the last step is always recorded).
    logits : ndarray (R, K, n)
    preactivations : ndarray (R, K, n, h)
        ``W x`` for every point: the mode coordinates y of each neuron.
    Z_history : ndarray (R, K, h)
    losses : ndarray (R, K)
        The objective of each run at each record: the mean loss, or ``sum_i q_i l_i`` with point weights.
    W, Z : ndarray (K, h, d), (K, h)
        Final weights.
    W0 : ndarray (K, h, d)
        Initial weights.
    dead_step : tuple of (int or None), one per run
        The first step (0 = the initialization) at which every unit is inactive (``w.x <= 0``) on every
        point of some class: that class's logits are 0 and its points give no gradient.  A learning rate
        that overshoots (e.g. the squared loss at lr 100) does this silently; None if it never happened.
        Checked at every step, recorded or not.
    weights : ndarray (n,) or None
        The point weights ``q`` trained with (None: the mean loss).
    """

    weights: np.ndarray | None = None


@dataclass(frozen=True)
class TrainingRun(_Records):
    """One two-layer run: the K = 1 slice of a :class:`BatchRun`.

    Attributes
    ----------
    t : ndarray (R,)
        Flow time ``lr * steps[r]``.
    steps : ndarray (R,)
    logits : ndarray (R, n)
    preactivations : ndarray (R, n, h)
    Z_history : ndarray (R, h)
    losses : ndarray (R,)
    W, Z : ndarray (h, d), (h,)
        Final weights.
    W0 : ndarray (h, d)
        Initial weights.
    dead_step : int or None
        As in :class:`BatchRun`, for this run.
    weights : ndarray (n,) or None
        As in :class:`BatchRun`.
    """

    weights: np.ndarray | None = None


@dataclass(frozen=True)
class DeepRun:
    """A deep-chain run.

    Attributes
    ----------
    t : ndarray (R,)
        Flow time ``lr * steps[r]``.
    steps : ndarray (R,)
    logits : ndarray (R, n)
    losses : ndarray (R,)
    W : ndarray (h, d)
        Final input weights.
    layers : tuple of ndarray (h,)
        Final diagonal layers ``D_1 ... D_{N-2}``.
    Z : ndarray (h,)
        Final output weights.
    dead_step : int or None
        The first step at which the last hidden layer is inactive on every point of some class, or None.
    """

    t: np.ndarray
    steps: np.ndarray
    logits: np.ndarray
    losses: np.ndarray
    W: np.ndarray
    layers: tuple
    Z: np.ndarray
    dead_step: int | None = None


@dataclass(frozen=True)
class SoftmaxRun(_Records):
    """A softmax run.

    Attributes
    ----------
    t : ndarray (R,)
        Flow time ``lr * steps[r]``.
    steps : ndarray (R,)
    logits : ndarray (R, n, C)
    preactivations : ndarray (R, n, h)
    Z_history : ndarray (R, C, h)
    losses : ndarray (R,)
        Mean cross-entropy.
    W, Z : ndarray (h, d), (C, h)
        Final weights.
    W0 : ndarray (h, d)
        Initial weights.
    dead_step : int or None
        The first step at which every unit is inactive on every point of some class, or None.
    """


# ------------------------------------------------------------------------------------------- loop arguments
def _check_common(X, labels, lr, steps, record_every, allowed_labels):
    """Validate the arguments every training loop shares; return ``(X, labels, lr)`` as arrays."""
    X, labels = _check_data(X, labels, allowed_labels)
    lr = as_finite_array("lr", lr)
    if np.any(lr <= 0):
        raise ValueError(f"lr must be > 0, got {float(lr[lr <= 0].ravel()[0])!r}")
    _require_count("steps", steps)
    _require_count("record_every", record_every)
    return X, labels, lr


def _single_lr(lr, hint=""):
    """``lr`` as a float, refusing one learning rate per run (``hint`` says where to go instead)."""
    if np.ndim(lr) != 0:
        raise ValueError(f"lr must be a single number{hint}")
    return float(lr)


def _require_count(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
        raise ValueError(f"{name} must be an integer >= 1, got {value!r}")


def _check_weights(weights, n):
    """Point weights as a read-only float array (n,), finite, >= 0 and not all 0; None stays None."""
    if weights is None:
        return None
    q = as_finite_array("weights", weights)
    if q.shape != (n,):
        raise ValueError(f"weights must have one entry per point (shape ({n},)), got shape {q.shape}")
    if np.any(q < 0):
        i = int(np.flatnonzero(q < 0)[0])
        raise ValueError(f"weights must be >= 0, got weights[{i}] = {float(q[i])!r}")
    if not np.any(q > 0):
        raise ValueError("weights must not be all 0 (the objective sum_i q_i l_i would be constant)")
    q = q.copy()
    q.flags.writeable = False
    return q


def _check_sgd(batch_size, rng):
    if batch_size is None:
        return
    _require_count("batch_size", batch_size)
    if not isinstance(rng, np.random.Generator):
        raise TypeError("SGD (batch_size given) needs rng, a numpy.random.Generator")


# ---------------------------------------------------------------------------------------- the training core
def _record_steps(steps, record_every):
    out = list(range(0, steps + 1, record_every))
    if out[-1] != steps:
        out.append(steps)
    return np.array(out)


class _Recorder:
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

    def keep(self, step, values):
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


@dataclass(frozen=True)
class _Pass:
    """One forward pass: the logits (checked), the hidden pre-activations watched for dead classes (units on
    the second-to-last axis, points on the last), what the records need and what the gradient needs."""

    logits: np.ndarray
    watched: np.ndarray
    cache: tuple


class _Network:
    """A network being trained: its weights (updated in place), one forward pass and one gradient step."""

    weights: tuple

    def forward(self) -> _Pass:
        raise NotImplementedError

    def record(self, state: _Pass) -> dict:
        raise NotImplementedError

    def descend(self, state: _Pass, rows, count) -> None:
        """Take one step on the points ``rows`` (``count`` of them; ``slice(None)`` = the full batch)."""
        raise NotImplementedError


class _BatchTwoLayer(_Network):
    def __init__(self, X, labels, W, Z, loss, lr, q=None):
        self.X, self.XT, self.sign, self.loss, self.lr = X, np.ascontiguousarray(X.T), _signs(labels), loss, lr
        self.W, self.Z, self.q = W, Z, q
        self.weights = (W, Z)

    def forward(self):
        pre, act, u = _batch_forward(self.XT, self.W, self.Z)
        value, slope = self.loss(self.sign * u)
        return _Pass(u, pre, (pre, act, value, slope))

    def record(self, state):
        pre, _, value, _ = state.cache
        objective = value.mean(axis=1) if self.q is None else value @ self.q
        return {"logits": state.logits, "pre": pre.transpose(0, 2, 1), "Z": self.Z, "loss": objective}

    def descend(self, state, rows, count):
        pre, act, _, slope = state.cache
        if self.q is None:
            g = (slope * self.sign)[:, rows] / count  # dL/du per point
        else:  # q_i dl_i/du_i, times n/b on a sample of b points: an unbiased estimate of the full step
            g = (slope * self.sign)[:, rows] * (self.q[rows] * (self.X.shape[0] / count))
        grad_W, grad_Z = _batch_backward(self.X, pre, act, self.Z, g, rows)
        self.W -= self.lr[:, None, None] * grad_W
        self.Z -= self.lr[:, None] * grad_Z


class _DeepChain(_Network):
    def __init__(self, X, labels, W, layers, Z, loss, lr):
        self.X, self.sign, self.loss, self.lr = X, _signs(labels), loss, lr
        self.W, self.layers, self.Z = W, layers, Z
        self.weights = (W, Z, *layers)

    def forward(self):
        pres, acts, u = _deep_forward(self.X, self.W, self.layers, self.Z)
        value, slope = self.loss(self.sign * u)
        return _Pass(u, acts[-1].T, (pres, acts, value, slope))

    def record(self, state):
        return {"logits": state.logits, "loss": state.cache[2].mean()}

    def descend(self, state, rows, count):
        pres, acts, _, slope = state.cache
        X, g = self.X, slope * self.sign / count
        if rows is not _ALL_ROWS:
            X, g, pres, acts = X[rows], g[rows], [p[rows] for p in pres], [a[rows] for a in acts]
        grad_W, grads_D, grad_Z = _deep_backward(X, pres, acts, self.layers, self.Z, g)
        self.W -= self.lr * grad_W
        self.Z -= self.lr * grad_Z
        for d, gd in zip(self.layers, grads_D):
            d -= self.lr * gd


class _Softmax(_Network):
    def __init__(self, X, labels, W, Z, lr):
        self.X, self.onehot, self.lr = X, np.eye(Z.shape[0])[labels], lr
        self.W, self.Z = W, Z
        self.weights = (W, Z)

    def forward(self):
        pre, act, logits = _softmax_forward(self.X, self.W, self.Z)
        return _Pass(logits, pre.T, (pre, act))

    def record(self, state):
        return {"logits": state.logits, "pre": state.cache[0], "Z": self.Z,
                "loss": _cross_entropy(state.logits, self.onehot)}

    def descend(self, state, rows, count):
        (pre, act), logits, onehot, X = state.cache, state.logits, self.onehot, self.X
        if rows is not _ALL_ROWS:
            pre, act, logits, onehot, X = pre[rows], act[rows], logits[rows], onehot[rows], X[rows]
        grad_W, grad_Z = _softmax_backward(X, pre, act, self.Z, _softmax_slopes(logits, onehot, count))
        self.W -= self.lr * grad_W
        self.Z -= self.lr * grad_Z


#: The rows of a full-batch step.
_ALL_ROWS = slice(None)


def _full_batch(n):
    return lambda: (_ALL_ROWS, n)


def _descend(network: _Network, recorder: _Recorder, steps: int, sample: Callable[[], tuple]) -> dict:
    """The one training loop: forward, check, watch, record; then (unless done) step and check the new weights.

    Returns the recorded arrays (``"steps"`` plus whatever ``network.record`` gives).
    """
    for step in range(steps + 1):
        state = network.forward()
        recorder.finite(step, state.logits)
        recorder.watch(step, state.watched)
        if recorder.recording(step):
            recorder.keep(step, network.record(state))
        if step == steps:
            break
        network.descend(state, *sample())
        recorder.finite(step + 1, *network.weights)
    return recorder.arrays()


def _quiet_overflow(function):
    """Run ``function`` with float overflow silenced: divergence is detected and reported explicitly."""

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore"):
            return function(*args, **kwargs)
    return wrapper


# ------------------------------------------------------------------------------------------------ the loops
@_quiet_overflow
def train_batch(X: ArrayLike, labels: ArrayLike, W0: ArrayLike, Z0: ArrayLike, *, loss: str | NetworkLoss = "bce",
                lr: ArrayLike, steps: int, record_every: int = 1,
                batch_size: int | None = None, rng: np.random.Generator | None = None,
                weights: ArrayLike | None = None) -> BatchRun:
    """Train K two-layer networks ``o(Z^T relu(W x))`` at once (one array program).

    Parameters
    ----------
    X : array_like (n, d)
        Data, one point per row.
    labels : array_like (n,)
        1 or 2.
    W0 : array_like (K, h, d)
    Z0 : array_like (K, h)
    loss : str, NetworkLoss or sympy.Expr
        A name in :data:`dynamics.groundtruth.losses.LOSSES` (``"bce"``, ``"hinge"``, ``"squared"``), the
        loss object itself, or a sympy expression of the margin
        (:func:`dynamics.groundtruth.losses.expression_loss`).
    lr : float or array_like (K,)
        Learning rates, > 0: one for every run or one per run.
    steps : int
        Number of updates, >= 1.
    record_every : int
        Record every this many steps (>= 1); step 0 and the last step are always recorded.
    batch_size, rng : optional
        SGD on ``batch_size`` (>= 1) points sampled with replacement by ``rng`` (a
        ``numpy.random.Generator``); default full batch.
    weights : array_like (n,), optional
        Point weights ``q_i``, finite, >= 0, not all 0: the objective is ``sum_i q_i l(s_i u_i)``.  Default
        (None) the mean loss, ``q_i = 1/n`` (bit for bit the unweighted computation).  SGD on b sampled
        points steps along ``(n/b) sum_sampled q_i grad l_i``, an unbiased estimate of the full gradient.

    Returns
    -------
    BatchRun
        ``t`` has shape (R, K) whatever ``lr`` is.

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
    >>> run.logits.shape, run.t.shape, float(run.t[-1, 0]), run.dead_step
    ((11, 1, 2), (11, 1), 1.0, (None,))

    Weighting class 1 three times as much as class 2 (``weights`` summing to 1):

    >>> weighted = train_batch(X, labels, np.eye(2)[None] * 0.1, np.array([[0.1, -0.1]]), lr=0.1, steps=10,
    ...                        weights=[0.75, 0.25])
    >>> (weighted.logits[-1, 0] > run.logits[-1, 0]).tolist()  # class 1 pushed harder, class 2 less
    [True, True]
    """
    loss = get_loss(loss)
    X, labels, lr = _check_common(X, labels, lr, steps, record_every, BINARY_LABELS)
    _check_sgd(batch_size, rng)
    q = _check_weights(weights, X.shape[0])
    W, Z = _check_batch(W0, Z0, X.shape[1])
    W, Z = W.copy(), Z.copy()
    K, n = W.shape[0], X.shape[0]
    if lr.ndim > 1 or lr.size not in (1, K):
        raise ValueError(f"lr must be one number or one per run (K = {K}), got shape {lr.shape}")
    lr = np.broadcast_to(lr, (K,)).astype(float)
    W0 = W.copy()
    recorder = _Recorder(steps, record_every, lr, [labels == k for k in BINARY_LABELS])
    sample = _full_batch(n) if batch_size is None else (lambda: (rng.integers(0, n, batch_size), batch_size))
    recs = _descend(_BatchTwoLayer(X, labels, W, Z, loss, lr, q), recorder, steps, sample)
    stepv = recs["steps"]
    return BatchRun(t=stepv[:, None] * lr[None, :], steps=stepv, logits=recs["logits"], preactivations=recs["pre"],
                    Z_history=recs["Z"], losses=recs["loss"], W=W, Z=Z, W0=W0, dead_step=recorder.dead_steps(),
                    weights=q)


def train(X: ArrayLike, labels: ArrayLike, W0: ArrayLike, Z0: ArrayLike, *, loss: str | NetworkLoss = "bce",
          lr: float, steps: int, record_every: int = 1,
          batch_size: int | None = None, rng: np.random.Generator | None = None,
          weights: ArrayLike | None = None) -> TrainingRun:
    """Full-batch GD (or seeded SGD) on the mean loss (or a weighted sum of losses) of one two-layer network.

    The flow time of record r is ``lr * steps[r]``; class k's mode follows the gradient flow at frequency
    ``p_k`` (its share of the data).  ``dead_step`` is the first step at which some class has no active unit
    on any of its points (None if never).

    Parameters
    ----------
    X, labels, loss, steps, record_every, batch_size, rng, weights
        As in :func:`train_batch`.
    W0 : array_like (h, d)
    Z0 : array_like (h,)
    lr : float
        One learning rate, > 0 (several: :func:`train_batch`).

    Returns
    -------
    TrainingRun

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0]]); labels = np.array([1, 2])
    >>> run = train(X, labels, 0.1 * np.eye(2), np.array([0.1, -0.1]), loss="squared", lr=100.0, steps=3)
    >>> run.dead_step  # step 1 overshoots to u = 25.5, step 2 pushes w.x below 0 on both classes
    2
    """
    X, labels, _ = _check_common(X, labels, lr, steps, record_every, BINARY_LABELS)  # data first: name X, not W0
    W0, Z0 = _check_two_layer(W0, Z0, X.shape[1])
    _single_lr(lr, " for train(); use train_batch for several learning rates")
    run = train_batch(X, labels, W0[None], Z0[None], loss=loss, lr=lr, steps=steps, record_every=record_every,
                      batch_size=batch_size, rng=rng, weights=weights)
    return TrainingRun(t=run.t[:, 0], steps=run.steps, logits=run.logits[:, 0],
                       preactivations=run.preactivations[:, 0], Z_history=run.Z_history[:, 0],
                       losses=run.losses[:, 0], W=run.W[0], Z=run.Z[0], W0=run.W0[0], dead_step=run.dead_step[0],
                       weights=run.weights)


@_quiet_overflow
def train_deep(X: ArrayLike, labels: ArrayLike, W0: ArrayLike | DeepInitialization,
               layers0: Sequence[ArrayLike] | None = None, Z0: ArrayLike | None = None, *,
               loss: str | NetworkLoss = "bce", lr: float, steps: int, record_every: int = 1) -> DeepRun:
    """GD on the mean loss of ``o(Z^T relu(D_{N-2} ... relu(D_1 relu(W x))))`` with diagonal ``D_i``.

    Parameters
    ----------
    X, labels, loss, steps, record_every
        As in :func:`train_batch`.
    W0 : array_like (h, d) or DeepInitialization
        Input weights, or a whole initialization (then ``layers0`` and ``Z0`` are not given), e.g. from
        :func:`dynamics.groundtruth.initialization.deep_balanced_init`.
    layers0 : sequence of array_like (h,)
        The diagonals of ``D_1 ... D_{N-2}``.
    Z0 : array_like (h,)
    lr : float
        > 0.

    Returns
    -------
    DeepRun

    Examples
    --------
    >>> from dynamics.groundtruth.initialization import deep_balanced_init
    >>> init = deep_balanced_init(np.array([1.0, 0.0]), depth=3, u0=0.1)
    >>> run = train_deep(np.array([[1.0, 0.0]]), [1], init, lr=0.1, steps=20)
    >>> run.logits.shape, bool(run.logits[-1, 0] > 0.1)
    ((21, 1), True)
    """
    if isinstance(W0, DeepInitialization):
        if layers0 is not None or Z0 is not None:
            raise TypeError("train_deep takes either a DeepInitialization or W0, layers0 and Z0, not both")
        W0, layers0, Z0 = W0.W0, W0.layers0, W0.Z0
    elif layers0 is None or Z0 is None:
        raise TypeError("train_deep needs W0, layers0 and Z0 (or one DeepInitialization in place of W0)")
    loss = get_loss(loss)
    X, labels, lr = _check_common(X, labels, lr, steps, record_every, BINARY_LABELS)
    lr = _single_lr(lr)
    W, D, Z = _check_deep(W0, layers0, Z0, X.shape[1])
    W, D, Z = W.copy(), [d.copy() for d in D], Z.copy()
    recorder = _Recorder(steps, record_every, lr, [labels == k for k in BINARY_LABELS])
    recs = _descend(_DeepChain(X, labels, W, D, Z, loss, lr), recorder, steps, _full_batch(X.shape[0]))
    return DeepRun(t=recs["steps"] * lr, steps=recs["steps"], logits=recs["logits"], losses=recs["loss"],
                   W=W, layers=tuple(D), Z=Z, dead_step=recorder.dead_steps())


@_quiet_overflow
def train_softmax(X: ArrayLike, labels: ArrayLike, W0: ArrayLike, Z0: ArrayLike, *, lr: float, steps: int,
                  record_every: int = 1) -> SoftmaxRun:
    """GD on the mean cross-entropy of ``softmax(Z relu(W x))``.

    Parameters
    ----------
    X, steps, record_every
        As in :func:`train_batch`.
    labels : array_like (n,)
        0 .. C-1.
    W0 : array_like (h, d)
    Z0 : array_like (C, h)
    lr : float
        > 0.

    Returns
    -------
    SoftmaxRun

    Examples
    --------
    >>> run = train_softmax(np.eye(2), [0, 1], 0.1 * np.eye(2), 0.1 * np.eye(2), lr=1.0, steps=5)
    >>> run.logits.shape, bool(run.losses[-1] < run.losses[0])
    ((6, 2, 2), True)
    """
    Z = as_finite_array("Z0", Z0)
    if Z.ndim != 2 or 0 in Z.shape:
        raise ValueError(f"Z0 must be a (C, h) matrix of output weights (C classes, h units), got shape {Z.shape}")
    classes = Z.shape[0]
    X, labels, lr = _check_common(X, labels, lr, steps, record_every, tuple(range(classes)))
    lr = _single_lr(lr)
    W, Z = _check_softmax(W0, Z, X.shape[1])
    W, Z = W.copy(), Z.copy()
    W0 = W.copy()
    recorder = _Recorder(steps, record_every, lr, [labels == k for k in range(classes)])
    recs = _descend(_Softmax(X, labels, W, Z, lr), recorder, steps, _full_batch(X.shape[0]))
    return SoftmaxRun(t=recs["steps"] * lr, steps=recs["steps"], logits=recs["logits"], preactivations=recs["pre"],
                      Z_history=recs["Z"], losses=recs["loss"], W=W, Z=Z, W0=W0, dead_step=recorder.dead_steps())
