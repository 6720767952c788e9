"""Speed of the ground truth, as ratios (one run, not a test).

Run: ``python tests/benchmarks/bench_training.py``
"""
from __future__ import annotations

import time

import numpy as np

import derivations
import dynamics
from dynamics.groundtruth.data import repeated_points
from dynamics.groundtruth.initialization import balanced_init

RUNS = 256
STEPS = 200
BIG_N, BIG_D, MAP_STEPS = 10_000, 100, 1_000


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
    err = abs(mm.logits["class 1"][-1, 0] - run.logits[-1, 0]) / abs(run.logits[-1, 0])
    print(f"n={BIG_N}, d={BIG_D}, {MAP_STEPS} steps: full GD {full:.2f} s, mode map {mapped:.3f} s -> "
          f"{full / mapped:.0f}x faster; relative difference {err:.1e}")


if __name__ == "__main__":
    generator = np.random.default_rng(0)
    bench_batched(generator)
    bench_mode_map(generator)
