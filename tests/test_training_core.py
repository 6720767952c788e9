"""Issue 11, the ground truth's training core: one forward pass and gradient per network, the shared loop, result
shapes, DeepInitialization, typed Dataset fields and loss objects.

Every expected value is independent of the code under test: losses and logits written out here with explicit loops
over points, units and layers, central finite differences of those real losses, or values worked by hand.
"""
import ast
import pathlib

import numpy as np
import pytest

import derivations
from dynamics.groundtruth import losses as L
from dynamics.groundtruth import networks as N
from dynamics.groundtruth.data import Dataset, cone_points, random_rotation, repeated_points, rotate, starvation_data
from dynamics.groundtruth.initialization import DeepInitialization, deep_balanced_init
from dynamics.groundtruth.training import TrainingDiverged, train, train_batch, train_deep, train_softmax

#: Central-difference step: truncation error ~ FD_STEP^2 * |f'''| and rounding ~ 1e-16 / FD_STEP, both < 1e-9.
FD_STEP = 1e-6
FD_TOL = 1e-8


# ------------------------------------------------------------------------------- independent losses and logits
def _margin_loss(name, m):
    """The three losses of the signed margin, written out (BCE as log(1 + e^-m))."""
    return {"bce": np.log1p(np.exp(-m)), "hinge": max(0.0, 1.0 - m), "squared": 0.5 * (1.0 - m) ** 2}[name]


def _two_layer_u(x, W, Z):
    return sum(Z[i] * max(float(W[i] @ x), 0.0) for i in range(len(Z)))


def _deep_u(x, W, layers, Z):
    a = [max(float(w @ x), 0.0) for w in W]
    for D in layers:
        a = [max(D[i] * a[i], 0.0) for i in range(len(a))]
    return sum(Z[i] * a[i] for i in range(len(a)))


def _mean_loss(u_of, X, labels, loss, only=None):
    """Mean over all n points of the loss; with ``only``, the sum over class ``only``'s points divided by n."""
    total = 0.0
    for x, y in zip(X, labels):
        if only is None or y == only:
            total += _margin_loss(loss, (1.0 if y == 1 else -1.0) * u_of(x))
    return total / len(X)


def _softmax_loss(X, labels, W, Z, only=None):
    total = 0.0
    for x, y in zip(X, labels):
        if only is None or y == only:
            a = np.array([max(float(w @ x), 0.0) for w in W])
            logits = [float(z @ a) for z in Z]
            top = max(logits)
            total += -(logits[y] - top - np.log(sum(np.exp(v - top) for v in logits)))
    return total / len(X)


def _finite_differences(f, *arrays):
    """Central differences of the scalar ``f(*arrays)`` with respect to every entry of every array."""
    grads = []
    for a in arrays:
        g = np.zeros_like(a)
        for index in np.ndindex(a.shape):
            saved = a[index]
            a[index] = saved + FD_STEP
            up = f(*arrays)
            a[index] = saved - FD_STEP
            down = f(*arrays)
            a[index] = saved
            g[index] = (up - down) / (2 * FD_STEP)
        grads.append(g)
    return grads


def _two_class_problem(seed, n=7, d=4, h=3):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    labels = np.array([1, 2] * (n // 2) + [1] * (n % 2))
    return X, labels, 0.5 * rng.standard_normal((h, d)), 0.5 * rng.standard_normal(h)


# ------------------------------------------------------------------------------------- forward passes
def test_logits_match_explicit_loops():
    X, _, W, Z = _two_class_problem(0)
    assert np.allclose(N.two_layer_logits(X, W, Z), [_two_layer_u(x, W, Z) for x in X], rtol=1e-14, atol=1e-15)
    rng = np.random.default_rng(1)
    layers = [rng.standard_normal(3), np.abs(rng.standard_normal(3))]
    assert np.allclose(N.deep_logits(X, W, layers, Z), [_deep_u(x, W, layers, Z) for x in X], rtol=1e-14, atol=1e-15)
    Zc = rng.standard_normal((4, 3))
    expected = [[float(z @ np.maximum(W @ x, 0)) for z in Zc] for x in X]
    assert np.allclose(N.softmax_logits(X, W, Zc), expected, rtol=1e-14, atol=1e-15)
    Wk, Zk = np.stack([W, -W]), np.stack([Z, 2 * Z])
    assert np.allclose(N.batch_logits(X, Wk, Zk), [[_two_layer_u(x, w, z) for x in X] for w, z in zip(Wk, Zk)],
                       rtol=1e-14, atol=1e-15)
    # probes may be zero rows (nothing to train is only an error for training)
    assert N.two_layer_logits(np.zeros((2, 4)), W, Z).tolist() == [0.0, 0.0]


# ------------------------------------------------------------------------------------- gradients
@pytest.mark.parametrize("loss", ["bce", "hinge", "squared"])
def test_two_layer_and_class_gradients_match_finite_differences_of_the_real_loss(loss):
    X, labels, W, Z = _two_class_problem(2)
    dW, dZ = N.two_layer_gradient(X, labels, W, Z, loss=loss)
    fW, fZ = _finite_differences(lambda W_, Z_: _mean_loss(lambda x: _two_layer_u(x, W_, Z_), X, labels, loss),
                                 W.copy(), Z.copy())
    assert np.allclose(dW, fW, rtol=0, atol=FD_TOL) and np.allclose(dZ, fZ, rtol=0, atol=FD_TOL)
    per_class = N.class_gradients(X, labels, W, Z, loss=loss)
    for k in (1, 2):  # class k's share: its points' losses over n
        fW, fZ = _finite_differences(
            lambda W_, Z_: _mean_loss(lambda x: _two_layer_u(x, W_, Z_), X, labels, loss, only=k), W.copy(), Z.copy())
        assert np.allclose(per_class[k][0], fW, rtol=0, atol=FD_TOL)
        assert np.allclose(per_class[k][1], fZ, rtol=0, atol=FD_TOL)
    # the loss object and its name are the same loss
    same = N.two_layer_gradient(X, labels, W, Z, loss=L.LOSSES[loss])
    assert np.array_equal(same[0], dW) and np.array_equal(same[1], dZ)


def test_batch_gradient_is_each_network_gradient():
    X, labels, W, Z = _two_class_problem(3)
    Wk, Zk = np.stack([W, 0.5 * W, -W]), np.stack([Z, -Z, Z])
    dW, dZ = N.batch_gradient(X, labels, Wk, Zk, loss="squared")
    assert dW.shape == Wk.shape and dZ.shape == Zk.shape
    for k in range(3):
        fW, fZ = _finite_differences(
            lambda W_, Z_: _mean_loss(lambda x: _two_layer_u(x, W_, Z_), X, labels, "squared"), Wk[k].copy(),
            Zk[k].copy())
        assert np.allclose(dW[k], fW, rtol=0, atol=FD_TOL) and np.allclose(dZ[k], fZ, rtol=0, atol=FD_TOL)


@pytest.mark.parametrize("loss", ["bce", "squared"])
def test_deep_gradient_matches_finite_differences_of_the_real_loss(loss):
    X, labels, W, Z = _two_class_problem(4)
    rng = np.random.default_rng(5)
    layers = [1 + 0.3 * rng.standard_normal(3), 1 + 0.3 * rng.standard_normal(3)]  # depth 4
    dW, dD, dZ = N.deep_gradient(X, labels, W, layers, Z, loss=loss)
    D1, D2 = (d.copy() for d in layers)
    fW, fD1, fD2, fZ = _finite_differences(
        lambda W_, a, b, Z_: _mean_loss(lambda x: _deep_u(x, W_, [a, b], Z_), X, labels, loss), W.copy(), D1, D2,
        Z.copy())
    for got, want in ((dW, fW), (dD[0], fD1), (dD[1], fD2), (dZ, fZ)):
        assert np.allclose(got, want, rtol=0, atol=FD_TOL)


def test_softmax_gradient_and_class_gradients_match_finite_differences():
    rng = np.random.default_rng(6)
    X = rng.standard_normal((6, 4))
    labels = np.array([0, 1, 2, 0, 1, 2])
    W, Z = 0.5 * rng.standard_normal((3, 4)), 0.5 * rng.standard_normal((3, 3))
    dW, dZ = N.softmax_gradient(X, labels, W, Z)
    fW, fZ = _finite_differences(lambda W_, Z_: _softmax_loss(X, labels, W_, Z_), W.copy(), Z.copy())
    assert np.allclose(dW, fW, rtol=0, atol=FD_TOL) and np.allclose(dZ, fZ, rtol=0, atol=FD_TOL)
    per_class = N.softmax_class_gradients(X, labels, W, Z)
    assert sorted(per_class) == [0, 1, 2]
    for k in range(3):
        fW, fZ = _finite_differences(lambda W_, Z_: _softmax_loss(X, labels, W_, Z_, only=k), W.copy(), Z.copy())
        assert np.allclose(per_class[k][0], fW, rtol=0, atol=FD_TOL)
        assert np.allclose(per_class[k][1], fZ, rtol=0, atol=FD_TOL)


def test_softmax_class_gradients_leave_other_rows_untouched_under_h5():
    """Lemma A.1 by hand: unit k fires only on class k, so class k's gradient is exactly 0 off row k of W."""
    X = np.diag([0.6, 0.9, 1.2])
    W, Z = 0.1 * np.eye(3), np.full((3, 3), -0.05) + 0.25 * np.eye(3)
    grads = N.softmax_class_gradients(np.repeat(X, [1, 2, 3], axis=0), np.repeat([0, 1, 2], [1, 2, 3]), W, Z)
    for k in range(3):
        others = np.arange(3) != k
        assert np.all(grads[k][0][others] == 0) and np.any(grads[k][0][k] != 0)


# ------------------------------------------------------------------------------------- the shared loop
def test_each_loop_steps_along_the_real_gradient():
    """One step of every loop equals the weights minus lr times the finite-difference gradient of the real loss."""
    X, labels, W, Z = _two_class_problem(7)
    lr = 0.3
    run = train(X, labels, W, Z, lr=lr, steps=1)
    fW, fZ = _finite_differences(lambda W_, Z_: _mean_loss(lambda x: _two_layer_u(x, W_, Z_), X, labels, "bce"),
                                 W.copy(), Z.copy())
    assert np.allclose(run.W, W - lr * fW, rtol=0, atol=lr * FD_TOL)
    assert np.allclose(run.Z, Z - lr * fZ, rtol=0, atol=lr * FD_TOL)
    layers = [np.array([1.1, 0.9, 1.3])]
    deep = train_deep(X, labels, W, layers, Z, loss="squared", lr=lr, steps=1)
    fW, fD, fZ = _finite_differences(
        lambda W_, a, Z_: _mean_loss(lambda x: _deep_u(x, W_, [a], Z_), X, labels, "squared"), W.copy(),
        layers[0].copy(), Z.copy())
    assert np.allclose(deep.W, W - lr * fW, rtol=0, atol=lr * FD_TOL)
    assert np.allclose(deep.layers[0], layers[0] - lr * fD, rtol=0, atol=lr * FD_TOL)
    assert np.allclose(deep.Z, Z - lr * fZ, rtol=0, atol=lr * FD_TOL)
    Zc = np.random.default_rng(8).standard_normal((2, 3))
    soft = train_softmax(X, labels - 1, W, Zc, lr=lr, steps=1)
    fW, fZ = _finite_differences(lambda W_, Z_: _softmax_loss(X, labels - 1, W_, Z_), W.copy(), Zc.copy())
    assert np.allclose(soft.W, W - lr * fW, rtol=0, atol=lr * FD_TOL)
    assert np.allclose(soft.Z, Zc - lr * fZ, rtol=0, atol=lr * FD_TOL)
    assert soft.losses[0] == pytest.approx(_softmax_loss(X, labels - 1, W, Zc), rel=1e-13)


def test_two_layer_and_deep_loops_check_the_weights_after_each_update():
    # One unit; its input weight overflows to -inf at the first update while the logit stays finite
    # (relu(-inf) = 0): without the post-update check the run would end "successfully" with W = -inf.
    X = np.array([[1e200, 0.0]])
    W0, Z0 = np.array([[1e-300, 0.0]]), np.array([-1e200])
    with np.errstate(all="ignore"):  # the same first update by hand: dL/du = -1/2 at u = -1e-100 (class 1)
        W1 = W0 - 1.0 * (-0.5 * Z0[0]) * X
    assert np.isneginf(W1[0, 0])
    with pytest.raises(TrainingDiverged, match="step 1 with lr=1"):
        train(X, [1], W0, Z0, lr=1.0, steps=3)
    with pytest.raises(TrainingDiverged, match="step 1 with lr=1"):
        train_deep(X, [1], W0, [np.array([1.0])], Z0, lr=1.0, steps=3)


def test_batch_run_time_has_one_shape_whatever_the_learning_rates():
    X, labels, W, Z = _two_class_problem(9)
    Wk, Zk = np.stack([W] * 3), np.stack([Z] * 3)
    for lr, rates in ((0.1, [0.1] * 3), ([0.1, 0.2, 0.3], [0.1, 0.2, 0.3]), ([0.2, 0.2, 0.2], [0.2] * 3)):
        run = train_batch(X, labels, Wk, Zk, lr=lr, steps=7, record_every=3)
        assert run.steps.tolist() == [0, 3, 6, 7]
        assert run.t.shape == (4, 3)
        assert np.array_equal(run.t, np.array([0, 3, 6, 7])[:, None] * np.array(rates)[None, :])
    one = train_batch(X, labels, W[None], Z[None], lr=0.1, steps=2)
    assert one.t.shape == (3, 1)
    single = train(X, labels, W, Z, lr=0.1, steps=2)
    assert single.t.shape == (3,) and np.array_equal(single.t, one.t[:, 0])


# ------------------------------------------------------------------------------------- DeepInitialization
def test_deep_balanced_init_is_an_initialization_object_train_deep_accepts():
    x = np.array([0.0, 0.8, 0.0])
    init = deep_balanced_init(x, depth=4, u0=0.1)
    assert isinstance(init, DeepInitialization) and init.depth == 4 and len(init.layers0) == 2
    # by hand: every layer (u0/n)^(1/N), w = z x / n, so the logit n z^N = u0
    z = (0.1 / 0.8) ** 0.25
    assert init.Z0.tolist() == pytest.approx([z], rel=1e-15)
    assert init.W0[0].tolist() == pytest.approx([0, z, 0], rel=1e-15)
    X, labels = x[None], np.array([1])
    a = train_deep(X, labels, init, lr=0.05, steps=20, record_every=5)
    b = train_deep(X, labels, init.W0, init.layers0, init.Z0, lr=0.05, steps=20, record_every=5)
    assert np.array_equal(a.logits, b.logits) and np.array_equal(a.W, b.W)
    assert a.logits[0, 0] == pytest.approx(0.1, rel=1e-14)
    with pytest.raises(TypeError, match="either a DeepInitialization or W0, layers0 and Z0"):
        train_deep(X, labels, init, init.layers0, init.Z0, lr=0.05, steps=1)
    with pytest.raises(TypeError, match="needs W0, layers0 and Z0"):
        train_deep(X, labels, init.W0, lr=0.05, steps=1)


# ------------------------------------------------------------------------------------- typed Dataset fields
def test_datasets_carry_their_vectors_as_typed_fields():
    rng = np.random.default_rng(10)
    data = repeated_points(rng, norms=(0.5, 2.0), p=0.4, n_points=10, dimension=5)
    x1, x2 = data.class_vectors
    assert np.array_equal(data.X[data.labels == 1], np.tile(x1, (4, 1)))
    assert np.array_equal(data.X[data.labels == 2], np.tile(x2, (6, 1)))
    assert data.class_norms.tolist() == [0.5, 2.0] and data.axis is None and data.features is None
    turned = rotate(data, random_rotation(rng, 5))
    assert np.allclose(turned.X[0], turned.class_vectors[0], rtol=0, atol=1e-15)
    assert np.allclose(turned.X[-1], turned.class_vectors[1], rtol=0, atol=1e-15)
    assert turned.class_norms == pytest.approx([0.5, 2.0], rel=1e-14)
    cone = cone_points(rng, n_per_class=(6, 5), dimension=4)
    cos = cone.X @ cone.axis / np.linalg.norm(cone.X, axis=1)
    assert np.all(cos[cone.labels == 1] >= np.cos(np.pi / 6)) and np.all(cos[cone.labels == 2] <= -np.cos(np.pi / 6))
    star = starvation_data(rng, lam=0.25, n_points=16)
    f1, f2 = star.features
    ones = star.X[star.labels == 1]
    both = np.all(ones == f1 + f2, axis=1)
    assert np.all(both | np.all(ones == f1, axis=1)) and both.sum() == 2  # round(0.25 * 8) points have x2 too
    assert np.all(star.X[star.labels == 2] @ np.array([f1, f2]).T == 0)


@pytest.mark.parametrize("kwargs, words", [
    ({"class_vectors": (np.ones(3),)}, "class_vectors must be a pair (x1, x2)"),
    ({"class_vectors": (np.ones(3), np.ones(2))}, "class_vectors[1] must be a vector of length d=3"),
    ({"axis": np.ones(4)}, "axis must be a vector of length d=3"),
    ({"features": (np.ones(3), [np.nan, 0, 0])}, "features[1] must be finite"),
])
def test_typed_dataset_fields_are_validated(kwargs, words):
    with pytest.raises(ValueError, match=__import__("re").escape(words)):
        Dataset(np.eye(3), [1, 2, 2], "x", **kwargs)
    with pytest.raises(TypeError, match="meta must be a dict"):
        Dataset(np.eye(3), [1, 2, 2], "x", [1, 2])


# ------------------------------------------------------------------------------------- losses
def test_the_loss_registry_is_the_derived_one():
    assert set(L.LOSSES) == set(derivations.LOSS_NAMES)
    for name, loss in L.LOSSES.items():
        assert loss.name == name
        assert loss.stops_at_margin == derivations.resolve_loss(name).stops_at_margin
        margins = np.array([-2.0, -0.3, 0.4, 0.9, 1.5, 3.0])
        value, slope = loss(margins)
        assert np.allclose(value, [_margin_loss(name, m) for m in margins], rtol=1e-14, atol=0)
        numeric = [(_margin_loss(name, m + FD_STEP) - _margin_loss(name, m - FD_STEP)) / (2 * FD_STEP)
                   for m in margins]
        assert np.allclose(slope, numeric, rtol=0, atol=FD_TOL)
        beyond = loss(np.array([1.0, 1.5, 10.0]))[1]
        assert bool(np.all(beyond == 0)) is loss.stops_at_margin


def test_training_takes_its_behaviour_from_the_loss_object():
    # A loss the registry does not know, defined by its object alone: the squared hinge max(0, 1 - m)^2 / 2.
    def squared_hinge(m):
        gap = np.maximum(0.0, 1.0 - m)
        return 0.5 * gap**2, -gap

    custom = L.NetworkLoss("squared hinge", "max(0, 1 - m)^2 / 2", True, squared_hinge)
    assert L.get_loss(custom) is custom
    X, labels, W, Z = _two_class_problem(11)
    dW, dZ = N.two_layer_gradient(X, labels, W, Z, loss=custom)
    fW, fZ = _finite_differences(
        lambda W_, Z_: np.mean([0.5 * max(0.0, 1 - (1 if y == 1 else -1) * _two_layer_u(x, W_, Z_)) ** 2
                                for x, y in zip(X, labels)]), W.copy(), Z.copy())
    assert np.allclose(dW, fW, rtol=0, atol=FD_TOL) and np.allclose(dZ, fZ, rtol=0, atol=FD_TOL)
    by_name = train(X, labels, W, Z, loss="hinge", lr=0.2, steps=30)
    by_object = train(X, labels, W, Z, loss=L.LOSSES["hinge"], lr=0.2, steps=30)
    assert np.array_equal(by_name.logits, by_object.logits) and np.array_equal(by_name.W, by_object.W)
    # A loss that stops at the margin: once every point has s u >= 1 the weights never move again.
    x = np.array([[1.0, 0.0]])
    run = train(x, [1], np.array([[0.5, 0.0]]), np.array([0.5]), loss=custom, lr=0.5, steps=80, record_every=1)
    done = int(np.flatnonzero(run.logits[:, 0] >= 1)[0])
    assert 0 < done < 80 and np.all(run.logits[done:, 0] == run.logits[done, 0])
    assert np.all(run.Z_history[done:] == run.Z_history[done])


# ------------------------------------------------------------------------------------- the room's walls
def test_the_ground_truth_imports_neither_the_derivations_nor_the_theory():
    room = pathlib.Path(__file__).resolve().parents[1] / "dynamics" / "groundtruth"
    for path in room.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [("." * node.level) + (node.module or "")]
            else:
                continue
            for name in names:
                assert not name.startswith(("derivations", "dynamics.theory", "..theory")), (path.name, name)
                assert name not in ("..", "dynamics"), (path.name, name)  # the parent package would import theory
