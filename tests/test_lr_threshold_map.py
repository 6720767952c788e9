"""The learning-rate threshold of Lemma 3.1's pattern: derived bounds, the map's threshold, GD on real networks.

Independent values: one real gradient-descent step at the derived crossing step, closed forms worked by hand
(the stalling line), the existing mode-map engine's death records, and gradient descent on the real two-layer and
deep networks (real weight matrices and data) on either side of every threshold.
"""
import numpy as np
import pytest
import sympy as sp

import derivations
from derivations.step_bounds import bound_on_reduction, lemma_signs, step_bounds
from dynamics.groundtruth.data import repeated_points
from dynamics.groundtruth.initialization import DeepInitialization, mode_init
from dynamics.groundtruth.training import train, train_batch, train_deep
from dynamics.theory.lr_threshold import RELATIVE_WIDTH, keeps_pattern, lr_threshold
from dynamics.theory.mode_map import iterate_mode_map

NORMS, P = (0.7, 1.3), 0.3
PARAMS = {"n_1": NORMS[0], "n_2": NORMS[1], "p": P}
STEPS = 60


@pytest.fixture(scope="module")
def data():
    return repeated_points(np.random.default_rng(11), norms=NORMS, p=P, n_points=10, dimension=4,
                           angle=2 * np.pi / 3)


def gd_keeps(data, loss, initial, lrs, steps=STEPS):
    """GD on the real two-layer network: no activation pattern (point, unit) changes and no output weight that
    starts with H3's sign (z_1 > 0 > z_2) loses it, at any step."""
    init = mode_init(data, y0=initial[0::2], z0=initial[1::2])
    K = len(lrs)
    run = train_batch(data.X, data.labels, np.repeat(init.W0[None], K, 0), np.repeat(init.Z0[None], K, 0),
                      loss=loss, lr=np.asarray(lrs, float), steps=steps, record_every=1)
    on = run.preactivations > 0
    lemma = init.Z0 * np.array([1.0, -1.0]) > 0
    flips = (np.sign(run.Z_history) != np.sign(init.Z0))[:, :, lemma]
    return ~(np.any(on != on[:1], axis=(0, 2, 3)) | np.any(flips, axis=(0, 2)))


# ------------------------------------------------------------------------------------------------- derivation
@pytest.mark.parametrize("factory", [lambda: derivations.two_layer("bce"), lambda: derivations.two_layer("hinge"),
                                     lambda: derivations.deep(3, "bce"), lambda: derivations.deep(3, "hinge")])
def test_lemma_orthant_is_proven_invariant_for_nonnegative_drives(factory):
    bounds = step_bounds(factory())
    assert all(bounds.check().values()) and bounds.orthant_invariant
    assert len(bounds.claims) == 2 * len(bounds.model.state)  # the scaling identity and the orthant inequality


def test_a_wrong_orthant_fails_its_claim():
    """The orthant claims can fail: with z_1 < 0 assumed, y_1 f_{y_1} = p n^2 z_1 y_1 sigma(-u) < 0."""
    m = derivations.two_layer("bce")
    wrong = {**lemma_signs(m), m.state[1]: -1}
    bounds = step_bounds(m, signs=wrong)
    assert not bounds.orthant_invariant
    assert not all(bounds.check().values())


def test_signs_and_the_squared_loss():
    assert {str(k): v for k, v in lemma_signs(derivations.deep(3)).items()} == {"y": 1, "z^1": 1, "z": 1}
    bounds = step_bounds(derivations.two_layer("squared"))  # drive 1 - m changes sign: no orthant claim
    assert not bounds.orthant_invariant and all(bounds.check().values())


def test_signs_of_sums_of_products_and_refusals():
    """wide(2): each unit's product gets the rule (every coordinate positive for class 1); the shared neuron's z
    serves both classes with opposite signs, so no orthant is read off (explicit signs are then needed)."""
    assert set(lemma_signs(derivations.wide(2)).values()) == {1}
    with pytest.raises(ValueError, match="both signs"):
        lemma_signs(derivations.shared_neuron())


def test_crossing_step_lands_the_real_preactivation_on_zero(data):
    """One real GD step at the derived b_y = -y/f_y puts w_1 . x_1 on 0 (to rounding), 0.9 b_y leaves 10%."""
    m = derivations.two_layer("bce")
    y0, z0 = 0.5, -0.3
    args = tuple(m.state) + tuple(m.parameters)
    b = float(sp.lambdify(args, step_bounds(m).crossing[m.state[0]])(y0, z0, 0.3, -0.2, *PARAMS.values()))
    init = mode_init(data, y0=(y0, 0.3), z0=(z0, -0.2))
    x1 = data.class_vectors[0]
    for factor, left in ((1.0, 0.0), (0.9, 0.1)):
        run = train(data.X, data.labels, init.W0, init.Z0, loss="bce", lr=factor * b, steps=1)
        assert float(run.W[0] @ x1) == pytest.approx(left * y0, abs=1e-12)


def test_stalling_line_closed_form_worked_by_hand():
    """On y = -n z the map scales y and z by 1 - eta p n sigma(-u): the bound is (1 + e^u)/(n p) (BCE), 1/(n p)
    (hinge), and the first step binds."""
    n1, u0 = NORMS[0], -0.2
    y0 = np.sqrt(-n1 * u0)
    x = [y0, -y0 / n1, 0.3, -0.2]
    for loss, hand in (("bce", (1 + np.exp(u0)) / (n1 * P)), ("hinge", 1 / (n1 * P))):
        m = derivations.two_layer(loss)
        derived = bound_on_reduction(m, "anti_balanced_class_1")[m.state[0]]
        variable = m.reduction("anti_balanced_class_1").variable
        assert float(derived.subs({variable: u0, sp.Symbol("n_1", positive=True): n1,
                                   sp.Symbol("p", positive=True): P})) == pytest.approx(hand, rel=1e-14)
        out = lr_threshold(m, x, parameters=PARAMS, steps=1)
        assert out.threshold[0] == pytest.approx(hand, rel=1e-9)
        assert out.binding == ("y_1",) and out.binding_step[0] == 1


def test_hinge_map_is_diagonal_in_the_invariant_coordinates():
    """Why the first step binds above the stalling line (hinge): in a = y + n z, b = y - n z the class-1 map
    scales a by 1 + eta p n and b by 1 - eta p n, so |b|/a only shrinks after the first step and y = (a + b)/2
    stays positive once it is positive after step 1 (docs: sec-lr-threshold)."""
    m = derivations.two_layer("hinge")
    y, z = m.state[:2]
    n, p = m.parameters[0], m.parameters[2]
    eta = sp.Symbol("eta", positive=True)
    step = m.discrete_map(eta)
    a, b = step[y] + n * step[z], step[y] - n * step[z]
    assert sp.expand(a - (1 + eta * p * n) * (y + n * z)) == 0
    assert sp.expand(b - (1 - eta * p * n) * (y - n * z)) == 0


# ------------------------------------------------------------------------------------------------ the threshold
def test_threshold_agrees_with_the_mode_map_engine():
    """The existing engine (iterate_mode_map) records y_1's death just above the threshold, none just below."""
    m = derivations.two_layer("bce")
    x = np.array([[0.5, z, 0.3, -0.2] for z in (-0.2, -0.45, -0.6)])
    out = lr_threshold(m, x, parameters=PARAMS, steps=STEPS)
    for row, eta in zip(x, out.threshold):
        below = iterate_mode_map(m, row, eta=0.999 * eta, steps=STEPS, parameters=PARAMS, record_every=STEPS)
        above = iterate_mode_map(m, row, eta=1.001 * eta, steps=STEPS, parameters=PARAMS, record_every=STEPS)
        assert np.isnan(below.death_steps["y_1"][0]) and not np.isnan(above.death_steps["y_1"][0])
    assert np.all(out.breaking <= out.threshold * (1 + 2 * RELATIVE_WIDTH))
    assert np.all(out.threshold <= out.first_step_bound)


@pytest.mark.parametrize("loss", ["bce", "hinge"])
def test_two_layer_gd_on_either_side(data, loss):
    m = derivations.two_layer(loss)
    x = np.array([[0.5, z, 0.3, -0.2] for z in (-0.1, -0.4, -0.65)])
    out = lr_threshold(m, x, parameters=PARAMS, steps=STEPS)
    assert np.all(np.isfinite(out.threshold)) and out.binding == ("y_1",) * 3
    # worked by hand: the first step binds, y0 + eta p n^2 z0 (-l'(y0 z0)) = 0 with -l' = 1/(1 + e^u) or 1
    y0, z0 = x[:, 0], x[:, 1]
    drive = 1 / (1 + np.exp(y0 * z0)) if loss == "bce" else 1.0
    assert out.threshold == pytest.approx(y0 / (P * NORMS[0] ** 2 * -z0 * drive), rel=1e-9)
    for row, eta in zip(x, out.threshold):
        assert gd_keeps(data, loss, row, eta * np.array([0.5, 0.9, 0.99, 1.01, 1.1, 2.0])).tolist() == \
            [True, True, True, False, False, False]


def test_deep_chain_gd_on_either_side():
    """Deep N = 3, real weights: a wrong-signed output weight shrinks y and the hidden weight; above the
    threshold one of them crosses 0 and the chain has no active path (dead_step), below it never does."""
    m = derivations.deep(3, "bce")
    norm = 0.8
    point = np.array([0.0, norm, 0.0])
    inits = np.array([[0.6, 0.8, -0.3], [0.6, 0.35, -0.3]])  # y binds, then the hidden weight binds
    out = lr_threshold(m, inits, parameters={"n": norm, "p": 1.0}, steps=STEPS)
    assert out.binding == ("y", "z^1")
    for (y0, hidden, z0), eta in zip(inits, out.threshold):
        outcome = []
        for factor in (0.9, 0.99, 1.01, 1.1):
            init = DeepInitialization((y0 * point / norm**2)[None], (np.array([hidden]),), np.array([z0]))
            run = train_deep(point[None], np.array([1]), init, loss="bce", lr=factor * eta, steps=STEPS,
                             record_every=STEPS)
            outcome.append(run.dead_step is None)
        assert outcome == [True, True, False, False]


def test_lemma_orthant_gives_an_infinite_threshold(data):
    m = derivations.two_layer("hinge")
    x = [0.4, 0.5, 0.3, -0.2]
    out = lr_threshold(m, x, parameters=PARAMS, steps=STEPS)
    assert out.threshold[0] == np.inf and out.binding == (None,) and out.binding_step[0] == -1
    assert gd_keeps(data, "hinge", x, [1.0, 30.0, 1000.0]).all()


def test_squared_loss_overshoot_is_found_by_iterating_and_is_not_an_interval(data):
    """Squared loss, class 2 on H3: no coordinate moves towards 0 at first (first-step bound infinite), the
    logit overshoots its target and the pattern breaks steps later; above the threshold some learning rates keep
    it again (the set is not an interval), and GD on the real network agrees at each of them."""
    m = derivations.two_layer("squared")
    x = [0.17, 0.98, 0.87, -1.12]
    out = lr_threshold(m, x, parameters=PARAMS, steps=50)
    assert out.first_step_bound[0] == np.inf and out.binding_step[0] > 1 and not out.interval[0]
    grid = np.linspace(0.5, 2.0, 61) * out.threshold[0]
    predicted = keeps_pattern(m, x, lr=grid, steps=50, parameters=PARAMS)[0]
    assert np.any(predicted[grid > out.breaking[0]])  # keeps again above the threshold
    pick = np.r_[np.flatnonzero(grid < out.threshold[0])[-1], np.flatnonzero(grid > out.breaking[0])[:8]]
    assert gd_keeps(data, "squared", x, grid[pick], steps=50).tolist() == predicted[pick].tolist()


# ------------------------------------------------------------------------------------------------- bad input
def test_bad_input():
    m = derivations.two_layer("bce")
    x = [0.5, -0.2, 0.3, -0.2]
    with pytest.raises(TypeError, match="model"):
        lr_threshold("two_layer", x, parameters=PARAMS, steps=5)
    with pytest.raises(ValueError, match=r"steps must lie in \[1, .*got 0"):
        lr_threshold(m, x, parameters=PARAMS, steps=0)
    with pytest.raises(TypeError, match="steps must be an integer"):
        lr_threshold(m, x, parameters=PARAMS, steps=2.5)
    with pytest.raises(ValueError, match=r"scan must lie in \[2, 4096\], got 1"):
        lr_threshold(m, x, parameters=PARAMS, steps=5, scan=1)
    with pytest.raises(ValueError, match="initial must have shape"):
        lr_threshold(m, [0.5, -0.2], parameters=PARAMS, steps=5)
    with pytest.raises(ValueError, match="initial"):
        lr_threshold(m, [0.5, np.nan, 0.3, -0.2], parameters=PARAMS, steps=5)
    with pytest.raises(ValueError, match=r"parameters\['p'\].*\(0, 1\]"):
        lr_threshold(m, x, parameters=dict(PARAMS, p=1.5), steps=5)
    with pytest.raises(ValueError, match="n_1 of two_layer is missing"):
        lr_threshold(m, x, parameters={"n_2": 1.0, "p": 0.5}, steps=5)
    with pytest.raises(ValueError, match=r"signs\['z_1'\] must be \+1 or -1, got 0"):
        lr_threshold(m, x, parameters=PARAMS, steps=5, signs={"y_1": 1, "z_1": 0, "y_2": 1, "z_2": -1})
    with pytest.raises(ValueError, match="signs must give"):
        lr_threshold(m, x, parameters=PARAMS, steps=5, signs={"y_1": 1})
    with pytest.raises(ValueError, match="lr"):
        keeps_pattern(m, x, lr=[0.1, -1.0], steps=5, parameters=PARAMS)
    with pytest.raises(TypeError, match="model"):
        step_bounds("two_layer")


def test_below_the_stalling_line_the_threshold_is_the_flow_s_own_death_and_says_so():
    """Hinge, class 1 below the stalling line (y0 < -||x|| z0): the gradient flow itself kills the unit, at
    t* = log(-b0/a0) / (2 p n) with a = y + n z, b = y - n z (worked by hand from a' = p n a, b' = -p n b); the
    threshold is then t*/steps (the run just reaches t*), flagged ``at_horizon``; above the line the first step
    binds and it is not flagged."""
    m = derivations.two_layer("hinge")
    n, steps = NORMS[0], 600
    below = np.array([[0.3, -0.65, 0.3, -0.2]])  # -n z0 = 0.455 > y0 = 0.3
    a0, b0 = below[0, 0] + n * below[0, 1], below[0, 0] - n * below[0, 1]
    t_star = np.log(-b0 / a0) / (2 * P * n)
    out = lr_threshold(m, below, parameters=PARAMS, steps=steps)
    assert out.at_horizon.tolist() == [True] and out.binding_step.tolist() == [steps]
    assert out.threshold[0] * steps == pytest.approx(t_star, rel=0.01)  # the map's O(lr) from the flow
    above = lr_threshold(m, np.array([[0.5, -0.4, 0.3, -0.2]]), parameters=PARAMS, steps=steps)
    assert above.at_horizon.tolist() == [False] and above.binding_step.tolist() == [1]
