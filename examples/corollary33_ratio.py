"""Corollary 3.3: convergence-time ratio of the two classes, predicted and measured."""
from _common import arguments

from dynamics import experiments, plots

args = arguments(__doc__)
grid = ((2.0, 1.0, 0.5), (1.0, 1.0, 0.7)) if args.small else ((1.0, 1.0, 0.5), (2.0, 1.0, 0.5), (1.0, 1.0, 0.7),
                                                             (1.5, 0.75, 0.6))
result = experiments.corollary_ratio(grid, lr=0.02 if args.small else 0.01)
print("max relative error of GD against the exact ratio:", result.max_relative_error)
print(plots.plot_corollary(result, args.out / "cor33_ratio"))
