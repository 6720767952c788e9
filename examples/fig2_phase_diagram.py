"""Fig. 2 Left: the phase diagram of a class-1 neuron, theory against a batched GD sweep."""
from _common import arguments

from dynamics import experiments, plots

args = arguments(__doc__)
result = experiments.phase_diagram(grid=21 if args.small else 81, quiet=False)
print(f"agreement away from boundaries: {100 * result.agreement:.2f}% of {result.counted} points")
print(plots.plot_phase_diagram(result, args.out / "fig2_phase_diagram"))
