"""Issue 9, bad input of the numpy ground truth: one row per input, asserting the error type and that the message
names the parameter (and, where it matters, the problem), or the exact correct result."""
import re

import numpy as np
import pytest

from dynamics import assumptions as H
from dynamics.agreement import agreement, compare_two_layer
from dynamics.groundtruth.data import Dataset, repeated_points, rotate
from dynamics.groundtruth.initialization import (balanced_init, class_mean_init, deep_balanced_init, invariant_init,
                                     multiclass_init, shared_neuron_init)
from dynamics.groundtruth.training import class_gradients, train, train_batch, train_deep, train_softmax

DATA = repeated_points(np.random.default_rng(0), n_points=6, dimension=4)
X, Y = DATA.X, DATA.labels
INIT = balanced_init(DATA)
W0, Z0 = INIT.W0, INIT.Z0
RUN = train(X, Y, W0, Z0, lr=0.1, steps=2)
MC = np.eye(3)


def _nan(a, index=(0, 0), value=np.nan):
    a = np.array(a, float)
    a[index] = value
    return a


def _inf(a):
    return _nan(a, (0, 1), np.inf)


def _zero_class_vector():
    return Dataset(X, Y, "zero", class_vectors=(np.zeros(4), DATA.class_vectors[1]))


ROWS = [
    # ---- assumption checks: data
    ("h1 X with NaN", lambda: H.check_h1(_nan(X), Y), ValueError, "X must be finite; it contains NaN"),
    ("h1 X with inf", lambda: H.check_h1(_inf(X), Y), ValueError, "X must be finite; it contains inf at index (0, 1)"),
    ("h1 X 1-d", lambda: H.check_h1(X[0], Y[:1]), ValueError, "X must be a 2-d data matrix"),
    ("h1 X 3-d", lambda: H.check_h1(X[None], Y), ValueError, "X must be a 2-d data matrix"),
    ("h1 X empty", lambda: H.check_h1(np.zeros((0, 4)), []), ValueError, "X must be a 2-d data matrix"),
    ("h1 labels short", lambda: H.check_h1(X, Y[:-1]), ValueError, "labels must have one entry per row of X"),
    ("h1 labels 0/7", lambda: H.check_h1(X, np.where(Y == 1, 0, 7)), ValueError, "labels must be 1 or 2, found 0"),
    ("h1 label 7", lambda: H.check_h1(X, np.where(Y == 1, 1, 7)), ValueError, "labels must be 1 or 2, found 7"),
    ("h1 labels bool", lambda: H.check_h1(X, Y == 1), TypeError, "labels must be whole numbers"),
    ("h1 labels text", lambda: H.check_h1(X, Y.astype(str)), TypeError, "labels must be whole numbers"),
    ("h4 label -1", lambda: H.check_h4(MC, [0, 1, -1]), ValueError, "labels must be whole numbers 0, 1, ..., C-1"),
    ("h4 label 0.5", lambda: H.check_h4(MC, [0, 1, 0.5]), ValueError, "labels must be whole numbers 0, 1"),
    # ---- assumption checks: weights
    ("h2 W0 wrong d", lambda: H.check_h2(X, Y, W0[:, :3]), ValueError, "W0 must have shape (h, d=4)"),
    ("h2 W0 1-d", lambda: H.check_h2(X, Y, W0[0]), ValueError, "W0 must have shape (h, d=4)"),
    ("h2 W0 no units", lambda: H.check_h2(X, Y, np.zeros((0, 4))), ValueError, "W0 must have shape (h, d=4)"),
    ("h2 W0 NaN", lambda: H.check_h2(X, Y, _nan(W0)), ValueError, "W0 must be finite"),
    ("h3 Z0 too short", lambda: H.check_h3(X, Y, W0, Z0[:1]), ValueError, "Z0 must hold one output weight per unit"),
    ("h3 Z0 all NaN", lambda: H.check_h3(X, Y, W0, [np.nan, np.nan]), ValueError, "Z0 must be finite"),
    ("h3 Z0 matrix", lambda: H.check_h3(X, Y, W0, np.eye(2)), ValueError, "Z0 must hold one output weight per unit"),
    ("h3 labels 0/7", lambda: H.check_h3(X, np.where(Y == 1, 0, 7), W0, Z0), ValueError, "labels must be 1 or 2"),
    ("h5 too few units", lambda: H.check_h5(MC, [0, 1, 2], MC[:2]), ValueError, "W0 must have one unit per class"),
    ("h6 Z0 not square", lambda: H.check_h6(np.ones((2, 3))), ValueError, "Z0 must be a square (C, C) matrix"),
    ("h6 Z0 NaN", lambda: H.check_h6(_nan(MC)), ValueError, "Z0 must be finite"),
    ("partition labels 7", lambda: H.partition(W0, X, Y * 7), ValueError, "labels must be 1 or 2, found 7"),
    # ---- training: data
    ("train empty X", lambda: train(np.zeros((0, 4)), [], W0, Z0, lr=0.1, steps=1), ValueError, "X must be a 2-d"),
    ("train X 1-d", lambda: train(X[0], Y[:1], W0, Z0, lr=0.1, steps=1), ValueError, "X must be a 2-d data matrix"),
    ("train X 3-d", lambda: train(X[None], Y, W0, Z0, lr=0.1, steps=1), ValueError, "X must be a 2-d data matrix"),
    ("train X NaN names X", lambda: train(_nan(X), Y, np.full_like(W0, np.nan), Z0, lr=0.1, steps=1), ValueError,
     "X must be finite; it contains NaN at index (0, 0)"),
    ("train X inf names X", lambda: train(_inf(X), Y, W0, Z0, lr=0.1, steps=1), ValueError,
     "X must be finite; it contains inf"),
    ("train X all zero", lambda: train(X * 0, Y, W0, Z0, lr=0.1, steps=1), ValueError, "X is all zeros"),
    ("train labels 0", lambda: train(X, Y * 0, W0, Z0, lr=0.1, steps=1), ValueError, "labels must be in [1, 2]"),
    ("train labels 7", lambda: train(X, Y * 7 - 6, W0, Z0, lr=0.1, steps=1), ValueError, "labels must be in [1, 2]"),
    ("train labels bool", lambda: train(X, Y == 1, W0, Z0, lr=0.1, steps=1), TypeError, "labels must be numbers"),
    ("train labels short", lambda: train(X, Y[:-1], W0, Z0, lr=0.1, steps=1), ValueError, "labels must have one entry"),
    # ---- training: weights
    ("train W0 wrong d", lambda: train(X, Y, W0[:, :2], Z0, lr=0.1, steps=1), ValueError, "W0 must have shape (h, d=4)"),
    ("train W0 3-d", lambda: train(X, Y, W0[None], Z0, lr=0.1, steps=1), ValueError, "W0 must have shape (h, d=4)"),
    ("train Z0 short", lambda: train(X, Y, W0, Z0[:1], lr=0.1, steps=1), ValueError, "Z0 must have shape (h,) = (2,)"),
    ("train W0 inf", lambda: train(X, Y, _inf(W0), Z0, lr=0.1, steps=1), ValueError, "W0 must be finite"),
    ("batch W0 2-d", lambda: train_batch(X, Y, W0, Z0[None], lr=0.1, steps=1), ValueError, "W0 must have shape (K, h"),
    ("batch Z0 shape", lambda: train_batch(X, Y, W0[None], Z0, lr=0.1, steps=1), ValueError, "Z0 must have shape (K, h)"),
    ("batch lr per run", lambda: train_batch(X, Y, W0[None], Z0[None], lr=[0.1, 0.2], steps=1), ValueError,
     "lr must be one number or one per run (K = 1)"),
    ("deep layer shape", lambda: train_deep(X, Y, W0, [np.ones(3)], Z0, lr=0.1, steps=1), ValueError,
     "each layer in layers0"),
    ("softmax Z0 1-d", lambda: train_softmax(MC, [0, 1, 2], MC, np.ones(3), lr=0.1, steps=1), ValueError,
     "Z0 must be a (C, h) matrix"),
    ("softmax label C", lambda: train_softmax(MC, [0, 1, 3], MC, MC, lr=0.1, steps=1), ValueError,
     "labels must be in [0, 1, 2], found 3"),
    # ---- training: loop parameters
    ("lr 0", lambda: train(X, Y, W0, Z0, lr=0.0, steps=1), ValueError, "lr must be > 0, got 0.0"),
    ("lr -1", lambda: train(X, Y, W0, Z0, lr=-1, steps=1), ValueError, "lr must be > 0, got -1.0"),
    ("lr NaN", lambda: train(X, Y, W0, Z0, lr=np.nan, steps=1), ValueError, "lr must be finite"),
    ("lr inf", lambda: train(X, Y, W0, Z0, lr=np.inf, steps=1), ValueError, "lr must be finite"),
    ("lr text", lambda: train(X, Y, W0, Z0, lr="fast", steps=1), TypeError, "lr must be a number"),
    ("steps 0", lambda: train(X, Y, W0, Z0, lr=0.1, steps=0), ValueError, "steps must be an integer >= 1, got 0"),
    ("steps -3", lambda: train(X, Y, W0, Z0, lr=0.1, steps=-3), ValueError, "steps must be an integer >= 1"),
    ("steps 2.0", lambda: train(X, Y, W0, Z0, lr=0.1, steps=2.0), ValueError, "steps must be an integer >= 1"),
    ("record_every 0", lambda: train(X, Y, W0, Z0, lr=0.1, steps=1, record_every=0), ValueError,
     "record_every must be an integer >= 1, got 0"),
    ("batch_size 0", lambda: train(X, Y, W0, Z0, lr=0.1, steps=1, batch_size=0, rng=np.random.default_rng(0)),
     ValueError, "batch_size must be an integer >= 1, got 0"),
    ("batch_size -1", lambda: train(X, Y, W0, Z0, lr=0.1, steps=1, batch_size=-1, rng=np.random.default_rng(0)),
     ValueError, "batch_size must be an integer >= 1, got -1"),
    ("batch_size 1.5", lambda: train(X, Y, W0, Z0, lr=0.1, steps=1, batch_size=1.5, rng=np.random.default_rng(0)),
     ValueError, "batch_size must be an integer >= 1"),
    ("batch_size no rng", lambda: train(X, Y, W0, Z0, lr=0.1, steps=1, batch_size=2), TypeError, "needs rng"),
    ("class_gradients W", lambda: class_gradients(X, Y, W0[:, :3], Z0), ValueError, "W must have shape (h, d=4)"),
    ("class_gradients Z", lambda: class_gradients(X, Y, W0, Z0[:1]), ValueError, "Z must have shape (h,) = (2,)"),
    ("class_gradients labels", lambda: class_gradients(X, Y + 1, W0, Z0), ValueError, "labels must be in [1, 2]"),
    ("loss unknown", lambda: train(X, Y, W0, Z0, loss="l1", lr=0.1, steps=1), ValueError, "loss='l1'"),
    # ---- data and initializations
    ("Dataset NaN", lambda: Dataset(_nan(X), Y, "x"), ValueError, "X must be finite"),
    ("Dataset empty", lambda: Dataset(np.zeros((0, 3)), np.zeros(0), "x"), ValueError, "X must be a 2-d data matrix"),
    ("Dataset labels", lambda: Dataset(X, Y[:2], "x"), ValueError, "labels must have one entry per row of X"),
    ("rotate not orthogonal", lambda: rotate(DATA, 2 * np.eye(4)), ValueError, "rotation must be an orthogonal"),
    ("balanced u0 0", lambda: balanced_init(DATA, u0=0.0), ValueError, "u0 (the class-1 logit) must be > 0"),
    ("balanced v0 +", lambda: balanced_init(DATA, v0=0.1), ValueError, "v0 (the class-2 logit) must be < 0"),
    ("balanced u0 NaN", lambda: balanced_init(DATA, u0=np.nan), ValueError, "u0 must be finite"),
    ("balanced zero x1", lambda: balanced_init(_zero_class_vector()), ValueError,
     "the dataset's class vector x1 must be a non-zero vector"),
    ("balanced not data", lambda: balanced_init(X), TypeError, "data must be a dynamics.groundtruth.data.Dataset"),
    ("invariant overflow", lambda: invariant_init(DATA, theta0=1e4), ValueError, "theta0"),
    ("deep depth 1", lambda: deep_balanced_init(X[0], depth=1, u0=0.1), ValueError, "depth must be an integer >= 2"),
    ("deep u0 < 0", lambda: deep_balanced_init(X[0], depth=3, u0=-0.1), ValueError, "u0 must be > 0"),
    ("deep x zero", lambda: deep_balanced_init(np.zeros(3), depth=3, u0=0.1), ValueError, "x must be a non-zero"),
    ("shared x2 NaN", lambda: shared_neuron_init(X[0], _nan(X[-1], 0), alpha0=0.1, beta0=0.1, z0=0.1), ValueError,
     "x2 must be finite"),
    ("multiclass missing", lambda: multiclass_init(Dataset(MC, np.array([0, 2, 2]), "x")), ValueError,
     "every class present"),
    ("class_mean zero X", lambda: class_mean_init(X * 0, Y), ValueError, "X is all zeros"),
    ("class_mean one class", lambda: class_mean_init(X, np.ones(6, int)), ValueError, "labels must contain class 2"),
    # ---- agreement
    ("agreement empty", lambda: agreement([], []), ValueError, "theory and measured must hold at least one value"),
    ("agreement NaN", lambda: agreement([1.0, np.nan], [1.0, 2.0]), ValueError, "theory must be finite"),
    ("agreement inf", lambda: agreement([1.0, 2.0], [1.0, np.inf]), ValueError, "measured must be finite"),
    ("agreement shapes", lambda: agreement([1.0, 2.0], [1.0]), ValueError, "theory and measured must have the same"),
    ("agreement overflow", lambda: agreement([1.5e308], [-1.5e308]), ValueError, "exceeds the float range at index 0"),
    ("compare batch run", lambda: compare_two_layer(train_batch(X, Y, W0[None], Z0[None], lr=0.1, steps=1), DATA,
                                                    u0=0.1, v0=-0.1), TypeError, "run must be the result of"),
    ("compare not repeated", lambda: compare_two_layer(RUN, Dataset(X, Y, "plain"), u0=0.1, v0=-0.1), ValueError,
     "dataset must come from dynamics.groundtruth.data.repeated_points"),
    ("compare u0 NaN", lambda: compare_two_layer(RUN, DATA, u0=np.nan, v0=-0.1), ValueError, "u0 must be finite"),
]


@pytest.mark.parametrize("call, error, words", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_bad_input_is_refused_with_a_named_parameter(call, error, words):
    with pytest.raises(error, match=re.escape(words)):
        call()


def test_the_table_is_large_enough():
    assert len(ROWS) >= 25


CORRECT = [
    # inputs at the edge of the valid range, with the exact answer worked by hand
    ("h1 holds on orthogonal classes", lambda: H.check_h1(X, Y).holds, True),
    ("h1 float labels 1.0/2.0", lambda: H.check_h1(X, Y.astype(float)).holds, True),
    ("h4 float labels", lambda: H.check_h4(MC, [0.0, 1.0, 2.0]).holds, True),
    ("h3 exactly zero Z0 fails", lambda: H.check_h3(X, Y, W0, [0.0, 0.0]).holds, False),
    ("h6 zero matrix fails", lambda: H.check_h6(np.zeros((2, 2))).margin, -H.RELATIVE_TOLERANCE),
    ("batch_size 1 runs", lambda: train(X, Y, W0, Z0, lr=0.1, steps=3, batch_size=1,
                                        rng=np.random.default_rng(0)).steps.tolist(), [0, 1, 2, 3]),
    ("record_every > steps", lambda: train(X, Y, W0, Z0, lr=0.1, steps=3, record_every=10).steps.tolist(), [0, 3]),
    # W0 = 0 is a fixed point of gradient descent (phase diagrams start there on purpose): flagged, not refused
    ("batch W0 zero run", lambda: train_batch(X, Y, np.stack([W0, W0 * 0]), np.stack([Z0, Z0]), lr=0.1,
                                              steps=1).dead_step, (None, 0)),
    ("deep dead at init", lambda: train_deep(X[:1], Y[:1], W0[:1], [np.array([-1.0])], Z0[:1], lr=0.1,
                                             steps=2).dead_step, 0),  # a negative diagonal layer switches class 1 off
    ("deep alive", lambda: train_deep(X[:1], Y[:1], W0[:1], [np.array([1.0])], Z0[:1], lr=0.1, steps=2).dead_step,
     None),
    ("agreement zero theory", lambda: agreement([0.0], [0.0]).as_dict(),
     {"max_abs": 0.0, "rms_abs": 0.0, "max_rel": 0.0, "rms_rel": 0.0, "rel_excluded": 0}),
]


@pytest.mark.parametrize("call, expected", [r[1:] for r in CORRECT], ids=[r[0] for r in CORRECT])
def test_edge_inputs_give_the_exact_answer(call, expected):
    assert call() == expected
