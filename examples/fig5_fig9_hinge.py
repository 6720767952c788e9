"""Figs. 5 Right and 9: hinge vs cross-entropy, hinge solutions and stopping times."""
from _common import arguments

from dynamics import experiments, plots

args = arguments(__doc__)
result = experiments.hinge_vs_bce(lr=0.004 if args.small else 0.002)
print("stopping times:", result.fig9_stop)
print("many points inside the margin, max |GD - prediction|:", result.many_points_error)
print(plots.plot_hinge(result, args.out / "fig5_fig9_hinge"))
