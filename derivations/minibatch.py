"""Minibatch SGD in mode coordinates: what a minibatch changes, its mean and its covariance.

Under H1-H3 (Lemma 3.1, which holds step by step for SGD as for GD) a minibatch step on the real network moves
each class's mode exactly as a gradient-descent step would on the objective ``sum_i (c_i / b) l_i``, where
``c_i`` is how many times point ``i`` is in the batch of ``b`` points: a minibatch changes only the *shares*
of the data a step sees, the parameters of a :class:`~derivations.ModeModel` that weight the points (the class
frequency ``p`` of :func:`~derivations.two_layer` and :func:`~derivations.deep`, the point weights ``q_i`` of
:func:`~derivations.class_mode`).  A share is the fraction of the batch drawn from a *group* of ``m`` points
out of the ``N`` of the dataset (class 1 for ``p``; point ``i``, or its ``m`` copies, for ``q_i``).

This module derives, with sympy,

* the moments of the shares (:func:`share_moments`) from the sampling itself: each of the ``b`` draws is
  uniform over the ``N`` points, independently (with replacement: multinomial counts) or without repetition
  (without replacement: multivariate hypergeometric counts); the mean of a share is ``m / N`` in both
  schemes and the covariance picks up the finite-population factor ``(N - b) / (N - 1)`` without replacement;
* one step as a function of the shares (:func:`minibatch_step`): the flow is *affine* in the shares (a
  claim), so the mean step is exactly the gradient-descent map :meth:`~derivations.ModeModel.discrete_map`
  at the mean shares, and the step's covariance is exactly ``eta^2 B Q B^T`` with ``B = df/dshares`` and
  ``Q`` the shares' covariance; with the state Jacobian ``J = df/dstate`` and the state Hessians it gives
  what the linear-noise approximation of :mod:`dynamics.theory.sgd` propagates.

Examples
--------
>>> m = share_moments(replace=True)
>>> sp.simplify(m.variance - GROUP * (POPULATION - GROUP) / (POPULATION**2 * BATCH))
0
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import sympy as sp

from .claims import identity
from .model import ModeModel

__all__ = ["ShareMoments", "MinibatchStep", "share_moments", "minibatch_step", "default_shares", "BATCH",
           "POPULATION", "GROUP", "OTHER_GROUP", "SHARED_WEIGHT", "SHARE_NAMES"]

#: Batch size ``b``: points per step.
BATCH = sp.Symbol("b", positive=True, integer=True)
#: Dataset size ``N``: points the batch is drawn from.
POPULATION = sp.Symbol("N", positive=True, integer=True)
#: Size ``m`` of the group of points a share counts (class 1 for ``p``; one point, or its copies, for ``q_i``).
GROUP = sp.Symbol("m", positive=True, integer=True)
#: Size ``m'`` of another, disjoint group.
OTHER_GROUP = sp.Symbol("m'", positive=True, integer=True)


@dataclass(frozen=True)
class ShareMoments:
    """Mean and covariance of the share ``C / b`` of a batch drawn from groups of ``m`` (and ``m'``) points.

    Attributes
    ----------
    replace : bool
        True: the ``b`` draws are independent (with replacement); False: no point is drawn twice.
    mean : sympy.Expr
        ``E[C / b]`` for a group of :data:`GROUP` points (``m / N`` in both schemes).
    variance : sympy.Expr
        ``Var(C / b)``.
    covariance : sympy.Expr
        ``Cov(C / b, C' / b)`` for two disjoint groups of :data:`GROUP` and :data:`OTHER_GROUP` points.
    claims : tuple of Claim
        The closed forms (``variance = m (N - m) / (N^2 b)`` times the finite-population factor
        ``(N - b)/(N - 1)`` without replacement, and ``covariance = -m m' / (N^2 b)`` times the same factor).
    """

    replace: bool
    mean: sp.Expr
    variance: sp.Expr
    covariance: sp.Expr
    claims: tuple


def _pair_probability(first: sp.Expr, second: sp.Expr, same: bool, replace: bool) -> sp.Expr:
    """P(draw k lands in a group of ``first`` points and draw k' != k in one of ``second``); ``same``: one group."""
    if replace:  # two independent uniform draws
        return first * second / POPULATION**2
    # the second draw is uniform over the N - 1 points the first did not take
    return first * (second - (1 if same else 0)) / (POPULATION * (POPULATION - 1))


@lru_cache(maxsize=2)
def share_moments(replace: bool = True) -> ShareMoments:
    """Derive the moments of a batch's shares from the sampling scheme.

    The count of a group is ``C = sum_k 1[draw k in the group]`` over the ``b`` draws; every draw alone is
    uniform over the ``N`` points, so ``E[1[draw k in group]] = m / N``.  The second moment sums the ``b``
    diagonal terms (one draw) and the ``b (b - 1)`` ordered pairs of distinct draws, whose joint probability
    is that of two independent draws (with replacement) or of two draws without repetition.

    Parameters
    ----------
    replace : bool
        The sampling scheme: True with replacement (the batch is ``b`` independent uniform draws, as
        :func:`dynamics.groundtruth.training.train_batch` samples), False without (``b`` distinct points,
        ``b <= N``).

    Returns
    -------
    ShareMoments
        In the symbols :data:`BATCH`, :data:`POPULATION`, :data:`GROUP`, :data:`OTHER_GROUP`.

    Raises
    ------
    TypeError
        If ``replace`` is not a bool.

    Examples
    --------
    >>> share_moments(replace=False).variance
    m*(-N + b)*(-N + m)/(N**2*b*(N - 1))
    """
    if not isinstance(replace, bool):
        raise TypeError(f"replace must be a bool, got {replace!r} ({type(replace).__name__})")
    b, N, m, m2 = BATCH, POPULATION, GROUP, OTHER_GROUP
    single = m / N
    mean_count = b * single
    second_same = b * single + b * (b - 1) * _pair_probability(m, m, True, replace)
    second_cross = b * 0 + b * (b - 1) * _pair_probability(m, m2, False, replace)  # one draw cannot be in both
    variance = sp.factor(sp.simplify((second_same - mean_count**2) / b**2))
    covariance = sp.factor(sp.simplify((second_cross - mean_count * b * m2 / N) / b**2))
    mean = sp.simplify(mean_count / b)
    factor = sp.Integer(1) if replace else (N - b) / (N - 1)
    scheme = "with" if replace else "without"
    claims = (
        identity(f"share mean {scheme} replacement is m/N", mean - m / N),
        identity(f"share variance {scheme} replacement is m (N - m)/(N^2 b)"
                 + ("" if replace else " times (N - b)/(N - 1)"), variance - m * (N - m) / (N**2 * b) * factor),
        identity(f"share covariance {scheme} replacement is -m m'/(N^2 b)"
                 + ("" if replace else " times (N - b)/(N - 1)"), covariance + m * m2 / (N**2 * b) * factor),
        identity(f"shares {scheme} replacement sum to 1: a full partition has no variance",
                 (variance + covariance).subs(m2, N - m)),
    )
    return ShareMoments(replace=replace, mean=mean, variance=variance, covariance=covariance, claims=claims)


#: Models whose one weight parameter weights several points alike, so that no single share can stand for a
#: batch: the model to use instead.  ``orthogonal_points``' ``p`` weights each of its points (a batch gives each
#: point its own share); :func:`~derivations.class_mode` has one weight ``q_i`` per point.
SHARED_WEIGHT = {"orthogonal_points": "derivations.class_mode(1, points) (one weight q_i per point)"}
#: Names of the share parameters, in the order they are looked for: a class frequency ``p``, the class
#: frequencies ``p_k`` of :func:`~derivations.multiclass`, the share ``lambda`` of the points with the second
#: feature in :func:`~derivations.starvation` (a one-class dataset), the point weights ``q_i``.
SHARE_NAMES = (r"p", r"p_\d+", r"lambda", r"q_\d+")


def default_shares(model: ModeModel) -> tuple:
    """The parameters of ``model`` a minibatch changes: its class frequencies or its point weights.

    Parameters
    ----------
    model : derivations.ModeModel

    Returns
    -------
    tuple of sympy.Symbol
        The parameters matching the first pattern of :data:`SHARE_NAMES` that any parameter matches: ``(p,)``
        (two-layer, deep, wide, shared-neuron models: class 1's share, class 2 has ``1 - p``), the ``p_k``
        (multiclass), ``(lambda,)`` (starvation), the ``q_i`` (:func:`~derivations.class_mode`,
        :func:`~derivations.data_flow`); ``()`` when none does, or for a model of :data:`SHARED_WEIGHT`.

    Examples
    --------
    >>> from derivations import class_mode, multiclass, two_layer
    >>> default_shares(two_layer()), default_shares(class_mode(1, 2)), default_shares(multiclass(2))
    ((p,), (q_1, q_2), (p_1, p_2))
    """
    if model.name in SHARED_WEIGHT:
        return ()
    for pattern in SHARE_NAMES:
        found = tuple(s for s in model.parameters if re.fullmatch(pattern, str(s)))
        if found:
            return found
    return ()


@dataclass(frozen=True)
class MinibatchStep:
    """One minibatch step of a model, ``state + eta f(state; shares)``, and what its moments need.

    Attributes
    ----------
    model : ModeModel
    shares : tuple of sympy.Symbol
        The parameters a batch changes (their values are the batch's shares).
    drift : sympy.Matrix (S, 1)
        ``f``, the flow (at symbolic shares).
    jacobian : sympy.Matrix (S, S)
        ``df/dstate`` (at symbolic shares: substitute the mean shares for the mean step's Jacobian).
    noise_gain : sympy.Matrix (S, P)
        ``B = df/dshares``: a step moves by ``eta B (shares - mean shares)`` more than its mean.
    hessians : tuple of sympy.Matrix (S, S)
        ``d^2 f_a / dstate^2`` for each coordinate ``a``: the mean's second-order correction.
    logit_gradients : dict of str to sympy.Matrix (S, 1)
        Each logit's gradient in the state.
    logit_hessians : dict of str to sympy.Matrix (S, S)
        Each logit's Hessian in the state.
    claims : tuple of Claim
        The flow is affine in the shares (so the mean step is the map at the mean shares and ``B`` does not
        depend on them).
    """

    model: ModeModel
    shares: tuple
    drift: sp.Matrix
    jacobian: sp.Matrix
    noise_gain: sp.Matrix
    hessians: tuple
    logit_gradients: dict
    logit_hessians: dict
    claims: tuple

    def mean_step(self, step: sp.Expr) -> sp.Matrix:
        """The step's mean over batches, ``state + step f(state; shares)`` read at the mean shares.

        The flow is affine in the shares (:attr:`claims`), so averaging over batches only replaces each share by
        its mean: this is :meth:`ModeModel.discrete_map` (gradient descent) with the shares at their means.

        Parameters
        ----------
        step : sympy.Expr
            The learning rate.

        Returns
        -------
        sympy.Matrix (S, 1)
            In the shares' symbols: substitute their means (``m / N``) for the full-batch map.
        """
        return sp.Matrix(self.model.state) + step * self.drift

    def covariance(self, step: sp.Expr, shares_covariance: sp.Matrix) -> sp.Matrix:
        """The step's covariance over batches from a state, ``step^2 B Q B^T``.

        Parameters
        ----------
        step : sympy.Expr
            The learning rate.
        shares_covariance : sympy.Matrix (P, P)
            ``Q``, the covariance of :attr:`shares` (from :func:`share_moments`).

        Returns
        -------
        sympy.Matrix (S, S)

        Examples
        --------
        >>> from derivations import two_layer
        >>> s = minibatch_step(two_layer("hinge"))
        >>> q = sp.Symbol("Q", positive=True)
        >>> s.covariance(sp.Symbol("eta"), sp.Matrix([[q]]))[0, 1]
        Q*eta**2*n_1**2*y_1*z_1
        """
        return step**2 * self.noise_gain * sp.Matrix(shares_covariance) * self.noise_gain.T


@lru_cache(maxsize=64)
def _minibatch_step(model: ModeModel, shares: tuple) -> MinibatchStep:
    state = sp.Matrix(model.state)
    drift = sp.Matrix([model.flow[s] for s in model.state])
    jacobian = drift.jacobian(state)
    gain = drift.jacobian(sp.Matrix(shares)) if shares else sp.zeros(len(model.state), 0)
    hessians = tuple(sp.hessian(f, model.state) for f in drift)
    grads = {k: sp.Matrix([v]).jacobian(state).T for k, v in model.logits.items()}
    hess = {k: sp.hessian(v, model.state) for k, v in model.logits.items()}
    claims = []
    bar = {s: sp.Dummy(f"{s}_bar") for s in shares}  # the mean shares
    shifted = drift.subs(bar, simultaneous=True) + gain.subs(bar, simultaneous=True) * sp.Matrix(
        [s - bar[s] for s in shares]) if shares else drift
    for i, s in enumerate(model.state):
        claims.append(identity(f"d{s}/dt is affine in the shares {list(shares)}: f = f(mean) + B (shares - mean)",
                               drift[i] - shifted[i]))
    return MinibatchStep(model=model, shares=shares, drift=drift, jacobian=jacobian, noise_gain=gain,
                         hessians=hessians, logit_gradients=grads, logit_hessians=hess, claims=tuple(claims))


def minibatch_step(model: ModeModel, shares: Sequence | None = None) -> MinibatchStep:
    """Derive one minibatch step of ``model``: its drift, Jacobians and noise gain.

    Parameters
    ----------
    model : derivations.ModeModel
        Any model whose flow weights the data by parameters (``p``, ``q_i``).
    shares : sequence of str or sympy.Symbol, optional
        The parameters a batch changes; default :func:`default_shares`.

    Returns
    -------
    MinibatchStep

    Raises
    ------
    TypeError
        If ``model`` is not a ModeModel.
    ValueError
        If a share is not a parameter of ``model``, or ``model`` has no share to change.

    Examples
    --------
    >>> from derivations import two_layer
    >>> step = minibatch_step(two_layer("hinge"))
    >>> step.noise_gain.T
    Matrix([[n_1**2*z_1, y_1, n_2**2*z_2, y_2]])
    >>> from derivations import prove
    >>> all(prove(c).holds for c in step.claims)
    True
    """
    if not isinstance(model, ModeModel):
        raise TypeError(f"model must be a derivations.ModeModel, got {type(model).__name__}")
    by_name = {str(s): s for s in model.parameters}
    if shares is None:
        chosen = default_shares(model)
    else:
        chosen = []
        for s in shares:
            if str(s) not in by_name:
                raise ValueError(f"shares: {str(s)!r} is not a parameter of {model.name}; its parameters are "
                                 f"{sorted(by_name)}")
            chosen.append(by_name[str(s)])
        chosen = tuple(chosen)
    if model.name in SHARED_WEIGHT and shares is None:
        raise ValueError(f"model: {model.name}'s weight parameter weights several points alike, so a batch (which "
                         f"gives each point its own share) has no single share; use {SHARED_WEIGHT[model.name]}")
    if not chosen:
        raise ValueError(f"shares: {model.name} has no parameter a minibatch changes (no p, p_k, lambda or q_i); "
                         f"its parameters are {sorted(by_name)}")
    return _minibatch_step(model, chosen)

