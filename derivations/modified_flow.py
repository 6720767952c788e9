"""Gradient descent at a finite learning rate as a flow: the modified flow of backward error analysis.

Gradient descent moves the mode coordinates by the map ``m_{k+1} = m_k + eta f(m_k)``
(:meth:`ModeModel.discrete_map`, exact by Lemma 3.1).  The gradient flow ``m' = f(m)`` (the paper's
theory, ``eta -> 0``) follows it with an error O(eta) per unit of flow time, because the time-``eta``
solution of ``m' = f`` is ``m + eta f + (eta^2 / 2) J_f f + O(eta^3)``: one step misses by
``(eta^2 / 2) J_f f``.  Backward error analysis (Barrett & Dherin, "Implicit Gradient Regularization",
ICLR 2021; the same correction as descending ``L + (eta / 4) ||grad L||^2`` for a gradient field) builds
the flow whose time-``eta`` solution matches the map to O(eta^3) per step::

    m' = F(m) = f(m) - (eta / 2) J_f(m) f(m),

so that it follows the iterates to O(eta^2) over a fixed flow time.  This module derives ``F`` for any
:class:`~derivations.ModeModel` with :func:`sympy.diff` and proves, per coordinate:

* the time-``eta`` solution of ``F`` agrees with the map at orders ``eta`` and ``eta^2``
  (:func:`map_mismatch`; the plain flow's ``eta^2`` coefficient ``(1/2) J_f f`` is not zero);
* for every invariant ``I`` of the plain flow (``grad I . f = 0``), its drift along ``F`` is
  ``dI/dt = -(eta/2) grad I . J_f f = (eta/2) f^T H_I f`` (``H_I`` the Hessian of ``I``), exactly;
* for an invariant at most quadratic in the state (``y^2 - n^2 z^2`` and all the class-mode invariants), one
  gradient-descent step changes ``I`` by exactly ``(eta^2/2) f^T H_I f``: ``eta`` times that drift.

For the two-layer network the drift is ``-eta p^2 n^2 g^2 I`` (``g`` the loss's drive): gradient descent
pulls every mode towards the balanced manifold ``I = 0`` at a rate proportional to the learning rate, and
keeps a balanced mode balanced at this order.

Examples
--------
>>> from derivations import two_layer
>>> F = modified_flow(two_layer("hinge"))  # inside the margin: F = (A - (eta/2) A^2) m, A^2 = p^2 n^2
>>> y, z = F.state[:2]
>>> sp.factor(F.flow[y])
-n_1**2*p*(eta*p*y_1 - 2*z_1)/2
>>> all(F.check().values())
True
"""
from __future__ import annotations

from functools import lru_cache
from typing import Mapping

import sympy as sp

from .claims import identity
from .model import FACTORY_CACHE_SIZE, ModeModel, frozen, named
from .symbols import eta

__all__ = ["modified_flow", "correction", "map_mismatch", "invariant_drift", "drift_model", "STEP", "MAX_ORDER"]

#: The learning-rate symbol of every modified flow (the one :meth:`ModeModel.discrete_map` is written with in
#: :mod:`dynamics.theory.mode_map`), so a modified flow's ``eta`` is the map's.
STEP = eta
#: Highest order in ``eta`` :func:`map_mismatch` expands to: the modified flow is built to cancel order 2, and
#: order 3 needs third derivatives of the flow (the next correction), which no claim here uses.
MAX_ORDER = 2


def _require_model(model) -> ModeModel:
    if not isinstance(model, ModeModel):
        raise TypeError(f"model must be a derivations.ModeModel (e.g. derivations.two_layer()), "
                        f"got {type(model).__name__}")
    taken = {str(s) for s in (*model.state, *model.parameters)}
    if str(STEP) in taken:
        raise ValueError(f"model {model.name!r} already has a symbol named {str(STEP)!r}; the modified flow needs it "
                         "for the learning rate")
    return model


def _lie(expr: sp.Expr, flow: Mapping, state: tuple) -> sp.Expr:
    """The derivative of ``expr`` along ``flow``: ``sum_j d expr / d s_j * flow[s_j]``."""
    return sum((sp.diff(expr, s) * flow[s] for s in state), sp.S.Zero)


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def correction(model: ModeModel) -> Mapping:
    """``-(1/2) J_f f`` per coordinate: the coefficient of ``eta`` in the modified flow.

    Parameters
    ----------
    model : ModeModel
        Its :attr:`~ModeModel.flow` is ``f``.

    Returns
    -------
    Mapping
        Read-only ``{state symbol s: -(1/2) sum_j (d f_s / d s_j) f_j}``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`ModeModel`.
    ValueError
        If the model already has a symbol named ``eta``.

    Examples
    --------
    >>> from derivations import two_layer
    >>> m = two_layer("hinge")
    >>> correction(m)[m.state[0]]  # -(1/2) (p n^2 z)' . f = -(1/2) p n^2 (p y)
    -n_1**2*p**2*y_1/2
    """
    _require_model(model)
    return frozen({s: -_lie(model.flow[s], model.flow, model.state) / 2 for s in model.state})


def map_mismatch(model: ModeModel, flow: Mapping, order: int, step: sp.Symbol = STEP) -> Mapping:
    """The coefficient of ``step^order`` in (time-``step`` solution of ``flow``) minus (the GD map of ``model``).

    The solution of ``m' = flow(m)`` at time ``h`` is the Lie series ``sum_k h^k / k! L^k m``
    (``L`` the derivative along ``flow``, which may itself depend on ``step``); at ``h = step`` its
    ``step^order`` coefficient collects ``[step^(order - k)] L^k m / k!`` for ``k <= order``.  Terms with
    ``k > order`` start at a higher power.  The map is ``m + step f(m)``.

    Parameters
    ----------
    model : ModeModel
        Gives the state and the map's ``f``.
    flow : Mapping
        ``{state symbol: rate}``, a flow of the same state; its rates may contain ``step``.
    order : int
        0, 1 or 2 (:data:`MAX_ORDER`).
    step : sympy.Symbol
        The learning rate symbol.

    Returns
    -------
    Mapping
        Read-only ``{state symbol: coefficient}``; zero for every coordinate when the flow matches the map at
        that order.

    Raises
    ------
    ValueError
        If ``order`` is not 0, 1 or 2.

    Examples
    --------
    >>> from derivations import two_layer
    >>> m = two_layer("hinge")
    >>> map_mismatch(m, m.flow, 2)[m.state[0]]  # the plain flow misses the map by (1/2) J_f f at order 2
    n_1**2*p**2*y_1/2
    >>> map_mismatch(m, modified_flow(m).flow, 2)[m.state[0]]
    0
    """
    if isinstance(order, bool) or order not in range(MAX_ORDER + 1):
        raise ValueError(f"order must be 0, 1 or 2 (MAX_ORDER), got {order!r}")
    at_zero = {s: sp.sympify(rate).subs(step, 0) for s, rate in flow.items()}
    out = {}
    for s in model.state:
        series = sp.S.Zero
        for k in range(order + 1):
            power = order - k
            # [step^0] of L^k s is L^k s along the flow at step = 0 (setting step = 0 commutes with d/ds):
            # cheap, and the only term of order k = ``order``
            chain = flow if power else at_zero
            term = s
            for _ in range(k):
                term = _lie(term, chain, model.state)
            coefficient = sp.diff(term, step, power).subs(step, 0) / sp.factorial(power)
            series += coefficient / sp.factorial(k)
        target = {0: s, 1: model.flow[s], 2: sp.S.Zero}[order]  # the map m + step f is linear in step
        out[s] = sp.cancel(sp.together(sp.expand(series - target)))
    return frozen(out)


def _hessian_form(invariant: sp.Expr, flow: Mapping, state: tuple) -> sp.Expr:
    """``f^T H_I f`` for the invariant ``I`` and the flow ``f``."""
    return sum((sp.diff(invariant, a, b) * flow[a] * flow[b] for a in state for b in state), sp.S.Zero)


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def invariant_drift(model: ModeModel, step: sp.Symbol = STEP) -> Mapping:
    """The drift of each invariant of ``model`` along its modified flow: ``dI/dt = (step/2) f^T H_I f``.

    Along the plain flow ``grad I . f = 0`` identically; differentiating that identity along ``f`` gives
    ``grad I . J_f f = -f^T H_I f``, so along ``F = f - (step/2) J_f f`` the invariant moves at
    ``-(step/2) grad I . J_f f = (step/2) f^T H_I f``: first order in the learning rate.
    :func:`modified_flow` proves both forms equal.

    Parameters
    ----------
    model : ModeModel
    step : sympy.Symbol
        The learning rate symbol.

    Returns
    -------
    Named
        ``{invariant identifier: drift rate}`` (labels ``"drift of <label>"``).

    Examples
    --------
    >>> from derivations import two_layer
    >>> m = two_layer("hinge")  # inside the margin the drift is -eta p^2 n^2 I: decay towards balance
    >>> sp.simplify(invariant_drift(m)["class_1"] / m.invariants["class_1"])
    -eta*n_1**2*p**2
    """
    _require_model(model)
    return named("drift", [(key, f"drift of {label}", step / 2 * _hessian_form(inv, model.flow, model.state))
                           for key, label, inv in model.invariants.labelled_items()])


def _is_at_most_quadratic(expr: sp.Expr, state: tuple) -> bool:
    try:
        return sp.Poly(expr, *state).total_degree() <= 2
    except sp.PolynomialError:
        return False


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def modified_flow(model: ModeModel) -> ModeModel:
    """The modified flow ``m' = f - (eta/2) J_f f`` of ``model``, as a :class:`ModeModel` with the claims proving it.

    Parameters
    ----------
    model : ModeModel
        Any derived model (every factory of :data:`derivations.MODELS`, ``class_mode`` included).

    Returns
    -------
    ModeModel
        Named ``"<name>_modified_flow"``: the same state, logits, margin signs, rectified coordinates and
        loss; parameters those of ``model`` followed by :data:`STEP` (``eta``); flow ``F``.  The invariants of
        ``model`` are not conserved by ``F`` and are not carried; their drifts (:func:`invariant_drift`) are
        its quantities ``drift_<identifier>``.  Claims (proven by ``check()``): for every coordinate, ``F``'s
        time-``eta`` solution matches the map at orders ``eta`` and ``eta^2``; for every invariant, the two
        forms of its drift agree, and for an invariant at most quadratic in the state, one GD step changes it
        by exactly ``eta`` times the drift.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`ModeModel`.
    ValueError
        If the model already has a symbol named ``eta``.

    Examples
    --------
    >>> from derivations import deep
    >>> F = modified_flow(deep(3))
    >>> F.name, F.parameters
    ('deep_modified_flow', (n, p, eta))
    """
    _require_model(model)
    fix = correction(model)
    flow = frozen({s: model.flow[s] + STEP * fix[s] for s in model.state})
    claims = []
    for order in (1, 2):
        for s, gap in map_mismatch(model, flow, order).items():
            claims.append(identity(f"the time-eta solution of the modified flow matches the GD map in {s} at order "
                                   f"eta^{order}", gap))
    drifts = invariant_drift(model)
    for key, label, inv in model.invariants.labelled_items():
        along = _lie(inv, flow, model.state)
        claims.append(identity(f"invariant {label}: d/dt along the modified flow = -(eta/2) grad I . J_f f = "
                               f"(eta/2) f^T H_I f", along - drifts[key]))
        if _is_at_most_quadratic(inv, model.state):
            step = model.discrete_map(STEP)
            change = inv.subs(step, simultaneous=True) - inv
            claims.append(identity(f"invariant {label} (quadratic): one GD step changes it by eta times its drift",
                                   change - STEP * drifts[key]))
    quantities = [(f"drift_{key}", label, rate) for key, label, rate in drifts.labelled_items()]
    return ModeModel(
        name=f"{model.name}_modified_flow", loss=model.loss, state=model.state,
        parameters=tuple(model.parameters) + (STEP,), flow=flow, logits=model.logits,
        quantities=named("quantity", quantities), claims=tuple(claims),
        source=f"modified flow (backward error analysis, Barrett & Dherin, ICLR 2021) of {model.source}",
        rectified=model.rectified, fractions=model.fractions, margin_signs=model.margin_signs)


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def drift_model(model: ModeModel) -> ModeModel:
    """``model``'s flow with one more coordinate per invariant: ``D_I' = (1/2) f^T H_I f``.

    Integrated from ``D_I(0) = 0`` along the plain flow, ``eta D_I(t)`` is the first-order prediction of the
    drift ``I(t) - I(0)`` of gradient descent at learning rate ``eta`` (the integral of
    :func:`invariant_drift` along the flow): the error of that prediction is O(eta^2).

    Parameters
    ----------
    model : ModeModel

    Returns
    -------
    ModeModel
        Named ``"<name>_drift"``: state ``model.state`` followed by ``D_<identifier>`` for each invariant, the
        same parameters, logits and rectified coordinates, no invariants (``D_I`` grows).

    Examples
    --------
    >>> from derivations import two_layer
    >>> dm = drift_model(two_layer("hinge"))
    >>> dm.state[-2:], sp.simplify(dm.flow[dm.state[-2]] / two_layer("hinge").invariants["class_1"])
    ((D_class_1, D_class_2), -n_1**2*p**2)
    """
    _require_model(model)
    drifts = invariant_drift(model)
    extra = {sp.Symbol(f"D_{key}", real=True): rate / STEP for key, rate in drifts.items()}
    flow = {**{s: model.flow[s] for s in model.state}, **extra}
    return ModeModel(
        name=f"{model.name}_drift", loss=model.loss, state=tuple(model.state) + tuple(extra),
        parameters=model.parameters, flow=frozen(flow), logits=model.logits,
        source=f"first-order invariant drift of gradient descent on {model.source}",
        rectified=model.rectified, fractions=model.fractions, margin_signs=model.margin_signs)
