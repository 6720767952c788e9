"""Speed of the theory engine, as ratios against the obvious alternative (one run, not a test).

Run: ``python tests/benchmarks/bench_theory.py``
"""
from __future__ import annotations

import time

import numpy as np
import scipy.optimize

import derivations
import dynamics
from dynamics.theory.compiled import compile_expr
from derivations.symbols import p, u, u0

#: Sizes named by the issue.
PAIRS = 100_000
LOOP_SAMPLE = 2_000  # the brentq loop is timed on a sample and compared per point
MODES = 1_000


def bench_closed_form(rng):
    t = 10 ** rng.uniform(-3, 6, PAIRS)
    norm = 10 ** rng.uniform(-1, 1, PAIRS)
    freq = rng.uniform(0.05, 1, PAIRS)
    start = 10 ** rng.uniform(-12, np.log10(50), PAIRS)
    begin = time.perf_counter()
    fast = dynamics.logit(t, norm=norm, p=freq, u0=start)
    vector_time = (time.perf_counter() - begin) / PAIRS
    time_of = compile_expr(derivations.two_layer("bce").reduction("balanced_class_1").closed_form.time,
                           (u, u0, derivations.two_layer("bce").parameters[0], p))
    sample = rng.choice(PAIRS, LOOP_SAMPLE, replace=False)
    begin = time.perf_counter()
    slow = np.empty(LOOP_SAMPLE)
    for j, i in enumerate(sample):
        hi = float(dynamics.growth_bound(t[i], norm=norm[i], p=freq[i], u0=start[i])) + 1.0
        slow[j] = scipy.optimize.brentq(lambda x: time_of(x, start[i], norm[i], freq[i]) - t[i], start[i], hi,
                                        xtol=1e-300, rtol=4 * np.finfo(float).eps, maxiter=500)
    loop_time = (time.perf_counter() - begin) / LOOP_SAMPLE
    agree = float(np.max(np.abs(fast[sample] - slow) / slow))
    print(f"closed-form u(t), {PAIRS} pairs: vectorized {vector_time * 1e6:.2f} us/point, brentq loop "
          f"{loop_time * 1e6:.1f} us/point -> {loop_time / vector_time:.0f}x faster; max rel. difference {agree:.1e}")


def bench_batched_modes(rng):
    model = derivations.two_layer("bce")
    u_start = 10 ** rng.uniform(-3, 0, MODES)
    norm = rng.uniform(0.3, 2, MODES)
    y, z = np.sqrt(norm * u_start), np.sqrt(u_start / norm)
    init = np.column_stack([y, z, y, -z])
    grid = np.linspace(0, 50, 11)
    params = {"n_1": norm, "n_2": norm, "p": 0.5}
    begin = time.perf_counter()
    together = dynamics.integrate(model, init, grid, parameters=params, rtol=1e-10, atol=1e-12)
    one_call = time.perf_counter() - begin
    begin = time.perf_counter()
    separate = np.empty((grid.size, MODES))
    for k in range(MODES):
        traj = dynamics.integrate(model, init[k], grid, parameters={"n_1": norm[k], "n_2": norm[k], "p": 0.5},
                                  rtol=1e-10, atol=1e-12)
        separate[:, k] = traj.logits["class_1"][:, 0]
    loop = time.perf_counter() - begin
    agree = float(np.max(np.abs(together.logits["class_1"] - separate) / separate))
    print(f"{MODES} modes: one solve_ivp call {one_call:.2f} s, {MODES} calls {loop:.2f} s -> "
          f"{loop / one_call:.0f}x faster; max rel. difference {agree:.1e}")



#: Levels interpolated by :func:`bench_inverse_table`.
LEVELS = 1_000_000


def bench_inverse_table(rng):
    """Time the inverse-table interpolation that starts Newton in the BCE closed form (Newton's first guess)."""
    from dynamics.theory import balanced_logit

    psis = balanced_logit._inverse_table()[0]
    level = np.sinh(rng.uniform(psis[0], psis[-1], LEVELS))
    balanced_logit._initial_guess(level[:10])  # build the table before timing
    best = np.inf
    for _ in range(5):
        begin = time.perf_counter()
        balanced_logit._initial_guess(level)
        best = min(best, time.perf_counter() - begin)
    print(f"inverse-table interpolation, {LEVELS} levels: {best * 1e9 / LEVELS:.1f} ns/level (best of 5)")


if __name__ == "__main__":
    generator = np.random.default_rng(0)
    dynamics.logit(1.0, u0=0.1)  # compile once before timing
    bench_inverse_table(generator)
    bench_closed_form(generator)
    bench_batched_modes(generator)
