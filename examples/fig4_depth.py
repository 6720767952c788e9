"""Fig. 4: deeper networks learn faster; u_t of eq. (5) against GD on real deep chains."""
from _common import arguments

from dynamics import experiments, plots

args = arguments(__doc__)
result = experiments.depth_experiment(lr=0.02 if args.small else 0.01,
                                      depths=(2, 3, 4) if args.small else tuple(range(2, 17)),
                                      points=21 if args.small else 201)
for (depth, norm), u in zip(result.settings, result.theory_u):
    print(f"N={depth}, ||x||={norm}: u(10) = {u[-1]:.6f}")
print(plots.plot_depth(result, args.out / "fig4_depth"))
