"""Speed of the ground truth, as ratios (one run, not a test).

Run: ``python tests/benchmarks/bench_training.py``
"""
from __future__ import annotations

import time

import numpy as np

import derivations
import dynamics
from dynamics.groundtruth.data import multiclass_points, repeated_points
from dynamics.groundtruth.initialization import balanced_init, deep_balanced_init, multiclass_init

RUNS = 256
STEPS = 200
BIG_N, BIG_D, MAP_STEPS = 10_000, 100, 1_000
LOOP_STEPS = 20_000  # long enough that the per-step overhead of the training core dominates the timing


def bench_loops(rng):
    """Microseconds per step of each loop of the training core on a small network (overhead, not arithmetic)."""
    data = repeated_points(rng, n_points=20, dimension=10)
    init = balanced_init(data)
    x = np.array([0.8, 0.0, 0.0])
    deep = deep_balanced_init(x, depth=5, u0=0.1)
    mc = multiclass_points(rng, classes=4, per_class=3, dimension=6)
    mi = multiclass_init(mc)
    loops = {
        "train (every step recorded)": lambda: dynamics.train(data.X, data.labels, init.W0, init.Z0, lr=0.1,
                                                              steps=LOOP_STEPS),
        "train_deep (N = 5)": lambda: dynamics.train_deep(x[None], np.array([1]), deep, lr=0.05, steps=LOOP_STEPS,
                                                          record_every=100),
        "train_softmax (C = 4)": lambda: dynamics.train_softmax(mc.X, mc.labels, mi.W0, mi.Z0, lr=0.5,
                                                                steps=LOOP_STEPS, record_every=100),
    }
    for name, loop in loops.items():
        begin = time.perf_counter()
        loop()
        print(f"{name}: {1e6 * (time.perf_counter() - begin) / LOOP_STEPS:.1f} us per step")


def bench_batched(rng):
    data = repeated_points(rng, n_points=20, dimension=10)
    W0 = 0.3 * rng.standard_normal((RUNS, 2, 10))
    Z0 = 0.3 * rng.standard_normal((RUNS, 2))
    begin = time.perf_counter()
    batch = dynamics.train_batch(data.X, data.labels, W0, Z0, lr=0.1, steps=STEPS, record_every=STEPS)
    together = time.perf_counter() - begin
    begin = time.perf_counter()
    finals = [dynamics.train(data.X, data.labels, W0[k], Z0[k], lr=0.1, steps=STEPS, record_every=STEPS).logits[-1]
              for k in range(RUNS)]
    loop = time.perf_counter() - begin
    same = np.allclose(batch.logits[-1], np.array(finals), rtol=1e-12, atol=1e-14)
    print(f"{RUNS} initializations x {STEPS} steps: batched {together:.2f} s, loop {loop:.2f} s -> "
          f"{loop / together:.1f}x faster (identical: {same})")


def bench_mode_map(rng):
    data = repeated_points(rng, n_points=BIG_N, dimension=BIG_D, p=0.3)
    init = balanced_init(data, u0=0.1, v0=-0.1, rng=rng, orthogonal_scale=0.2)
    begin = time.perf_counter()
    run = dynamics.train(data.X, data.labels, init.W0, init.Z0, lr=0.1, steps=MAP_STEPS, record_every=MAP_STEPS)
    full = time.perf_counter() - begin
    state = [data.X[0] @ init.W0[0], init.Z0[0], data.X[-1] @ init.W0[1], init.Z0[1]]
    parameters = {"n_1": 1.0, "n_2": 1.0, "p": data.frequencies[1]}
    dynamics.iterate_mode_map(derivations.two_layer("bce"), state, eta=0.1, steps=1, parameters=parameters)  # compile
    begin = time.perf_counter()
    mm = dynamics.iterate_mode_map(derivations.two_layer("bce"), state, eta=0.1, steps=MAP_STEPS,
                                   parameters=parameters, record_every=MAP_STEPS)
    mapped = time.perf_counter() - begin
    err = abs(mm.logits["class_1"][-1, 0] - run.logits[-1, 0]) / abs(run.logits[-1, 0])
    print(f"n={BIG_N}, d={BIG_D}, {MAP_STEPS} steps: full GD {full:.2f} s, mode map {mapped:.3f} s -> "
          f"{full / mapped:.0f}x faster; relative difference {err:.1e}")


if __name__ == "__main__":
    generator = np.random.default_rng(0)
    bench_loops(generator)
    bench_batched(generator)
    bench_mode_map(generator)
