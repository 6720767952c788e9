"""Lemma 3.1 at a finite learning rate: the quick result, its claim, the H2-breaking control, the figure."""
import dataclasses

import numpy as np
import pytest
from matplotlib.figure import Figure

from dynamics.experiments.lemma31 import EXPERIMENT, claims, figures, run
from dynamics.groundtruth.assumptions import AssumptionError


@pytest.fixture(scope="module")
def result():
    return EXPERIMENT.result("quick")


def test_nothing_but_the_modes_moves_under_h1_h3(result):
    sat = result.satisfying
    assert sat.pattern_changes.shape == sat.sign_changes.shape == (2, 2, result.t.size)
    assert sat.assumptions_hold.all() and sat.h2_holds.all()
    assert sat.total == 0
    # not vacuous: every class is learned a long way (mean signed logit from ~0.1 to > 1.5), for both losses
    assert np.all(sat.margins[:, :, 0] < 0.5) and np.all(sat.margins[:, :, -1] > 1.5)


def test_claim_passes_at_quick_size(result):
    (claim,) = claims(result)
    assert claim.id == "lemma31_finite_lr" and claim.passed and claim.error == 0.0
    assert claim.measured == {"pattern_changes": 0, "sign_changes": 0, "cross_class_updates": 0, "datasets": 2}


def test_breaking_h2_moves_patterns_signs_and_updates_so_the_claim_fails(result):
    control = result.control
    assert not control.h2_holds.any() and not control.assumptions_hold.any()
    assert np.all(control.pattern_changes[..., -1] > 0) and np.all(control.sign_changes[..., -1] > 0)
    assert control.cross_class_updates.sum() > 0
    (claim,) = claims(dataclasses.replace(result, satisfying=control))
    assert not claim.passed and claim.error == control.total > 0


def test_run_refuses_an_initialization_that_breaks_h2():
    with pytest.raises(AssumptionError, match="H2 fails"):
        run(datasets=1, init_noise=0.3, steps=1)


def test_figure_shows_counts_and_margins(result, draw):
    figs = draw(figures, result)
    assert set(figs) == {"lemma31_finite_lr"}
    fig = figs["lemma31_finite_lr"]
    assert isinstance(fig, Figure) and len(fig.axes) == 3 and all(ax.lines for ax in fig.axes)
    control = [line for line in fig.axes[0].lines if "H2 broken" in str(line.get_label())]
    assert len(control) == len(result.losses) and all(np.max(line.get_ydata()) > 0 for line in control)
    # rendered and checked (PNG size, PDF header and size) by the reproduce test in tests/test_cli.py



def test_figure_coinciding_markers_nest_and_the_margin_legend_counts_its_lines(result, draw):
    fig = draw(figures, result)["lemma31_finite_lr"]
    datasets = result.satisfying.pattern_changes.shape[0]
    for ax in fig.axes[:2]:
        sizes = {line.get_label(): line.get_markersize() for line in ax.lines if not line.get_label().startswith("_")}
        first, second = result.losses[:2]
        # both losses' counts sit at 0 under H1-H3: the markers differ in size, so both show
        assert sizes[f"GD, H1-H3, {first} ({datasets} datasets)"] > sizes[f"GD, H1-H3, {second} ({datasets} datasets)"]
        assert sizes[f"GD, control: H2 broken, {first}"] > sizes[f"GD, control: H2 broken, {second}"]
    margins = fig.axes[2]
    texts = [t.get_text() for t in margins.get_legend().get_texts()]
    assert len(margins.lines) == datasets * len(texts)
    assert all(text.endswith(f"{datasets} lines, one per dataset") for text in texts)
