"""Lemma A.1: independent modes in a softmax network, and the synthetic shortcut experiment."""
from _common import arguments

from dynamics import experiments, plots

args = arguments(__doc__)
result = experiments.multiclass_independence(steps=200 if args.small else 600)
print("patterns fixed:", result.patterns_fixed, "signs kept:", result.signs_preserved,
      "rows untouched:", result.rows_untouched)
short = experiments.shortcut_experiment(n_class=100 if args.small else 200)
print(f"shortcut: rare feature alone gets P = {short.rare_only_confidence:.3f} "
      f"(theory {short.theory_confidence:.3f}), frequent alone {short.frequent_only_confidence:.3f}")
print(plots.plot_multiclass(result, args.out / "lemma_a1_multiclass"))
