"""Issue 9, ground-truth edges: assumption tolerance and margins, extreme scales, dead units, divergence, agreement.

Every expected value is independent of the code under test: worked by hand from the construction, computed
with mpmath / math.hypot, or produced by plain numpy gradient descent written here.
"""
import json
import math
import pickle

import mpmath
import numpy as np
import pytest

from dynamics import assumptions as H
from dynamics.agreement import agreement, compare_two_layer
from dynamics.groundtruth.data import Dataset, repeated_points, random_rotation, rotate, row_norms
from dynamics.groundtruth.initialization import balanced_init, class_mean_init, deep_balanced_init
from dynamics.groundtruth.training import TrainingDiverged, train, train_batch, train_softmax

TOL = H.RELATIVE_TOLERANCE


def _rotated(seed, *, norms=(0.7, 1.3), p=0.4):
    rng = np.random.default_rng(seed)
    base = repeated_points(rng, norms=norms, p=p, n_points=10, dimension=6)
    return rotate(base, random_rotation(rng, 6)), rng


# ------------------------------------------------------------------------------------------- item 9: tolerance
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_balanced_init_on_rotated_orthogonal_classes_satisfies_h1_h3_with_margin(seed):
    data, rng = _rotated(seed)
    init = balanced_init(data, u0=0.1, v0=-0.2, rng=rng, orthogonal_scale=0.3)
    pre = data.X @ init.W0.T
    cross = np.concatenate([pre[data.labels == 2, 0], pre[data.labels == 1, 1]])
    assert np.any(cross > 0)  # the case of the issue: a strict sign test sees these units active on both classes
    h1, h2, h3 = H.check_binary(data.X, data.labels, init.W0, init.Z0)
    assert h1.holds and h2.holds and h3.holds
    # Classes are orthogonal: the tightest conditions are the cross-class cosines, exactly 0 in exact arithmetic,
    # so both margins are the tolerance itself up to rounding of a cosine (<= 1e-15 here).
    assert abs(h1.margin - TOL) <= 1e-15 and abs(h2.margin - TOL) <= 1e-15
    # H3: by hand, z1 = sqrt(u0/n1), |z2| = sqrt(-v0/n2); the smaller over the larger, minus the tolerance.
    z1, z2 = math.sqrt(0.1 / 0.7), math.sqrt(0.2 / 1.3)
    assert h3.margin == pytest.approx(min(z1, z2) / max(z1, z2), rel=1e-14)  # signs are exact: no tolerance
    assert "margin" in h1.message() and H.require(h1, h2, h3) is None


@pytest.mark.parametrize("factor, holds", [(10.0, False), (0.5, True)])
def test_a_pair_perturbed_past_the_tolerance_is_named(factor, holds):
    data, _ = _rotated(3)
    x1 = data.class_vectors[0] / np.linalg.norm(data.class_vectors[0])
    X = data.X.copy()
    last = X.shape[0] - 1
    X[last] = X[last] + factor * TOL * np.linalg.norm(X[last]) * x1  # cosine with class 1 = factor * TOL
    report = H.check_h1(X, data.labels)
    assert report.holds is holds
    assert report.margin == pytest.approx((1 - factor) * TOL, rel=1e-3)  # TOL - cosine, by construction
    if not holds:
        assert f"cross-class points (0, {last})" in report.message()
        with pytest.raises(H.AssumptionError, match=rf"H1 fails by .*\(0, {last}\)"):
            H.require(report)


def test_h2_and_h5_unit_perturbed_past_the_tolerance_is_named():
    data, _ = _rotated(4)
    init = balanced_init(data)
    W0 = init.W0.copy()
    x2 = data.class_vectors[1] / np.linalg.norm(data.class_vectors[1])
    W0[0] += 10 * TOL * np.linalg.norm(W0[0]) * x2  # unit 0 now active (beyond rounding) on class 2
    report = H.check_h2(data.X, data.labels, W0)
    assert not report.holds and "unit 0" in report.message() and "no unit serves class 1" in report.message()
    assert report.margin == pytest.approx(-9 * TOL, rel=1e-3)
    # the same in the multi-class H5 check: labels 0/1 instead of 1/2
    assert not H.check_h5(data.X, data.labels - 1, W0).holds
    assert H.check_h5(data.X, data.labels - 1, init.W0).holds


def test_margins_of_a_hand_worked_example():
    X = np.array([[1.0, 0.0], [3.0, 4.0], [-4.0, 3.0]])  # cos(x0, x1) = 0.6, cos(x1, x2) = 0, cos(x0, x2) = -0.8
    assert H.check_h1(X, [1, 1, 2]).margin == pytest.approx(TOL - 0.0, abs=1e-16)
    assert H.check_h1(X, [1, 2, 2]).margin == pytest.approx(TOL - 0.6, rel=1e-15)  # x0.x1 > 0 across classes
    assert H.check_h1(X, [1, 2, 2], orthogonal_within=True).margin == pytest.approx(TOL - 0.6, rel=1e-15)
    W0 = np.array([[2.0, 1.0], [-2.0, 1.0]])
    # unit 0: cosines 2/sqrt5, 10/(5 sqrt5) on class 1, -5/(5 sqrt5) on class 2 -> slack 1/sqrt5 + TOL;
    # unit 1: cosines -2/sqrt5, -2/(5 sqrt5) on class 1, 11/(5 sqrt5) on class 2 -> slack 2/(5 sqrt5) + TOL.
    assert H.check_h2(X, [1, 1, 2], W0).margin == pytest.approx(2 / (5 * math.sqrt(5)) + TOL, rel=1e-13)
    assert H.partition(W0, X, [1, 1, 2]).tolist() == [1, 2]
    report = H.check_h3(X, [1, 1, 2], W0, [0.5, -2.0])
    assert report.holds and report.margin == pytest.approx(0.25, rel=1e-13)
    report = H.check_h6(np.array([[2.0, -1.0], [0.5, 4.0]]))  # off-diagonal 0.5 > 0: slack TOL - 0.5/4
    assert not report.holds and report.margin == pytest.approx(TOL - 0.125) and "Z0[1,0]" in report.message()


def test_a_zero_point_fails_h1_and_a_class_without_units_fails_h3():
    X = np.array([[1.0, 0.0], [0.0, 0.0], [0.0, 1.0]])
    report = H.check_h1(X, [1, 1, 2])
    assert not report.holds and "(1, 1)" in report.message()
    data = repeated_points(np.random.default_rng(0), n_points=6)
    W0 = balanced_init(data).W0
    W0[1] = -W0[1]  # class 2 has no unit
    h3 = H.check_h3(data.X, data.labels, W0, [0.1, -0.1])
    assert not h3.holds and "no unit serves class 2" in h3.message() and h3.margin < 0


# ---------------------------------------------------------------------------------------- extreme data scales
def test_row_norms_match_math_hypot_at_extreme_scales():
    A = np.array([[3e200, 4e200, 1e199], [3e-200, -4e-200, 0.0], [1e-310, 0.0, 0.0]])
    expected = [math.hypot(*row) for row in A.tolist()]
    assert np.allclose(row_norms(A), expected, rtol=1e-15, atol=0)


@pytest.mark.parametrize("scale", [1e200, 1e-200])
def test_balanced_init_is_exact_on_extreme_scales(scale):
    data = repeated_points(np.random.default_rng(1), norms=(0.7 * scale, 1.3 * scale), n_points=6)
    init = balanced_init(data, u0=0.3, v0=-0.2)
    for row, k, target in ((0, 0, 0.3), (-1, 1, -0.2)):  # logit z_k (w_k . x_k) in 50-digit arithmetic
        mpmath.mp.dps = 50
        y = mpmath.fsum(mpmath.mpf(float(a)) * mpmath.mpf(float(b)) for a, b in zip(data.X[row], init.W0[k]))
        assert float(y * mpmath.mpf(float(init.Z0[k]))) == pytest.approx(target, rel=1e-14)
    assert all(r.holds for r in H.check_binary(data.X, data.labels, init.W0, init.Z0))


def test_training_on_data_times_1e200_diverges_with_a_clear_message_not_zero_weights():
    data = repeated_points(np.random.default_rng(0), n_points=6)
    big = Dataset(data.X * 1e200, data.labels, "scaled", class_vectors=tuple(v * 1e200 for v in data.class_vectors))
    init = balanced_init(big)
    assert np.all(np.any(init.W0 != 0, axis=1))  # not the underflowed W0 = 0 of the issue
    with pytest.raises(TrainingDiverged, match=r"^training diverged at step 1 with lr=0\.1: .*try a smaller lr$"):
        train(big.X, big.labels, init.W0, init.Z0, lr=0.1, steps=5)
    # the scale-free class-mean init gives the same unit directions at any scale
    assert np.allclose(class_mean_init(big.X, big.labels).W0, class_mean_init(data.X, data.labels).W0, rtol=1e-15)


def test_deep_balanced_init_is_exact_for_a_huge_norm():
    x = np.array([0.0, 1e250, 0.0])
    init = deep_balanced_init(x, depth=4, u0=0.2)
    W0, layers0, Z0 = init.W0, init.layers0, init.Z0
    scale = mpmath.mpf(0.2) / mpmath.mpf(1e250)
    assert float(Z0[0]) == pytest.approx(float(scale ** (mpmath.mpf(1) / 4)), rel=1e-14)
    u = (W0[0] @ x) * layers0[0][0] * layers0[1][0] * Z0[0]
    assert u == pytest.approx(0.2, rel=1e-13)


# ------------------------------------------------------------------------------------- dead units, divergence
def _plain_gd_dead_step(X, labels, W, Z, lr, steps):
    """Squared-loss GD written out with explicit loops over points: the first step a class loses every unit."""
    W, Z = W.copy(), Z.copy()
    n = len(X)
    for step in range(steps + 1):
        for k in (1, 2):
            if all(W[i] @ X[j] <= 0 for j in range(n) if labels[j] == k for i in range(len(W))):
                return step
        gW, gZ = np.zeros_like(W), np.zeros_like(Z)
        for j in range(n):
            s = 1.0 if labels[j] == 1 else -1.0
            h = np.maximum(W @ X[j], 0)
            g = (s * (Z @ h) - 1) * s / n
            gZ += g * h
            gW += g * np.outer(Z * (W @ X[j] > 0), X[j])
        W, Z = W - lr * gW, Z - lr * gZ
    return None


@pytest.mark.parametrize("lr, expected", [(100.0, 2), (0.1, None)])
def test_dead_step_matches_plain_gradient_descent(lr, expected):
    data = repeated_points(np.random.default_rng(2), norms=(1.0, 1.5), p=0.5, n_points=4, dimension=3)
    init = balanced_init(data, u0=0.05, v0=-0.05)
    run = train(data.X, data.labels, init.W0, init.Z0, loss="squared", lr=lr, steps=6, record_every=6)
    assert run.dead_step == _plain_gd_dead_step(data.X, data.labels, init.W0, init.Z0, lr, 6) == expected
    batch = train_batch(data.X, data.labels, np.stack([init.W0] * 2), np.stack([init.Z0] * 2), loss="squared",
                        lr=[0.1, 100.0], steps=6)
    assert batch.dead_step == (None, 2)


def test_dead_step_at_the_initialization_and_in_softmax():
    X = np.array([[1.0, 0.0], [0.0, 1.0]])
    run = train(X, [1, 2], np.array([[-0.1, 0.0], [0.0, 0.1]]), np.array([0.1, -0.1]), lr=0.1, steps=2)
    assert run.dead_step == 0  # class 1 has no active unit from the start
    soft = train_softmax(X, [0, 1], np.array([[0.1, 0.0], [0.0, -0.1]]), np.array([[0.1, 0.0], [0.0, 0.1]]),
                         lr=0.1, steps=2)
    assert soft.dead_step == 0


def test_divergence_step_matches_plain_gradient_descent():
    data = repeated_points(np.random.default_rng(0), norms=(1e100, 1e100), n_points=4, dimension=3)
    init = balanced_init(data, u0=0.5, v0=-0.5)
    lr = 2.0
    W, Z = init.W0.copy(), init.Z0.copy()
    s = np.where(data.labels == 1, 1.0, -1.0)
    expected = None
    with np.errstate(all="ignore"):
        for step in range(1, 40):
            pre = data.X @ W.T
            u = np.maximum(pre, 0) @ Z
            g = (s * u - 1) * s / len(s)
            W, Z = W - lr * ((g[:, None] * Z * (pre > 0)).T @ data.X), Z - lr * (np.maximum(pre, 0).T @ g)
            if not (np.all(np.isfinite(W)) and np.all(np.isfinite(Z))):
                expected = step
                break
    assert expected is not None
    with pytest.raises(TrainingDiverged) as info:
        train(data.X, data.labels, init.W0, init.Z0, loss="squared", lr=lr, steps=60)
    assert info.value.step == expected and info.value.lr == lr
    assert "\n" not in str(info.value) and f"step {expected} with lr=2:" in str(info.value)
    again = pickle.loads(pickle.dumps(info.value))
    assert (again.step, again.lr, str(again)) == (expected, lr, str(info.value))


def test_softmax_checks_the_weights_after_each_update():
    # One unit; its weight overflows to -inf at the first update while the logits stay finite (ReLU(-inf) = 0):
    # without the post-update check this run ends "successfully" with W = -inf.
    X = np.array([[1e200, 0.0]])
    W0, Z0 = np.array([[1e-300, 0.0]]), np.array([[-1e200], [1e200]])
    with np.errstate(all="ignore"):  # the same first update by hand
        g = np.array([[-1.0, 1.0]])  # softmax - onehot, with logit 2 >> logit 1
        W1 = W0 - 1.0 * ((g @ Z0) * (X @ W0.T > 0)).T @ X
    assert np.isneginf(W1[0, 0])
    with pytest.raises(TrainingDiverged, match="step 1 with lr=1"):
        train_softmax(X, [0], W0, Z0, lr=1.0, steps=3)


# ------------------------------------------------------------------------------------------------- agreement
def test_agreement_is_finite_at_huge_values_and_flags_zero_theory():
    a = agreement([1e300, -1e300], [-1e300 + 0.0, -1e300])  # errors 2e300 and 0
    assert a.max_abs == 2e300 and a.rms_abs == pytest.approx(2e300 / math.sqrt(2), rel=1e-15)
    assert a.max_rel == pytest.approx(2.0) and a.rel_excluded == 0
    b = agreement([0.0, 2.0, 0.0], [1e-5, 3.0, 0.0])
    assert b.max_rel == 0.5 and b.rel_excluded == 1 and b.max_abs == 1.0
    assert json.loads(json.dumps(b.as_dict()))["rel_excluded"] == 1


def test_compare_two_layer_with_a_huge_initial_logit_writes_finite_json():
    data = repeated_points(np.random.default_rng(0), n_points=6)
    init = balanced_init(data, u0=1e300, v0=-1e300)
    run = train(data.X, data.labels, init.W0, init.Z0, lr=0.1, steps=20, record_every=5)
    cmp = compare_two_layer(run, data, u0=1e300, v0=-1e300)
    text = json.dumps({k: cmp.logits[k].as_dict() for k in (1, 2)}, allow_nan=False)  # raises on inf/NaN
    assert "Infinity" not in text
    # BCE is flat at u = 1e300 (slope e^-1e300 = 0): GD does not move, the theory stays at u0 (relative 1e-15)
    assert cmp.logits[1].max_rel <= 1e-14 and cmp.logits[2].max_rel <= 1e-14


def test_compare_two_layer_accepts_rotated_data():
    data, rng = _rotated(0)
    init = balanced_init(data, u0=0.1, v0=-0.2, rng=rng, orthogonal_scale=0.3)
    run = train(data.X, data.labels, init.W0, init.Z0, lr=0.01, steps=300, record_every=300)
    cmp = compare_two_layer(run, data, u0=0.1, v0=-0.2)
    assert cmp.logits[1].max_abs < 1e-2 and cmp.logits[2].max_abs < 1e-2  # O(lr) Euler error over t = 3


def test_h3_judges_signs_exactly_at_any_scale():
    """A correct sign 1e-13 times smaller than the largest output weight still satisfies H3 (as with
    norms 1e-12 and 1e12); an exact zero does not."""
    X, labels, W0 = np.eye(2), [1, 2], np.eye(2)
    assert H.check_h3(X, labels, W0, [1.0, -1e-13]).holds
    assert H.check_h3(X, labels, W0, [1.0, -1e-13]).margin == pytest.approx(1e-13, rel=1e-12)
    assert H.check_h3(X, labels, W0, [1e300, -1e-300]).holds  # the scaled margin underflows; the sign does not
    zero = H.check_h3(X, labels, W0, [1.0, 0.0])
    assert not zero.holds and zero.margin == 0.0 and "Z0[1]" in zero.failures[0]
