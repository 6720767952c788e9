"""The networks of the ground truth: one forward pass and one gradient each, written by hand in numpy.

Nothing here uses :mod:`derivations`.  Networks (the loss is the **mean** over the data):

- two-layer ``P(x) = o(Z^T relu(W x))``, one network (:func:`two_layer_logits`, :func:`two_layer_gradient`,
  :func:`class_gradients`) or K networks at once (:func:`batch_logits`, :func:`batch_gradient`);
- the diagonal deep chain ``o(Z^T relu(D_{N-2} ... relu(D_1 relu(W x))))`` (:func:`deep_logits`,
  :func:`deep_gradient`);
- the softmax network ``softmax(Z relu(W x))`` (:func:`softmax_logits`, :func:`softmax_gradient`,
  :func:`softmax_class_gradients`).

Each network has exactly one forward pass and one gradient (the private ``_*_forward`` / ``_*_backward``
functions).  The public functions validate their arguments and call them; so does the training core of
:mod:`dynamics.groundtruth.training`, so an experiment that needs a network's logits or gradients outside
training calls these functions instead of typing them again.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from numpy.typing import ArrayLike
from scipy.special import log_softmax, softmax

from .losses import NetworkLoss, get_loss
from ..validation import as_finite_array

__all__ = ["BINARY_LABELS", "two_layer_logits", "two_layer_gradient", "class_gradients", "batch_logits",
           "batch_gradient", "deep_logits", "deep_gradient", "softmax_logits", "softmax_gradient",
           "softmax_class_gradients"]

#: Labels of the two-class networks: class 1 has target sign +1, class 2 has -1.
BINARY_LABELS = (1, 2)


# ------------------------------------------------------------------------------------------- argument checks
def _check_inputs(X):
    X = as_finite_array("X", X)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must be a 2-d data matrix (n points >= 1, d features >= 1), got shape {X.shape}")
    return X


def _check_data(X, labels, allowed_labels):
    X = _check_inputs(X)
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
        raise ValueError(f"{names[1]} must have shape (h,) = ({W.shape[0]},), one output weight per unit, "
                         f"got {Z.shape}")
    return W, Z


def _check_batch(W0, Z0, d, names=("W0", "Z0")):
    """K networks' ``(W (K, h, d), Z (K, h))`` as finite arrays."""
    W, Z = as_finite_array(names[0], W0), as_finite_array(names[1], Z0)
    if W.ndim != 3 or W.shape[2] != d or W.shape[1] == 0:
        raise ValueError(f"{names[0]} must have shape (K, h, d={d}) with h >= 1, got {W.shape}")
    if Z.shape != W.shape[:2]:
        raise ValueError(f"{names[1]} must have shape (K, h) = {W.shape[:2]}, got {Z.shape}")
    return W, Z


def _check_deep(W0, layers0, Z0, d, names=("W0", "layers0", "Z0")):
    """A deep chain's ``(W (h, d), [D_i (h,)], Z (h,))`` as finite arrays."""
    W = as_finite_array(names[0], W0)
    if isinstance(layers0, np.ndarray) and layers0.ndim < 2:
        raise ValueError(f"{names[1]} must be a sequence of diagonal layers, each of shape (h,), got an array of "
                         f"shape {layers0.shape}")
    D = [as_finite_array(f"{names[1]}[{i}]", layer) for i, layer in enumerate(layers0)]
    Z = as_finite_array(names[2], Z0)
    h = W.shape[0] if W.ndim == 2 else -1
    if W.ndim != 2 or h == 0 or W.shape[1] != d or Z.shape != (h,) or any(layer.shape != (h,) for layer in D):
        raise ValueError(f"{names[0]} must be (h, d={d}) with h >= 1, each layer in {names[1]} and {names[2]} of "
                         f"shape (h,); got {names[0]} {W.shape}, {names[1]} {[layer.shape for layer in D]}, "
                         f"{names[2]} {Z.shape}")
    return W, D, Z


def _check_softmax(W0, Z0, d, names=("W0", "Z0")):
    W, Z = as_finite_array(names[0], W0), as_finite_array(names[1], Z0)
    if Z.ndim != 2 or 0 in Z.shape:
        raise ValueError(f"{names[1]} must be a (C, h) matrix of output weights (C classes, h units), "
                         f"got shape {Z.shape}")
    if W.ndim != 2 or W.shape[1] != d or Z.shape[1] != W.shape[0]:
        raise ValueError(f"{names[0]} must be (h, d={d}) and {names[1]} (C, h), got {W.shape} and {Z.shape}")
    return W, Z


def _signs(labels):
    """Target sign of each point: +1 for class 1, -1 for class 2."""
    return np.where(labels == BINARY_LABELS[0], 1.0, -1.0)


# ---------------------------------------------------------------------- networks: one forward and one gradient
# Each ``_*_backward`` returns the gradient of ``sum_i <g_i, logits_i>`` over the rows it is given, where ``g`` is
# dL/dlogits per point: the mean-loss gradient when ``g`` carries the 1/n, a class's share on that class's rows.
# The two-layer network has one forward pass and one gradient, written for K networks at once (runs first,
# (K, h, n)), as train_batch (hence train) trains them; one network is the K = 1 case, seen points first.
def _batch_forward(XT, W, Z):
    """K two-layer networks on ``XT = X^T`` (d, n): ``(pre (K, h, n), act (K, h, n), logits (K, n))``."""
    pre = W @ XT
    act = np.maximum(pre, 0.0)
    return pre, act, (Z[:, None, :] @ act)[:, 0, :]


def _batch_backward(X, pre, act, Z, g, rows):
    """``g`` (K, rows) holds dL/du on the rows ``rows`` of ``X``."""
    grad_Z = (act[:, :, rows] @ g[:, :, None])[:, :, 0]
    grad_W = ((pre[:, :, rows] > 0) * Z[:, :, None] * g[:, None, :]) @ X[rows]
    return grad_W, grad_Z


def _two_layer_forward(X, W, Z):
    """One two-layer network (the K = 1 case of :func:`_batch_forward`): ``(pre (1, h, n), act, logits (n,))``."""
    pre, act, u = _batch_forward(np.ascontiguousarray(X.T), W[None], Z[None])
    return pre, act, u[0]


def _two_layer_backward(X, pre, act, Z, g, rows=slice(None)):
    """One network's gradient (the K = 1 case of :func:`_batch_backward`); ``g`` holds dL/du on ``rows``."""
    grad_W, grad_Z = _batch_backward(X, pre, act, Z[None], g[None], rows)
    return grad_W[0], grad_Z[0]


def _deep_forward(X, W, layers, Z):
    """The deep chain: ``(pre-activations, activations, logits (n,))``, one (n, h) array per layer."""
    pres = [X @ W.T]
    acts = [np.maximum(pres[0], 0)]
    for d in layers:
        pres.append(acts[-1] * d)
        acts.append(np.maximum(pres[-1], 0))
    return pres, acts, acts[-1] @ Z


def _deep_backward(X, pres, acts, layers, Z, g):
    grad_Z = acts[-1].T @ g
    back = g[:, None] * Z[None, :] * (pres[-1] > 0)  # dL/d(pre-activation of the last layer)
    grads = [None] * len(layers)
    for i in range(len(layers) - 1, -1, -1):
        grads[i] = np.sum(back * acts[i], axis=0)
        back = back * layers[i] * (pres[i] > 0)
    return back.T @ X, tuple(grads), grad_Z


def _softmax_forward(X, W, Z):
    """The softmax network: ``(pre (n, h), act (n, h), logits (n, C))``."""
    pre = X @ W.T
    act = np.maximum(pre, 0)
    return pre, act, act @ Z.T


def _softmax_backward(X, pre, act, Z, g):
    """``g`` (n, C) holds dL/dlogits."""
    return ((g @ Z) * (pre > 0)).T @ X, g.T @ act


def _softmax_slopes(logits, onehot, n):
    """dL/dlogits of the mean cross-entropy: ``(softmax - onehot) / n``."""
    return (softmax(logits, axis=1) - onehot) / n


def _cross_entropy(logits, onehot):
    return -np.mean(np.sum(onehot * log_softmax(logits, axis=1), axis=1))


def two_layer_logits(X: ArrayLike, W: ArrayLike, Z: ArrayLike) -> np.ndarray:
    """Logits ``u(x) = Z^T relu(W x)`` of one two-layer network on every row of ``X``.

    Parameters
    ----------
    X : array_like (n, d)
        Inputs, one per row (any finite values, zero rows included).
    W : array_like (h, d)
        Input weights, one unit per row.
    Z : array_like (h,)
        Output weights.

    Returns
    -------
    ndarray (n,)
        Equal to the logits :func:`~dynamics.groundtruth.training.train` records for the same weights up to
        rounding (training evaluates the network in the runs-first layout of :func:`batch_logits`).

    Examples
    --------
    >>> two_layer_logits([[1.0, 0.0], [0.0, 2.0]], [[0.5, 0.0], [0.0, 1.0]], [2.0, -1.0]).tolist()
    [1.0, -2.0]
    """
    X = _check_inputs(X)
    W, Z = _check_two_layer(W, Z, X.shape[1], ("W", "Z"))
    return _two_layer_forward(X, W, Z)[2]


def _two_layer_slopes(X, labels, W, Z, loss):
    """Validated arguments, the forward pass and dL/du of the mean loss per point."""
    loss = get_loss(loss)
    X, labels = _check_data(X, labels, BINARY_LABELS)
    W, Z = _check_two_layer(W, Z, X.shape[1], ("W", "Z"))
    pre, act, u = _two_layer_forward(X, W, Z)
    sign = _signs(labels)
    _, slope = loss(sign * u)
    return X, labels, pre, act, Z, slope * sign / X.shape[0]


def two_layer_gradient(X: ArrayLike, labels: ArrayLike, W: ArrayLike, Z: ArrayLike, *,
                       loss: str | NetworkLoss = "bce") -> tuple:
    """Gradient ``(dL/dW, dL/dZ)`` of the mean loss of one two-layer network (the step :func:`train` takes).

    Parameters
    ----------
    X : array_like (n, d)
    labels : array_like (n,)
        1 or 2.
    W : array_like (h, d)
    Z : array_like (h,)
    loss : str or NetworkLoss
        A name in :data:`dynamics.groundtruth.losses.LOSSES` or the loss object itself.

    Returns
    -------
    (ndarray (h, d), ndarray (h,))

    Examples
    --------
    >>> dW, dZ = two_layer_gradient([[1.0, 0.0], [0.0, 1.0]], [1, 2], [[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
    >>> dW.tolist(), dZ.tolist()  # u = 0: slope -1/2 on class 1, +1/2 on class 2, halved by the mean
    ([[0.0, 0.0], [0.0, 0.0]], [-0.25, 0.25])
    """
    X, _, pre, act, Z, g = _two_layer_slopes(X, labels, W, Z, loss)
    return _two_layer_backward(X, pre, act, Z, g)


def class_gradients(X: ArrayLike, labels: ArrayLike, W: ArrayLike, Z: ArrayLike, *,
                    loss: str | NetworkLoss = "bce") -> dict:
    """Mean-loss gradients ``(dW, dZ)`` contributed by each class: ``{1: (dW, dZ), 2: (dW, dZ)}``.

    Their sum is :func:`two_layer_gradient` (up to rounding).  Under H1-H3, class k's gradient is exactly
    zero on the units that do not serve class k (Lemma 3.1).

    Parameters
    ----------
    X, labels, W, Z, loss
        As in :func:`two_layer_gradient`.

    Returns
    -------
    dict
        ``{k: (ndarray (h, d), ndarray (h,))}`` for k = 1, 2.

    Examples
    --------
    >>> grads = class_gradients([[1.0, 0.0], [0.0, 1.0]], [1, 2], [[1.0, 0.0], [0.0, 1.0]], [0.0, 0.0])
    >>> grads[1][1].tolist(), grads[2][1].tolist()
    ([-0.25, 0.0], [0.0, 0.25])
    """
    X, labels, pre, act, Z, g = _two_layer_slopes(X, labels, W, Z, loss)
    out = {}
    for k in BINARY_LABELS:
        sel = labels == k
        out[k] = _two_layer_backward(X, pre, act, Z, g[sel], np.flatnonzero(sel))
    return out


def batch_logits(X: ArrayLike, W: ArrayLike, Z: ArrayLike) -> np.ndarray:
    """Logits of K two-layer networks at once, as :func:`train_batch` computes them.

    Parameters
    ----------
    X : array_like (n, d)
    W : array_like (K, h, d)
    Z : array_like (K, h)

    Returns
    -------
    ndarray (K, n)
        Equal to :func:`two_layer_logits` of each network up to rounding.

    Examples
    --------
    >>> batch_logits([[1.0, 2.0]], [[[1.0, 0.0]], [[0.0, 1.0]]], [[1.0], [-1.0]]).tolist()
    [[1.0], [-2.0]]
    """
    X = _check_inputs(X)
    W, Z = _check_batch(W, Z, X.shape[1], ("W", "Z"))
    return _batch_forward(np.ascontiguousarray(X.T), W, Z)[2]


def batch_gradient(X: ArrayLike, labels: ArrayLike, W: ArrayLike, Z: ArrayLike, *,
                   loss: str | NetworkLoss = "bce") -> tuple:
    """Mean-loss gradients ``(dL/dW (K, h, d), dL/dZ (K, h))`` of K two-layer networks at once.

    Parameters
    ----------
    X, labels, loss
        As in :func:`two_layer_gradient`.
    W : array_like (K, h, d)
    Z : array_like (K, h)

    Returns
    -------
    (ndarray (K, h, d), ndarray (K, h))

    Examples
    --------
    >>> dW, dZ = batch_gradient([[1.0, 0.0], [0.0, 1.0]], [1, 2], [[[1.0, 0.0], [0.0, 1.0]]], [[0.0, 0.0]])
    >>> dZ.tolist()
    [[-0.25, 0.25]]
    """
    loss = get_loss(loss)
    X, labels = _check_data(X, labels, BINARY_LABELS)
    W, Z = _check_batch(W, Z, X.shape[1], ("W", "Z"))
    pre, act, u = _batch_forward(np.ascontiguousarray(X.T), W, Z)
    sign = _signs(labels)
    _, slope = loss(sign * u)
    return _batch_backward(X, pre, act, Z, slope * sign / X.shape[0], slice(None))


def deep_logits(X: ArrayLike, W: ArrayLike, layers: Sequence[ArrayLike], Z: ArrayLike) -> np.ndarray:
    """Logits ``Z^T relu(D_{N-2} ... relu(D_1 relu(W x)))`` of the diagonal deep chain on every row of ``X``.

    Parameters
    ----------
    X : array_like (n, d)
    W : array_like (h, d)
    layers : sequence of array_like (h,)
        The diagonals of ``D_1 ... D_{N-2}`` (N - 2 of them for depth N).
    Z : array_like (h,)

    Returns
    -------
    ndarray (n,)

    Examples
    --------
    >>> deep_logits([[2.0, 0.0]], [[0.5, 0.0]], [[3.0]], [0.5]).tolist()
    [1.5]
    """
    X = _check_inputs(X)
    W, D, Z = _check_deep(W, layers, Z, X.shape[1], ("W", "layers", "Z"))
    return _deep_forward(X, W, D, Z)[2]


def deep_gradient(X: ArrayLike, labels: ArrayLike, W: ArrayLike, layers: Sequence[ArrayLike], Z: ArrayLike, *,
                  loss: str | NetworkLoss = "bce") -> tuple:
    """Mean-loss gradient ``(dL/dW, (dL/dD_1, ...), dL/dZ)`` of the diagonal deep chain.

    Parameters
    ----------
    X, labels, loss
        As in :func:`two_layer_gradient`.
    W, layers, Z
        As in :func:`deep_logits`.

    Returns
    -------
    (ndarray (h, d), tuple of ndarray (h,), ndarray (h,))

    Examples
    --------
    >>> dW, dD, dZ = deep_gradient([[1.0]], [1], [[1.0]], [[1.0]], [1.0], loss="squared")
    >>> dW.tolist(), [d.tolist() for d in dD], dZ.tolist()  # u = 1 is the squared loss's minimum
    ([[0.0]], [[0.0]], [0.0])
    """
    loss = get_loss(loss)
    X, labels = _check_data(X, labels, BINARY_LABELS)
    W, D, Z = _check_deep(W, layers, Z, X.shape[1], ("W", "layers", "Z"))
    pres, acts, u = _deep_forward(X, W, D, Z)
    sign = _signs(labels)
    _, slope = loss(sign * u)
    return _deep_backward(X, pres, acts, D, Z, slope * sign / X.shape[0])


def softmax_logits(X: ArrayLike, W: ArrayLike, Z: ArrayLike) -> np.ndarray:
    """Logits ``Z relu(W x)`` of the softmax network on every row of ``X`` (before the softmax).

    Parameters
    ----------
    X : array_like (n, d)
    W : array_like (h, d)
    Z : array_like (C, h)

    Returns
    -------
    ndarray (n, C)

    Examples
    --------
    >>> softmax_logits([[1.0, 0.0]], [[2.0, 0.0]], [[1.0], [-1.0]]).tolist()
    [[2.0, -2.0]]
    """
    X = _check_inputs(X)
    W, Z = _check_softmax(W, Z, X.shape[1], ("W", "Z"))
    return _softmax_forward(X, W, Z)[2]


def _softmax_slopes_of(X, labels, W, Z):
    Z = as_finite_array("Z", Z)
    if Z.ndim != 2 or 0 in Z.shape:
        raise ValueError(f"Z must be a (C, h) matrix of output weights (C classes, h units), got shape {Z.shape}")
    X, labels = _check_data(X, labels, tuple(range(Z.shape[0])))
    W, Z = _check_softmax(W, Z, X.shape[1], ("W", "Z"))
    pre, act, logits = _softmax_forward(X, W, Z)
    return X, labels, pre, act, Z, _softmax_slopes(logits, np.eye(Z.shape[0])[labels], X.shape[0])


def softmax_gradient(X: ArrayLike, labels: ArrayLike, W: ArrayLike, Z: ArrayLike) -> tuple:
    """Gradient ``(dL/dW (h, d), dL/dZ (C, h))`` of the mean cross-entropy of the softmax network.

    Parameters
    ----------
    X : array_like (n, d)
    labels : array_like (n,)
        0 .. C-1.
    W : array_like (h, d)
    Z : array_like (C, h)

    Returns
    -------
    (ndarray (h, d), ndarray (C, h))

    Examples
    --------
    >>> dW, dZ = softmax_gradient([[1.0]], [0], [[1.0]], [[0.0], [0.0]])
    >>> dZ.tolist()  # equal logits: softmax (1/2, 1/2) against the target (1, 0)
    [[-0.5], [0.5]]
    """
    X, _, pre, act, Z, g = _softmax_slopes_of(X, labels, W, Z)
    return _softmax_backward(X, pre, act, Z, g)


def softmax_class_gradients(X: ArrayLike, labels: ArrayLike, W: ArrayLike, Z: ArrayLike) -> dict:
    """Mean cross-entropy gradients ``(dW, dZ)`` contributed by each class: ``{k: (dW, dZ)}``, k = 0 .. C-1.

    Their sum is :func:`softmax_gradient` (up to rounding).  Under H4-H6, class k's gradient is exactly zero
    on every row of W but row k (Lemma A.1).

    Parameters
    ----------
    X, labels, W, Z
        As in :func:`softmax_gradient`.

    Returns
    -------
    dict
        ``{k: (ndarray (h, d), ndarray (C, h))}`` for every class k.

    Examples
    --------
    >>> grads = softmax_class_gradients([[1.0, 0.0], [0.0, 1.0]], [0, 1], [[1.0, 0.0], [0.0, 1.0]],
    ...                                 [[1.0, -1.0], [-1.0, 1.0]])
    >>> grads[0][0][1].tolist(), grads[1][0][0].tolist()  # class 0 leaves row 1 of W alone, and vice versa
    ([0.0, 0.0], [0.0, 0.0])
    """
    X, labels, pre, act, Z, g = _softmax_slopes_of(X, labels, W, Z)
    out = {}
    for k in range(Z.shape[0]):
        sel = labels == k
        out[k] = _softmax_backward(X[sel], pre[sel], act[sel], Z, g[sel])
    return out
