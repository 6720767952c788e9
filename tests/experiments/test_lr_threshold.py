"""The learning-rate threshold experiment: the quick result, its claims, wrong thresholds fail, the figure."""
import dataclasses

import numpy as np
import pytest
from matplotlib.figure import Figure

from dynamics.experiments.lr_threshold import EXPERIMENT, FACTORS, claims, figures, run


@pytest.fixture(scope="module")
def result():
    return EXPERIMENT.result("quick")


def test_threshold_separates_gd_runs(result):
    assert result.models == ("two_layer bce", "two_layer hinge", "deep N=3 bce")
    assert result.gd_keeps.shape == (3, len(result.ratios), len(FACTORS))
    assert result.disagreements == 0 and result.separated
    assert np.all(np.isfinite(result.threshold)) and np.all(result.interval)
    # the closer the output weight starts to the stalling line, the smaller the safe learning rate
    assert np.all(np.diff(result.threshold, axis=1) < 0)


def test_claims_pass_at_quick_size(result):
    out = {c.id: c for c in claims(result)}
    assert set(out) == {"lr_threshold_separates", "lr_threshold_lemma31_every_lr", "lr_threshold_stall",
                        "lr_threshold_first_step"}
    assert all(c.passed for c in out.values())
    assert out["lr_threshold_stall"].error < 1e-8
    assert np.all(result.safe_keeps) and np.all(result.orthant_proven)


@pytest.mark.parametrize("scale", [0.8, 1.25])
def test_a_wrong_threshold_fails(result, scale):
    """A threshold 20% off puts measured runs on the wrong side of it: the claim fails."""
    lrs = result.threshold[..., None] * result.factors
    wrong_prediction = lrs < scale * result.threshold[..., None]
    assert np.any(wrong_prediction != result.gd_keeps)
    separates = claims(dataclasses.replace(result, map_keeps=wrong_prediction))[0]
    assert separates.id == "lr_threshold_separates" and not separates.passed


def test_wrong_closed_form_fails(result):
    wrong = dataclasses.replace(result, stall_closed_form=result.stall_closed_form * 1.01)
    assert not {c.id: c for c in claims(wrong)}["lr_threshold_stall"].passed
    later = dataclasses.replace(result, first_step_gap=result.first_step_gap + 1e-3)  # a later step binding
    assert not {c.id: c for c in claims(later)}["lr_threshold_first_step"].passed


def test_bad_ratios():
    with pytest.raises(ValueError, match=r"ratios .*\(0, 1\)"):
        run(ratios=(0.5, 1.0))
    with pytest.raises(ValueError, match="ratios"):
        run(ratios=())


def test_figure(result, draw):
    figs = draw(figures, result)
    assert set(figs) == {"lr_threshold"} and isinstance(figs["lr_threshold"], Figure)
    axes = figs["lr_threshold"].axes
    assert len(axes) == 3
    for ax in axes:
        labels = [line.get_label() for line in ax.get_lines()]
        assert any("threshold" in label for label in labels) and any("GD" in label for label in labels)
        assert ax.get_yscale() == "log" and ax.get_legend() is not None


def test_figure_theory_bound_and_gd_apart_in_grey_scale(result, draw):
    from dynamics.experiments import lr_threshold, style
    fig = draw(figures, result)["lr_threshold"]
    for ax in fig.axes:
        legend = {t.get_text(): h for t, h in zip(ax.get_legend().get_texts(), ax.get_legend().legend_handles)}
        lines = {ln.get_label(): ln for ln in ax.lines}
        threshold, bound = (lines[r"threshold $\eta^*$ (derived map)"], lines[r"first-step bound $\min_s\,(-s/f_s)$"])
        kept, died = lines["GD, real network: pattern kept"], lines["GD, real network: a unit died"]
        # theory in colour lines of distinct dash patterns; the bound's bar is wider than the GD markers on it
        assert threshold.get_linestyle() == "-" and bound.get_linestyle() == "--"
        assert threshold.get_color() != style.GD_COLOR and bound.get_color() != threshold.get_color()
        assert bound.get_marker() == "_" and bound.get_markersize() > 2 * max(kept.get_markersize(),
                                                                              died.get_markersize())
        assert bound.get_zorder() < kept.get_zorder() and bound.get_zorder() < died.get_zorder()
        # gradient descent in black: hollow circles kept, crosses died
        assert kept.get_color() == died.get_color() == style.GD_COLOR and kept.get_markerfacecolor() == "none"
        assert (kept.get_marker(), died.get_marker()) == ("o", "x")
        assert legend[r"first-step bound $\min_s\,(-s/f_s)$"].get_linestyle() == "--"
        assert legend[r"first-step bound $\min_s\,(-s/f_s)$"].get_markersize() == lr_threshold.FIRST_STEP_BAR / 2
        assert "_" not in ax.get_title()
