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
