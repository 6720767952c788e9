"""dynamics.theory.data_flow against gradient descent on the real network (issue 10, item 2).

Every check compares with an independent value: the numpy ground truth (``dynamics.groundtruth.training.train``
on the mean loss, so weights ``1/n``), a small gradient-descent loop written here for a loss the ground truth
does not name, or the closed form :func:`dynamics.logit`.  Gradient descent follows the flow to O(lr), so the
error must shrink in proportion to the learning rate (log-log slope 1).
"""
from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

import derivations
import dynamics
from dynamics.groundtruth.training import train
from dynamics.theory import DataFlowSolution, ModeSolution, Switch, class_modes, data_flow

#: Learning rates of the convergence checks (halving: three points on the log-log line).
LRS = (4e-3, 2e-3, 1e-3)
#: Horizon of the convergence checks (flow time): logits move from ~0.1 to ~2.
HORIZON = 3.0
#: The slope must be 1 within this (the issue's acceptance).
SLOPE_TOL = 0.1
#: Largest relative error at the smallest learning rate (the issue's acceptance).
SMALLEST_LR_REL = 1e-3


def _h1_data(rng, sizes=(4, 6), d=5):
    """Two cones around +a and -a (not coordinate axes), different norms: H1 (within > 0, across < 0)."""
    a = rng.normal(size=d)
    a /= np.linalg.norm(a)
    while True:
        rows, signs = [], []
        for size, sign in zip(sizes, (1.0, -1.0)):
            directions = sign * a + 0.35 * rng.normal(size=(size, d))
            directions /= np.linalg.norm(directions, axis=1, keepdims=True)
            rows.append(directions * rng.uniform(0.5, 2.0, size=(size, 1)))
            signs += [sign] * size
        X, signs = np.vstack(rows), np.array(signs)
        G = X @ X.T
        same = np.equal.outer(signs, signs)
        if np.all(G[same] > 0.05) and np.all(G[~same] < -0.05):
            return X, signs


def _units(rng, X, signs, per_class=(2, 3), balanced=True, scale=0.3):
    """Units of each class: positive combinations of its points; balanced (|z| = ||w||) or not."""
    W, Z, part = [], [], []
    for k, (count, sign) in enumerate(zip(per_class, (1.0, -1.0)), start=1):
        own = X[signs == sign]
        for _ in range(count):
            w = rng.dirichlet(np.ones(own.shape[0])) @ own
            w *= scale * rng.uniform(0.6, 1.4) / np.linalg.norm(w)
            z = np.linalg.norm(w) if balanced else np.linalg.norm(w) * rng.uniform(0.4, 1.8)
            W.append(w)
            Z.append(sign * z)
            part.append(k)
    return np.array(W), np.array(Z), np.array(part)


def _labels(signs):
    return np.where(signs > 0, 1, 2)


def _gd(X, signs, W0, Z0, lr, loss="bce"):
    return train(X, _labels(signs), W0, Z0, loss=loss, lr=lr, steps=int(round(HORIZON / lr)), record_every=1)


def _slope(lrs, errors):
    return float(np.polyfit(np.log(lrs), np.log(errors), 1)[0])


def _first_pattern_change(run):
    """Flow time of the first record whose activation pattern differs from the initial one (None if never)."""
    patterns = run.preactivations > 0
    changed = np.any(patterns != patterns[0], axis=(1, 2))
    return float(run.t[np.argmax(changed)]) if changed.any() else None


# ------------------------------------------------------------------------------------- H1: modes and the flow
@pytest.mark.parametrize("balanced", [True, False])
def test_h1_flow_and_modes_converge_to_gradient_descent(balanced):
    rng = np.random.default_rng(10 + balanced)
    X, signs = _h1_data(rng)
    W0, Z0, part = _units(rng, X, signs, balanced=balanced)
    weights = np.full(len(signs), 1 / len(signs))
    errors, mode_errors = [], []
    for lr in LRS:
        run = _gd(X, signs, W0, Z0, lr)
        flow = data_flow(X, signs, weights, W0, Z0, run.t)
        modes = class_modes(X, signs, weights, W0, Z0, run.t, partition=part, closed_form=False)
        scale = np.max(np.abs(run.logits))
        errors.append(np.max(np.abs(flow.logits[:, 0] - run.logits)) / scale)
        mode_errors.append(np.max(np.abs(modes.logits[:, 0] - run.logits)) / scale)
        assert flow.switches == ()  # H1 with positive-combination units: the pattern never changes
        assert np.max(np.abs(modes.logits - flow.logits)) <= 1e-9 * scale
    assert abs(_slope(LRS, errors) - 1) < SLOPE_TOL, errors
    assert abs(_slope(LRS, mode_errors) - 1) < SLOPE_TOL, mode_errors
    assert errors[-1] < SMALLEST_LR_REL
    assert modes.theory == "modes" and modes.per_class == {1: "modes", 2: "modes"}


def test_h1_many_initializations_in_one_call_equal_separate_calls():
    rng = np.random.default_rng(3)
    X, signs = _h1_data(rng, sizes=(3, 5))
    inits = [_units(rng, X, signs, per_class=(2, 2), balanced=False) for _ in range(3)]
    W0, Z0, part = np.stack([i[0] for i in inits]), np.stack([i[1] for i in inits]), inits[0][2]
    weights = np.full(len(signs), 1 / len(signs))
    t = np.linspace(0, 4, 9)
    together = data_flow(X, signs, weights, W0, Z0, t)
    modes = class_modes(X, signs, weights, W0, Z0, t, partition=part)
    for k in range(3):
        alone = data_flow(X, signs, weights, W0[k], Z0[k], t)
        scale = np.max(np.abs(alone.logits))
        assert np.max(np.abs(together.logits[:, k] - alone.logits[:, 0])) <= 1e-8 * scale
        assert np.max(np.abs(modes.logits[:, k] - alone.logits[:, 0])) <= 1e-8 * scale
    assert together.logits.shape == (9, 3, len(signs)) and together.Z.shape == (9, 3, 4)


# ------------------------------------------------------------------------- the Gram-reduced modes of class_modes
def _unit_by_unit_modes(X, signs, weights, W0, Z0, part, t):
    """The class modes integrated unit by unit, written here: class k's units on class k's points, all
    indicators 1, BCE residual r_i = q_i s_i / (1 + e^{s_i u_i}) by hand; W' = Z g^T, Z' = W g, g = X_k^T r."""
    import scipy.integrate
    K, h, d = W0.shape
    logits = np.zeros((t.size, K, X.shape[0]))
    for k, sign in ((1, 1.0), (2, -1.0)):
        units, points = np.flatnonzero(part == k), np.flatnonzero(signs == sign)
        if not (units.size and points.size):
            continue
        Xk, q = X[points], weights[points]
        for run in range(K):
            def rhs(_, state):
                W, Z = state[:units.size * d].reshape(units.size, d), state[units.size * d:]
                u = Z @ (W @ Xk.T)
                g = (q * sign / (1 + np.exp(sign * u))) @ Xk
                return np.concatenate([np.outer(Z, g).ravel(), W @ g])
            start = np.concatenate([W0[run, units].ravel(), Z0[run, units]])
            sol = scipy.integrate.solve_ivp(rhs, (0, t[-1]), start, method="DOP853", t_eval=t, rtol=1e-12,
                                            atol=1e-14)
            for m in range(t.size):
                W, Z = sol.y[:units.size * d, m].reshape(units.size, d), sol.y[units.size * d:, m]
                logits[m, run, points] = Z @ (W @ Xk.T)
    return logits


@pytest.mark.parametrize("kind", ["gram", "units"])
@pytest.mark.parametrize("sizes, d", [((6, 7), 3), ((3, 4), 6), ((5, 5), 3), ((3, 3), 6)],
                         ids=["weight space", "data space", "weight space, classes batched",
                              "data space, classes batched"])
def test_gram_reduced_modes_equal_the_unit_by_unit_modes(sizes, d, kind, monkeypatch):
    """class_modes integrates (v, M, zeta) (d < n_k) or (u, P, zeta) ("gram"), or the units' own rows with the
    logits formed through W^T Z ("units"): equal to the unit-by-unit modes written here to 1e-9, with a unit of
    zero output weight, a unit serving no class, and two initializations in one call."""
    import importlib
    module = importlib.import_module("dynamics.theory.data_flow")
    monkeypatch.setattr(module, "GRAM_STATE_RATIO", np.inf if kind == "gram" else 0.0)
    chosen = []
    real = module._mode_state

    def recording(*args):
        kind, form, state = real(*args)
        chosen.append((kind, form))
        return kind, form, state

    monkeypatch.setattr(module, "_mode_state", recording)
    rng = np.random.default_rng(21)
    X, signs = _h1_data(rng, sizes=sizes, d=d)
    inits = [_units(rng, X, signs, per_class=(3, 2), balanced=False) for _ in range(2)]
    W0, Z0 = np.stack([i[0] for i in inits]), np.stack([i[1] for i in inits])
    Z0[0, 1] = 0.0
    part = np.array([1, 1, 0, 2, 2])
    weights = rng.uniform(0.5, 1.5, size=len(signs)) / len(signs)
    t = np.linspace(0, 6, 7)
    modes = class_modes(X, signs, weights, W0, Z0, t, partition=part, closed_form=False, rtol=1e-12, atol=1e-14)
    expected = _unit_by_unit_modes(X, signs, weights, W0, Z0, part, t)
    assert np.max(np.abs(modes.logits - expected)) <= 1e-9 * np.max(np.abs(expected))
    assert np.max(np.abs(expected[-1] - expected[0])) > 0.5  # the logits moved
    assert set(chosen) == {(kind, "weights" if d < min(sizes) else "data")}
    only = class_modes(X, signs, weights, W0, Z0, t, partition=[1, 1, 1, 0, 0], closed_form=False)
    assert np.all(only.logits[:, :, signs < 0] == 0)  # a class without units keeps logits 0


def test_gram_reduced_modes_equal_the_flow_for_other_losses():
    """Squared and exponential losses: the reduced modes equal data_flow (unit by unit, no switch) to 1e-9.
    More units than dimensions: both classes are Gram-reduced by default."""
    import importlib
    module = importlib.import_module("dynamics.theory.data_flow")
    rng = np.random.default_rng(22)
    X, signs = _h1_data(rng, sizes=(5, 4), d=2)
    W0, Z0, part = _units(rng, X, signs, per_class=(3, 4), balanced=False)
    for k, sign in ((1, 1.0), (2, -1.0)):
        units, points = part == k, np.flatnonzero(signs == sign)
        assert module._mode_state(X, W0[None, units], Z0[None, units], points)[0] == "gram"
        # products of two weights of 1e-170 are not normal floats: the units' rows are kept
        assert module._mode_state(X, 1e-170 * W0[None, units], 1e-170 * Z0[None, units], points)[0] == "units"
    weights = np.full(len(signs), 1 / len(signs))
    t = np.linspace(0, 3, 4)
    for loss in ("squared", sp.exp(-derivations.margin)):
        flow = data_flow(X, signs, weights, W0, Z0, t, loss=loss, rtol=1e-12, atol=1e-14)
        modes = class_modes(X, signs, weights, W0, Z0, t, partition=part, loss=loss, rtol=1e-12, atol=1e-14)
        assert flow.switches == ()
        assert np.max(np.abs(modes.logits - flow.logits)) <= 1e-9 * np.max(np.abs(flow.logits))


def test_gram_reduced_modes_refuse_an_overflowing_residual():
    X, signs = np.array([[1.0, 0.3], [-1.0, 0.2]]), np.array([1.0, -1.0])
    W0, Z0 = np.array([[30.0, 9.0], [-30.0, 6.0]]), np.array([30.0, -30.0])
    with pytest.raises(RuntimeError, match="residual overflowed"):  # e^{-s u} with s u -> -inf: diverges
        class_modes(X, signs, [0.5, 0.5], W0, -Z0, [0.0, 1.0], partition=[1, 2], loss=sp.exp(-derivations.margin),
                    closed_form=False)


# ------------------------------------------------------------------------------ outside H1: the switching flow
def _violating_data():
    """Class 1 spans an obtuse angle; a class-2 point has positive inner product with class 1; random units."""
    X = np.array([[1.0, 0.2, 0.1], [0.3, 1.0, -0.2], [-0.4, 0.9, 0.3], [0.6, -0.5, 0.8], [-1.0, -0.3, 0.2]])
    signs = np.array([1.0, 1.0, 1.0, -1.0, -1.0])
    W0 = np.array([[0.35, -0.25, 0.05], [-0.1, 0.3, 0.2], [0.2, 0.1, -0.3]])
    Z0 = np.array([0.4, 0.3, -0.35])
    return X, signs, W0, Z0


def test_outside_h1_flow_converges_and_switch_times_match_gradient_descent():
    X, signs, W0, Z0 = _violating_data()
    G = X @ X.T
    assert G[1, 2] > 0 and G[0, 3] > 0  # H1 violated: a positive cross-class inner product
    weights = np.full(len(signs), 1 / len(signs))
    errors, gaps = [], []
    for lr in LRS:
        run = _gd(X, signs, W0, Z0, lr)
        flow = data_flow(X, signs, weights, W0, Z0, run.t)
        errors.append(np.max(np.abs(flow.logits[:, 0] - run.logits)) / np.max(np.abs(run.logits)))
        assert flow.switches, "this dataset must switch patterns"
        gaps.append(abs(flow.switches[0].time - _first_pattern_change(run)))
    assert abs(_slope(LRS, errors) - 1) < SLOPE_TOL, errors
    assert errors[-1] < SMALLEST_LR_REL
    assert gaps[-1] < gaps[0] and gaps[-1] <= 2 * LRS[-1], gaps  # the switch time converges with lr


def test_random_data_with_sliding_preactivations_converges_to_gradient_descent():
    # Gaussian data with random labels and a random init: some pre-activations are pushed onto 0 from both sides;
    # gradient descent chatters there (its indicator flips every few steps) and the flow slides
    rng = np.random.default_rng(7)
    n, d, h = 30, 4, 6
    X = rng.normal(size=(n, d))
    signs = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    signs[:2] = 1.0, -1.0
    W0, Z0 = 0.3 * rng.normal(size=(h, d)), 0.3 * rng.normal(size=h)
    errors = []
    for lr in LRS:
        run = train(X, _labels(signs), W0, Z0, lr=lr, steps=int(round(4 / lr)), record_every=1)
        flow = data_flow(X, signs, np.full(n, 1 / n), W0, Z0, run.t)
        errors.append(np.max(np.abs(flow.logits[:, 0] - run.logits)) / np.max(np.abs(run.logits)))
    kinds = [s.kind for s in flow.switches]
    assert "slides" in kinds and "activates" in kinds and "deactivates" in kinds
    chatter = np.sum(np.diff(run.preactivations > 0, axis=0), axis=0).max()
    assert chatter > 20  # gradient descent really flips one indicator many times (41 at lr 1e-3)
    assert abs(_slope(LRS, errors) - 1) < SLOPE_TOL, errors
    assert errors[-1] < SMALLEST_LR_REL


def test_deactivation_is_recorded_and_matches_gradient_descent():
    # H2 violated: unit 0 (class 1's sign) starts active on the class-2 point too; both classes push it off there
    X = np.array([[1.0, 0.0], [1.0, 0.2], [-0.3, 1.0]])
    signs = np.array([1.0, 1.0, -1.0])
    W0, Z0 = np.array([[0.5, 0.3], [-0.3, 0.6]]), np.array([0.5, -0.4])
    weights = np.full(3, 1 / 3)
    flow = data_flow(X, signs, weights, W0, Z0, np.linspace(0, HORIZON, 4))
    assert [(s.unit, s.point, s.kind) for s in flow.switches] == [(0, 2, "deactivates")]
    lr = 1e-3
    run = _gd(X, signs, W0, Z0, lr)
    patterns = run.preactivations > 0  # (R, n, h)
    for s in flow.switches:
        flips = np.flatnonzero(patterns[1:, s.point, s.unit] != patterns[:-1, s.point, s.unit])
        assert flips.size, f"gradient descent never switches unit {s.unit} on point {s.point}"
        assert abs(run.t[flips[0] + 1] - s.time) < 5 * lr
        assert patterns[flips[0] + 1, s.point, s.unit] == (s.kind == "activates")


# ------------------------------------------------------------------------------------------------ closed forms
def test_closed_form_equals_integrated_modes_and_logit():
    # class 1: one point repeated 3 times, class 2: another repeated twice; balanced units (y^2 = n^2 z^2)
    x1, x2 = np.array([0.6, 0.8, 0.5]), np.array([-0.9, -0.2, 0.4])
    X = np.array([x1, x1, x1, x2, x2])
    signs = np.array([1.0, 1.0, 1.0, -1.0, -1.0])
    weights = np.array([0.1, 0.3, 0.2, 0.15, 0.25])
    rng = np.random.default_rng(5)
    W, Z = [], []
    for x, sign, count in ((x1, 1, 2), (x2, -1, 3)):
        for _ in range(count):
            w = x * rng.uniform(0.1, 0.3) + 0.05 * rng.normal(size=3) * 0  # along x: balanced by construction
            W.append(w)
            Z.append(sign * (w @ x) / np.linalg.norm(x))
    W0, Z0, part = np.array(W), np.array(Z), np.array([1, 1, 2, 2, 2])
    t = np.linspace(0, 20, 11)
    closed = class_modes(X, signs, weights, W0, Z0, t, partition=part)
    integrated = class_modes(X, signs, weights, W0, Z0, t, partition=part, closed_form=False, rtol=1e-12,
                             atol=1e-14)
    assert closed.theory == "closed form" and closed.per_class == {1: "closed form", 2: "closed form"}
    assert integrated.theory == "modes"
    assert np.max(np.abs(closed.logits - integrated.logits) / np.abs(integrated.logits)) < 1e-9
    for sign, x, mass, cols in ((1, x1, 0.6, slice(0, 3)), (-1, x2, 0.4, slice(3, 5))):
        own = part == (1 if sign > 0 else 2)
        u0 = float(np.sum(Z0[own] * (W0[own] @ x)))
        expected = dynamics.logit(t, u0=u0, norm=np.linalg.norm(x), p=mass)
        assert np.allclose(integrated.logits[:, 0, cols], expected[:, None], rtol=1e-9, atol=0)


def test_hinge_closed_form_equals_integrated_modes():
    x1, x2 = np.array([0.6, 0.8]), np.array([-1.0, 0.3])
    X, signs, weights = np.array([x1, x1, x2]), np.array([1.0, 1.0, -1.0]), np.array([0.3, 0.3, 0.4])
    W0 = np.array([0.4 * x1, 0.2 * x1, 0.3 * x2])
    Z0 = np.array([0.4, 0.2, -0.3]) * np.array([1.0, 1.0, np.linalg.norm(x2)])  # y_j = ||x|| |z_j|
    t = np.linspace(0, 8, 9)
    closed = class_modes(X, signs, weights, W0, Z0, t, partition=[1, 1, 2], loss="hinge")
    integrated = class_modes(X, signs, weights, W0, Z0, t, partition=[1, 1, 2], loss="hinge", closed_form=False,
                             rtol=1e-12, atol=1e-14)
    assert closed.theory == "closed form"
    assert np.allclose(closed.logits, integrated.logits, rtol=1e-9, atol=0)
    assert np.allclose(signs * closed.logits[-1, 0], 1.0, rtol=1e-12)  # both classes stopped at the margin


def test_closed_form_time_scaling_when_class_weight_exceeds_one():
    x = np.array([1.0, 1.0])
    X, signs, weights = np.array([x, x]), np.array([1.0, 1.0]), np.array([1.5, 0.5])  # class weight 2
    W0, Z0 = np.array([[0.2, 0.2]]), np.array([0.2 * np.sqrt(2)])
    t = np.array([0.0, 1.0, 3.0])
    closed = class_modes(X, signs, weights, W0, Z0, t, partition=[1])
    integrated = class_modes(X, signs, weights, W0, Z0, t, partition=[1], closed_form=False, rtol=1e-12,
                             atol=1e-14)
    assert closed.per_class[1] == "closed form"
    assert np.allclose(closed.logits, integrated.logits, rtol=1e-9, atol=0)


# ------------------------------------------------------------------------------------ forms and other losses
def test_data_and_weight_forms_are_the_same_flow():
    X, signs, W0, Z0 = _violating_data()
    weights = np.array([0.1, 0.3, 0.2, 0.25, 0.15])
    t = np.linspace(0, 5, 11)
    data = data_flow(X, signs, weights, W0, Z0, t, form="data", rtol=1e-12, atol=1e-14)
    weight = data_flow(X, signs, weights, W0, Z0, t, form="weights", rtol=1e-12, atol=1e-14)
    assert (data.form, weight.form) == ("data", "weights")
    assert data_flow(X, signs, weights, W0, Z0, t).form == "weights"  # d = 3 < n = 5
    scale = np.max(np.abs(data.logits))
    assert np.max(np.abs(data.logits - weight.logits)) <= 1e-9 * scale
    assert [(s.unit, s.point, s.kind) for s in data.switches] == [(s.unit, s.point, s.kind) for s in weight.switches]
    assert np.allclose([s.time for s in data.switches], [s.time for s in weight.switches], rtol=1e-8)


def test_hinge_stops_at_the_margin_like_gradient_descent():
    rng = np.random.default_rng(7)
    X, signs = _h1_data(rng, sizes=(3, 4))
    W0, Z0, part = _units(rng, X, signs, per_class=(2, 2), scale=0.5)
    weights = np.full(len(signs), 1 / len(signs))
    lr = 1e-3
    run = train(X, _labels(signs), W0, Z0, loss="hinge", lr=lr, steps=8000, record_every=10)
    flow = data_flow(X, signs, weights, W0, Z0, run.t, loss="hinge")
    modes = class_modes(X, signs, weights, W0, Z0, run.t, partition=part, loss="hinge")
    stops = sorted(s.point for s in flow.switches if s.kind == "stops learning")
    learning = np.flatnonzero(signs * run.logits[0] < 1)
    assert 0 < len(learning) < len(signs) and stops == learning.tolist()  # one starts beyond the margin
    assert [s.kind for s in flow.switches] == ["stops learning"] * len(stops)
    final = signs * flow.logits[-1, 0]
    assert np.all(final >= 1 - 1e-9) and np.all(np.abs(flow.logits[-1] - flow.logits[-2]) == 0)
    assert np.max(np.abs(flow.logits[:, 0] - run.logits)) < 20 * lr
    assert np.max(np.abs(modes.logits - flow.logits)) < 1e-9


def _exponential_gd(X, signs, W, Z, lr, steps):
    """Gradient descent on the mean of exp(-s u), written here (the ground truth names no such loss)."""
    W, Z = W.copy(), Z.copy()
    for _ in range(steps):
        pre = W @ X.T
        hidden = np.maximum(pre, 0)
        u = Z @ hidden
        g = -signs * np.exp(-signs * u) / len(signs)  # dL/du
        grad_Z = hidden @ g
        grad_W = (Z[:, None] * (pre > 0) * g) @ X
        W -= lr * grad_W
        Z -= lr * grad_Z
    return Z @ np.maximum(W @ X.T, 0)


def test_exponential_loss_expression():
    X, signs, W0, Z0 = _violating_data()
    weights = np.full(len(signs), 1 / len(signs))
    flow = data_flow(X, signs, weights, W0, Z0, [0.0, 2.0], loss=sp.exp(-derivations.margin))
    errors = []
    for lr in (2e-3, 1e-3):
        errors.append(np.max(np.abs(flow.logits[-1, 0] - _exponential_gd(X, signs, W0, Z0, lr, int(2 / lr)))))
    assert errors[1] < 0.6 * errors[0] and errors[1] < 1e-2 * np.max(np.abs(flow.logits[-1]))


# ---------------------------------------------------------------------------------------------------- extremes
def test_extreme_logits_and_long_horizons_stay_finite():
    X, signs = np.array([[1.0, 0.3], [-1.0, 0.2]]), np.array([1.0, -1.0])
    W0 = np.array([[1e-6, 3e-7], [-1e-6, 2e-7]])
    Z0 = np.array([1e-6, -1e-6])
    t = np.array([0.0, 1.0, 1e3, 1e6])
    flow = data_flow(X, signs, [0.5, 0.5], W0, Z0, t)
    assert np.all(np.isfinite(flow.logits)) and np.all(np.diff(signs * flow.logits[:, 0], axis=0) > 0)
    big = data_flow(X, signs, [0.5, 0.5], 30 * W0 / 1e-6, 30 * Z0 / 1e-6, [0.0, 10.0])  # u ~ 1000: e^u overflows
    assert np.all(np.isfinite(big.logits))


@pytest.mark.parametrize("scale", [1e-150, 1e-8, 3.0])
def test_tiny_and_large_initializations_match_the_closed_form(scale):
    # one repeated point per class, balanced units: dynamics.logit is exact; the flow must match it at any scale
    x = np.array([0.6, 0.8])
    X, signs = np.array([x, x, -1.5 * x]), np.array([1.0, 1.0, -1.0])
    W0, Z0 = scale * np.array([x, -x]), scale * np.array([1.0, -1.0])  # y_j = ||x|| |z_j|: balanced
    t = np.array([0.0, 1.0, 100.0, 1e4])
    flow = data_flow(X, signs, np.full(3, 1 / 3), W0, Z0, t)
    for cols, u0, norm, p in ((slice(0, 2), scale ** 2, 1.0, 2 / 3), (slice(2, 3), -1.5 * scale ** 2, 1.5, 1 / 3)):
        expected = dynamics.logit(t, u0=u0, norm=norm, p=p)
        assert np.allclose(flow.logits[:, 0, cols], expected[:, None], rtol=1e-8, atol=0)


def test_repeated_and_late_times():
    X, signs, W0, Z0 = _violating_data()
    weights = np.full(5, 0.2)
    full = data_flow(X, signs, weights, W0, Z0, [0.0, 0.5, 1.0, 2.0])
    late = data_flow(X, signs, weights, W0, Z0, [0.5, 1.0, 1.0, 2.0])
    assert np.allclose(late.logits[[0, 1, 3]], full.logits[1:], rtol=1e-8, atol=0)
    assert np.array_equal(late.logits[1], late.logits[2]) and late.t.tolist() == [0.5, 1.0, 1.0, 2.0]


def test_results_are_read_only_and_frozen():
    X, signs, W0, Z0 = _violating_data()
    flow = data_flow(X, signs, np.full(5, 0.2), W0, Z0, [0.0, 1.0])
    modes = class_modes(X, signs, np.full(5, 0.2), W0, Z0, [0.0, 1.0], partition=[1, 1, 2])
    assert isinstance(flow, DataFlowSolution) and isinstance(modes, ModeSolution)
    for arr in (flow.t, flow.logits, flow.Z, modes.logits):
        with pytest.raises(ValueError):
            arr[0] = 1.0
    with pytest.raises(AttributeError):
        flow.form = "x"
    assert flow.theory == "data-coordinate flow"
    assert all(isinstance(s, Switch) for s in flow.switches)


def test_entries_exactly_at_zero_pick_their_side_by_direction():
    # unit 0 starts exactly at 0 on point 1 and is pulled up; unit 1 is dead (w = 0, z = 0) and never fires
    X = np.array([[1.0, 0.0], [0.7, 0.7]])
    W0 = np.array([[0.5, -0.5], [0.0, 0.0]])  # w0 . x1 = 0 exactly
    Z0 = np.array([0.5, 0.0])
    flow = data_flow(X, [1.0, 1.0], [0.5, 0.5], W0, Z0, [0.0, 0.5, 1.0])
    assert flow.switches == ()
    assert flow.logits[-1, 0, 1] > 0  # active on point 1 from the start
    run = train(X, [1, 1], W0, Z0, lr=1e-4, steps=10_000, record_every=5000)
    assert np.max(np.abs(flow.logits[:, 0] - run.logits)) < 1e-3


def test_hinge_point_sliding_along_its_margin_matches_gradient_descent():
    # point 0 reaches its margin first while point 1 (same class, obtuse angle) keeps pushing it back: gradient
    # descent holds it at the margin (stop, resume, stop...) until point 1 reaches its own margin too
    X = np.array([[1.0, 0.0], [-0.5, 1.0]])
    W0, Z0 = np.array([[0.5, 0.5]]), np.array([1.0])
    flow = data_flow(X, [1.0, 1.0], [0.5, 0.5], W0, Z0, [0.0, 6.0], loss="hinge")
    assert [(s.point, s.kind) for s in flow.switches] == [(0, "slides"), (0, "stops learning"),
                                                          (1, "stops learning")]
    assert np.allclose(flow.logits[-1, 0], 1.0, rtol=1e-9)
    errors = []
    for lr in LRS:
        run = train(X, [1, 1], W0, Z0, loss="hinge", lr=lr, steps=int(round(6 / lr)), record_every=10)
        flow = data_flow(X, [1.0, 1.0], [0.5, 0.5], W0, Z0, run.t, loss="hinge")
        errors.append(np.max(np.abs(flow.logits[:, 0] - run.logits)))
    assert abs(_slope(LRS, errors) - 1) < 2 * SLOPE_TOL, errors  # the stops are discontinuities: slope 1.13
    assert errors[-1] < SMALLEST_LR_REL


def test_hinge_on_random_data_with_both_sliding_kinds_converges_to_gradient_descent():
    # a pre-activation and a point's margin slide at the same time: the held pulls must superpose
    rng = np.random.default_rng(10)
    n, d, h = 30, 4, 6
    X = rng.normal(size=(n, d))
    signs = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    signs[:2] = 1.0, -1.0
    W0, Z0 = 0.3 * rng.normal(size=(h, d)), 0.3 * rng.normal(size=h)
    errors = []
    for lr in LRS:
        run = train(X, _labels(signs), W0, Z0, loss="hinge", lr=lr, steps=int(round(3.2 / lr)), record_every=10)
        flow = data_flow(X, signs, np.full(n, 1 / n), W0, Z0, run.t, loss="hinge")
        errors.append(np.max(np.abs(flow.logits[:, 0] - run.logits)) / np.max(np.abs(run.logits)))
    kinds = {(s.kind, s.unit == -1) for s in flow.switches}
    assert {("slides", True), ("slides", False), ("stops learning", True)} <= kinds
    assert abs(_slope(LRS, errors) - 1) < SLOPE_TOL, errors
    assert errors[-1] < SMALLEST_LR_REL


def test_switching_initializations_in_one_call_equal_separate_calls():
    rng = np.random.default_rng(10)
    n, d, h, K = 30, 4, 6, 2
    X = rng.normal(size=(n, d))
    signs = np.where(rng.random(n) < 0.5, 1.0, -1.0)
    signs[:2] = 1.0, -1.0
    W0, Z0 = 0.3 * rng.normal(size=(K, h, d)), 0.3 * rng.normal(size=(K, h))
    t = np.linspace(0, 3, 7)
    together = data_flow(X, signs, np.full(n, 1 / n), W0, Z0, t, loss="hinge")
    for k in range(K):
        alone = data_flow(X, signs, np.full(n, 1 / n), W0[k], Z0[k], t, loss="hinge")
        assert np.max(np.abs(together.logits[:, k] - alone.logits[:, 0])) < 1e-8
        assert [(s.unit, s.point, s.kind) for s in together.switches if s.run == k] == \
            [(s.unit, s.point, s.kind) for s in alone.switches]


def test_too_many_switches_is_refused_clearly():
    X, signs, W0, Z0 = _violating_data()
    with pytest.raises(RuntimeError, match="outside what this predictor covers"):
        data_flow(X, signs, np.full(5, 0.2), W0, Z0, [0.0, HORIZON], max_switches=0)


# ---------------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("change, exc, name", [
    (dict(X=np.ones(3)), ValueError, "X"),
    (dict(signs=[1, 0]), ValueError, "signs"),
    (dict(signs=[1, 1, 1]), ValueError, "signs"),
    (dict(weights=[0.5, -0.5]), ValueError, "weights"),
    (dict(weights=[0.5]), ValueError, "weights"),
    (dict(W0=np.ones((2, 3))), ValueError, "W0"),
    (dict(Z0=np.ones(3)), ValueError, "Z0"),
    (dict(t=[1.0, 0.5]), ValueError, "t"),
    (dict(t=[-1.0, 0.5]), ValueError, "t"),
    (dict(t=[[0.0, 1.0]]), ValueError, "t"),
    (dict(form="fast"), ValueError, "form"),
    (dict(rtol=0.0), ValueError, "rtol"),
    (dict(max_switches=-1), ValueError, "max_switches"),
    (dict(max_switches=1.5), TypeError, "max_switches"),
    (dict(X="data"), TypeError, "X"),
    (dict(loss="logistic"), ValueError, "logistic"),
])
def test_bad_inputs_name_the_parameter(change, exc, name):
    args = dict(X=np.array([[1.0, 0.0], [0.0, 1.0]]), signs=[1, -1], weights=[0.5, 0.5], W0=np.eye(2),
                Z0=[0.1, -0.1], t=[0.0, 1.0])
    options = {key: change.pop(key) for key in list(change) if key in ("form", "rtol", "max_switches", "loss")}
    args.update(change)
    with pytest.raises(exc, match=name):
        data_flow(args["X"], args["signs"], args["weights"], args["W0"], args["Z0"], args["t"], **options)


@pytest.mark.parametrize("partition, exc", [([1], ValueError), ([1, 3], ValueError), ("12", TypeError)])
def test_bad_partition(partition, exc):
    with pytest.raises(exc, match="partition"):
        class_modes(np.eye(2), [1, -1], [0.5, 0.5], np.eye(2), [0.1, -0.1], [0.0, 1.0], partition=partition)


# ------------------------------------------------------------------ entries exactly at 0: gradient descent's rule
def _flow_against_descent(X, signs, W0, Z0, horizon=HORIZON):
    """Relative logit errors of the flow against gradient descent at LRS, and the last (flow, run)."""
    n = len(signs)
    errors = []
    for lr in LRS:
        run = train(X, _labels(signs), W0, Z0, lr=lr, steps=int(round(horizon / lr)), record_every=10)
        flow = data_flow(X, signs, np.full(n, 1 / n), W0, Z0, run.t)
        errors.append(np.max(np.abs(flow.logits[:, 0] - run.logits)) / np.max(np.abs(run.logits)))
    return errors, flow, run


def _assert_frozen(flow, run, W0, Z0, unit):
    """The unit never moves under gradient descent (relu'(0) = 0) nor in the flow."""
    assert np.array_equal(run.W[unit], W0[unit]) and np.all(run.Z_history[:, unit] == Z0[unit])
    assert np.all(run.preactivations[:, :, unit] == 0)
    assert np.all(flow.Z[:, 0, unit] == Z0[unit])
    assert all(s.unit != unit for s in flow.switches)


@pytest.mark.parametrize("data", ["h1", "violating"])
def test_zero_unit_among_normal_ones_is_frozen_like_gradient_descent(data):
    # a zero row of W: its 10 (h1) or 5 pre-activations sit at 0 at once; the old predictor refused more than 6
    rng = np.random.default_rng(4)
    if data == "h1":
        X, signs = _h1_data(rng)
        W0, Z0, _ = _units(rng, X, signs)
    else:
        X, signs, W0, Z0 = _violating_data()
    W0, Z0 = np.vstack([W0[:1], np.zeros(X.shape[1]), W0[1:]]), np.r_[Z0[:1], 0.4, Z0[1:]]
    errors, flow, run = _flow_against_descent(X, signs, W0, Z0)
    _assert_frozen(flow, run, W0, Z0, unit=1)
    assert abs(_slope(LRS, errors) - 1) < SLOPE_TOL, errors
    assert errors[-1] < SMALLEST_LR_REL
    # the frozen unit changes nothing: the flow without it is the same
    alone = data_flow(X, signs, np.full(len(signs), 1 / len(signs)), np.delete(W0, 1, axis=0), np.delete(Z0, 1),
                      run.t)
    assert np.max(np.abs(alone.logits - flow.logits)) <= 1e-9 * np.max(np.abs(flow.logits))


def test_all_zero_initialization_never_moves_like_gradient_descent():
    rng = np.random.default_rng(4)
    X, signs = _h1_data(rng)  # 10 points: every unit has 10 pre-activations at 0
    W0, Z0, _ = _units(rng, X, signs)
    W0 = np.zeros_like(W0)
    run = train(X, _labels(signs), W0, Z0, lr=1e-2, steps=300, record_every=10)
    flow = data_flow(X, signs, np.full(len(signs), 1 / len(signs)), W0, Z0, run.t)
    assert np.all(run.logits == 0) and np.all(flow.logits == 0)
    assert np.all(flow.Z[:, 0] == Z0) and np.all(run.Z_history == Z0) and flow.switches == ()
    zero = data_flow(X, signs, np.full(len(signs), 1 / len(signs)), W0, np.zeros_like(Z0), run.t)  # Z0 = 0 too
    assert np.all(zero.logits == 0) and np.all(zero.Z == 0)


def test_unit_orthogonal_to_every_point_is_frozen_like_gradient_descent():
    rng = np.random.default_rng(4)
    X, signs = _h1_data(rng)
    X[:, -1] = 0.0  # every point in the span of e1..e4; the extra unit is along e5 (w != 0, every w . x = 0)
    W0, Z0, _ = _units(rng, X, signs)
    W0, Z0 = np.vstack([W0, 0.7 * np.eye(X.shape[1])[-1]]), np.r_[Z0, -0.3]
    errors, flow, run = _flow_against_descent(X, signs, W0, Z0)
    _assert_frozen(flow, run, W0, Z0, unit=len(Z0) - 1)
    assert abs(_slope(LRS, errors) - 1) < SLOPE_TOL, errors
    assert errors[-1] < SMALLEST_LR_REL


def test_points_orthogonal_to_a_unit_and_to_its_active_points_stay_at_zero():
    # 7 points along e3 sit at 0 on unit 0 (w0 in the (e1, e2) plane) and are orthogonal to the points it is
    # active on: nothing pushes them, gradient descent leaves them exactly at 0 while the unit learns
    rng = np.random.default_rng(2)
    X = np.vstack([np.c_[np.zeros((7, 2)), rng.normal(size=7)],
                   np.c_[np.abs(rng.normal(size=5)) + 0.3, rng.normal(size=5), np.zeros(5)]])
    signs = np.r_[np.where(rng.random(7) < 0.5, 1.0, -1.0), np.ones(5)]
    W0, Z0 = np.vstack([[0.6, 0.1, 0.0], 0.3 * rng.normal(size=(2, 3))]), np.r_[0.5, 0.3 * rng.normal(size=2)]
    assert np.all(W0[0] @ X[:7].T == 0)
    errors, flow, run = _flow_against_descent(X, signs, W0, Z0)
    assert np.all(run.preactivations[:, :7, 0] == 0) and np.any(run.W[0] != W0[0])
    assert abs(_slope(LRS, errors) - 1) < SLOPE_TOL, errors
    assert errors[-1] < SMALLEST_LR_REL


def test_many_points_at_zero_that_move_follow_gradient_descent():
    # 8 points have x1 = 0 and sit exactly at 0 on unit 0 (w0 = 0.6 e1), but the unit's active points push them
    # (more than MAX_BOUNDARY_PER_UNIT moving entries): decided by gradient descent's rule, some turn on
    rng = np.random.default_rng(2)
    A = rng.normal(size=(8, 3))
    A[:, 0] = 0.0
    B = rng.normal(size=(6, 3))
    B[:, 0] = np.abs(B[:, 0]) + 0.5
    X = np.vstack([A, B])
    signs = np.where(rng.random(14) < 0.5, 1.0, -1.0)
    signs[:2] = 1.0, -1.0
    W0, Z0 = np.vstack([[0.6, 0.0, 0.0], 0.3 * rng.normal(size=(3, 3))]), np.r_[0.5, 0.3 * rng.normal(size=3)]
    assert np.sum(W0[0] @ X.T == 0) == 8
    errors, flow, run = _flow_against_descent(X, signs, W0, Z0)
    moved = run.preactivations[-1, :8, 0]
    assert np.any(moved > 0) and np.any(moved < 0)  # the choice matters: some turn on, some off
    assert abs(_slope(LRS, errors) - 1) < SLOPE_TOL, errors
    assert errors[-1] < SMALLEST_LR_REL


@pytest.mark.parametrize("case", ["zero row in a class", "zero row in no class", "zero output weight"])
def test_class_modes_with_a_zero_unit_match_gradient_descent(case):
    rng = np.random.default_rng(4)
    X, signs = _h1_data(rng)
    W0, Z0, part = _units(rng, X, signs)
    if case == "zero output weight":
        Z0 = np.r_[0.0, Z0[1:]]  # unit 0 is active on class 1: its z grows from 0
    else:
        W0, Z0 = np.vstack([W0, np.zeros(X.shape[1])]), np.r_[Z0, 0.4]
        part = np.r_[part, 1 if case == "zero row in a class" else 0]
    weights = np.full(len(signs), 1 / len(signs))
    errors = []
    for lr in LRS:
        run = _gd(X, signs, W0, Z0, lr)
        modes = class_modes(X, signs, weights, W0, Z0, run.t, partition=part)
        errors.append(np.max(np.abs(modes.logits[:, 0] - run.logits)) / np.max(np.abs(run.logits)))
    flow = data_flow(X, signs, weights, W0, Z0, run.t)
    assert np.max(np.abs(modes.logits - flow.logits)) <= 1e-9 * np.max(np.abs(flow.logits))
    assert abs(_slope(LRS, errors) - 1) < SLOPE_TOL, errors
    assert errors[-1] < SMALLEST_LR_REL


def test_class_modes_freeze_a_zero_unit_in_one_run_only():
    # run 0 has a zero row in class 1, run 1 not: each run equals its own flow
    rng = np.random.default_rng(4)
    X, signs = _h1_data(rng)
    W0, Z0, part = _units(rng, X, signs)
    W0 = np.stack([W0, W0])
    W0[0, 0] = 0.0
    weights = np.full(len(signs), 1 / len(signs))
    t = np.linspace(0.0, HORIZON, 4)
    modes = class_modes(X, signs, weights, W0, Z0, t, partition=part)
    flow = data_flow(X, signs, weights, W0, Z0, t)
    assert np.max(np.abs(modes.logits - flow.logits)) <= 1e-9 * np.max(np.abs(flow.logits))
    assert np.max(np.abs(flow.logits[:, 0] - flow.logits[:, 1])) > 1e-2  # the frozen unit matters


def test_many_moving_points_at_zero_that_do_not_settle_are_refused_clearly(monkeypatch):
    # the case above with no round of gradient descent's rule allowed: refused, naming the unit and the count
    import sys
    monkeypatch.setattr(sys.modules["dynamics.theory.data_flow"], "DESCENT_ROUNDS", 0)  # the module, not the function
    rng = np.random.default_rng(2)
    X = np.c_[np.zeros(8), rng.normal(size=(8, 2))]
    X = np.vstack([X, [[1.0, 0.3, -0.2]]])
    signs = np.r_[np.ones(4), -np.ones(4), 1.0]
    with pytest.raises(ValueError, match="unit 0 has 8 pre-activations at 0 at once that move.*outside what this"):
        data_flow(X, signs, np.full(9, 1 / 9), [[0.6, 0.0, 0.0]], [0.5], [0.0, 1.0])
