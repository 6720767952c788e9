"""Minibatch SGD predicted: the mean and the variance of every mode's logit over time (linear-noise approximation).

Under H1-H3 a minibatch step moves each class's mode by ``eta f(state; shares)``, the derived flow at the
batch's *shares* (how much of class 1, or of each point, the batch holds; :mod:`derivations.minibatch`).  The
flow is affine in the shares (a proven claim), so given the state a step's mean is exactly the gradient-descent
map and its covariance exactly ``eta^2 B Q B^T`` (``B = df/dshares``, ``Q`` the shares' covariance, derived
from the sampling with or without replacement).  Around the deterministic map ``mu_{k+1} = mu_k + eta f(mu_k)``
the fluctuation obeys, to first order,

``C_{k+1} = A_k C_k A_k^T + eta^2 B_k Q B_k^T``, ``A_k = I + eta J_f(mu_k)``,

and the first term the linearisation leaves out, the mean's drift away from the map,

``delta_{k+1} = A_k delta_k + (eta / 2) sum_ij H_f[:, i, j](mu_k) C_k[i, j]``

is propagated too: it is the prediction's own bias estimate (:attr:`SgdMoments.logit_bias`).  A logit
``u(state)`` has mean ``u(mu)`` (+ ``grad u . delta + tr(H_u C) / 2`` at the next order) and variance
``grad u^T C grad u``.  Every derivative is derived with sympy and compiled.

Assumptions (where it fails): H1-H3 hold and every SGD path keeps the activation pattern and Lemma 3.1's signs
(no unit dies, no logit reaches a hinge's margin: the flow is smooth along the paths); a fresh batch is drawn
at every step, independently of the past (no epochs); the fluctuations are small against the scale on which
``f`` bends (``eta / b`` small; the relative spread of a logit is ``O(sqrt(eta / b))``), so that the state is
close to Gaussian around the map.  It fails for a large ``eta / b`` (the bias ``delta`` grows like the
variance), near a dying unit or a margin (non-smooth), and along a direction the map amplifies over long times.
"""
from __future__ import annotations

import numbers
from dataclasses import dataclass
from functools import lru_cache
from types import MappingProxyType
from typing import Mapping, Sequence

import numpy as np
from numpy.typing import ArrayLike

from derivations import ModeModel, Named
from derivations.minibatch import BATCH, GROUP, OTHER_GROUP, POPULATION, minibatch_step, share_moments

from .compiled import MODEL_CACHE_SIZE, compile_expr, margin_sign
from .mode_map import MAX_STEPS, _parameters
from ..validation import as_finite_array, require_positive

__all__ = ["SgdMoments", "sgd_moments", "share_covariance", "BAND_WIDTH"]

#: Half-width of the band, in predicted standard deviations: a Gaussian puts 95.4% of the runs inside +-2 sigma.
BAND_WIDTH = 2.0


@dataclass(frozen=True)
class SgdMoments:
    """The linear-noise prediction of minibatch SGD on the modes of a model.

    Attributes
    ----------
    t : ndarray (R,)
        Flow time ``lr * step`` of each record.
    steps : ndarray (R,)
    mean : ndarray (R, K, S)
        The deterministic map (the gradient-descent iterates), the LNA's mean state.
    covariance : ndarray (R, K, S, S)
        The state's covariance ``C``.
    bias : ndarray (R, K, S)
        ``delta``, the mean's second-order drift away from the map (the LNA's bias estimate).
    logits : Named[str, ndarray (R, K)]
        Each logit at the mean state.
    logit_std : Mapping[str, ndarray (R, K)]
        Each logit's predicted standard deviation over runs.
    logit_bias : Mapping[str, ndarray (R, K)]
        Each logit's second-order mean correction ``grad u . delta + tr(H_u C) / 2``: the ensemble mean is
        predicted at ``logits + logit_bias``, and ``|logit_bias|`` is the size of what the LNA's mean neglects.
    lr : float
    batch_size : int
    dataset_size : int
    replace : bool
    """

    t: np.ndarray
    steps: np.ndarray
    mean: np.ndarray
    covariance: np.ndarray
    bias: np.ndarray
    logits: Mapping
    logit_std: Mapping
    logit_bias: Mapping
    lr: float
    batch_size: int
    dataset_size: int
    replace: bool

    def band(self, name: str, width: float = BAND_WIDTH) -> tuple:
        """``(low, high)``: the logit ``name``'s mean (with its bias correction) +- ``width`` standard deviations.

        Parameters
        ----------
        name : str
            A logit identifier (``"class_1"``).
        width : float
            Half-width in standard deviations, > 0.

        Returns
        -------
        (ndarray (R, K), ndarray (R, K))
        """
        if name not in self.logit_std:
            raise ValueError(f"name must be a logit identifier of the model, one of {sorted(self.logit_std)}, "
                             f"got {name!r}")
        width = float(require_positive("width", width))
        centre = self.logits[name] + self.logit_bias[name]
        return centre - width * self.logit_std[name], centre + width * self.logit_std[name]


def _integer(name: str, value, minimum: int, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= {minimum}, got {value!r} ({type(value).__name__})")
    if value < minimum or (maximum is not None and value > maximum):
        bound = f">= {minimum}" if maximum is None else f"in [{minimum}, {maximum}]"
        raise ValueError(f"{name} must be an integer {bound}, got {value}")
    return int(value)


@lru_cache(maxsize=4)
def _compiled_moments(replace: bool) -> tuple:
    m = share_moments(replace)
    args = (GROUP, OTHER_GROUP, POPULATION, BATCH)
    return (compile_expr(m.mean, args), compile_expr(m.variance, args), compile_expr(m.covariance, args))


def share_covariance(groups: Sequence[int], *, dataset_size: int, batch_size: int, replace: bool = True) -> tuple:
    """Mean and covariance of the shares of disjoint groups of points in a batch (from the derived moments).

    Parameters
    ----------
    groups : sequence of int
        Sizes of disjoint groups of points (each >= 1, summing to at most ``dataset_size``).
    dataset_size : int
        N, the points the batch is drawn from, >= 1.
    batch_size : int
        b >= 1 (at most N without replacement).
    replace : bool
        The sampling scheme (see :func:`derivations.minibatch.share_moments`).

    Returns
    -------
    (ndarray (P,), ndarray (P, P))
        ``E[shares]`` and ``Cov(shares)``.

    Raises
    ------
    TypeError, ValueError
        For sizes that are not integers or out of range (the message names the parameter).

    Examples
    --------
    >>> mean, cov = share_covariance([3], dataset_size=10, batch_size=4)
    >>> float(mean[0]), round(float(cov[0, 0]), 12)  # p (1 - p) / b
    (0.3, 0.0525)
    """
    if not isinstance(replace, bool):
        raise TypeError(f"replace must be a bool, got {replace!r} ({type(replace).__name__})")
    N = _integer("dataset_size", dataset_size, 1)
    b = _integer("batch_size", batch_size, 1, None if replace else N)
    sizes = [_integer(f"groups[{j}]", m, 1, N) for j, m in enumerate(groups)]
    if sum(sizes) > N:
        raise ValueError(f"groups must be disjoint groups of the dataset: their sizes sum to {sum(sizes)} > "
                         f"dataset_size = {N}")
    mean_f, var_f, cov_f = _compiled_moments(replace)
    P = len(sizes)
    mean = np.array([float(mean_f(m, 1, N, b)) for m in sizes])
    cov = np.empty((P, P))
    for j, mj in enumerate(sizes):
        for k, mk in enumerate(sizes):
            cov[j, k] = float(var_f(mj, 1, N, b)) if j == k else float(cov_f(mj, mk, N, b))
    return mean, cov


@lru_cache(maxsize=MODEL_CACHE_SIZE)
def _compiled_step(model: ModeModel, shares: tuple) -> dict:
    step = minibatch_step(model, shares)
    rest = tuple(q for q in model.parameters if q not in shares)
    args = tuple(model.state) + rest + tuple(shares)
    S = len(model.state)

    def grid(matrix, rows, cols):
        return [[compile_expr(matrix[i, j], args) for j in range(cols)] for i in range(rows)]

    return {
        "args": args, "rest": rest,
        "drift": [compile_expr(step.drift[i], args) for i in range(S)],
        "jacobian": grid(step.jacobian, S, S),
        "gain": grid(step.noise_gain, S, len(shares)),
        "hessians": [grid(h, S, S) for h in step.hessians],
        "logits": {k: compile_expr(v, args) for k, v in model.logits.items()},
        "logit_grad": {k: [compile_expr(g[i], args) for i in range(S)] for k, g in step.logit_gradients.items()},
        "logit_hess": {k: grid(h, S, S) for k, h in step.logit_hessians.items()},
    }


def _evaluate(fns, values, K):
    """Evaluate nested lists of compiled functions at ``values``, as an array with K last."""
    if callable(fns):
        return np.broadcast_to(np.asarray(fns(*values), dtype=float), (K,))
    return np.stack([_evaluate(f, values, K) for f in fns])


def sgd_moments(model: ModeModel, initial: ArrayLike, *, lr: float, batch_size: int, dataset_size: int,
                groups: Mapping, steps: int, parameters: Mapping, replace: bool = True,
                record_every: int = 1) -> SgdMoments:
    """Predict the mean and the covariance of a model's modes (and logits) under minibatch SGD.

    Parameters
    ----------
    model : derivations.ModeModel
        Its flow weights the data by shares (:func:`derivations.minibatch.default_shares`: ``p`` for
        :func:`~derivations.two_layer`, :func:`~derivations.deep`, ...; ``p_k`` for
        :func:`~derivations.multiclass`; ``q_i`` for :func:`~derivations.class_mode`).
    initial : array_like, shape (S,) or (K, S)
        Initial mode coordinates (K modes predicted at once), in the order of ``model.state``.
    lr : float
        Learning rate, finite and > 0.
    batch_size : int
        b, points per step, >= 1 (at most ``dataset_size`` without replacement).
    dataset_size : int
        N, the points of the dataset (both classes), >= 1.
    groups : Mapping
        For every share of the model (:func:`derivations.minibatch.default_shares`), by name, the number of
        points of the dataset it counts: class 1's size for ``p``, point ``i``'s copies (usually 1) for
        ``q_i``.  The groups are disjoint; the share's mean ``m / N`` is the value the model's parameter takes
        (full-batch gradient descent on the mean loss).
    steps : int
        SGD steps, in [1, MAX_STEPS].
    parameters : Mapping
        Every other parameter of ``model`` by name (scalar or one per mode), as
        :func:`~dynamics.theory.mode_map.iterate_mode_map` takes them.
    replace : bool
        True: each batch is b independent uniform draws (as :func:`dynamics.train_batch` samples); False: b
        distinct points.  A fresh batch every step in both.
    record_every : int
        Record every this many steps (the last step is always recorded).

    Returns
    -------
    SgdMoments

    Raises
    ------
    TypeError
        ``model`` not a ModeModel; a count not an integer; ``replace`` not a bool.
    ValueError
        Out-of-range numbers; ``groups`` not naming exactly the shares; a share passed in ``parameters``; the
        mean path leaving the assumptions (a rectified coordinate reaching 0, a logit reaching a hinge's
        margin) or overflowing.

    Examples
    --------
    >>> import derivations
    >>> pred = sgd_moments(derivations.two_layer("hinge"), [0.3, 0.3, 0.3, -0.3], lr=0.1, batch_size=2,
    ...                    dataset_size=4, groups={"p": 2}, steps=1, parameters={"n_1": 1.0, "n_2": 1.0})
    >>> # (lr grad u . df/dp)^2 Var(p): grad u = (z, y) = (0.315, 0.315) after the step, df/dp = (z, y) = 0.3 before
    >>> round(float(pred.logit_std["class_1"][-1, 0] ** 2), 12), (0.1 * 2 * 0.315 * 0.3) ** 2 * 0.5 * 0.5 / 2
    (4.465125e-05, 4.465125e-05)
    """
    import derivations

    if not isinstance(model, derivations.ModeModel):
        raise TypeError(f"model must be a derivations.ModeModel (e.g. derivations.two_layer()), "
                        f"got {type(model).__name__}")
    lr = float(require_positive("lr", lr))
    steps = _integer("steps", steps, 1, MAX_STEPS)
    record_every = _integer("record_every", record_every, 1, MAX_STEPS)
    shares = minibatch_step(model).shares  # refuses a model without shares, naming why
    if not isinstance(groups, Mapping):
        raise TypeError(f"groups must be a mapping from share name to group size, got {type(groups).__name__}")
    names = [str(s) for s in shares]
    sizes = {str(k): v for k, v in groups.items()}
    if sorted(sizes) != sorted(names) or len(sizes) != len(groups):
        raise ValueError(f"groups must give the size of the group of every share of {model.name}, {names}; "
                         f"got {sorted(map(str, groups))}")
    if not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a mapping from parameter name to value, got {type(parameters).__name__}")
    given = sorted(set(map(str, parameters)) & set(names))
    if given:
        raise ValueError(f"parameters must not fix the shares {given}: a batch sets them (give groups instead)")
    share_mean, Q = share_covariance([sizes[n] for n in names], dataset_size=dataset_size, batch_size=batch_size,
                                     replace=replace)
    x = as_finite_array("initial", initial)
    x = x[None] if x.ndim == 1 else x
    S = len(model.state)
    if x.ndim != 2 or x.shape[1] != S:
        raise ValueError(f"initial must have shape ({S},) or (K, {S}) for state {model.state}, got {np.shape(initial)}")
    K = x.shape[0]
    full = dict(parameters)
    full.update({n: share_mean[j] for j, n in enumerate(names)})
    fns = _compiled_step(model, shares)
    params = [v for sym, v in zip(model.parameters, _parameters(model, full, K)) if sym not in shares]
    share_values = [np.broadcast_to(share_mean[j], (K,)) for j in range(len(names))]
    rect = [model.state.index(s) for s in model.rectified]
    stop = model.loss.stop_margin
    mu = x.T.copy()  # (S, K)
    C = np.zeros((K, S, S))
    delta = np.zeros((S, K))
    eye = np.eye(S)
    recs = {"mean": [], "C": [], "delta": []}
    rec_steps = []
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(steps + 1):
            if step % record_every == 0 or step == steps:
                rec_steps.append(step)
                recs["mean"].append(mu.T.copy())
                recs["C"].append(C.copy())
                recs["delta"].append(delta.T.copy())
            if step == steps:
                break
            _check_path(model, mu, rect, stop, params, step, fns)
            values = (*mu, *params, *share_values)
            f = _evaluate(fns["drift"], values, K)                          # (S, K)
            A = eye + lr * np.moveaxis(_evaluate(fns["jacobian"], values, K), -1, 0)  # (K, S, S)
            B = np.moveaxis(_evaluate(fns["gain"], values, K), -1, 0)       # (K, S, P)
            H = np.moveaxis(_evaluate(fns["hessians"], values, K), -1, 0)   # (K, S, S, S)
            delta = np.einsum("kab,bk->ak", A, delta) + 0.5 * lr * np.einsum("kaij,kij->ak", H, C)
            C = A @ C @ np.swapaxes(A, 1, 2) + lr**2 * B @ Q @ np.swapaxes(B, 1, 2)
            mu = mu + lr * f
            if not (np.all(np.isfinite(mu)) and np.all(np.isfinite(C))):
                raise ValueError(f"lr={lr!r} is too large: the mean map or its covariance overflowed float64 at "
                                 f"step {step + 1}; use a smaller lr")
    mean, cov, bias = np.array(recs["mean"]), np.array(recs["C"]), np.array(recs["delta"])
    logits, stds, biases = {}, {}, {}
    states = np.moveaxis(mean, -1, 0)  # (S, R, K)
    R = mean.shape[0]
    flat = [s.reshape(-1) for s in states]
    pflat = [np.broadcast_to(p, (R, K)).reshape(-1) for p in params]
    sflat = [np.broadcast_to(s, (R, K)).reshape(-1) for s in share_values]
    values = (*flat, *pflat, *sflat)
    Cf = cov.reshape(R * K, S, S)
    for name in model.logits:
        u = _evaluate(fns["logits"][name], values, R * K)
        g = _evaluate(fns["logit_grad"][name], values, R * K).T  # (RK, S)
        Hu = np.moveaxis(_evaluate(fns["logit_hess"][name], values, R * K), -1, 0)
        variance = np.einsum("ka,kab,kb->k", g, Cf, g)
        logits[name] = u.reshape(R, K).copy()
        stds[name] = np.sqrt(np.maximum(variance, 0.0)).reshape(R, K)
        biases[name] = (np.einsum("ka,ka->k", g, bias.reshape(R * K, S))
                        + 0.5 * np.einsum("kij,kij->k", Hu, Cf)).reshape(R, K)
    rec_steps = np.array(rec_steps)
    labels = model.logits.labels
    return SgdMoments(t=rec_steps * lr, steps=rec_steps, mean=mean, covariance=cov, bias=bias,
                      logits=Named("logit", ((k, labels[k], v) for k, v in logits.items())),
                      logit_std=MappingProxyType(stds), logit_bias=MappingProxyType(biases), lr=lr,
                      batch_size=int(batch_size), dataset_size=int(dataset_size), replace=replace)


def _check_path(model, mu, rect, stop, params, step, fns):
    """Refuse a mean path that leaves the assumptions: a dead unit, or a logit at a hinge's margin."""
    for r in rect:
        if np.any(mu[r] <= 0):
            raise ValueError(f"at step {step} the mean path has {model.state[r]} <= 0 (a unit dies): the "
                             "linear-noise approximation assumes the activation pattern is kept; use a smaller lr")
    if stop is None:
        return
    K = mu.shape[1]
    values = (*mu, *params, *([np.zeros(K)] * (len(fns["args"]) - len(mu) - len(params))))
    for name in model.logits:
        sign = margin_sign(model, name)
        if sign and np.any(sign * _evaluate(fns["logits"][name], values, K) >= float(stop)):
            raise ValueError(f"at step {step} the mean logit {name!r} reached the margin {stop}: the "
                             "linear-noise approximation holds inside the margin only; predict fewer steps")
