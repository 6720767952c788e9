"""Fig. 2 Right: sigmoidal learning, and the 1/(||x|| p) collapse onto one master curve."""
from _common import arguments

from dynamics import experiments, plots

args = arguments(__doc__)
result = experiments.sigmoidal_learning(horizon=30.0 if args.small else 120.0, lr=0.1 if args.small else 0.05)
print("collapse error:", result.collapse_error)
print("GD vs theory, max |dP| per setting:", [round(a.max_abs, 5) for a in result.agreement])
print(plots.plot_sigmoidal(result, args.out / "fig2_sigmoidal"))
