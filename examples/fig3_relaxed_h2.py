"""Figs. 3 and 7: a neuron shared by both classes (Theorem 3.4), theory and GD."""
from _common import arguments

from dynamics import experiments, plots

args = arguments(__doc__)
result = experiments.relaxed_h2(horizon=8.0 if args.small else 12.0, lr=0.04 if args.small else 0.01)
print("fixed point:", result.fixed_point)
print("outcomes (theory):", result.outcomes_theory)
print("outcomes (GD):    ", result.outcomes_gd)
print(plots.plot_relaxed_h2(result, args.out / "fig3_relaxed_h2"))
