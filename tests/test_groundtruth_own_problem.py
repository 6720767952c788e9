"""Issue 10, the ground truth of the user's own problem: losses written as sympy expressions, point weights, and
initializations built from the data.

Every check compares with an independent value: a loss's slope with central finite differences of its value and
with its derivative worked by hand; a weighted gradient step with finite differences of the weighted objective of
the real network (a forward pass written here, in plain numpy); an average of SGD steps with the full-batch step;
an initialization's logits with a forward pass written here.
"""
import pickle
import warnings

import numpy as np
import pytest
import sympy as sp

from dynamics.groundtruth import data_balanced_init, expression_loss, get_loss, random_init
from dynamics.groundtruth.assumptions import check_binary
from dynamics.groundtruth.initialization import small_random_init
from dynamics.groundtruth.losses import LOSSES
from dynamics.groundtruth.training import TrainingDiverged, train, train_batch

M = sp.Symbol("margin")
FD_STEP = 1e-6
#: Central differences of step 1e-6 on O(1) functions: truncation ~1e-12, rounding ~1e-10.
FD_TOL = 1e-8
#: Margins away from every kink (the hinge's is at 1).
MARGINS = np.array([-3.0, -1.2, -0.4, 0.3, 0.8, 1.3, 2.5, 6.0])

# (expression, l(m) by hand, dl/dm by hand, stops at the margin)
HAND_WORKED = [
    (sp.exp(-M), lambda m: np.exp(-m), lambda m: -np.exp(-m), False),
    # logistic with temperature 2: 2 log(1 + e^{-m/2}), slope -1 / (1 + e^{m/2})
    (2 * sp.log(1 + sp.exp(-M / 2)), lambda m: 2 * np.log1p(np.exp(-m / 2)), lambda m: -1 / (1 + np.exp(m / 2)),
     False),
    ((1 - M) ** 2 / 2, lambda m: (1 - m) ** 2 / 2, lambda m: m - 1, False),
    (sp.Max(0, 1 - M), lambda m: np.maximum(0, 1 - m), lambda m: np.where(m < 1, -1.0, 0.0), True),
    (sp.Max(0, 1 - M) ** 2 / 2, lambda m: np.maximum(0, 1 - m) ** 2 / 2, lambda m: -np.maximum(0, 1 - m), True),
    (sp.Piecewise((1 - M, M < 1), (0, True)), lambda m: np.maximum(0, 1 - m), lambda m: np.where(m < 1, -1.0, 0.0),
     True),
    (sp.Abs(1 - M), lambda m: np.abs(1 - m), lambda m: np.sign(m - 1), False),
]


def _u(X, W, Z):
    """The real network's logits, written here: u_i = sum_j Z_j relu(w_j . x_i)."""
    return np.array([sum(z * max(0.0, float(w @ x)) for w, z in zip(W, Z)) for x in X])


def _objective(X, labels, W, Z, q, loss_of_margin):
    s = np.where(np.asarray(labels) == 1, 1.0, -1.0)
    return float(sum(qi * loss_of_margin(si * ui) for qi, si, ui in zip(q, s, _u(X, W, Z))))


def _finite_differences(f, W, Z):
    grads = []
    for A in (W, Z):
        g = np.zeros_like(A)
        for index in np.ndindex(A.shape):
            old = A[index]
            A[index] = old + FD_STEP
            up = f(W, Z)
            A[index] = old - FD_STEP
            down = f(W, Z)
            A[index] = old
            g[index] = (up - down) / (2 * FD_STEP)
        grads.append(g)
    return grads


def _problem(seed, n=7, d=4, h=3):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, d)), rng.choice([1, 2], n), rng.standard_normal((h, d)),
            rng.standard_normal(h) * 0.5)


def _h1_data(seed, counts=(4, 7), d=6):
    """H1 in general position: class 1 mixes e0, e1 and +e4, class 2 mixes e2, e3 and -e4 with positive
    coefficients (within-class inner products > 0, cross-class ones = -c c' < 0), every point with its own
    norm, then rotated by a random orthogonal matrix (no coordinate axes)."""
    rng = np.random.default_rng(seed)
    rows = []
    for k, count in zip((1, 2), counts):
        for _ in range(count):
            x = np.zeros(d)
            x[[0, 1] if k == 1 else [2, 3]] = rng.uniform(0.2, 1.0, 2)
            x[4] = (1 if k == 1 else -1) * rng.uniform(0.2, 1.0)
            x[5] = 0.0
            rows.append(x * rng.uniform(0.5, 3.0))
    Q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    labels = np.repeat([1, 2], counts)
    order = rng.permutation(len(labels))
    return (np.array(rows) @ Q.T)[order], labels[order]


# ------------------------------------------------------------------------------------------- expression losses
@pytest.mark.parametrize("expr, value, slope, stops", HAND_WORKED, ids=lambda v: sp.sstr(v) if isinstance(v, sp.Expr)
                         else "")
def test_expression_loss_matches_the_hand_worked_loss_and_finite_differences(expr, value, slope, stops):
    loss = expression_loss(expr)
    assert loss.name == "custom" and loss.formula == sp.sstr(expr) and loss.stops_at_margin is stops
    v, g = loss(MARGINS)
    assert v.shape == g.shape == MARGINS.shape and v.dtype == g.dtype == float
    assert np.allclose(v, value(MARGINS), rtol=1e-14, atol=1e-15)
    assert np.allclose(g, slope(MARGINS), rtol=1e-14, atol=1e-15)
    numeric = (loss(MARGINS + FD_STEP)[0] - loss(MARGINS - FD_STEP)[0]) / (2 * FD_STEP)
    assert np.allclose(g, numeric, rtol=0, atol=FD_TOL)
    # learning stops at the margin exactly when the slope is 0 from the kink on (the kink included)
    assert bool(np.all(loss(np.array([1.0, 1.5, 40.0]))[1] == 0)) is stops
    assert get_loss(expr) is loss  # compiled once per expression
    assert pickle.loads(pickle.dumps(loss)) == loss  # it travels to worker processes like the built-ins


def test_constant_pieces_broadcast_and_overflow_is_silent():
    linear = expression_loss(1 - M)  # slope -1: a constant the compiled function returns as a scalar
    assert linear(np.zeros((2, 3)))[1].shape == (2, 3)
    assert linear(0.5)[1].shape == ()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        value, slope = expression_loss(sp.exp(-M))(np.array([-800.0, 800.0]))
    assert value[0] == np.inf and slope[0] == -np.inf and value[1] == 0.0


def test_a_loss_that_overflows_in_training_is_reported_as_divergence():
    X, labels = np.array([[1.0, 0.0], [0.0, 1.0]]), np.array([1, 2])
    W0, Z0 = np.eye(2), np.array([-900.0, 900.0])  # both points at margin -900: exp(900) overflows
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(TrainingDiverged) as raised:
            train(X, labels, W0, Z0, loss=sp.exp(-M), lr=0.1, steps=5)
    assert raised.value.step == 1  # the first update is not finite


def test_built_in_losses_are_unchanged():
    m = np.array([-2.0, 0.5, 1.0, 3.0])
    assert np.allclose(LOSSES["bce"](m)[0], np.log1p(np.exp(-m)), rtol=1e-15, atol=0)
    assert np.allclose(LOSSES["bce"](m)[1], -1 / (1 + np.exp(m)), rtol=1e-15, atol=0)
    assert LOSSES["hinge"](m)[1].tolist() == [-1.0, -1.0, 0.0, 0.0]
    assert LOSSES["squared"](m)[1].tolist() == [-3.0, -0.5, 0.0, 2.0]
    assert [get_loss(name) is LOSSES[name] for name in ("bce", "hinge", "squared")] == [True] * 3
    assert [LOSSES[n].stops_at_margin for n in ("bce", "hinge", "squared")] == [False, True, False]


@pytest.mark.parametrize("name, expr", [("bce", sp.log(1 + sp.exp(-M))), ("hinge", sp.Max(0, 1 - M)),
                                        ("squared", (1 - M) ** 2 / 2)])
def test_the_built_in_losses_written_as_expressions_train_like_the_built_ins(name, expr):
    X, labels, W0, Z0 = _problem(3, n=9)
    built_in = train(X, labels, W0, Z0, loss=name, lr=0.05, steps=200, record_every=20)
    written = train(X, labels, W0, Z0, loss=expr, lr=0.05, steps=200, record_every=20)
    assert np.allclose(written.logits, built_in.logits, rtol=0, atol=1e-12)
    assert np.allclose(written.W, built_in.W, rtol=0, atol=1e-12)
    assert np.allclose(written.losses, built_in.losses, rtol=0, atol=1e-12)


@pytest.mark.parametrize("bad, kind, words", [
    (sp.Integer(3), ValueError, "loss=3 cannot be trained: a loss expression needs exactly one free symbol"),
    (M * sp.Symbol("t"), ValueError, "exactly one free symbol (the margin), it has 2: ['margin', 't']"),
    (sp.Function("f")(M), ValueError, "loss=f(margin) cannot be trained: it calls undefined functions"),
    (M - M + 2, ValueError, "loss=2 cannot be trained"),
    (sp.log(M), ValueError, "loss=log(margin) cannot be trained: it is not a finite float at the margin -1"),
    (sp.Piecewise((1 - M, M < 1)), ValueError, "it is not a finite float at the margin 2"),
    (1 / M, ValueError, "loss=1/margin cannot be trained: it is not a finite float at the margin 0"),
    (M > 1, TypeError, "loss must be a loss name or a sympy expression of the margin, got StrictGreaterThan"),
    ("margin", TypeError, "loss must be a loss name or a sympy expression"),
])
def test_bad_loss_expressions_are_refused_naming_loss(bad, kind, words):
    with pytest.raises(kind, match=__import__("re").escape(words)):
        expression_loss(bad)


def test_get_loss_refuses_unknown_names_as_before():
    with pytest.raises(ValueError, match="loss='mse' is not valid; choose one of 'bce', 'hinge', 'squared'"):
        get_loss("mse")
    with pytest.raises(ValueError, match="loss=m\\*t cannot be trained"):
        get_loss(sp.Symbol("m") * sp.Symbol("t"))


# ------------------------------------------------------------------------------------------------ point weights
@pytest.mark.parametrize("loss, by_hand", [("bce", lambda m: np.log1p(np.exp(-m))),
                                           (sp.exp(-M), lambda m: np.exp(-m))])
def test_a_weighted_step_follows_finite_differences_of_the_weighted_objective(loss, by_hand):
    X, labels, W0, Z0 = _problem(11)
    q = np.random.default_rng(1).uniform(0.0, 2.0, len(labels))
    lr = 1e-3
    run = train(X, labels, W0, Z0, loss=loss, lr=lr, steps=1, weights=q)
    fW, fZ = _finite_differences(lambda W, Z: _objective(X, labels, W, Z, q, by_hand), W0.copy(), Z0.copy())
    assert np.allclose((W0 - run.W) / lr, fW, rtol=0, atol=FD_TOL * 10)
    assert np.allclose((Z0 - run.Z) / lr, fZ, rtol=0, atol=FD_TOL * 10)
    # the recorded objective is the weighted sum of the losses, and the weights are on the run
    assert run.losses[0] == pytest.approx(_objective(X, labels, W0, Z0, q, by_hand), rel=1e-13)
    assert np.array_equal(run.weights, q)


def test_weights_one_over_n_are_the_mean_loss_and_none_is_todays_arithmetic():
    X, labels, W0, Z0 = _problem(5, n=8)
    plain = train(X, labels, W0, Z0, lr=0.3, steps=100, record_every=10)
    uniform = train(X, labels, W0, Z0, lr=0.3, steps=100, record_every=10, weights=np.full(8, 1 / 8))
    assert np.allclose(uniform.logits, plain.logits, rtol=0, atol=1e-14)
    assert np.allclose(uniform.W, plain.W, rtol=0, atol=1e-14)
    assert np.allclose(uniform.losses, plain.losses, rtol=0, atol=1e-14)
    assert plain.weights is None
    # None: the mean-loss gradient step, bit for bit (same arithmetic as the network's own gradient)
    from dynamics.groundtruth.networks import two_layer_gradient
    dW, dZ = two_layer_gradient(X, labels, W0, Z0)
    one = train(X, labels, W0, Z0, lr=0.3, steps=1)
    assert np.array_equal(one.W, W0 - 0.3 * dW) and np.array_equal(one.Z, Z0 - 0.3 * dZ)


def test_weighted_sgd_is_unbiased():
    X, labels, W0, Z0 = _problem(8, n=6)
    q = np.array([0.5, 0.0, 2.0, 1.0, 0.25, 1.5])
    lr, seeds = 1e-2, 3000
    full = train(X, labels, W0, Z0, lr=lr, steps=1, weights=q)
    full_step = np.concatenate([(full.W - W0).ravel(), full.Z - Z0])
    steps = np.array([np.concatenate([(r.W - W0).ravel(), r.Z - Z0]) for r in (
        train(X, labels, W0, Z0, lr=lr, steps=1, weights=q, batch_size=2, rng=np.random.default_rng(seed))
        for seed in range(seeds))])
    error = np.abs(steps.mean(axis=0) - full_step)
    standard_error = steps.std(axis=0) / np.sqrt(seeds)
    assert np.all(error <= 5 * standard_error + 1e-15)
    # and it can fail: the step without the n/b factor is off by a factor b/n
    assert np.max(np.abs(steps.mean(axis=0) * 2 / 6 - full_step)) > 10 * np.max(standard_error)


def test_train_batch_takes_weights_for_every_run():
    X, labels, W0, Z0 = _problem(2, n=5)
    q = np.array([1.0, 0.0, 3.0, 0.5, 0.5])
    batch = train_batch(X, labels, np.stack([W0, W0 * 0.5]), np.stack([Z0, Z0]), lr=0.1, steps=20, weights=q)
    for k, scale in enumerate((1.0, 0.5)):
        one = train(X, labels, W0 * scale, Z0, lr=0.1, steps=20, weights=q)
        assert np.allclose(batch.logits[:, k], one.logits, rtol=0, atol=1e-14)


@pytest.mark.parametrize("weights, kind, words", [
    ([1.0, -0.5, 1.0, 1.0, 1.0], ValueError, "weights must be >= 0, got weights[1] = -0.5"),
    (np.zeros(5), ValueError, "weights must not be all 0"),
    (np.ones(4), ValueError, "weights must have one entry per point (shape (5,)), got shape (4,)"),
    ([1.0, np.nan, 1.0, 1.0, 1.0], ValueError, "weights must be finite"),
    (["a"] * 5, TypeError, "weights"),
])
def test_bad_weights_are_refused_naming_weights(weights, kind, words):
    X, labels, W0, Z0 = _problem(2, n=5)
    with pytest.raises(kind, match=__import__("re").escape(words)):
        train(X, labels, W0, Z0, lr=0.1, steps=1, weights=weights)


# ---------------------------------------------------------------------------------------------- initializations
@pytest.mark.parametrize("units", [1, 3])
@pytest.mark.parametrize("scale", [1.0, 1e200, 1e-200])
def test_data_balanced_init_is_balanced_with_the_asked_mean_logits_and_h1_to_h3(units, scale):
    X, labels = _h1_data(4)
    X = X * scale
    u0 = (0.3, -0.05)
    init = data_balanced_init(X, labels, u0=u0, units_per_class=units,
                              rng=np.random.default_rng(0) if units > 1 else None)
    W, Z = init.W0, init.Z0
    assert W.shape == (2 * units, X.shape[1]) and np.all(np.isfinite(W)) and np.all(np.isfinite(Z))
    assert np.allclose(np.linalg.norm(W, axis=1), np.abs(Z), rtol=1e-13, atol=0)
    assert np.all(Z[:units] > 0) and np.all(Z[units:] < 0)
    # the logits by a forward pass written here, in the data's own scale
    u = np.maximum(X @ W.T, 0.0) @ Z
    for k, target in zip((1, 2), u0):
        assert float(np.mean(u[labels == k])) == pytest.approx(target, rel=1e-12, abs=0)
    assert [r.holds for r in check_binary(X, labels, W, Z)] == [True, True, True]
    assert init.modes["u0"] == u0 and init.modes["units_per_class"] == units
    assert init.modes["partition"] == (1,) * units + (2,) * units


def test_data_balanced_init_one_unit_points_along_the_class_mean_and_a_seed_fixes_the_mixtures():
    X, labels = _h1_data(9, counts=(3, 5))
    init = data_balanced_init(X, labels)
    for j, k in enumerate((1, 2)):
        mean = X[labels == k].mean(axis=0)
        assert np.allclose(init.W0[j] / np.linalg.norm(init.W0[j]), mean / np.linalg.norm(mean), rtol=0, atol=1e-14)
    one = data_balanced_init(X, labels, units_per_class=4, rng=np.random.default_rng(7))
    again = data_balanced_init(X, labels, units_per_class=4, rng=np.random.default_rng(7))
    other = data_balanced_init(X, labels, units_per_class=4, rng=np.random.default_rng(8))
    assert np.array_equal(one.W0, again.W0) and np.array_equal(one.Z0, again.Z0)
    assert not np.allclose(one.W0, other.W0)
    # each unit is a positive combination of its class's points: its coefficients (least squares) are > 0
    for j in range(8):
        points = X[labels == (1 if j < 4 else 2)]
        coefficients = np.linalg.lstsq(points.T, one.W0[j], rcond=None)[0]
        assert np.allclose(points.T @ coefficients, one.W0[j], rtol=0, atol=1e-12) and np.all(coefficients > 0)


@pytest.mark.parametrize("call, kind, words", [
    (lambda X, y: data_balanced_init(X, y, u0=(-0.1, -0.1)), ValueError, "u0 must be two numbers, the mean class-1 "
                                                                         "logit > 0 and the mean class-2 logit < 0"),
    (lambda X, y: data_balanced_init(X, y, u0=(0.1, 0.1)), ValueError, "got u0=[0.1, 0.1]"),
    (lambda X, y: data_balanced_init(X, y, u0=(0.1,)), ValueError, "u0 must be two numbers"),
    (lambda X, y: data_balanced_init(X, np.ones_like(y)), ValueError, "labels must contain class 2"),
    (lambda X, y: data_balanced_init(X, y * 3), ValueError, "labels must be 1 or 2, found [3, 6]"),
    (lambda X, y: data_balanced_init(X, y, units_per_class=2), TypeError, "rng must be a numpy.random.Generator"),
    (lambda X, y: data_balanced_init(X, y, units_per_class=0), ValueError, "units_per_class must be an integer >= 1"),
    (lambda X, y: data_balanced_init(np.vstack([X[:1], -X[:1], X[2:]]), y), ValueError,
     "the points of class 1 in X average to zero"),
    (lambda X, y: data_balanced_init(X * np.nan, y), ValueError, "X must be finite"),
    (lambda X, y: random_init(X, hidden=0, rng=np.random.default_rng(0)), ValueError, "hidden must be an integer"),
    (lambda X, y: random_init(X, hidden=2, scale=-1.0, rng=np.random.default_rng(0)), ValueError,
     "scale must be > 0"),
    (lambda X, y: random_init(X, hidden=2, rng=0), TypeError, "rng must be a numpy.random.Generator"),
    (lambda X, y: random_init(X[0], hidden=2, rng=np.random.default_rng(0)), ValueError, "X must be a 2-d"),
])
def test_bad_initialization_input_is_refused_clearly(call, kind, words):
    X = np.array([[1.0, 0.2], [2.0, 0.1], [-0.3, 1.0]])
    y = np.array([1, 1, 2])
    with pytest.raises(kind, match=__import__("re").escape(words)):
        call(X, y)


def test_random_init_is_a_seeded_small_gaussian():
    X = np.ones((5, 3))
    init = random_init(X, hidden=4, scale=0.2, rng=np.random.default_rng(3))
    reference = small_random_init(np.random.default_rng(3), hidden=4, dimension=3, scale=0.2)
    assert np.array_equal(init.W0, reference.W0) and np.array_equal(init.Z0, reference.Z0)
    assert init.W0.shape == (4, 3) and init.Z0.shape == (4,) and init.modes == {"hidden": 4, "scale": 0.2}
    assert not np.array_equal(init.W0, random_init(X, hidden=4, scale=0.2, rng=np.random.default_rng(4)).W0)


def test_a_custom_loss_trains_from_a_data_balanced_init_with_weights():
    X, labels = _h1_data(12)
    init = data_balanced_init(X, labels, units_per_class=2, rng=np.random.default_rng(1))
    q = np.where(labels == 1, 2.0, 1.0) / len(labels)
    run = train(X, labels, init.W0, init.Z0, loss=sp.Max(0, 1 - M), lr=0.05, steps=300, record_every=50,
                weights=q)
    signs = np.where(labels == 1, 1.0, -1.0)
    assert run.dead_step is None and np.all(signs * run.logits[-1] > signs * run.logits[0])


def test_h2_says_why_a_unit_fails_and_violations_come_most_violated_first():
    from dynamics.groundtruth.assumptions import check_h1, check_h2

    X = np.array([[1.0, 0.0], [0.8, 0.6], [-0.1, 1.0], [0.5, 1.0]])  # point 3 (class 2) leans on class 1
    labels = np.array([1, 1, 2, 2])
    W0 = np.array([[1.0, 1.0],     # active on all four points: both classes
                   [0.0, -1.0],    # active on none
                   [1.0, -0.2]])   # active on points 0, 1, 3: both classes
    report = check_h2(X, labels, W0)
    texts = "\n".join(report.failures)
    assert "unit 0 is active on points of both classes (active on 2 of 2 class-1 points, 2 of 2 class-2" in texts
    assert "unit 1 is not active on every point of its class (active on 0 of 2 class-1 points, 0 of 2" in texts
    h1 = check_h1(X, labels)
    cosines = [float(text.split("cosine ")[1].split(" ")[0]) for text in h1.failures]
    assert cosines == sorted(cosines, reverse=True) and len(cosines) >= 2  # the worst cross-class pair first
