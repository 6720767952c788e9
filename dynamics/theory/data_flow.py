"""The exact gradient flow of a two-layer ReLU network on any dataset, in data coordinates.

With ``Y = W X^T`` (h, n), the output weights ``Z`` (h,), the Gram matrix ``G = X X^T``, the activation
indicators ``A = 1[Y > 0]`` and the point residuals ``r_i = q_i s_i (-l')(s_i u_i)`` (derived by
:func:`derivations.residual`, compiled here), the flow of ``L = sum_i q_i l(s_i u_i)`` is

    Y' = Z[:, None] * ((r * A) @ G),    Z' = relu(Y) @ r,    u = Z @ relu(Y),

or, in weight space (the same flow, cheaper when d < n), ``W' = Z[:, None] * ((r * A) @ X)``.

:func:`data_flow` integrates it exactly for any data: the indicators are frozen between events, an event
fires when a pre-activation changes sign (or, for a loss with a stop margin such as the hinge, when a point
reaches or leaves its margin), the new pattern is chosen by the direction the entries move, and every change
is recorded as a :class:`Switch`.  A pre-activation pushed back onto 0 from both sides *slides* (is held at 0,
the limit of gradient descent flipping its indicator every step), and so does a point pushed back onto a
hinge's margin.  :func:`class_modes` integrates the decoupled per-class modes of Lemma 3.1 (class k's units
see only class k's points, all indicators 1), each class in its smaller exact state (Gram-reduced,
``(W^T Z, W^T W, Z^T Z)``, whatever the number of units, or its units' rows), with the closed form
:func:`dynamics.theory.balanced_logit.logit` used automatically where a class is one repeated point and its
units are balanced.  Both integrate all classes and K initializations in one ``solve_ivp`` call per segment.

Examples
--------
>>> X = np.array([[1.0, 0.2], [0.8, 0.5], [-1.0, 0.1]])
>>> signs, weights = np.array([1.0, 1.0, -1.0]), np.full(3, 1 / 3)
>>> W0, Z0 = 0.1 * np.array([[1.8, 0.7], [-1.0, 0.1]]), np.array([0.2, -0.1])
>>> flow = data_flow(X, signs, weights, W0, Z0, [0.0, 1.0, 5.0])
>>> flow.logits.shape, flow.theory
((3, 1, 3), 'data-coordinate flow')
>>> modes = class_modes(X, signs, weights, W0, Z0, [0.0, 1.0, 5.0], partition=[1, 2])
>>> bool(np.allclose(modes.logits, flow.logits, rtol=1e-8, atol=1e-12))
True
"""
from __future__ import annotations

import itertools
import operator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, List

import numpy as np
import scipy.integrate
import sympy as sp
from numpy.typing import ArrayLike

import derivations
from derivations.data_coordinates import LOGIT, SIGN, WEIGHT

from ..validation import as_finite_array, require_choice, require_positive
from .balanced_logit import CLOSED_FORM_LOSSES, logit as balanced_logit
from .compiled import compile_expr

__all__ = ["Switch", "DataFlowSolution", "ModeSolution", "data_flow", "class_modes", "FORMS", "SWITCH_KINDS",
           "METHOD", "BALANCE_RTOL", "BOUNDARY_RTOL", "SETTLE_ROUNDS", "GRAM_STATE_RATIO"]

#: Numerical forms of the flow: pre-activations ``Y`` (h, n) or weights ``W`` (h, d); "auto" picks the cheaper.
FORMS = ("auto", "data", "weights")
#: What a :class:`Switch` records.
SWITCH_KINDS = ("activates", "deactivates", "stops learning", "resumes learning", "slides")
#: ``solve_ivp`` method: explicit, high order; these flows have no widely separated time scales and DOP853
#: reaches 1e-10 tolerances in few steps.
METHOD = "DOP853"
#: A class's units are balanced when ``y_j^2 = ||x||^2 z_j^2`` to this relative tolerance (closed form used).
BALANCE_RTOL = 1e-12
#: At an event, entries whose distance to their switching surface is below this fraction of their scale
#: (the unit's largest |pre-activation|, or max(1, margin)) are on the surface: the event's root is located
#: to a few ulps of the time, so the entry that fired lies within ~1e-15 of its surface, far inside this band.
BOUNDARY_RTOL = 1e-10
#: Entries placed on a surface at a restart start this fraction of their scale inside their new side (as seen
#: by the event function): a distance of exactly 0 would make the root finder return the restart itself when
#: another entry crosses in the first step.  Far below BOUNDARY_RTOL, so a later crossing back is still seen on
#: the surface.
EVENT_CUSHION = 1e-12
#: Most pre-activations of one unit at 0 at one instant whose on/off/sliding combinations are tried (3^m).
MAX_BOUNDARY_PER_UNIT = 6
#: Relative size below which a boundary entry's rate (against the size of its terms), or a sliding share's
#: excess over [0, 1], is rounding: at the end of a sliding mode the rate on the new side starts from exactly 0.
RATE_RTOL = 1e-9
#: Rounds of "pick each boundary entry's side by the direction it moves" before declaring a sliding motion.
SETTLE_ROUNDS = 8
#: Consecutive events at one instant accepted (simultaneous crossings settle in a few) before giving up.
STALLED_EVENTS = 50
#: Classes (sign +1 = class 1, -1 = class 2), as the contract numbers them.
CLASS_SIGNS = {1: 1.0, 2: -1.0}


def _learning_pulls(residual, q, s, u, t_now):
    """The derived residual ``residual.function(q, s, u)`` on the learning piece (no margin mask), checked finite."""
    with np.errstate(over="ignore", under="ignore", invalid="ignore"):  # e^{s u} -> inf gives a zero pull
        r = residual.function(q, s, u)
    if r.shape != u.shape:  # a residual that does not depend on u (the hinge's learning piece)
        r = np.broadcast_to(r, u.shape)
    if not np.isfinite(r).all():
        raise RuntimeError(f"the loss's residual overflowed at flow time t = {t_now:.6g} (a logit reached "
                           f"{float(np.max(np.abs(u))):.3g}): the flow diverges there; this predictor covers "
                           "flows that stay finite on the requested times")
    return r


def _read_only(value):
    arr = np.array(value, copy=True)
    arr.setflags(write=False)
    return arr


@dataclass(frozen=True)
class Switch:
    """One change of the flow's pattern.

    Attributes
    ----------
    time : float
        Flow time of the change.
    run : int
        Index of the initialization (0 .. K-1).
    unit : int
        Hidden unit whose indicator changed; -1 for the learning kinds.
    point : int
        Training point.
    kind : {"activates", "deactivates", "stops learning", "resumes learning", "slides"}
        A pre-activation became positive / non-positive, or the point reached / left its loss's stop margin;
        ``"slides"``: a pre-activation (``unit >= 0``) or a point's margin (``unit = -1``) is held on its
        surface by opposite pulls on its two sides.  Gradient descent then flips that indicator every few steps;
        the flow follows the limit of that chatter (Filippov's sliding mode) until the held share of the pull
        leaves [0, 1], recorded as the kind of the side it leaves to.
    """

    time: float
    run: int
    unit: int
    point: int
    kind: str


@dataclass(frozen=True)
class DataFlowSolution:
    """The exact switching gradient flow (:func:`data_flow`).

    Attributes
    ----------
    t : ndarray (T,)
        Flow times (``lr * step``).
    logits : ndarray (T, K, n)
        ``u_i(t)`` of every point for each of the K initializations.
    Z : ndarray (T, K, h)
        Output weights.
    switches : tuple of Switch
        Every pattern change, in time order.
    form : {"data", "weights"}
        The numerical form integrated.
    theory : str
        ``"data-coordinate flow"``.
    """

    t: np.ndarray
    logits: np.ndarray
    Z: np.ndarray
    switches: tuple
    form: str
    theory: str = "data-coordinate flow"

    def __post_init__(self):
        for name in ("t", "logits", "Z"):
            object.__setattr__(self, name, _read_only(getattr(self, name)))
        object.__setattr__(self, "switches", tuple(self.switches))


@dataclass(frozen=True)
class ModeSolution:
    """The decoupled per-class modes (:func:`class_modes`).

    Attributes
    ----------
    t : ndarray (T,)
    logits : ndarray (T, K, n)
    theory : {"modes", "closed form"}
        ``"closed form"`` when every class used the closed form, else ``"modes"``.
    per_class : dict
        ``{1: "closed form" | "modes", 2: ...}``.
    """

    t: np.ndarray
    logits: np.ndarray
    theory: str
    per_class: dict = field(default_factory=dict)

    def __post_init__(self):
        for name in ("t", "logits"):
            object.__setattr__(self, name, _read_only(getattr(self, name)))
        object.__setattr__(self, "per_class", dict(self.per_class))


# ------------------------------------------------------------------------------------------------- input checks
def _check_data(X, signs, weights):
    X = as_finite_array("X", X)
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"X must have shape (n, d) with n, d >= 1, got shape {X.shape}")
    n = X.shape[0]
    signs = as_finite_array("signs", signs)
    if signs.shape != (n,):
        raise ValueError(f"signs must have shape ({n},) (one per row of X), got shape {signs.shape}")
    if np.any(np.abs(signs) != 1):
        raise ValueError(f"signs must be +1 (class 1) or -1 (class 2), got {float(signs[np.abs(signs) != 1][0])!r}")
    weights = as_finite_array("weights", weights)
    if weights.shape != (n,):
        raise ValueError(f"weights must have shape ({n},) (one per row of X), got shape {weights.shape}")
    if np.any(weights < 0):
        raise ValueError(f"weights must be >= 0, got {float(weights[weights < 0][0])!r}")
    return X, signs, weights


def _check_init(W0, Z0, d):
    W0, Z0 = as_finite_array("W0", W0), as_finite_array("Z0", Z0)
    if W0.ndim not in (2, 3) or W0.shape[-1] != d or W0.shape[-2] == 0:
        raise ValueError(f"W0 must have shape (h, {d}) or (K, h, {d}) with h >= 1, got shape {W0.shape}")
    h = W0.shape[-2]
    if Z0.ndim not in (1, 2) or Z0.shape[-1] != h:
        raise ValueError(f"Z0 must have shape ({h},) or (K, {h}) (one per row of W0), got shape {Z0.shape}")
    K = max(W0.shape[0] if W0.ndim == 3 else 1, Z0.shape[0] if Z0.ndim == 2 else 1)
    for name, arr, batched in (("W0", W0, W0.ndim == 3), ("Z0", Z0, Z0.ndim == 2)):
        if batched and arr.shape[0] not in (1, K):
            raise ValueError(f"{name} has {arr.shape[0]} initializations but another argument has {K}")
    if K == 0:
        raise ValueError("W0 and Z0 must hold at least one initialization, got K = 0")
    W0 = np.broadcast_to(W0 if W0.ndim == 3 else W0[None], (K, h, d)).copy()
    Z0 = np.broadcast_to(Z0 if Z0.ndim == 2 else Z0[None], (K, h)).copy()
    return W0, Z0


def _check_times(t):
    times = as_finite_array("t", t)
    if times.ndim != 1 or times.size == 0:
        raise ValueError(f"t must be a non-empty 1-D array of flow times, got shape {times.shape}")
    if np.any(times < 0):
        raise ValueError(f"t must be >= 0 (flow times), got {float(times[times < 0][0])!r}")
    if np.any(np.diff(times) < 0):
        first = int(np.argmax(np.diff(times) < 0))
        raise ValueError(f"t must be sorted (non-decreasing), got t[{first}] = {times[first]!r} > "
                         f"t[{first + 1}] = {times[first + 1]!r}")
    return times


def _check_tolerances(rtol, atol):
    for name, value in (("rtol", rtol), ("atol", atol)):
        if not isinstance(value, (int, float, np.floating, np.integer)) or isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be a number > 0, got {type(value).__name__}")
    return float(require_positive("rtol", rtol)), float(require_positive("atol", atol))


# ------------------------------------------------------------------------------------------------ the residual
@dataclass(frozen=True)
class _Residual:
    """The derived point residual: ``function(q, s, u)`` on the learning piece, and the stop margin (or None)."""

    function: Callable
    stop: object


@lru_cache(maxsize=64)
def _residual(loss: derivations.Loss) -> _Residual:
    expr = derivations.residual(loss)
    if isinstance(expr, sp.Piecewise):  # Piecewise((learning piece, s u < a), (0, True)): the mask is ours
        expr = expr.args[0][0]
    stop = loss.stop_margin
    return _Residual(compile_expr(expr, (WEIGHT, SIGN, LOGIT)), None if stop is None else float(stop))


def _resolve(loss):
    return derivations.resolve_loss(loss)


# ------------------------------------------------------------------------------------------------ the system
@dataclass
class _Block:
    """Units ``units`` on points ``points``: state ``P`` (K, h_b, c) (Y if form "data", W if "weights") and Z."""

    units: np.ndarray
    points: np.ndarray
    X: np.ndarray        # (n_b, d)
    F: np.ndarray        # (n_b, c): G_b for "data", X_b for "weights"
    q: np.ndarray
    s: np.ndarray
    form: str
    switching: bool      # ReLU indicators switch (data_flow) or are all 1 (a class mode)
    K: int = 1
    A: np.ndarray = None  # (K, h_b, n_b) float indicators
    L: np.ndarray = None  # (K, n_b) float: 1 learning, 0 stopped at the margin
    offY: np.ndarray = None
    offM: np.ndarray = None
    liveY: np.ndarray = None
    liveM: np.ndarray = None
    S: np.ndarray = None  # (K, h_b, n_b) bool: pre-activations held at 0 by opposite pulls (sliding)
    M: np.ndarray = None  # (K, n_b) bool: points held at the loss's stop margin by opposite pulls (sliding)

    @property
    def shape(self):
        return (self.K, self.units.size, self.F.shape[1])

    def Y(self, P):
        return P if self.form == "data" else _times(P, self.XT)

    @property
    def XT(self):
        return self._XT

    def __post_init__(self):
        self._XT = np.ascontiguousarray(self.X.T)


def _times(stack, matrix):
    """``stack @ matrix`` for a (K, h, a) stack and an (a, b) matrix, as one 2-D BLAS product."""
    K, h, a = stack.shape
    return (np.ascontiguousarray(stack).reshape(K * h, a) @ matrix).reshape(K, h, matrix.shape[1])


def _inert(z, rest, pull, gram, off, tolerance):
    """Boundary entries of one unit that stay off: gradient descent's ``relu'(0) = 0`` (bool, one per entry).

    An entry at 0 that is off and whose rate ``z (rest_i + sum_i' share_i' G_i'i)`` stays within ``tolerance``
    of 0 whatever the unit's other boundary entries (on, off or sliding, ``|share| <= |pull|``) do never moves
    under gradient descent: with its indicator 0 nothing pushes it.  The largest such set, found by removing the
    entries the others can push until none is left: every entry of a unit whose pre-activations are all 0 and
    off (a zero row of W, or w orthogonal to every point: the unit is frozen, its Z entry too); an entry
    orthogonal to the unit's active points and to its moving boundary points.
    """
    inert = off.copy()
    while inert.any():
        drive = np.abs(rest) + np.abs(pull[~inert]) @ np.abs(gram[~inert])
        still = inert & (abs(z) * drive <= tolerance)
        if np.array_equal(still, inert):
            break
        inert = still
    return inert


#: Rounds of gradient descent's rule (:func:`_descent_pattern`) tried before declaring no pattern settles.
DESCENT_ROUNDS = 2 * MAX_BOUNDARY_PER_UNIT


def _descent_pattern(z, rest, pull, gram, on, tolerance):
    """On/off pattern of many boundary entries of one unit by gradient descent's own rule, or None.

    Gradient descent moves each entry at 0 by its rate under the current pattern (``relu'(0) = 0``: inactive
    until it has moved up): entries that move up turn on, those that move down turn off, those that do not move
    keep their indicator; repeated until the pattern is consistent (on entries do not move down, off entries do
    not move up).  None when it does not settle within DESCENT_ROUNDS rounds (sliding among that many entries
    is not searched).
    """
    on = on.copy()
    for _ in range(DESCENT_ROUNDS):
        rate = z * (rest + np.where(on, pull, 0.0) @ gram)
        if not (np.any(rate[on] < -tolerance[on]) or np.any(rate[~on] > tolerance[~on])):
            return on
        on = (rate > tolerance) | (on & (rate >= -tolerance))
    return None


class _System:
    """Blocks stacked into one flat state; the derived residual; the pattern logic at events."""

    def __init__(self, blocks: List[_Block], K: int, residual: _Residual):
        self.blocks, self.K, self.res = blocks, K, residual
        self.sizes = []
        for b in blocks:
            K_, h, c = b.shape
            self.sizes.append((K_ * h * c, K_ * h))
        self.t_now = 0.0

    def unpack(self, flat):
        out, at = [], 0
        for b, (sp_, sz) in zip(self.blocks, self.sizes):
            P = flat[at:at + sp_].reshape(b.shape)
            Z = flat[at + sp_:at + sp_ + sz].reshape(b.shape[:2])
            out.append((P, Z))
            at += sp_ + sz
        return out

    @staticmethod
    def pack(parts):
        return np.concatenate([np.concatenate([P.ravel(), Z.ravel()]) for P, Z in parts]) if parts else np.zeros(0)

    def _learning_pulls(self, b, u):
        """The derived residual on the learning piece (no margin mask), checked finite."""
        return _learning_pulls(self.res, b.q, b.s, u, self.t_now)

    def _pulls(self, b, P, Z, u, A, L, S, M):
        """Point residuals: learning points pull fully, stopped ones not, margin-sliding ones by their share."""
        rhat = self._learning_pulls(b, u)
        if self.res.stop is None:
            return rhat, None
        r = rhat * L
        beta = None
        if M is not None and M.any():
            beta = self._margin_shares(b, P, Z, A, S, rhat, r, M)
            r = r + beta * rhat
        return r, beta

    def _margin_shares(self, b, P, Z, A, S, rhat, r, M):
        """``beta`` (K, n): the share of a margin-sliding point's pull that holds ``s u`` at the margin.

        ``s u'`` is linear in the pulls: for each run, one evaluation per sliding point gives the matrix of
        ``s_i u_i'`` against ``beta_m`` and ``s_i u_i' = 0`` on the sliding points is solved.
        """
        beta = np.zeros(M.shape)
        for k in np.flatnonzero(M.any(axis=1)):
            idx = np.flatnonzero(M[k])
            run = slice(k, k + 1)

            def slope(pulls):
                return self.block_rates(b, P[run], Z[run], A[run], None, S[run], with_state_rates=True,
                                        pulls=pulls[None])[3][0]

            base = slope(r[k])
            matrix = np.empty((idx.size, idx.size))
            for column, m in enumerate(idx):
                unit = np.zeros(r.shape[1])
                unit[m] = rhat[k, m]
                matrix[:, column] = slope(unit)[idx]
            beta[k, idx] = np.linalg.lstsq(matrix, -base[idx], rcond=None)[0]
        return beta

    def _sliding_pulls(self, b, r, A, S):
        """``(held, alpha)`` (K, h, n): the pull each sliding entry keeps, and its share of the entry's own pull.

        For unit j with sliding points S: ``sum_{i' in S} held_i' G_i'i = -sum_{i' not in S} A_ji' r_i' G_i'i``
        for every i in S, ``held_i = alpha_i r_i`` (Filippov's convex combination of the two sides, the limit of
        gradient descent flipping the indicator every few steps).  ``held`` is linear in ``r``.
        """
        held, alpha = np.zeros(A.shape), np.zeros(A.shape)
        for k, j in zip(*np.nonzero(S.any(axis=2))):
            idx = np.flatnonzero(S[k, j])
            columns = b.F[:, idx] if b.form == "data" else b.X @ b.X[idx].T  # G[:, S]
            rest = (A[k, j] * r[k]) @ columns
            own = np.linalg.lstsq(columns[idx], -rest, rcond=None)[0]
            pull = r[k, idx]
            held[k, j, idx] = own
            alpha[k, j, idx] = np.divide(own, pull, out=np.full(idx.size, 0.5), where=pull != 0)
        return held, alpha

    def block_rates(self, b, P, Z, A=None, L=None, S=None, M=None, with_state_rates=False, pulls=None):
        """Rates of a block's state; with ``with_state_rates``: (Y, u, Y', s u', alpha, beta) for the pattern logic.

        ``pulls`` (K, n) replaces the residuals (the margin logic evaluates the flow at chosen pulls).
        """
        A = b.A if A is None else A
        L = b.L if L is None else L
        S = b.S if S is None else S
        M = b.M if M is None else M
        Y = b.Y(P)
        AY = A * Y if b.switching else Y  # a class mode's indicators are all 1
        u = (Z[:, None, :] @ AY)[:, 0, :]
        beta = None
        if pulls is None:
            r, beta = self._pulls(b, P, Z, u, A, L, S, M)
        else:
            r = pulls
        held, alpha = self._sliding_pulls(b, r, A, S) if b.switching and S.any() else (None, None)
        if b.switching:
            pulled = A * r[:, None, :]
            dP = Z[:, :, None] * _times(pulled if held is None else pulled + held, b.F)
        else:  # every unit sees the same pull: one product for all of them
            dP = Z[:, :, None] * (r @ b.F)[:, None, :]
        dZ = (AY @ r[:, :, None])[:, :, 0]
        if not with_state_rates:
            return dP, dZ
        dY = dP if b.form == "data" else _times(dP, b.XT)
        du = (dZ[:, None, :] @ AY)[:, 0, :] + (Z[:, None, :] @ (A * dY))[:, 0, :]
        return (Y, u, dY, b.s * du, (np.zeros(A.shape) if alpha is None else alpha),
                (np.zeros(L.shape) if beta is None else beta))

    def rhs(self, t, flat):
        self.t_now = t
        return self.pack([self.block_rates(b, P, Z) for b, (P, Z) in zip(self.blocks, self.unpack(flat))])

    def logits_and_Z(self, flat, n, Zfull):
        u = np.zeros((self.K, n))
        Zout = Zfull.copy()
        for b, (P, Z) in zip(self.blocks, self.unpack(flat)):
            u[:, b.points] = np.einsum("kh,khn->kn", Z, b.A * b.Y(P))
            Zout[:, b.units] = Z
        return u, Zout

    # --------------------------------------------------------------------- events
    def distances(self, b, P, Z):
        """Distances to the switching surfaces (positive on the current side), offsets included.

        ``dY`` for pre-activations (off a sliding mode), ``dM`` for margins, ``dS = min(alpha, 1 - alpha)`` for
        sliding pre-activations and ``dB = min(beta, 1 - beta)`` for points sliding along the margin (a sliding
        mode ends when its share leaves [0, 1]).
        """
        Y = b.Y(P)
        dY = Y * (2.0 * b.A - 1.0) + b.offY if b.switching else None
        dM = dS = dB = None
        sliding = (b.switching and b.S.any()) or b.M.any()
        if self.res.stop is not None or sliding:
            AY = b.A * Y if b.switching else Y
            u = (Z[:, None, :] @ AY)[:, 0, :]
            if self.res.stop is not None:
                su = b.s * u
                dM = np.where(b.L > 0, self.res.stop - su, su - self.res.stop) + b.offM
            if sliding:
                r, beta = self._pulls(b, P, Z, u, b.A, b.L, b.S, b.M)
                if b.switching and b.S.any():
                    alpha = self._sliding_pulls(b, r, b.A, b.S)[1]
                    dS = np.where(b.S, np.minimum(alpha, 1.0 - alpha), np.inf)
                if beta is not None:
                    dB = np.where(b.M, np.minimum(beta, 1.0 - beta), np.inf)
        return Y, dY, dM, dS, dB

    def _live(self, b):
        return (("Y", b.liveY), ("M", b.liveM), ("S", b.S), ("B", b.M))

    def event(self, t, flat):
        low = np.inf
        for b, (P, Z) in zip(self.blocks, self.unpack(flat)):
            for dist, (_, live) in zip(self.distances(b, P, Z)[1:], self._live(b)):
                if dist is not None and live.any():
                    low = min(low, float(np.min(dist[live])))
        return low if np.isfinite(low) else 1.0

    def settle(self, time, flat, first):
        """Choose the pattern of entries on their surfaces by the direction they move; return the switches."""
        parts = self.unpack(flat)
        found = []
        for b, (P, Z) in zip(self.blocks, parts):
            Y, dY, dM, dS, dB = self.distances(b, P, Z)
            none_Y, none_M = np.zeros(Y.shape, bool), np.zeros(b.L.shape, bool)
            if first:
                bY = (Y == 0) if b.switching else none_Y
                bM = none_M
                if self.res.stop is not None:
                    bM = b.s * (Z[:, None, :] @ (b.A * Y if b.switching else Y))[:, 0, :] == self.res.stop
                ends, endsB = none_Y, none_M
            else:
                scale = np.max(np.abs(Y), axis=2, keepdims=True)
                bY = ((~b.liveY & ~b.S) | (dY <= BOUNDARY_RTOL * scale)) if b.switching else none_Y
                bM = ((~b.liveM & ~b.M) | (dM <= BOUNDARY_RTOL * max(1.0, abs(self.res.stop)))
                      if dM is not None else none_M)
                ends = (dS <= BOUNDARY_RTOL) if dS is not None else none_Y.copy()
                endsB = (dB <= BOUNDARY_RTOL) if dB is not None else none_M.copy()
            found.append([bY & ~b.S, bM & ~b.M, ends, endsB])
        if not first:  # the entry that fired is on its surface whatever the band says
            low, where = np.inf, None
            for index, (b, (P, Z)) in enumerate(zip(self.blocks, parts)):
                for slot, (dist, (_, live)) in enumerate(zip(self.distances(b, P, Z)[1:], self._live(b))):
                    if dist is not None and live.any():
                        masked = np.where(live, dist, np.inf)
                        if float(np.min(masked)) < low:
                            low, where = float(np.min(masked)), (index, slot, np.unravel_index(np.argmin(masked),
                                                                                                 masked.shape))
            if where is not None:
                index, slot, at = where
                found[index][slot][at] = True
        switches = []
        for b, (P, Z), (bY, bM, ends, endsB) in zip(self.blocks, parts, found):
            switches += self._settle_block(time, b, P, Z, bY, bM, ends, endsB, first)
        return switches

    def _unit_patterns(self, time, b, Z, r, A, S, boundary, ended):
        """On (1), off (0) or sliding (2) for every boundary pre-activation, unit by unit, consistently.

        Boundary entries are at 0, so they do not change any logit: given the pulls ``r``, each unit's boundary
        entries are decided alone.  Entries that are off and whose rate is 0 whatever the unit's other boundary
        entries do stay off (:func:`_inert`: gradient descent's ``relu'(0) = 0``; a unit whose pre-activations
        are all 0 and off is frozen).  For the others every combination is tried (the current one first, then
        those with fewer sliding entries): on must move up, off must not move up, a sliding share must lie in
        [0, 1].  An entry whose sliding mode just ended (``ended``) does not slide again at once.  More than
        MAX_BOUNDARY_PER_UNIT of them are decided by gradient descent's own rule instead (:func:`_descent_pattern`).
        """
        A, S = A.copy(), S.copy()
        for k, j in zip(*np.nonzero(boundary.any(axis=2))):
            idx = np.flatnonzero(boundary[k, j])
            columns = b.F[:, idx] if b.form == "data" else b.X @ b.X[idx].T  # G[:, boundary]
            others = A[k, j].copy()
            others[idx] = 0.0
            rest = (others * r[k]) @ columns
            gram, pull = columns[idx], r[k, idx]
            # rates within this of 0 count as 0: a sliding mode ends with the rate exactly at 0 on its new side
            size = np.abs(others * r[k]) @ np.abs(columns) + np.abs(pull) @ np.abs(gram)
            tolerance = RATE_RTOL * abs(Z[k, j]) * size
            inert = _inert(Z[k, j], rest, pull, gram, (A[k, j, idx] == 0) & ~S[k, j, idx], tolerance)
            if inert.any():
                A[k, j, idx[inert]], S[k, j, idx[inert]] = 0.0, False
                keep = ~inert
                idx, rest, pull, tolerance = idx[keep], rest[keep], pull[keep], tolerance[keep]
                gram = gram[np.ix_(keep, keep)]
                if not idx.size:
                    continue
            if idx.size > MAX_BOUNDARY_PER_UNIT:
                on = _descent_pattern(Z[k, j], rest, pull, gram, A[k, j, idx] > 0, tolerance)
                if on is None:
                    raise ValueError(
                        f"at flow time t = {time:.6g} unit {int(b.units[j])} has {idx.size} pre-activations at 0 "
                        f"at once that move (more than {MAX_BOUNDARY_PER_UNIT}, whose on/off/sliding combinations "
                        "are searched) and gradient descent's own rule (turn on what moves up) settles on no "
                        "consistent on/off pattern for them: this degenerate pattern is outside what this "
                        "predictor covers")
                A[k, j, idx], S[k, j, idx] = on.astype(float), False
                continue
            current = tuple(np.where(S[k, j, idx], 2, A[k, j, idx].astype(int)))
            options = sorted(itertools.product((1, 0, 2), repeat=idx.size), key=lambda c: (c != current, c.count(2)))
            for combo in options:
                combo = np.array(combo)
                on, sliding = combo == 1, combo == 2
                if np.any(sliding & ((pull == 0) | ended[k, j, idx])):
                    continue
                share = np.where(on, pull, 0.0)
                if sliding.any():
                    target = -(rest[sliding] + share @ gram[:, sliding])
                    held = np.linalg.lstsq(gram[np.ix_(sliding, sliding)], target, rcond=None)[0]
                    alpha = held / pull[sliding]
                    if np.any(alpha < -RATE_RTOL) or np.any(alpha > 1 + RATE_RTOL):
                        continue
                    share[sliding] = held
                rate = Z[k, j] * (rest + share @ gram)
                if np.any(rate[on] < -tolerance[on]) or np.any(rate[combo == 0] > tolerance[combo == 0]):
                    continue
                A[k, j, idx] = (combo == 1).astype(float)
                S[k, j, idx] = sliding
                break
            else:
                raise ValueError(
                    f"at flow time t = {time:.6g} no pattern of unit {int(b.units[j])}'s pre-activations at 0 is "
                    "consistent (each choice contradicts the motion it implies): outside what this predictor covers")
        return A, S

    def _relu_patterns(self, time, b, P, Z, A, L, S, M, boundary, ended, run):
        """The boundary pre-activations of run ``run`` decided for the pulls they imply (a few rounds: the pulls
        of margin-sliding points depend on them)."""
        mask = np.zeros(boundary.shape, bool)
        mask[run] = boundary[run]
        if not mask.any():
            return A, S, True
        u = (Z[:, None, :] @ (A * b.Y(P)))[:, 0, :]  # boundary entries are 0: u does not depend on them
        for _ in range(SETTLE_ROUNDS):
            r, _ = self._pulls(b, P, Z, u, A, L, S, M)
            newA, newS = self._unit_patterns(time, b, Z, r, A, S, mask, ended)
            if np.array_equal(newA, A) and np.array_equal(newS, S):
                return A, S, True
            A, S = newA, newS
        return A, S, False

    def _settle_block(self, time, b, P, Z, bY, bM, ends, endsB, first):
        """Pattern of the boundary entries: on, off or sliding (Y); learning, stopped or sliding (margin)."""
        A, L, S, M = b.A.copy(), b.L.copy(), b.S.copy(), b.M.copy()
        boundary = (bY | S) if b.switching else bY
        ended = ends & S
        marginal = bM | M
        endedM = endsB & M
        for k in range(b.K):
            if not marginal[k].any():
                A, S, settled = self._relu_patterns(time, b, P, Z, A, L, S, M, boundary, ended, k)
                if not settled:
                    raise ValueError(f"at flow time t = {time:.6g} the pre-activations at 0 cannot be settled: "
                                     "outside what this predictor covers")
                continue
            idx = np.flatnonzero(marginal[k])
            if idx.size > MAX_BOUNDARY_PER_UNIT:
                raise ValueError(f"at flow time t = {time:.6g} {idx.size} points reach the loss's stop margin at "
                                 f"once (more than {MAX_BOUNDARY_PER_UNIT}): outside what this predictor covers")
            current = tuple(np.where(M[k, idx], 2, L[k, idx].astype(int)))
            options = sorted(itertools.product((1, 0, 2), repeat=idx.size), key=lambda c: (c != current, c.count(2)))
            for combo in options:
                combo = np.array(combo)
                if np.any((combo == 2) & endedM[k, idx]):
                    continue
                L[k, idx], M[k, idx] = (combo == 1).astype(float), combo == 2
                trialA, trialS, settled = self._relu_patterns(time, b, P, Z, A, L, S, M, boundary, ended, k)
                if not settled:
                    continue
                *_, dm, _, beta = self.block_rates(b, P, Z, trialA, L, trialS, M, with_state_rates=True)
                tolerance = RATE_RTOL * max(float(np.max(np.abs(dm[k]))), np.finfo(float).tiny)
                if (np.any(dm[k, idx][combo == 1] > tolerance) or np.any(dm[k, idx][combo == 0] < -tolerance)
                        or np.any(beta[k, idx][combo == 2] < -RATE_RTOL)
                        or np.any(beta[k, idx][combo == 2] > 1 + RATE_RTOL)):
                    continue
                A, S = trialA, trialS
                break
            else:
                raise ValueError(
                    f"at flow time t = {time:.6g} no pattern of the points at the loss's stop margin is consistent "
                    "(each choice contradicts the motion it implies): outside what this predictor covers")
        _, _, dY, dm, _, _ = self.block_rates(b, P, Z, A, L, S, M, with_state_rates=True)
        bY = bY | ended
        bM = bM | endedM
        switches = []
        units, points = b.units, b.points
        changedY = (A != b.A) | (S != b.S) if not first else S
        changedM = (L != b.L) | (M != b.M) if not first else M
        for k, j, i in zip(*np.nonzero(changedY)):
            kind = "slides" if S[k, j, i] else ("activates" if A[k, j, i] > 0 else "deactivates")
            switches.append(Switch(float(time), int(k), int(units[j]), int(points[i]), kind))
        for k, i in zip(*np.nonzero(changedM)):
            kind = "slides" if M[k, i] else ("resumes learning" if L[k, i] > 0 else "stops learning")
            switches.append(Switch(float(time), int(k), -1, int(points[i]), kind))
        b.A, b.L, b.S, b.M = A, L, S, M
        # entries on a surface that do not move are left out of the event until the next restart
        b.liveY = (~S & ~(boundary & (dY == 0))) if b.switching else np.zeros(A.shape, bool)
        b.liveM = (~M & ~(bM & (dm == 0))) if self.res.stop is not None else np.zeros(L.shape, bool)
        b.offY, b.offM = np.zeros(A.shape), np.zeros(L.shape)
        Y, distY, distM, _, _ = self.distances(b, P, Z)  # raw distances: the offsets were just reset
        # every live entry starts at least a cushion inside its side, so the event function is positive at the
        # restart (the root finder would otherwise return the restart itself, or miss the next crossing)
        if b.switching:
            cushion = EVENT_CUSHION * np.max(np.abs(Y), axis=2, keepdims=True)
            b.offY = np.where(b.liveY & (distY < cushion), cushion - distY, 0.0)
        if distM is not None:
            cushion = EVENT_CUSHION * max(1.0, abs(self.res.stop))
            b.offM = np.where(b.liveM & (distM < cushion), cushion - distM, 0.0)
        return switches


def _initial_patterns(system, flat, stop):
    for b, (P, Z) in zip(system.blocks, system.unpack(flat)):
        K, h, _ = b.shape
        Y = b.Y(P)
        b.A = (Y > 0).astype(float) if b.switching else np.ones((K, h, b.points.size))
        b.S = np.zeros(b.A.shape, bool)
        b.M = np.zeros((K, b.points.size), bool)
        b.offY, b.liveY = np.zeros(b.A.shape), np.zeros(b.A.shape, bool)
        b.L = np.ones((K, b.points.size))
        if stop is not None:
            su = b.s * np.einsum("kh,khn->kn", Z, b.A * Y)
            b.L = (su < stop).astype(float)
        b.offM, b.liveM = np.zeros(b.L.shape), np.zeros(b.L.shape, bool)


def _scaled_atol(system, flat, atol):
    """``atol`` per component, in units of its run's initial scale (largest |entry| of its state, at most 1).

    A small initialization (1e-8, or 1e-150) is then integrated to the same relative accuracy as a unit one:
    an absolute 1e-12 would swamp states far below it.
    """
    parts = system.unpack(flat)
    largest = np.zeros(system.K)
    for P, Z in parts:
        if P.size:
            largest = np.maximum(largest, np.max(np.abs(P).reshape(system.K, -1), axis=1))
        if Z.size:
            largest = np.maximum(largest, np.max(np.abs(Z), axis=1))
    per_run = atol * np.where(largest > 0, np.minimum(largest, 1.0), 1.0)
    return system.pack([(np.broadcast_to(per_run[:, None, None], P.shape), np.broadcast_to(per_run[:, None], Z.shape))
                        for P, Z in parts])


def _integrate(system, flat, requested, n, Zfull, rtol, atol, max_switches):
    """Integrate segment by segment between events; logits and Z on ``requested`` times; all switches."""
    times, where = np.unique(requested, return_inverse=True)  # repeated times are integrated once
    logits, Zs, switches = _segments(system, flat, times, n, Zfull, rtol, _scaled_atol(system, flat, atol),
                                     max_switches)
    return logits[where], Zs[where], switches


def _segments(system, flat, times, n, Zfull, rtol, atol, max_switches):
    T = times.size
    logits, Zs = np.empty((T, system.K, n)), np.empty((T, system.K, Zfull.shape[1]))
    _initial_patterns(system, flat, system.res.stop)
    switches = list(system.settle(0.0, flat, first=True))
    t0, j, restarts, end = 0.0, 0, 0, float(times[-1])
    while j < T and times[j] <= t0:  # times at the start (0)
        logits[j], Zs[j] = system.logits_and_Z(flat, n, Zfull)
        j += 1
    def event(time, state):
        return system.event(time, state)
    event.terminal, event.direction = True, -1
    stalled = 0
    while j < T:
        if flat.size == 0:
            logits[j:], Zs[j:] = system.logits_and_Z(flat, n, Zfull)
            break
        sol = scipy.integrate.solve_ivp(system.rhs, (t0, end), flat, method=METHOD, t_eval=times[j:],
                                        events=event, rtol=rtol, atol=atol)
        if sol.status == -1:
            raise RuntimeError(f"the integrator failed after flow time t = {t0:.6g}: {sol.message}")
        count = np.asarray(sol.t).size  # a list when no requested time fell before a terminal event
        for m in range(count):
            logits[j + m], Zs[j + m] = system.logits_and_Z(np.asarray(sol.y)[:, m], n, Zfull)
        j += count
        if sol.status == 0:
            break
        t_event, flat = float(sol.t_events[0][0]), np.array(sol.y_events[0][0])
        restarts += 1
        stalled = stalled + 1 if t_event <= t0 else 0
        if restarts > max_switches or stalled > STALLED_EVENTS:
            raise RuntimeError(
                f"{restarts} events by flow time t = {t_event:.6g} ({stalled} without the time advancing; "
                f"max_switches = {max_switches}): the pattern changes too often (events piling up, e.g. an entry "
                "sliding along its switching surface); this is outside what this predictor covers")
        system.t_now = t_event
        new = system.settle(t_event, flat, first=False)
        switches += new
        if len(switches) > max_switches:
            raise RuntimeError(
                f"{len(switches)} switches by flow time t = {t_event:.6g}, more than max_switches = {max_switches}: "
                "this is outside what this predictor covers: raise max_switches, or check the data and initialization")
        t0 = t_event
    return logits, Zs, switches


# ----------------------------------------------------------------------------------------------------- public
def _pick_form(form, n, d):
    require_choice("form", form, FORMS)
    if form == "auto":
        return "weights" if d < n else "data"
    return form


def _check_switch_count(max_switches):
    if isinstance(max_switches, (bool, np.bool_)) or not isinstance(max_switches, (int, np.integer)):
        raise TypeError(f"max_switches must be an integer >= 0, got {type(max_switches).__name__}")
    if max_switches < 0:
        raise ValueError(f"max_switches must be >= 0, got {max_switches}")
    return int(max_switches)


def _block(X, W0, Z0, signs, weights, units, points, form, switching):
    Xb = X[points]
    F = Xb @ Xb.T if form == "data" else Xb
    P = W0[:, units] @ Xb.T if form == "data" else W0[:, units].copy()
    return _Block(units=units, points=points, X=Xb, F=F, q=weights[points], s=signs[points], form=form,
                  switching=switching, K=W0.shape[0]), (P, Z0[:, units].copy())


def data_flow(X: ArrayLike, signs: ArrayLike, weights: ArrayLike, W0: ArrayLike, Z0: ArrayLike, t: ArrayLike, *,
              loss: "str | sp.Expr | derivations.Loss" = "bce", form: str = "auto", rtol: float = 1e-10,
              atol: float = 1e-12, max_switches: int = 10_000) -> DataFlowSolution:
    """The exact gradient flow of the two-layer ReLU network on any data, with its switches.

    Parameters
    ----------
    X : array_like (n, d)
        Training points.
    signs : array_like (n,)
        +1 for class 1, -1 for class 2.
    weights : array_like (n,)
        Point weights q_i >= 0 of the objective ``sum_i q_i l(s_i u_i)`` (``1/n``: the mean loss).
    W0 : array_like (h, d) or (K, h, d)
        Initial hidden weights (K initializations integrated together).
    Z0 : array_like (h,) or (K, h)
        Initial output weights.
    t : array_like (T,)
        Sorted flow times >= 0 (``lr * step``); the flow starts at 0.
    loss : str or sympy.Expr or derivations.Loss
        As :func:`derivations.resolve_loss`; a loss with a stop margin (the hinge) stops a point's learning
        once ``s u`` reaches it.
    form : {"auto", "data", "weights"}
        ``"data"`` integrates ``Y`` (cost h n^2 per evaluation), ``"weights"`` integrates ``W`` (cost h n d):
        the same flow.  ``"auto"`` picks weights when d < n.
    rtol, atol : float
        ``solve_ivp`` tolerances (> 0).
    max_switches : int
        Largest number of events accepted (>= 0).

    Returns
    -------
    DataFlowSolution

    Notes
    -----
    A pre-activation that reaches 0 while the point pushes the unit off and the unit's other points pull it back
    on slides: it is held at 0 and the point's indicator is replaced by the share in [0, 1] of its pull that
    keeps it there (solved at every evaluation), until that share reaches 0 or 1.  This is the limit of gradient
    descent, which flips the indicator every few steps there.  A point pushed back onto a hinge's margin by the
    other points slides the same way (a share of its residual holds ``s u`` at the margin).  Boundary entries
    are decided unit by unit (points at the margin run by run) over every on / off / sliding combination of at
    most MAX_BOUNDARY_PER_UNIT entries reaching their surfaces at one instant.  As in gradient descent
    (``relu'(0) = 0``), an entry exactly at 0 that is off and that nothing pushes stays off: a unit whose
    pre-activations are all 0 (a zero row of W, or w orthogonal to every point) is frozen (its row and its Z
    entry never move and it adds 0 to every logit), and is left out of the events and of the combination search.
    More boundary entries of one unit that do move are decided by gradient descent's own rule: those moving up
    turn on, until the pattern is consistent.

    Raises
    ------
    ValueError, TypeError
        Bad shapes or values (naming the parameter); more than MAX_BOUNDARY_PER_UNIT points at their margin at
        once; no consistent pattern for the entries at their surfaces (for more than MAX_BOUNDARY_PER_UNIT
        moving entries of one unit: none found by gradient descent's rule within DESCENT_ROUNDS rounds).
    RuntimeError
        More than ``max_switches`` events, an overflowing residual, or an integrator failure: outside what
        this predictor covers.

    Examples
    --------
    Two points of class 1 and one unit active on the first only; learning on the first point turns the unit
    on for the second (gradient descent at lr 1e-4 switches at t = 0.8300):

    >>> X = np.array([[1.0, 0.0], [0.5, 1.0]])
    >>> sol = data_flow(X, [1, 1], [0.5, 0.5], [[0.3, -0.2]], [0.5], np.linspace(0, 6, 7))
    >>> [(round(s.time, 4), s.unit, s.point, s.kind) for s in sol.switches]
    [(0.8299, 0, 1, 'activates')]
    >>> sol.logits.shape, sol.form
    ((7, 1, 2), 'data')
    """
    X, signs, weights = _check_data(X, signs, weights)
    n, d = X.shape
    W0, Z0 = _check_init(W0, Z0, d)
    times = _check_times(t)
    form = _pick_form(form, n, d)
    rtol, atol = _check_tolerances(rtol, atol)
    max_switches = _check_switch_count(max_switches)
    residual = _residual(_resolve(loss))
    K, h, _ = W0.shape
    block, state = _block(X, W0, Z0, signs, weights, np.arange(h), np.arange(n), form, switching=True)
    system = _System([block], K, residual)
    logits, Zs, switches = _integrate(system, _System.pack([state]), times, n, Z0, rtol, atol, max_switches)
    switches.sort(key=operator.attrgetter("time"))
    return DataFlowSolution(t=times, logits=logits, Z=Zs, switches=tuple(switches), form=form)


# ------------------------------------------------------------------------------------- the Gram-reduced modes
#: A class mode is integrated in its Gram-reduced form when that state (m + m^2 + 1 numbers, m = min(d, n_k))
#: is at most this many times its units' own state (h (m + 1)): both forms cost the same products with the data
#: per evaluation, so the smaller state (and its smaller products, m^2 against h m) is the cheaper one.
GRAM_STATE_RATIO = 1.0


#: The Gram-reduced state holds products of two weights: it is used only while they stay normal floats with
#: full precision (entries of the units' state above sqrt(tiny / eps) ~ 1e-146), else the units' rows are kept.
GRAM_SMALLEST = float(np.sqrt(np.finfo(float).tiny / np.finfo(float).eps))


def _mode_kind(h, m, largest):
    """"gram" when its state is the smaller (within GRAM_STATE_RATIO) and its products stay normal, else "units"."""
    return "gram" if m + m * m + 1 <= GRAM_STATE_RATIO * h * (m + 1) and largest >= GRAM_SMALLEST else "units"


@dataclass(frozen=True)
class _ModeGroup:
    """C class modes of one shape, batched, in the stacked state of :class:`_ModeSystem` (columns ``at`` on).

    ``form`` "weights" (d < n_k) or "data"; m = d or n_k; every class of the group has n_k points and h units.
    ``kind`` "gram", per class ``[a (m) | B (m, m) | zeta]``: ``a = W^T Z, B = W^T W`` (weights) or
    ``a = u = Y^T Z, B = Y^T Y`` (data), ``zeta = Z^T Z``, moving as :func:`derivations.data_coordinates.gram_rates`;
    B is held in full (exactly symmetric all along: its rate ``g a^T + a g^T`` is, entry by entry), cheaper per
    evaluation than gathering and scattering a triangle.  ``kind`` "units", per class ``[rows (h, m) | Z (h)]``:
    the rows of W (or Y), moving as :func:`derivations.data_coordinates.matrix_rates` with all indicators 1, the
    logits and ``Z'`` formed through ``W^T Z`` and ``g = X^T r`` (cost n_k d + h d, never h n_k d).
    """

    kind: str
    form: str
    m: int
    h: int
    points: np.ndarray   # (C, n_k)
    X: np.ndarray        # (C, n_k, d)
    XT: np.ndarray       # (C, d, n_k)
    G: np.ndarray        # (C, n_k, n_k) in data space, else None
    at: int

    @property
    def per_class(self):
        return self.m + self.m * self.m + 1 if self.kind == "gram" else self.h * (self.m + 1)

    @property
    def size(self):
        return self.points.shape[0] * self.per_class

    def _view(self, state):
        return state[:, self.at:self.at + self.size].reshape(state.shape[0], self.points.shape[0], self.per_class)

    def _first(self, view):
        """``a`` (K, C, m): ``W^T Z`` (weights) or the logits (data)."""
        if self.kind == "gram":
            return view[..., :self.m]
        rows = view[..., :self.h * self.m].reshape(view.shape[:2] + (self.h, self.m))
        return np.matmul(view[..., None, self.h * self.m:], rows)[..., 0, :]

    def logits(self, state):
        """(K, C n_k): the logits of the group's points, class by class."""
        a = self._first(self._view(state))
        u = np.matmul(a[..., None, :], self.XT)[..., 0, :] if self.form == "weights" else a
        return u.reshape(state.shape[0], -1)

    def rates(self, state, r, out):
        """Write the rates of the group's columns into ``out`` (K, columns), given its residuals (K, C n_k)."""
        view, rate = self._view(state), self._view(out)
        K, C, m, h = view.shape[0], view.shape[1], self.m, self.h
        r = r.reshape(K, C, 1, -1)
        # in weight space the drive is g = X^T r (and G = I), in data space r (and g = G r)
        g = np.matmul(r, self.X if self.form == "weights" else self.G)[..., 0, :]  # (K, C, m)
        drive = g if self.form == "weights" else r[..., 0, :]
        if self.kind == "units":
            rows, Z = view[..., :h * m].reshape(K, C, h, m), view[..., h * m:]
            rate[..., :h * m] = (Z[..., :, None] * g[..., None, :]).reshape(K, C, h * m)
            rate[..., h * m:] = np.matmul(rows, drive[..., None])[..., 0]
            return
        a, B, zeta = view[..., :m], view[..., m:m + m * m].reshape(K, C, m, m), view[..., m + m * m]
        rate[..., :m] = np.matmul(B, drive[..., None])[..., 0] + zeta[..., None] * g
        outer = g[..., :, None] * a[..., None, :]
        rate[..., m:m + m * m] = (outer + np.swapaxes(outer, -1, -2)).reshape(K, C, m * m)
        rate[..., m + m * m] = 2.0 * np.sum(a * drive, axis=-1)


def _mode_state(X, W, Z, points):
    """``(kind, form, state (K, per_class))`` of the class mode of units (W, Z) (K, h, d), (K, h) on ``points``."""
    Xk = X[points]
    form = "weights" if X.shape[1] < points.size else "data"
    rows = W if form == "weights" else _times(W, np.ascontiguousarray(Xk.T))  # (K, h, m): rows of W or of Y
    K, h, m = rows.shape
    kind = _mode_kind(h, m, min(float(np.max(np.abs(rows))), float(np.max(np.abs(Z)))))
    if kind == "units":
        return kind, form, np.concatenate([rows.reshape(K, h * m), Z], axis=1)
    B = np.einsum("khm,khl->kml", rows, rows)
    B = (B + np.swapaxes(B, 1, 2)) / 2  # exactly symmetric from the start
    return kind, form, np.concatenate([np.einsum("kh,khm->km", Z, rows), B.reshape(K, m * m),
                                       np.sum(Z * Z, axis=1)[:, None]], axis=1)


class _ModeSystem:
    """Every class mode of every run stacked in one state (K, columns), integrated in one ``solve_ivp``."""

    def __init__(self, groups, K, residual, q, s):
        self.groups, self.K, self.res = groups, K, residual
        self.t_now = 0.0
        # the residual of every point in one call (one compiled evaluation per right-hand side)
        self.q, self.s = q, s
        ends = np.cumsum([0] + [g.points.size for g in groups])
        self.columns = [slice(a, b) for a, b in zip(ends[:-1], ends[1:])]

    def rhs(self, t, flat):
        self.t_now = t
        state = flat.reshape(self.K, -1)
        out = np.empty_like(state)
        parts = [g.logits(state) for g in self.groups]
        u = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
        pulls = _learning_pulls(self.res, self.q, self.s, u, t)
        for group, columns in zip(self.groups, self.columns):
            group.rates(state, pulls[:, columns], out)
        return out.ravel()

    def logits(self, flat, n):
        state = flat.reshape(self.K, -1)
        u = np.zeros((self.K, n))
        for group in self.groups:
            u[:, group.points.ravel()] = group.logits(state)
        return u


def _smooth_modes(X, signs, weights, W0, Z0, modes, times, residual, rtol, atol):
    """Logits (T, K, n) of the class modes ``modes`` ((units, points) pairs, both non-empty), other points 0.

    Each class in its smaller exact state (:class:`_ModeGroup`): Gram-reduced (proven by
    :func:`derivations.data_coordinates.gram_reduction`; its size does not depend on the number of units) or
    unit by unit; per evaluation two products with the class's points (n_k d, weight space) or one with its
    Gram matrix (n_k^2, data space), never one per unit.  Classes of one shape are batched.
    """
    K, n = W0.shape[0], X.shape[0]
    logits = np.zeros((times.size, K, n))
    if not modes:
        return logits
    shapes = {}
    for units, points in modes:
        kind, form, state = _mode_state(X, W0[:, units], Z0[:, units], points)
        shapes.setdefault((kind, form, units.size, points.size), []).append((points, state))
    groups, states, at = [], [], 0
    for (kind, form, h, size), members in shapes.items():
        points = np.stack([p for p, _ in members])
        Xs = X[points]                                          # (C, n_k, d)
        group = _ModeGroup(kind=kind, form=form, m=X.shape[1] if form == "weights" else size, h=h, points=points,
                           X=Xs, XT=np.ascontiguousarray(np.swapaxes(Xs, 1, 2)),
                           G=np.matmul(Xs, np.swapaxes(Xs, 1, 2)) if form == "data" else None, at=at)
        groups.append(group)
        states += [state for _, state in members]
        at += group.size
    every = np.concatenate([g.points.ravel() for g in groups])
    system = _ModeSystem(groups, K, residual, weights[every], signs[every])
    start = np.concatenate(states, axis=1)
    # atol in units of each run's initial scale (largest |entry| of its state, at most 1), as _scaled_atol
    largest = np.max(np.abs(start), axis=1)
    scale = atol * np.where(largest > 0, np.minimum(largest, 1.0), 1.0)
    flat = start.ravel()
    unique, where = np.unique(times, return_inverse=True)
    out = np.empty((unique.size, K, n))
    if unique[-1] <= 0:
        out[:] = system.logits(flat, n)
    else:
        sol = scipy.integrate.solve_ivp(system.rhs, (0.0, float(unique[-1])), flat, method=METHOD, t_eval=unique,
                                        rtol=rtol, atol=np.repeat(scale, start.shape[1]))
        if sol.status != 0:
            raise RuntimeError(f"the integrator failed: {sol.message}")
        for m in range(unique.size):
            out[m] = system.logits(sol.y[:, m], n)
    logits[:] = out[where]
    return logits


def _check_partition(partition, h):
    if isinstance(partition, (str, bytes)):
        raise TypeError(f"partition must be an array of ints 0, 1, 2 (one per hidden unit), got {partition!r}")
    arr = as_finite_array("partition", partition)
    if arr.shape != (h,):
        raise ValueError(f"partition must have shape ({h},) (one entry per hidden unit), got shape {arr.shape}")
    bad = ~np.isin(arr, (0, 1, 2))
    if np.any(bad):
        raise ValueError(f"partition entries must be 0 (no class), 1 or 2, got {float(arr[bad][0])!r}")
    return arr.astype(int)


def _closed_form_class(loss, X, signs, weights, W0, Z0, units, points, sign):
    """(u0 (K,), norm, p) if the class is one repeated point with balanced active units of its sign, else None."""
    if loss.name not in CLOSED_FORM_LOSSES or points.size == 0 or units.size == 0:
        return None
    Xk = X[points]
    x = Xk[0]
    norm = float(np.linalg.norm(x))
    if norm == 0 or np.max(np.abs(Xk - x)) > BALANCE_RTOL * norm:
        return None
    y = W0[:, units] @ x               # (K, h_k)
    z = Z0[:, units]
    if np.any(y <= 0) or np.any(sign * z <= 0):
        return None
    if np.any(np.abs(y ** 2 - norm ** 2 * z ** 2) > BALANCE_RTOL * np.maximum(y ** 2, norm ** 2 * z ** 2)):
        return None
    return np.sum(z * y, axis=1), norm, float(np.sum(weights[points]))


def _live_units(X, W0, Z0, units, points):
    """Class units that learn: a unit whose pre-activations on every point of its class are exactly 0 is frozen.

    Gradient descent (``relu'(0) = 0``) never moves such a unit (a zero row of W, or w orthogonal to the class's
    points) and it adds 0 to every logit, whereas the mode (indicators all 1) would grow it.  Dropped when frozen
    in every run; in the runs where only some are frozen, their W rows and Z entries are set to 0 in place (a
    unit at (0, 0) stays there in the mode and adds 0).
    """
    if not (units.size and points.size):
        return units
    frozen = np.all(_times(W0[:, units], np.ascontiguousarray(X[points].T)) == 0, axis=2)  # (K, h_k)
    if frozen.any():
        rows, outputs = W0[:, units], Z0[:, units]
        rows[frozen], outputs[frozen] = 0.0, 0.0
        W0[:, units], Z0[:, units] = rows, outputs
    return units[~frozen.all(axis=0)]


def class_modes(X: ArrayLike, signs: ArrayLike, weights: ArrayLike, W0: ArrayLike, Z0: ArrayLike, t: ArrayLike, *,
                partition: ArrayLike, loss: "str | sp.Expr | derivations.Loss" = "bce", closed_form: bool = True,
                rtol: float = 1e-10, atol: float = 1e-12) -> ModeSolution:
    """The decoupled per-class modes (Lemma 3.1): class k's units on class k's points, indicators all 1.

    Exact when H1-H3 hold (the caller checks them, e.g. ``dynamics.Problem.assumptions``); then it equals
    :func:`data_flow`.  A point's logit is the sum over its class's units only; units with partition 0 serve no
    class and stay put, and so does a unit whose pre-activations on its class's points are all exactly 0 (a
    zero row of W, or w orthogonal to them): gradient descent (``relu'(0) = 0``) never moves it.

    Parameters
    ----------
    X, signs, weights, W0, Z0, t
        As in :func:`data_flow`.
    partition : array_like (h,)
        1 or 2: the class a unit serves (H2); 0: none.
    loss : str or sympy.Expr or derivations.Loss
        As in :func:`data_flow`.
    closed_form : bool
        Use :func:`dynamics.theory.balanced_logit.logit` for a class whose points are one repeated vector
        (to relative 1e-12) and whose units are active, of the class's sign and balanced (``y_j^2 = ||x||^2
        z_j^2`` to relative :data:`BALANCE_RTOL`), for the built-in losses with a closed form (bce, hinge).
    rtol, atol : float
        ``solve_ivp`` tolerances for the integrated modes.

    Returns
    -------
    ModeSolution

    Raises
    ------
    ValueError, TypeError
        Bad shapes or values, naming the parameter.
    RuntimeError
        An overflowing residual (the flow diverges on the requested times) or an integrator failure.

    Notes
    -----
    For a loss without a stop margin each integrated class is held in its smaller exact state, in weight space
    when d < n_k and in data space otherwise (m = d or n_k): Gram-reduced, ``(W^T Z, W^T W, Z^T Z)`` or
    ``(u, Y^T Y, Z^T Z)``, m + m^2 + 1 numbers whatever the number of units
    (:func:`derivations.data_coordinates.gram_reduction` proves that it closes), when that is at most
    :data:`GRAM_STATE_RATIO` times the units' own h (m + 1); else the units' rows, with the logits and ``Z'``
    formed through ``W^T Z`` and ``X^T r``.  Either way an evaluation costs a few products with the class's
    points (n_k d, or n_k^2 in data space), never one per unit.  A loss with a stop margin (the hinge) keeps
    the unit-by-unit integration with its margin events.

    Examples
    --------
    One repeated point per class, balanced units: the closed form.

    >>> X = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, -2.0]])
    >>> W0, Z0 = [[0.3, 0.0], [0.0, -0.4]], [0.3, -0.4]
    >>> sol = class_modes(X, [1, 1, -1], [1 / 3] * 3, W0, Z0, [0.0, 2.0], partition=[1, 2])
    >>> sol.theory, sol.per_class
    ('closed form', {1: 'closed form', 2: 'closed form'})
    >>> from dynamics.theory import logit
    >>> bool(np.isclose(sol.logits[-1, 0, 0], logit(2.0, u0=0.09, norm=1.0, p=2 / 3), rtol=1e-12))
    True
    """
    X, signs, weights = _check_data(X, signs, weights)
    n, d = X.shape
    W0, Z0 = _check_init(W0, Z0, d)
    times = _check_times(t)
    part = _check_partition(partition, W0.shape[1])
    if not isinstance(closed_form, (bool, np.bool_)):
        raise TypeError(f"closed_form must be True or False, got {type(closed_form).__name__}")
    rtol, atol = _check_tolerances(rtol, atol)
    resolved = _resolve(loss)
    residual = _residual(resolved)
    K = W0.shape[0]
    logits = np.zeros((times.size, K, n))
    per_class, blocks, states, reduced = {}, [], [], []
    W0, Z0 = W0.copy(), Z0.copy()
    for k, sign in CLASS_SIGNS.items():
        units, points = np.flatnonzero(part == k), np.flatnonzero(signs == sign)
        units = _live_units(X, W0, Z0, units, points)
        closed = _closed_form_class(resolved, X, signs, weights, W0, Z0, units, points, sign) if closed_form else None
        if closed is not None:
            u0, norm, p = closed
            per_class[k] = "closed form"
            scale = max(p, 1.0)  # logit takes a class frequency p <= 1: p t = (p / scale) (scale t)
            if p == 0:
                curve = np.broadcast_to(u0, (times.size, K))
            else:
                curve = balanced_logit(times[:, None] * scale, loss=resolved.name, norm=norm, p=p / scale,
                                       u0=u0[None, :])
            logits[:, :, points] = curve[:, :, None]
            continue
        per_class[k] = "modes"
        if units.size and points.size and residual.stop is None:  # no margin events: the reduced state
            reduced.append((units, points))
        elif units.size and points.size:  # a stop margin (events at the margin): unit by unit
            form = "weights" if d < points.size else "data"
            block, state = _block(X, W0, Z0, signs, weights, units, points, form, switching=False)
            blocks.append(block)
            states.append(state)
    if reduced:
        integrated = _smooth_modes(X, signs, weights, W0, Z0, reduced, times, residual, rtol, atol)
        for _, points in reduced:
            logits[:, :, points] = integrated[:, :, points]
    if blocks:
        system = _System(blocks, K, residual)
        integrated, _, _ = _integrate(system, _System.pack(states), times, n, Z0, rtol, atol, max_switches=10 * n * K)
        for b in blocks:
            logits[:, :, b.points] = integrated[:, :, b.points]
    theory = "closed form" if all(v == "closed form" for v in per_class.values()) else "modes"
    return ModeSolution(t=times, logits=logits, theory=theory, per_class=per_class)
