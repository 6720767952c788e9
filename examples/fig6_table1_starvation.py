"""Table 1, Figs. 6 and 10: gradient starvation, bounds next to the ODE (8) and GD."""
from _common import arguments

from dynamics import experiments, plots

args = arguments(__doc__)
result = experiments.starvation_experiment(lambdas=(0.5, 0.1) if args.small else (0.5, 0.2, 0.1, 0.01),
                                           lr=0.1 if args.small else 0.05)
print("lambda  bound(7)  bound(D.2)  ODE(8)  GD")
for lam in result.lambdas:
    print(f"{lam:<7g} {result.bound_7[lam]:.4f}    {result.bound_d2[lam]:.4f}      "
          f"{result.ode_fair[lam]:.4f}  {result.gd_fair[lam]:.4f}")
print(plots.plot_starvation(result, args.out / "fig6_table1_starvation"))
