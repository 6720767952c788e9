"""Issue 9, items 2, 3, 7 and 10: ReLU death in the mode map, the signed margin, confidence, piecewise losses.

Every reference here is independent of the library's theory path: plain numpy gradient descent on the real
two-layer network (weights W, Z, a data matrix, the mean loss, slopes written below), or solutions worked by
hand (the hinge's flow is linear inside the margin, so it is solved with cosh and sinh).
"""
import numpy as np
import pytest
import sympy as sp
from scipy.optimize import brentq
from scipy.special import expit

import derivations
import dynamics
from derivations import margin
from dynamics.groundtruth.losses import loss_and_slope


# --- plain numpy gradient descent on the real network (independent of derivations and dynamics) ----------

def bce_slope(m):
    return -expit(-m)


def hinge_slope(m):
    return np.where(m < 1, -1.0, 0.0)


def squared_hinge_slope(m):
    return -np.maximum(0.0, 1 - m)


def network(class1, class2, *, n1, n2, n_pos, n_neg):
    """Data matrix, signs and weights with W_1 x1 = y1, Z_1 = z1 (and class 2 alike), H2 pattern."""
    x1, x2 = np.array([n1, 0.0, 0.0]), np.array([0.0, n2, 0.0])
    X = np.vstack([np.tile(x1, (n_pos, 1)), np.tile(x2, (n_neg, 1))])
    signs = np.r_[np.ones(n_pos), -np.ones(n_neg)]
    (y1, z1), (y2, z2) = class1, class2
    # each unit is off on the other class (w1.x2 = -0.3, w2.x1 = -0.4) and has a component outside the data
    W = np.array([y1 / n1**2 * x1 - 0.3 * x2 / n2**2 + [0, 0, 0.2],
                  y2 / n2**2 * x2 - 0.4 * x1 / n1**2 + [0, 0, -0.1]])
    return X, signs, W, np.array([z1, z2], float)


def gradient_descent(X, signs, W, Z, slope, eta, steps):
    """Full-batch GD on the mean loss; returns logits at x1, x2 and (y1, z1, y2, z2) after every step."""
    W, Z = W.copy(), Z.copy()
    N = X.shape[0]
    logits, modes = [], []
    for step in range(steps + 1):
        H = X @ W.T
        A = np.maximum(H, 0.0)
        u = A @ Z
        logits.append((u[0], u[-1]))
        modes.append((W[0] @ X[0], Z[0], W[1] @ X[-1], Z[1]))
        if step == steps:
            break
        g = slope(signs * u) * signs / N  # d(mean loss)/du_i
        grad_Z = A.T @ g
        grad_W = ((g[:, None] * (H > 0)) * Z[None, :]).T @ X
        W -= eta * grad_W
        Z -= eta * grad_Z
    return np.array(logits), np.array(modes)


def parameters(n1, n2, n_pos, n_neg):
    return {"n_1": n1, "n_2": n2, "p": n_pos / (n_pos + n_neg)}


# --- item 2: a ReLU that dies within one step ------------------------------------------------------------

def test_mode_map_after_a_relu_dies_in_one_step_matches_gradient_descent():
    geometry = dict(n1=1.0, n2=1.0, n_pos=1, n_neg=1)
    X, s, W, Z = network((0.3, -1.2), (0.5, -0.5), **geometry)
    gd_logits, gd_modes = gradient_descent(X, s, W, Z, bce_slope, eta=1.0, steps=20)
    run = dynamics.iterate_mode_map(derivations.two_layer("bce"), [0.3, -1.2, 0.5, -0.5], eta=1.0, steps=20,
                                    parameters=parameters(**geometry))
    assert gd_modes[1, 0] < 0 and gd_logits[1, 0] == 0.0  # the unit died in step 1 and the network says 0
    np.testing.assert_allclose(run.logits["class_1"][:, 0], gd_logits[:, 0], rtol=0, atol=1e-14)
    np.testing.assert_allclose(run.logits["class_2"][:, 0], gd_logits[:, 1], rtol=1e-13, atol=1e-15)
    np.testing.assert_allclose(run.states[:, 0, :], gd_modes, rtol=1e-13, atol=1e-15)  # states stay exact
    assert run.death_steps["y_1"][0] == 1 and np.isnan(run.death_steps["y_2"][0])
    assert run.death_times["y_1"][0] == 1.0


def test_mode_map_records_a_unit_dead_from_the_start():
    run = dynamics.iterate_mode_map(derivations.two_layer("bce"), [[-0.1, 0.5, 0.2, -0.2], [0.1, 0.5, 0.2, -0.2]],
                                    eta=0.1, steps=3, parameters={"n_1": 1.0, "n_2": 1.0, "p": 0.5})
    assert run.death_steps["y_1"].tolist()[0] == 0 and np.isnan(run.death_steps["y_1"][1])
    assert np.all(run.logits["class_1"][:, 0] == 0) and np.all(run.states[:, 0, :2] == [-0.1, 0.5])


# --- item 3: the signed margin ---------------------------------------------------------------------------

def hinge_hand_solution(y0, z0, norm, rate_sign, a, t):
    """Hinge flow inside the margin, worked by hand: y' = s a n z, z' = s a y / n with a = p n (class 1, s = +1)
    or (1 - p) n (class 2, s = -1), so y = y0 cosh(a t) + s n z0 sinh(a t), z = z0 cosh(a t) + s (y0 / n) sinh(a t);
    returns the logit z y."""
    ch, sh = np.cosh(a * t), np.sinh(a * t)
    return (z0 * ch + rate_sign * y0 / norm * sh) * (y0 * ch + rate_sign * norm * z0 * sh)


@pytest.mark.parametrize("method", ["DOP853", "Radau"])  # Radau also uses the Jacobian, frozen at the margin
def test_hinge_wrong_side_logits_keep_learning_in_the_flow(method):
    n1, n2, p = 1.0, 0.8, 0.5
    class1, class2 = (1.2, -1.0), (1.0, 1.2)  # u0 = -1.2 (class 1) and +1.2 (class 2): both on the wrong side
    u1 = lambda t: hinge_hand_solution(*class1, n1, +1, p * n1, t)
    u2 = lambda t: hinge_hand_solution(*class2, n2, -1, (1 - p) * n2, t)
    stop1 = brentq(lambda t: u1(t) - 1, 0, 20, xtol=1e-15)
    stop2 = brentq(lambda t: -u2(t) - 1, 0, 20, xtol=1e-15)
    t = np.linspace(0, 1.5 * max(stop1, stop2), 41)
    traj = dynamics.integrate(derivations.two_layer("hinge"), [*class1, *class2], t,
                              parameters={"n_1": n1, "n_2": n2, "p": p}, targets={"class_1": 1.0, "class_2": 1.0},
                              method=method)
    assert traj.success, traj.message
    np.testing.assert_allclose(traj.logits["class_1"][:, 0], np.where(t < stop1, u1(t), 1.0), atol=1e-9)
    np.testing.assert_allclose(traj.logits["class_2"][:, 0], np.where(t < stop2, u2(t), -1.0), atol=1e-9)
    assert abs(traj.hitting_times["class_1"][0] - stop1) < 1e-9
    assert abs(traj.hitting_times["class_2"][0] - stop2) < 1e-9


def test_hinge_wrong_side_mode_map_equals_gradient_descent_and_reaches_the_margin():
    geometry = dict(n1=1.0, n2=0.8, n_pos=3, n_neg=2)
    X, s, W, Z = network((1.2, -1.0), (1.0, 1.2), **geometry)
    eta, steps = 0.05, 400
    gd_logits, gd_modes = gradient_descent(X, s, W, Z, hinge_slope, eta, steps)
    run = dynamics.iterate_mode_map(derivations.two_layer("hinge"), [1.2, -1.0, 1.0, 1.2], eta=eta, steps=steps,
                                    parameters=parameters(**geometry))
    np.testing.assert_allclose(run.logits["class_1"][:, 0], gd_logits[:, 0], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(run.logits["class_2"][:, 0], gd_logits[:, 1], rtol=1e-12, atol=1e-14)
    assert gd_logits[-1, 0] >= 1 and gd_logits[-1, 1] <= -1  # gradient descent crossed to the margin
    assert gd_logits[-1, 0] < 1 + 0.1 and gd_logits[-1, 1] > -1 - 0.1  # ... and stopped there


def test_hinge_loss_and_slope_of_the_ground_truth_uses_the_signed_margin():
    m = np.array([-2.0, -1.0, 0.5, 1.0, 2.0])
    value, slope = loss_and_slope("hinge", m)
    assert value.tolist() == [3.0, 2.0, 0.5, 0.0, 0.0] and slope.tolist() == [-1.0, -1.0, -1.0, 0.0, 0.0]


# --- item 7: confidence is sigma(s u) --------------------------------------------------------------------

def test_confidence_is_the_network_probability_of_the_true_class():
    geometry = dict(n1=1.3, n2=0.7, n_pos=1, n_neg=1)
    class1, class2 = (0.6, -0.6), (0.5, 0.72)  # both logits on the wrong side
    X, s, W, Z = network(class1, class2, **geometry)
    u = np.maximum(X @ W.T, 0) @ Z
    true_class = np.array([expit(u[0]), 1 - expit(u[1])])  # P(class 1 | x1), P(class 2 | x2)
    traj = dynamics.integrate(derivations.two_layer("bce"), [*class1, *class2], [0.0],
                              parameters=parameters(**geometry))
    got = [traj.confidence("class_1")[0, 0], traj.confidence("class_2")[0, 0]]
    np.testing.assert_allclose(got, true_class, rtol=1e-14)
    assert got[0] < 0.5 and got[1] < 0.5
    assert traj.margin("class_2")[0, 0] == pytest.approx(-u[1], rel=1e-14)


# --- item 10: stopping decided from the expression ------------------------------------------------------

def test_builtin_hinge_is_the_true_hinge_and_its_flow_is_unchanged():
    hinge = derivations.resolve_loss("hinge")
    assert hinge.expr == sp.Max(0, 1 - margin) and hinge.stop_margin == 1 and hinge.drive == 1
    m = derivations.two_layer("hinge")
    y1, z1, y2, z2 = m.state
    n1, n2, p = m.parameters
    expected = {y1: n1**2 * p * z1, z1: p * y1, y2: -(1 - p) * n2**2 * z2, z2: -(1 - p) * y2}
    assert all(sp.simplify(m.flow[k] - v) == 0 for k, v in expected.items())


@pytest.mark.parametrize("expr", [sp.Max(0, 1 - margin), sp.Piecewise((1 - margin, margin < 1), (0, True)),
                                  sp.Piecewise((0, margin >= 1), (1 - margin, True)),
                                  (1 - margin) * sp.Heaviside(1 - margin)])
def test_hinge_expressions_derive_and_stop_like_the_hinge(expr):
    assert derivations.two_layer(expr) is derivations.two_layer("hinge")
    traj = dynamics.integrate(derivations.two_layer(expr), [0.1, 0.1, 0.1, -0.1], [0.0, 20.0],
                              parameters={"n_1": 1.0, "n_2": 1.0, "p": 0.5})
    assert traj.logits["class_1"][-1, 0] == pytest.approx(1.0, abs=1e-9)  # 0.01 e^t stops at 1


def test_linear_loss_never_stops_learning():
    linear = derivations.resolve_loss(1 - margin)
    assert linear.name == "custom" and linear.stop_margin is None and linear.drive == 1
    t = np.log(500.0)  # balanced u0 = 0.01, n = 1, p = 1/2: u = 0.01 e^{t}, by hand
    traj = dynamics.integrate(derivations.two_layer(1 - margin), [0.1, 0.1, 0.1, -0.1], [0.0, t],
                              parameters={"n_1": 1.0, "n_2": 1.0, "p": 0.5})
    assert traj.logits["class_1"][-1, 0] == pytest.approx(5.0, rel=1e-9)
    assert "stopping_time" not in derivations.two_layer(1 - margin).quantities


def test_smooth_losses_do_not_stop():
    assert derivations.resolve_loss("bce").stop_margin is None
    assert derivations.resolve_loss("squared").stop_margin is None  # a smooth fixed point at m = 1, not a stop


def test_squared_hinge_derives_piecewise_and_matches_gradient_descent():
    loss = derivations.resolve_loss(sp.Max(0, 1 - margin) ** 2 / 2)
    assert loss.stop_margin == 1 and sp.simplify(loss.drive - (1 - margin)) == 0
    model = derivations.two_layer(loss)
    assert all(model.check().values())
    geometry = dict(n1=1.5, n2=1.0, n_pos=2, n_neg=2)
    init = [(0.8, 0.9), (0.6, -1.7)]  # class 2 starts past its margin (s u = 1.02): frozen from the start
    X, s, W, Z = network(*init, **geometry)
    eta, steps = 2.0, 30  # large enough for class 1 to jump past the margin in one step
    gd_logits, _ = gradient_descent(X, s, W, Z, squared_hinge_slope, eta, steps)
    run = dynamics.iterate_mode_map(model, [*init[0], *init[1]], eta=eta, steps=steps,
                                    parameters=parameters(**geometry))
    np.testing.assert_allclose(run.logits["class_1"][:, 0], gd_logits[:, 0], rtol=1e-12)
    np.testing.assert_allclose(run.logits["class_2"][:, 0], gd_logits[:, 1], rtol=1e-12)
    assert gd_logits[1, 0] > 1 and np.all(gd_logits[1:, 0] == gd_logits[1, 0])  # jumped past, then no gradient
    assert np.all(gd_logits[:, 1] == gd_logits[0, 1])


def test_a_stop_on_shared_coordinates_is_flagged_not_silently_applied():
    model = derivations.shared_neuron("hinge")
    params = {"n_1": 1.0, "n_2": 1.0, "p": 0.5}
    traj = dynamics.integrate(model, [0.5, 0.1, 0.5], [0.0, 10.0], parameters=params)
    assert not traj.success and "shares coordinates" in traj.message
    with pytest.raises(ValueError, match="shares coordinates"):
        dynamics.iterate_mode_map(model, [0.5, 0.1, 0.5], eta=0.1, steps=200, parameters=params)


def test_deep_chain_stops_only_for_a_loss_that_stops():
    """deep(N, 1 - m) is the linear loss (never stops); deep(N, "hinge") stops at u = 1 at the time worked by
    hand from u' = N n^{2/N} p u^{2 - 2/N}: t = (u0^{-(1-2/N)} - 1) / ((N - 2) n^{2/N} p)."""
    import derivations
    from derivations.symbols import n, p, u0

    assert "stopping_time" not in derivations.deep(3, 1 - derivations.margin).quantities
    stop = derivations.deep(3, "hinge").quantity("stopping_time")
    value = float(stop.subs({u0: 0.2, n: 0.7, p: 0.6}))
    assert value == pytest.approx((0.2 ** (-1 / 3) - 1) / (1 * 0.7 ** (2 / 3) * 0.6), rel=1e-12)
