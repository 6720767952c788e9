"""The modified flow f - (eta/2) J_f f: derived, proven, integrated, and checked against values worked
independently (by hand, with mpmath, and with the exact gradient-descent map)."""
import mpmath
import numpy as np
import pytest
import sympy as sp

import derivations
import dynamics
from derivations.modified_flow import STEP, correction, drift_model, invariant_drift, map_mismatch, modified_flow
from dynamics.experiments.lr_order import log_log_slope
from dynamics.theory.flow import integrate
from dynamics.theory.mode_map import iterate_mode_map

TWO = {"n_1": 0.7, "n_2": 1.3, "p": 0.3}


def test_the_hinge_modified_flow_is_the_one_worked_by_hand():
    """Inside the margin f = A m with A = [[0, p n^2], [p, 0]] per class (class 2: p -> p - 1), so
    J_f f = A^2 m = p^2 n^2 m and F = A m - (eta/2) p^2 n^2 m."""
    m = derivations.two_layer("hinge")
    y1, z1, y2, z2 = m.state
    n1, n2, p = m.parameters
    eta = sp.Symbol("eta", positive=True)
    q = p - 1
    by_hand = {y1: p * n1**2 * z1 - eta / 2 * p**2 * n1**2 * y1, z1: p * y1 - eta / 2 * p**2 * n1**2 * z1,
               y2: q * n2**2 * z2 - eta / 2 * q**2 * n2**2 * y2, z2: q * y2 - eta / 2 * q**2 * n2**2 * z2}
    F = modified_flow(m)
    assert F.parameters == (n1, n2, p, STEP) and STEP == eta
    assert all(sp.expand(F.flow[s] - by_hand[s]) == 0 for s in m.state)  # polynomials: expanding decides
    assert all(sp.expand(m.flow[s] + STEP * correction(m)[s] - by_hand[s]) == 0 for s in m.state)


@pytest.mark.parametrize("make", [lambda: derivations.two_layer("bce"), lambda: derivations.two_layer("hinge"),
                                  lambda: derivations.deep(3), lambda: derivations.class_mode(1, 2, "bce")],
                         ids=["two_layer_bce", "two_layer_hinge", "deep_3", "class_mode"])
def test_every_claim_of_the_modified_flow_is_proven(make):
    model = make()
    checked = modified_flow(model).check()
    assert checked and all(checked.values()), [k for k, v in checked.items() if not v]
    # two orders per coordinate, plus one or two claims per invariant
    assert len(checked) >= 2 * len(model.state) + len(model.invariants)


def test_the_plain_flow_misses_the_map_at_order_two_and_a_wrong_correction_fails():
    m = derivations.two_layer("bce")
    plain = map_mismatch(m, m.flow, 2)
    wrong = {s: m.flow[s] + STEP * correction(m)[s] * sp.Rational(2, 3) for s in m.state}  # -(1/3) J_f f
    point = dict(zip(m.state + m.parameters, (0.4, 0.3, 0.5, -0.2, 0.7, 1.3, 0.3)))
    for s in m.state:
        assert map_mismatch(m, m.flow, 1)[s] == 0 and map_mismatch(m, wrong, 1)[s] == 0
        assert abs(float(plain[s].subs(point))) > 1e-3
        assert abs(float(map_mismatch(m, wrong, 2)[s].subs(point))) > 1e-4
        assert map_mismatch(m, modified_flow(m).flow, 2)[s] == 0
    # the claim a wrong correction would carry is refused by the prover
    assert not derivations.prove(derivations.identity("wrong", map_mismatch(m, wrong, 2)[m.state[0]])).holds


def test_one_step_of_the_modified_flow_misses_the_map_by_eta_cubed():
    """Integrated numerically for one step of time eta against the exact GD map (iterate_mode_map): the plain
    flow's gap shrinks like eta^2, the modified flow's like eta^3."""
    m, start = derivations.two_layer("bce"), [0.6, 0.4, 0.8, -0.5]
    lrs = np.array([0.2, 0.1, 0.05])
    gd = np.array([iterate_mode_map(m, start, eta=lr, steps=1, parameters=TWO).states[-1, 0] for lr in lrs])
    plain = np.array([integrate(m, start, [0.0, lr], parameters=TWO).states[-1, 0] for lr in lrs])
    # one solve_ivp for the three learning rates gives what three calls give
    modified = dynamics.modified_flow(m, np.repeat([start], 3, axis=0), [0.0, lrs[0]], lr=lrs, parameters=TWO)
    mod = np.array([dynamics.modified_flow(m, start, [0.0, lr], lr=lr, parameters=TWO).states[-1, 0] for lr in lrs])
    assert np.allclose(modified.states[-1, 0], mod[0], rtol=1e-12, atol=1e-14)
    assert log_log_slope(lrs, np.linalg.norm(gd - plain, axis=1)) == pytest.approx(2.0, abs=0.1)
    assert log_log_slope(lrs, np.linalg.norm(gd - mod, axis=1)) == pytest.approx(3.0, abs=0.15)


def test_the_integrated_hinge_modified_flow_matches_mpmath():
    """F = (A - (eta/2) p^2 n^2) m is linear: its solution is a matrix exponential, evaluated with mpmath at 30
    digits (independent of sympy and solve_ivp)."""
    mpmath.mp.dps = 30
    n1, n2, p, lr, t = mpmath.mpf("0.7"), mpmath.mpf("1.3"), mpmath.mpf("0.3"), mpmath.mpf("0.25"), mpmath.mpf("1.5")
    start = [0.2, 0.1, 0.3, -0.2]  # logits 0.02 and -0.06: inside the margin up to t = 1.5
    expected = []
    for (y, z), n, q in (((start[0], start[1]), n1, p), ((start[2], start[3]), n2, p - 1)):
        generator = mpmath.matrix([[0, q * n**2], [q, 0]]) - lr / 2 * q**2 * n**2 * mpmath.eye(2)
        expected += list(mpmath.expm(t * generator) * mpmath.matrix([y, z]))
    out = dynamics.modified_flow(derivations.two_layer("hinge"), start, [0.0, 1.5], lr=0.25, parameters=TWO)
    assert out.success
    assert np.allclose(out.states[-1, 0], [float(v) for v in expected], rtol=1e-11, atol=1e-13)


def test_on_ones_own_data_the_class_mode_follows_gd_to_second_order():
    """A class of two points (Gram matrix [[1, 0.3], [0.3, 0.5]], weights 0.2 and 0.3) as a class mode: the exact
    GD map against the plain and the modified flow at t = 4."""
    m = derivations.class_mode(1, 2, "bce")
    parameters = {"G_11": 1.0, "G_12": 0.3, "G_22": 0.5, "q_1": 0.2, "q_2": 0.3}
    start, horizon, lrs = [0.3, 0.2, 0.4], 4.0, np.array([0.4, 0.2, 0.1])
    gd = np.array([iterate_mode_map(m, start, eta=lr, steps=int(round(horizon / lr)),
                                    parameters=parameters).logits["point_1"][-1, 0] for lr in lrs])
    plain = integrate(m, start, [0.0, horizon], parameters=parameters).logits["point_1"][-1, 0]
    mod = dynamics.modified_flow(m, np.repeat([start], 3, axis=0), [0.0, horizon], lr=lrs,
                                 parameters=parameters).logits["point_1"][-1]
    assert log_log_slope(lrs, gd - plain) == pytest.approx(1.0, abs=0.1)
    assert log_log_slope(lrs, gd - mod) == pytest.approx(2.0, abs=0.15)
    assert np.all(np.abs(gd - mod) < 0.05 * np.abs(gd - plain))


def test_the_two_layer_drift_is_minus_eta_p2_n2_g2_times_the_invariant():
    """Worked by hand: f^T H f = 2 p^2 g^2 (n^4 z^2 - n^2 y^2) for I = y^2 - n^2 z^2 and f = p g (n^2 z, y)."""
    m = derivations.two_layer("bce")
    y, z, _, _ = m.state
    n, _, p = m.parameters
    g = 1 / (1 + sp.exp(y * z))
    assert sp.simplify(invariant_drift(m)["class_1"] + STEP * p**2 * n**2 * g**2 * (y**2 - n**2 * z**2)) == 0
    dm = drift_model(m)
    assert [str(s) for s in dm.state[-2:]] == ["D_class_1", "D_class_2"] and dm.parameters == m.parameters


def test_the_hinge_drift_matches_gradient_descent_worked_by_hand():
    """Inside the margin one GD step multiplies I by exactly 1 - eta^2 p^2 n^2 (expand (y + eta p n^2 z)^2 -
    n^2 (z + eta p y)^2), so after k = t / eta steps I = I0 (1 - eta^2 p^2 n^2)^(t/eta) = I0 e^{-eta p^2 n^2 t}
    (1 + O(eta^3 t)); the first-order prediction is -eta p^2 n^2 I0 t, the modified flow's
    I0 (e^{-eta p^2 n^2 t} - 1)."""
    n1, p, t = 0.7, 0.3, 6.0  # a long time: the O(eta^3) term is (eta / t) times the O(eta^2) one
    parameters = {**TWO, "n_2": 0.3}  # class 2's logit stays inside its margin up to t
    start = np.array([0.4, 0.1, 0.05, -0.05])  # logits 0.04 and -0.0025: inside the margin up to t
    I0 = start[0] ** 2 - n1**2 * start[1] ** 2
    lrs = np.array([0.3, 0.15, 0.075])
    out = dynamics.invariant_drift(derivations.two_layer("hinge"), np.repeat([start], 3, axis=0), [0.0, t], lr=lrs,
                                   parameters=parameters)
    assert out.success
    gd = I0 * ((1 - lrs**2 * p**2 * n1**2) ** (t / lrs) - 1)
    assert np.allclose(out.first_order["class_1"][-1], -lrs * p**2 * n1**2 * I0 * t, rtol=1e-10)
    assert np.allclose(out.modified["class_1"][-1], I0 * np.expm1(-lrs * p**2 * n1**2 * t), rtol=1e-9)
    assert log_log_slope(lrs, gd - out.first_order["class_1"][-1]) == pytest.approx(2.0, abs=0.1)
    # the modified flow's own drift is right to O(eta^3) here: I0 e^{-eta a t} (e^{-eta^3 a^2 t / 2} - 1)
    assert log_log_slope(lrs, gd - out.modified["class_1"][-1]) == pytest.approx(3.0, abs=0.1)
    # and the exact GD map agrees with the hand-worked GD drift
    run = iterate_mode_map(derivations.two_layer("hinge"), start, eta=0.15, steps=40, parameters=parameters)
    y, z = run.states[-1, 0, :2]
    assert y**2 - n1**2 * z**2 - I0 == pytest.approx(gd[1], rel=1e-9)


def test_a_drift_past_the_hinge_margin_is_flagged():
    out = dynamics.invariant_drift(derivations.two_layer("hinge"), [1.0, 0.5, 1.0, -0.5], [0.0, 5.0], lr=0.1,
                                   parameters={"n_1": 1.0, "n_2": 1.0, "p": 0.5})
    assert not out.success and "margin" in out.message


def test_dead_units_and_the_margin_freeze_as_in_the_plain_flow():
    m = derivations.two_layer("bce")
    out = dynamics.modified_flow(m, [0.05, -0.5, 0.3, -0.2], [0.0, 5.0], lr=0.1, parameters=TWO)  # y_1 -> 0
    assert out.success and np.isfinite(out.death_times["y_1"][0]) and out.states[-1, 0, 0] == 0.0
    hinge = dynamics.modified_flow(derivations.two_layer("hinge"), [1.0, 0.8, 0.3, -0.2], [0.0, 3.0, 4.0], lr=0.1,
                                   parameters=TWO, targets={"class_1": 1.0})
    assert hinge.success and hinge.hitting_times["class_1"][0] < 3.0
    assert np.array_equal(hinge.states[1, 0, :2], hinge.states[2, 0, :2])  # frozen after the margin


@pytest.mark.parametrize("lr, error, match", [
    (0.0, ValueError, "lr"), (-0.1, ValueError, "lr"), (float("nan"), ValueError, "lr"),
    ("0.1", TypeError, "lr"), ([0.1, 0.2, 0.3], ValueError, "lr must be a scalar or have one value per mode")])
def test_a_bad_learning_rate_is_refused_naming_it(lr, error, match):
    with pytest.raises(error, match=match):
        dynamics.modified_flow(derivations.two_layer("bce"), np.zeros((2, 4)) + 0.1, [0.0, 1.0], lr=lr,
                               parameters=TWO)


def test_bad_models_and_parameters_are_refused_clearly():
    m = derivations.two_layer("bce")
    with pytest.raises(TypeError, match="model must be a derivations.ModeModel"):
        dynamics.modified_flow("two_layer", [0.1] * 4, [0.0, 1.0], lr=0.1, parameters=TWO)
    with pytest.raises(TypeError, match="model must be a derivations.ModeModel"):
        modified_flow("two_layer")
    with pytest.raises(ValueError, match="learning rate is passed as lr="):
        dynamics.modified_flow(m, [0.1] * 4, [0.0, 1.0], lr=0.1, parameters={**TWO, "eta": 0.1})
    with pytest.raises(ValueError, match=r"initial must have shape \(4,\)"):
        dynamics.modified_flow(m, [0.1] * 3, [0.0, 1.0], lr=0.1, parameters=TWO)
    with pytest.raises(ValueError, match="no invariants"):
        dynamics.invariant_drift(derivations.starvation(), [0.1] * 3, [0.0, 1.0], lr=0.1,
                                 parameters={"lambda": 0.5, "n_1": 1.0, "n_2": 1.0})
    with pytest.raises(ValueError, match="order must be 0, 1 or 2"):
        map_mismatch(m, m.flow, 3)
    clash = derivations.ModeModel(name="clash", loss=m.loss, state=m.state, parameters=(sp.Symbol("eta"),),
                                  flow=m.flow, logits={"class_1": m.state[0]})
    with pytest.raises(ValueError, match="already has a symbol named 'eta'"):
        modified_flow(clash)


def _every_model():
    """One model of each factory of derivations.MODELS (deep at N = 3; the others at their defaults)."""
    return [(name, factory(3) if name == "deep" else factory()) for name, factory in derivations.MODELS.items()]


def test_the_modified_flow_of_every_model_matches_the_map_to_second_order():
    """Every factory, class_mode and data_flow included: the order-eta and order-eta^2 claims are proven (the
    invariant claims of the larger models take longer: the slow test below)."""
    for name, model in _every_model():
        F = modified_flow(model)
        orders = [c for c in F.claims if "matches the GD map" in c.statement]
        assert len(orders) == 2 * len(model.state), name
        assert all(derivations.prove(c).holds for c in orders), name
        assert set(F.quantities) == {f"drift_{key}" for key in model.invariants}, name


@pytest.mark.slow
def test_every_claim_of_every_models_modified_flow_is_proven():  # data_flow's invariants: ~40 s
    for name, model in _every_model():
        checked = modified_flow(model).check()
        assert all(checked.values()), (name, [k for k, v in checked.items() if not v])


def test_a_learning_rate_outside_the_series_range_is_refused_not_answered():
    """At lr 5 the correction (lr/2) J f is about the size of the flow: the truncated series is then far from
    gradient descent (its value, integrated here without the check, is > 10% off the exact GD map), so
    dynamics.modified_flow refuses, naming lr; at lr 1 (correction ~0.2 f) it answers, within 2% of the map."""
    from dynamics.theory.modified_flow import MAX_CORRECTION

    m = derivations.two_layer("bce")
    par = {"n_1": 0.7, "n_2": 1.3, "p": 0.3}
    x0 = np.array([0.1, 0.1, 0.1, -0.1])
    for lr, steps in ((5.0, 2), (1.0, 10)):
        t = lr * steps
        gd = iterate_mode_map(m, x0, eta=lr, steps=steps, parameters=par, record_every=steps).logits["class_1"][-1, 0]
        raw = integrate(modified_flow(m), x0, [0.0, t], parameters={**par, str(STEP): lr})
        u = raw.logits["class_1"][-1, 0]
        if lr == 5.0:
            assert abs(u - gd) > 0.1 * abs(gd)
            with pytest.raises(ValueError, match=rf"lr=5 is outside the modified flow's range.*{MAX_CORRECTION:g}"):
                dynamics.modified_flow(m, x0, [0.0, t], lr=lr, parameters=par)
        else:
            out = dynamics.modified_flow(m, x0, [0.0, t], lr=lr, parameters=par)
            assert out.logits["class_1"][-1, 0] == pytest.approx(u) and abs(u - gd) < 0.02 * abs(gd)
