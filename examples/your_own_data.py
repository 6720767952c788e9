"""Your own data: check the assumptions, predict every point's logit, train the real network, compare.

Uses the small dataset shipped in examples/data/two_groups.csv (a header row, labels "A"/"B"); replace the path
with yours.  Writes the figure of theory against gradient descent for each point into the folder given.
"""
from pathlib import Path

import sympy as sp

import derivations
from _common import arguments
from dynamics import Problem
from dynamics.report.figures import point_comparison_figure, save_figure

DATA = Path(__file__).resolve().parent / "data" / "two_groups.csv"
args = arguments(__doc__)
steps = 300 if args.size == "quick" else 1500

# 1. The problem: data, labels mapped to classes 1/2, a balanced start with two units per class.
problem = Problem.from_file(DATA, init="balanced", hidden=2, seed=0)
print(problem.label_mapping)
print(problem.assumptions().message())

# 2. Theory (decoupled modes: H1-H3 hold) against gradient descent on the real network.
run = problem.train(lr=0.01, steps=steps, record_every=steps // 30)
comparison = problem.compare(run)
print(f"theory: {comparison.theory}; max |u_theory - u_GD| = {comparison.max_abs_logit:.2e} "
      f"(relative {comparison.max_rel_logit:.2e}) at lr 0.01")
fig = point_comparison_figure(comparison.t, comparison.theory_logits, comparison.measured_logits, problem.labels,
                              title=f"{DATA.name}: {comparison.theory} (lines) vs GD lr=0.01 (markers)")
print(*save_figure(fig, args.out / "your_own_data"), sep="\n")

# 3. Any loss written as an expression of the margin trains and is predicted the same way.
exponential = Problem.from_file(DATA, loss=sp.exp(-derivations.margin), init="balanced", hidden=2, seed=0)
result = exponential.compare(exponential.train(lr=0.01, steps=steps, record_every=steps // 30))
print(f"exponential loss: {result.theory}, max |error| {result.max_abs_logit:.2e}")

# 4. Outside the assumptions: tilt the class-2 points towards class 1 (positive cross-class inner products).
X = problem.X.copy()
X[problem.labels == 2] += 0.6 * X[problem.labels == 1].mean(axis=0)
tilted = Problem(X, problem.labels, init="class_mean")
print(tilted.assumptions().message())
run = tilted.train(lr=0.01, steps=steps, record_every=steps // 30)
exact, decoupled = tilted.compare(run), tilted.compare(run, theory="modes")
print(f"{exact.theory}: max |error| {exact.max_abs_logit:.2e} ({len(exact.switches)} activation switches); "
      f"the decoupled modes would be off by {decoupled.max_abs_logit:.2e}")
