"""Speed of the data-coordinate theory, as ratios against gradient descent and separate calls (one run, not a test).

Run from the repository root: ``PYTHONPATH=. python tests/benchmarks/bench_data_flow.py``

1. A problem of 1,000 points and 10 units per class satisfying H1: the prediction to 1e-6 (relative to a tight
   reference, at the loosest tolerance that reaches it) against the gradient descent that agrees with it to 1e-3
   (the learning rate that takes, found from GD's O(lr) error).  class_modes integrates each class mode in its
   smaller exact state: Gram-reduced (d + d^2 + 1 numbers whatever the number of units) or, with fewer units
   than d as here, the units' rows with the logits formed through W^T Z (cost n d per evaluation, not h n d);
   data_flow integrates every unit with its switching logic.
2. K = 100 initializations in one ``solve_ivp`` call against 100 separate calls.
"""
from __future__ import annotations

import contextlib
import importlib
import time

import numpy as np

from dynamics.groundtruth.training import train
from dynamics.theory import class_modes, data_flow

#: Sizes named by the issue.
POINTS_PER_CLASS = 500
UNITS_PER_CLASS = 10
DIMENSION = 50
#: Flow-time horizons: logits go from ~0.1 to ~6, ~15 and ~25 (confidence 0.998 to 1 - 1e-11).  The
#: integrator's steps grow slowly with the horizon (the flow slows down as the logits grow), gradient descent's
#: steps in proportion to it, so the ratio depends on the horizon: all three are reported.
HORIZONS = (20.0, 200.0, 2000.0)
RECORDS = 11
#: Accuracy asked of the prediction, and the agreement gradient descent must reach.
PREDICTION_REL = 1e-6
GD_REL = 1e-3
#: Tolerance of the reference prediction (far tighter than PREDICTION_REL).
REFERENCE_RTOL = 1e-13
#: Initializations of the batched comparison (smaller problem: 100 points, 2 units per class).
RUNS = 100


def h1_problem(rng, per_class=POINTS_PER_CLASS, units=UNITS_PER_CLASS, d=DIMENSION):
    a = rng.normal(size=d)
    a /= np.linalg.norm(a)
    rows, signs = [], []
    for sign in (1.0, -1.0):
        directions = sign * a + 0.12 * rng.normal(size=(per_class, d))
        directions /= np.linalg.norm(directions, axis=1, keepdims=True)
        rows.append(directions * rng.uniform(0.5, 2.0, size=(per_class, 1)))
        signs += [sign] * per_class
    X, signs = np.vstack(rows), np.array(signs)
    G = X @ X.T
    same = np.equal.outer(signs, signs)
    assert np.all(G[same] > 0) and np.all(G[~same] < 0), "not H1: change the seed or the spread"
    W, Z = class_units(rng, X, signs, units)
    return X, signs, W, Z, np.repeat([1, 2], units)


def timed(function, repeats=3):
    best, value = np.inf, None
    for _ in range(repeats):
        begin = time.perf_counter()
        value = function()
        best = min(best, time.perf_counter() - begin)
    return best, value


def relative(a, b):
    return float(np.max(np.abs(a - b)) / np.max(np.abs(b)))


def bench_prediction_vs_gd(X, signs, W0, Z0, part, horizon):
    n = X.shape[0]
    weights = np.full(n, 1 / n)
    labels = np.where(signs > 0, 1, 2)
    t = np.linspace(0, horizon, RECORDS)
    # the reference: the unit-by-unit switching flow (no switch on H1 data) at tight tolerances, another code path
    # than class_modes' Gram-reduced modes; the two at these tolerances agree to the printed difference
    reference = data_flow(X, signs, weights, W0, Z0, t, rtol=REFERENCE_RTOL, atol=REFERENCE_RTOL * 1e-2).logits[:, 0]
    tight = class_modes(X, signs, weights, W0, Z0, t, partition=part, closed_form=False, rtol=REFERENCE_RTOL,
                        atol=REFERENCE_RTOL * 1e-2).logits[:, 0]
    with gram_form():  # the Gram-reduced state (v, M, zeta): other variables, so an independent integration
        reduced = class_modes(X, signs, weights, W0, Z0, t, partition=part, closed_form=False, rtol=REFERENCE_RTOL,
                              atol=REFERENCE_RTOL * 1e-2).logits[:, 0]
    print(f"problem: n = {n} points, d = {X.shape[1]}, h = {W0.shape[0]} units, horizon t = {horizon:g}; "
          f"logits reach {np.max(np.abs(reference)):.2f}; at rtol {REFERENCE_RTOL:g}, against data_flow: "
          f"class_modes {relative(tight, reference):.1e}, its Gram-reduced form {relative(reduced, reference):.1e}")
    for rtol in (1e-4, 3e-5, 1e-5, 3e-6, 1e-6, 3e-7, 1e-7, 1e-8):  # the loosest tolerance within 1e-6
        modes_time, modes = timed(lambda: class_modes(X, signs, weights, W0, Z0, t, partition=part,
                                                      closed_form=False, rtol=rtol, atol=rtol * 1e-2))
        if relative(modes.logits[:, 0], reference) <= PREDICTION_REL:
            break
    flow_time, flow = timed(lambda: data_flow(X, signs, weights, W0, Z0, t, rtol=rtol, atol=rtol * 1e-2))
    with gram_form():
        gram_time, gram = timed(lambda: class_modes(X, signs, weights, W0, Z0, t, partition=part, closed_form=False,
                                                    rtol=rtol, atol=rtol * 1e-2))
    print(f"(the Gram-reduced form, d + d^2 + 1 numbers per class where the units hold h (d + 1), at that rtol: "
          f"{gram_time:.3f} s, error {relative(gram.logits[:, 0], reference):.1e})")
    print(f"prediction to {PREDICTION_REL:g} (rtol {rtol:g}): class_modes {modes_time:.3f} s "
          f"(error {relative(modes.logits[:, 0], reference):.1e}), data_flow ({flow.form} form) {flow_time:.3f} s "
          f"(error {relative(flow.logits[:, 0], reference):.1e}, {len(flow.switches)} switches)")
    # gradient descent's error is ~C lr: rescale the learning rate towards an error of GD_REL (a few rounds) and
    # keep the largest lr whose run agrees to GD_REL (timed as it ran: one run each)
    lr, best = 0.02, None
    for _ in range(5):
        steps = int(np.ceil(horizon / lr / (RECORDS - 1))) * (RECORDS - 1)  # records on the grid t
        lr = horizon / steps
        took, run = timed(lambda: train(X, labels, W0, Z0, lr=lr, steps=steps, record_every=steps // (RECORDS - 1)),
                          repeats=1)
        error = relative(run.logits, reference)
        if error <= GD_REL and (best is None or lr > best[0]):
            best = (lr, steps, took, error)
        lr *= 0.95 * GD_REL / error
    lr, steps, gd_time, gd_error = best
    print(f"gradient descent at lr {lr:.2e} ({steps} steps) agrees to {gd_error:.1e}: {gd_time:.2f} s")
    print(f"-> prediction / GD time: class_modes {modes_time / gd_time:.4f}, data_flow {flow_time / gd_time:.4f} "
          f"(the issue asks for < 0.1)\n")


def bench_batched(rng):
    X, signs, _, _, part = h1_problem(rng, per_class=50, units=2, d=20)
    n = X.shape[0]
    weights = np.full(n, 1 / n)
    units = [class_units(rng, X, signs, 2) for _ in range(RUNS)]
    W0, Z0 = np.stack([w for w, _ in units]), np.stack([z for _, z in units])
    t = np.linspace(0, 10, 6)
    one_time, together = timed(lambda: data_flow(X, signs, weights, W0, Z0, t, rtol=1e-8, atol=1e-10), repeats=1)
    begin = time.perf_counter()
    separate = np.stack([data_flow(X, signs, weights, W0[k], Z0[k], t, rtol=1e-8, atol=1e-10).logits[:, 0]
                         for k in range(RUNS)], axis=1)
    loop_time = time.perf_counter() - begin
    print(f"{RUNS} initializations (n = {n}, h = {W0.shape[1]}): one solve_ivp call {one_time:.2f} s, {RUNS} calls "
          f"{loop_time:.2f} s -> {loop_time / one_time:.1f}x faster; max rel. difference "
          f"{relative(together.logits, separate):.1e}")


@contextlib.contextmanager
def gram_form():
    """class_modes forced to the Gram-reduced state for every class (it picks the smaller state by default)."""
    module = importlib.import_module("dynamics.theory.data_flow")
    saved = module.GRAM_STATE_RATIO
    module.GRAM_STATE_RATIO = np.inf
    try:
        yield
    finally:
        module.GRAM_STATE_RATIO = saved


def class_units(rng, X, signs, units):
    """``units`` units per class: positive (Dirichlet) combinations of the class's points, |z| near ||w||."""
    W, Z = [], []
    for sign in (1.0, -1.0):
        own = X[signs == sign]
        for _ in range(units):
            w = rng.dirichlet(np.ones(own.shape[0])) @ own
            w *= 0.1 * rng.uniform(0.6, 1.4) / np.linalg.norm(w)
            W.append(w)
            Z.append(sign * np.linalg.norm(w) * rng.uniform(0.5, 1.5))
    return np.array(W), np.array(Z)


if __name__ == "__main__":
    generator = np.random.default_rng(0)
    problem = h1_problem(generator)
    for horizon in HORIZONS:
        bench_prediction_vs_gd(*problem, horizon)
    bench_batched(generator)
