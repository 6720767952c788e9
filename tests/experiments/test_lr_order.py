"""GD approaches the flow linearly in the learning rate: the quick result, its claim, a wrong theory, the figure."""
import dataclasses

import numpy as np
import pytest
from matplotlib.figure import Figure

from dynamics.experiments.claims import TOLERANCES
from dynamics.experiments.lr_order import EXPERIMENT, claims, figures, log_log_slope, run


@pytest.fixture(scope="module")
def result():
    return EXPERIMENT.result("quick")


def test_gap_halves_with_the_learning_rate(result):
    assert result.models == ("two_layer bce", "two_layer hinge", "deep N=3 bce")
    assert np.all(np.abs(result.slopes - 1) <= TOLERANCES["order_slope"])
    ratios = result.errors[:, :-1] / result.errors[:, 1:]  # lr halves from one column to the next
    assert np.allclose(ratios, 2.0, rtol=0.15)
    assert np.array_equal(result.lrs[2], result.lrs[0] / 2)  # the deep chain at half the learning rates


def test_richardson_extrapolation_lands_on_the_theory(result):
    """The theory is the lr -> 0 limit of GD: removing the O(lr) term leaves a gap 10 times smaller.

    Only where the two runs end at the same flow time (the hinge's largest lr rounds 7.5 steps to 8)."""
    same_t = np.isclose(result.t[:, -1], result.t[:, -2])
    extrapolated = 2 * result.gd[:, -1] - result.gd[:, -2]
    assert same_t.all()
    assert np.all(np.abs(extrapolated - result.theory[:, -1]) < 0.1 * result.errors[:, -1])


def test_claim_passes_at_quick_size(result):
    (claim,) = claims(result)
    assert claim.id == "gd_vs_theory_order" and claim.passed
    assert claim.error == pytest.approx(max(abs(result.slopes - 1)), abs=0)
    assert "(0.2, 0.1, 0.05)" in claim.criterion


@pytest.mark.parametrize("shift", [0.1, -0.1])
def test_a_shifted_theory_gives_a_slope_far_from_one_and_fails(result, shift):
    """A theory off by a constant (larger than GD's own gap, at most 0.03 here) leaves a gap that does not vanish
    with lr: slope near 0."""
    wrong = dataclasses.replace(result, theory=result.theory + shift)
    assert np.all(np.abs(wrong.slopes) < 0.3)
    (claim,) = claims(wrong)
    assert not claim.passed and claim.error > 0.5


def test_slope_and_bad_input():
    lrs = np.array([0.2, 0.1, 0.05])
    assert log_log_slope(lrs, 3.0 * lrs**2) == pytest.approx(2.0, abs=1e-12)
    with pytest.raises(ValueError, match="lrs"):
        run(lrs=(0.1,))


def test_figure_is_log_log_with_slope_one_references(result, draw):
    figs = draw(figures, result)
    assert set(figs) == {"gd_vs_theory_order"}
    fig = figs["gd_vs_theory_order"]
    (ax,) = fig.axes
    assert isinstance(fig, Figure) and ax.get_xscale() == ax.get_yscale() == "log"
    assert len(ax.lines) == 2 * len(result.models)  # GD markers and a slope-1 line per model
    for line in ax.lines[1::2]:
        x, y = line.get_xdata(), line.get_ydata()
        assert log_log_slope(x, y) == pytest.approx(1.0, abs=1e-12)
    # rendered and checked (PNG size, PDF header and size) by the reproduce test in tests/test_cli.py

