"""Ground truth: datasets, assumption validators, numpy GD, Lemma 3.1 at finite lr, theory vs GD, mode maps."""
import re

import mpmath
import numpy as np
import pytest

import derivations
import dynamics
from dynamics import assumptions as H
from dynamics.agreement import agreement, compare_two_layer
from dynamics.groundtruth.data import cone_points, multiclass_points, orthogonal_points, repeated_points, starvation_data
from dynamics.groundtruth.initialization import (balanced_init, cone_init, deep_balanced_init, mode_init, multiclass_init,
                                     shared_neuron_init, small_random_init)
from dynamics.theory.mode_map import iterate_mode_map
from dynamics.groundtruth.training import (TrainingDiverged, class_gradients, train, train_batch, train_deep, train_softmax)


def _slope(lrs, errors):
    return np.polyfit(np.log(lrs), np.log(np.abs(errors)), 1)[0]


@pytest.mark.parametrize("seed", range(4))
def test_builders_satisfy_h1(seed):
    rng = np.random.default_rng(seed)
    for data in (repeated_points(rng, norms=(0.5, 2.0), p=0.3, angle=2.0),
                 cone_points(rng, n_per_class=(15, 10)), starvation_data(rng, lam=0.2, n_points=40)):
        assert H.check_h1(data.X, data.labels).holds, data.description
    ortho = orthogonal_points(rng, points=3)  # App. A.7: orthogonal within a class, the boundary of H1
    assert not H.check_h1(ortho.X, ortho.labels).holds
    assert H.check_h1(ortho.X, ortho.labels, orthogonal_within=True).holds
    mc = multiclass_points(rng, classes=4, per_class=2)
    assert H.check_h4(mc.X, mc.labels).holds


def test_violations_are_reported_with_indices():
    X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 0.2]])
    labels = np.array([1, 1, 2])
    report = H.check_h1(X, labels)
    assert not report.holds and "(0, 1)" in report.message() and "(0, 2)" in report.message()
    data = repeated_points(np.random.default_rng(0))
    dead = mode_init(data, y0=(-0.1, 0.1), z0=(0.1, -0.1))  # y0 <= 0: unit 0 inactive on class 1
    assert "unit 0" in H.check_h2(data.X, data.labels, dead.W0).message()
    wrong = mode_init(data, y0=(0.1, 0.1), z0=(-0.1, -0.1))  # z0 < 0 on class 1's unit
    assert "Z0[0]" in H.check_h3(data.X, data.labels, wrong.W0, wrong.Z0).message()
    with pytest.raises(H.AssumptionError, match="H3 fails"):
        H.require(*H.check_binary(data.X, data.labels, wrong.W0, wrong.Z0))
    shared = shared_neuron_init(*data.class_vectors, alpha0=0.2, beta0=0.3, z0=0.1)
    assert not H.check_h2(data.X, data.labels, shared.W0).holds
    # Training still runs on data that violates the assumptions; the theory just does not apply.
    run = train(data.X, data.labels, wrong.W0, wrong.Z0, lr=0.1, steps=5)
    assert np.all(np.isfinite(run.logits))
    mc = multiclass_points(np.random.default_rng(0), classes=3)
    init = multiclass_init(mc, off_diagonal=0.05)
    assert "Z0[0,1]" in H.check_h6(init.Z0).message() and H.check_h5(mc.X, mc.labels, init.W0).holds


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("loss", ["bce", "hinge"])
def test_lemma_31_at_finite_learning_rate(seed, loss):
    rng = np.random.default_rng(seed)
    data = cone_points(rng, n_per_class=(12, 8), dimension=6, half_angle=0.4)
    init = cone_init(rng, data)  # two units per class, each aligned with its class's cone
    W0, Z0 = init.W0, init.Z0
    H.require(*H.check_binary(data.X, data.labels, W0, Z0))
    run = train(data.X, data.labels, W0, Z0, loss=loss, lr=0.5, steps=400, record_every=10)
    assert np.all(run.patterns == run.patterns[0])  # activation patterns never change
    assert np.all(np.sign(run.Z_history) == np.sign(Z0))  # signs of Z never change
    part = H.partition(W0, data.X, data.labels)
    for W, Z in ((W0, Z0), (run.W, run.Z)):
        grads = class_gradients(data.X, data.labels, W, Z, loss=loss)
        for k in (1, 2):
            other = part != k
            assert np.all(grads[k][0][other] == 0) and np.all(grads[k][1][other] == 0)


@pytest.mark.parametrize("loss, norms, p", [("bce", (0.7, 1.3), 0.3), ("bce", (1.5, 0.4), 0.6),
                                            ("hinge", (0.8, 1.2), 0.4)])
def test_gd_error_shrinks_linearly_with_learning_rate(loss, norms, p):
    data = repeated_points(np.random.default_rng(5), norms=norms, p=p, n_points=10, dimension=5)
    init = balanced_init(data, u0=0.05, v0=-0.1, rng=np.random.default_rng(6), orthogonal_scale=0.5)
    horizon = 6.0 if loss == "bce" else 1.5
    lrs = np.array([0.2, 0.1, 0.05, 0.025])
    errors = []
    for lr in lrs:
        steps = int(round(horizon / lr))
        run = train(data.X, data.labels, init.W0, init.Z0, loss=loss, lr=lr, steps=steps, record_every=steps)
        cmp = compare_two_layer(run, data, loss=loss, u0=0.05, v0=-0.1)
        errors.append(cmp.logits[1].max_abs + cmp.logits[2].max_abs)
    assert abs(_slope(lrs, errors) - 1) <= 0.1


@pytest.mark.parametrize("depth, norm", [(3, 0.8), (4, 1.2)])
def test_deep_gd_error_shrinks_linearly(depth, norm):
    x = np.zeros(4)
    x[0] = norm
    X, labels = x[None], np.array([1])
    init = deep_balanced_init(x, depth=depth, u0=0.1)
    lrs = np.array([0.1, 0.05, 0.025, 0.0125])
    errors = []
    for lr in lrs:
        steps = int(round(3.0 / lr))
        run = train_deep(X, labels, init, lr=lr, steps=steps, record_every=steps)
        errors.append(run.logits[-1, 0] - dynamics.logit(run.t[-1], norm=norm, u0=0.1, depth=depth))
    assert abs(_slope(lrs, errors) - 1) <= 0.1


def test_mode_map_reproduces_full_gd():
    data = repeated_points(np.random.default_rng(2), norms=(0.7, 1.3), p=0.3, n_points=10, dimension=6)
    init = balanced_init(data, u0=0.1, v0=-0.2, rng=np.random.default_rng(3), orthogonal_scale=0.3)
    run = train(data.X, data.labels, init.W0, init.Z0, lr=0.1, steps=10_000, record_every=500)
    state = [data.X[0] @ init.W0[0], init.Z0[0], data.X[-1] @ init.W0[1], init.Z0[1]]
    mm = iterate_mode_map(derivations.two_layer("bce"), state, eta=0.1, steps=10_000,
                          parameters={"n_1": 0.7, "n_2": 1.3, "p": 0.3}, record_every=500)
    assert agreement(run.logits[:, 0], mm.logits["class_1"][:, 0]).max_rel <= 1e-10
    assert agreement(run.logits[:, -1], mm.logits["class_2"][:, 0]).max_rel <= 1e-10


def test_mode_map_for_the_deep_chain_and_hinge():
    x = np.array([0.9, 0.0, 0.0])
    init = deep_balanced_init(x, depth=3, u0=0.05)
    W0, layers0, Z0 = init.W0, init.layers0, init.Z0
    run = train_deep(x[None], np.array([1]), W0, layers0, Z0, loss="hinge", lr=0.05, steps=400, record_every=50)
    state = [float(W0[0] @ x), float(layers0[0][0]), float(Z0[0])]
    mm = iterate_mode_map(derivations.deep(3, "hinge"), state, eta=0.05, steps=400,
                          parameters={"n": 0.9, "p": 1.0}, record_every=50)
    assert run.logits[-1, 0] >= 1  # reached the margin and stopped
    assert agreement(run.logits[:, 0], mm.logits["class_1"][:, 0]).max_rel <= 1e-12


def test_batched_training_equals_single_runs():
    data = repeated_points(np.random.default_rng(0), n_points=6)
    rng = np.random.default_rng(1)
    W0 = 0.2 * rng.standard_normal((5, 2, 5))
    Z0 = 0.2 * rng.standard_normal((5, 2))
    batch = train_batch(data.X, data.labels, W0, Z0, lr=0.1, steps=50, record_every=10)
    for k in range(5):
        single = train(data.X, data.labels, W0[k], Z0[k], lr=0.1, steps=50, record_every=10)
        assert np.allclose(batch.logits[:, k], single.logits, rtol=1e-13, atol=1e-15)
    lrs = np.array([0.05, 0.1, 0.2, 0.1, 0.1])
    varied = train_batch(data.X, data.labels, W0, Z0, lr=lrs, steps=10)
    assert varied.t.shape == (11, 5) and np.allclose(varied.t[-1], 10 * lrs)


def test_sgd_is_seeded_and_softmax_keeps_lemma_a1():
    data = repeated_points(np.random.default_rng(0), n_points=8)
    init = balanced_init(data)
    a = train(data.X, data.labels, init.W0, init.Z0, lr=0.1, steps=30, batch_size=2, rng=np.random.default_rng(7))
    b = train(data.X, data.labels, init.W0, init.Z0, lr=0.1, steps=30, batch_size=2, rng=np.random.default_rng(7))
    assert np.array_equal(a.logits, b.logits)
    other_seed = train(data.X, data.labels, init.W0, init.Z0, lr=0.1, steps=30, batch_size=2,
                       rng=np.random.default_rng(8))
    full = train(data.X, data.labels, init.W0, init.Z0, lr=0.1, steps=30)
    assert not np.allclose(a.logits[-1], other_seed.logits[-1], rtol=1e-6, atol=0)  # the seed is used
    assert not np.allclose(a.logits[-1], full.logits[-1], rtol=1e-6, atol=0)  # mini-batches are not the full batch
    mc = multiclass_points(np.random.default_rng(1), classes=3, per_class=2, dimension=5)
    mi = multiclass_init(mc)
    run = train_softmax(mc.X, mc.labels, mi.W0, mi.Z0, lr=0.5, steps=300, record_every=20)
    # Lemma A.1: at every record, on x in D_k exactly unit k is active (H5 kept by the dynamics)
    one_hot = np.eye(3, dtype=bool)[mc.labels]
    assert np.array_equal(run.preactivations > 0, np.broadcast_to(one_hot, run.preactivations.shape))
    diag = np.einsum("rkk->rk", run.Z_history)
    off = run.Z_history - np.einsum("rk,kj->rkj", diag, np.eye(3))
    assert np.all(diag > 0) and np.all(off <= 0)
    assert run.losses[-1] < run.losses[0]


def _mp_balanced_logit(drive, u0):
    """Balanced BCE logit after ``drive = 2 n p t``, by mpmath: root of log u + Ei(u) = log u0 + Ei(u0) + drive."""
    with mpmath.workdps(30):
        target = mpmath.log(u0) + mpmath.ei(u0) + drive
        return float(mpmath.findroot(lambda x: mpmath.log(x) + mpmath.ei(x) - target, (u0, u0 + drive + 10),
                                     solver="illinois"))


def _orthogonal_points_gd(X, w0, z0, p, eta, horizon):
    """GD on one ReLU unit, loss p * sum_i log(1 + exp(-z relu(w.x_i))) summed over the points (App. A.7)."""
    w, z = w0.copy(), z0
    for _ in range(int(round(horizon / eta))):
        y = X @ w
        a = np.maximum(y, 0.0)
        slope = -p / (1 + np.exp(z * a))  # dL/du_i
        w, z = w - eta * (slope * z * (y > 0)) @ X, z - eta * slope @ a
    return z * max(X[0] @ w, 0.0)


def test_small_random_init_and_orthogonal_points_theory():
    init = small_random_init(np.random.default_rng(0), hidden=400, dimension=50, scale=0.3)
    assert init.W0.shape == (400, 50) and init.Z0.shape == (400,)
    assert abs(init.W0.std() / 0.3 - 1) <= 0.02 and abs(init.W0.mean()) <= 3 * 0.3 / np.sqrt(init.W0.size)
    column = small_random_init(np.random.default_rng(1), hidden=20_000, dimension=1, scale=0.3)
    assert abs(column.Z0.std() / 0.3 - 1) <= 0.02
    # App. A.7: m orthogonal points of norm n, balanced symmetric start m y0^2 = n^2 z0^2, summed loss:
    # u(t) is the unit-norm balanced logit at 2 sqrt(m) n p t (a sqrt(m) speed-up)
    m, n, p, u0, horizon = 3, 0.8, 0.5, 0.05, 4.0
    exact = _mp_balanced_logit(2 * np.sqrt(m) * n * p * horizon, u0)
    assert abs(exact / _mp_balanced_logit(2 * n * p * horizon, u0) - 1) > 1  # without sqrt(m): far off
    q, _ = np.linalg.qr(np.random.default_rng(11).standard_normal((m + 1, m + 1)))
    X = n * q[:, :m].T
    z0 = np.sqrt(np.sqrt(m) * u0 / n)
    y0 = n * z0 / np.sqrt(m)
    w0 = X.T @ np.full(m, y0) / n**2 + 0.3 * q[:, m]  # plus a component orthogonal to every point
    coarse, fine = (_orthogonal_points_gd(X, w0, z0, p, eta, horizon) for eta in (0.01, 0.005))
    assert abs((2 * fine - coarse) / exact - 1) <= 1e-5  # GD is O(eta) off the flow: Richardson-extrapolate
    theory = dynamics.integrate(derivations.orthogonal_points(m), [y0] * m + [z0], [0.0, horizon],
                                parameters={"n": n, "p": p})
    for i in range(1, m + 1):
        assert abs(theory.logits[f"point_{i}"][-1, 0] / exact - 1) <= 1e-9
    assert abs(dynamics.logit(horizon, norm=np.sqrt(m) * n, p=p, u0=u0) / exact - 1) <= 1e-12


@pytest.mark.parametrize("call, error, words", [
    (lambda d, i: train(d.X, d.labels[:-1], i.W0, i.Z0, lr=0.1, steps=1), ValueError, "one entry per row of X"),
    (lambda d, i: train(d.X, d.labels * 0, i.W0, i.Z0, lr=0.1, steps=1), ValueError, "labels must be in [1, 2]"),
    (lambda d, i: train(d.X, d.labels, i.W0, i.Z0, lr=0.0, steps=1), ValueError, "lr must be > 0"),
    (lambda d, i: train(d.X, d.labels, i.W0, i.Z0, lr=0.1, steps=0), ValueError, "steps must be an integer >= 1"),
    (lambda d, i: train(d.X, d.labels, i.W0[:, :2], i.Z0, lr=0.1, steps=1), ValueError, "W0 must have shape"),
    (lambda d, i: train(d.X * np.nan, d.labels, i.W0, i.Z0, lr=0.1, steps=1), ValueError, "X must be finite"),
    (lambda d, i: train(d.X, d.labels, np.full_like(i.W0, np.inf), i.Z0, lr=0.1, steps=1), ValueError,
     "W0 must be finite"),
    (lambda d, i: train(d.X, d.labels, i.W0, i.Z0, loss="l1", lr=0.1, steps=1), ValueError, "loss='l1'"),
    (lambda d, i: train(d.X, d.labels, i.W0, i.Z0, lr=0.1, steps=1, batch_size=2), TypeError, "needs rng"),
    (lambda d, i: train_softmax(d.X, d.labels, i.W0, np.eye(2), lr=0.1, steps=1), ValueError, "labels must be in [0, 1]"),
])
def test_bad_training_input(call, error, words):
    data = repeated_points(np.random.default_rng(0), n_points=6)
    with pytest.raises(error, match=re.escape(words)):
        call(data, balanced_init(data))


def test_divergence_names_the_step():
    data = repeated_points(np.random.default_rng(0), norms=(1e120, 1e120), n_points=4)
    init = balanced_init(data, u0=0.5, v0=-0.5)  # u0 = 1 is the squared loss's minimum: no step at all
    with pytest.raises(TrainingDiverged, match=r"diverged at step \d+.*learning rate is likely too large"):
        train(data.X, data.labels, init.W0, init.Z0, loss="squared", lr=1.0, steps=50)


def test_theory_is_refused_where_the_assumptions_fail():
    data = repeated_points(np.random.default_rng(0), n_points=6)
    wrong = mode_init(data, y0=(0.1, 0.1), z0=(-0.1, -0.1))  # H3 broken on class 1's unit
    run = train(data.X, data.labels, wrong.W0, wrong.Z0, lr=0.1, steps=5)  # training still runs
    with pytest.raises(H.AssumptionError, match="theory does not apply"):
        compare_two_layer(run, data, u0=0.01, v0=-0.01)


def test_invariant_init_sets_c_per_class():
    from dynamics.groundtruth.initialization import invariant_init
    data = repeated_points(np.random.default_rng(0), norms=(0.7, 1.4))
    init = invariant_init(data, c=(0.1, 0.3), theta0=0.4)
    y = np.array([data.X[0] @ init.W0[0], data.X[-1] @ init.W0[1]])
    norms, c = np.array([0.7, 1.4]), np.array([0.1, 0.3])
    assert np.allclose(y**2 - norms**2 * init.Z0**2, c, rtol=1e-13, atol=0)
    # App. A.3: theta0 = arccosh((y0^2 + n^2 z0^2) / c), and z0 carries the class sign (H3)
    assert np.allclose(np.arccosh((y**2 + norms**2 * init.Z0**2) / c), 0.4, rtol=1e-12, atol=0)
    assert np.array_equal(np.sign(init.Z0), [1.0, -1.0]) and np.all(y > 0)
