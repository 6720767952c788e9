"""The modified flow against gradient descent on the real networks: the quick result, its claims, wrong theories
that fail them, and the figures."""
import dataclasses

import numpy as np
import pytest
from matplotlib.figure import Figure

from dynamics.experiments.lr_order import log_log_slope
from dynamics.experiments.modified_flow import (EXPERIMENT, MODIFIED_BOUND, PLAIN_TARGET, SLOPE_TOLERANCE, claims,
                                                figures, run)


@pytest.fixture(scope="module")
def result():
    return EXPERIMENT.result("quick")


def passed(result):
    return {c.id: c.passed for c in claims(result)}


def test_every_claim_passes_at_quick_size(result):
    assert passed(result) == {"modified_flow_order": True, "modified_flow_one_percent": True,
                              "modified_flow_invariant_drift": True, "modified_flow_derived": True}
    assert result.models == ("two_layer bce", "two_layer hinge", "deep N=3 bce")
    assert np.all(np.abs(result.modified_slopes - 2) <= SLOPE_TOLERANCE)
    assert np.all(np.abs(result.plain_slopes - 1) <= SLOPE_TOLERANCE)
    assert all(a == b > 0 for a, b in result.proofs.values())


def test_the_modified_flow_is_far_closer_to_gd_at_every_learning_rate_and_time(result):
    assert np.all(result.modified_errors < 0.05 * result.plain_errors)
    assert np.array_equal(result.curve_gd[..., -1], result.gd) and np.array_equal(result.curve_t[..., -1], result.t)
    departure = np.abs(result.curve_gd - result.curve_plain)
    assert np.all(np.abs(result.curve_gd - result.curve_modified) < 0.05 * departure)
    assert np.array_equal(result.lrs[2], result.lrs[0] / 2)  # the deep chain at half the learning rates


def test_at_the_one_percent_learning_rate_the_plain_flow_is_off_by_one_percent_and_the_modified_by_much_less(result):
    plain, modified = result.one_percent_errors
    assert np.allclose(plain, PLAIN_TARGET, rtol=0.1)  # whole steps move the flow time a little
    assert np.all(modified < MODIFIED_BOUND)
    assert np.all((result.one_percent_lr > result.lrs.min(axis=1) / 4) & (result.one_percent_lr < 2 * result.lrs.max()))


def test_the_invariant_drift_is_first_order_and_its_prediction_second(result):
    assert np.all(np.abs(result.drift_slopes - 1) <= SLOPE_TOLERANCE)
    assert np.all(np.abs(result.drift_residual_slopes - 2) <= SLOPE_TOLERANCE)
    assert np.all(result.drift_gd[:, :, -1] < 0)  # both invariants shrink: gradient descent pulls towards balance
    assert np.all(result.drift_residuals < 0.05 * np.abs(result.drift_gd[:, :, -1]))


def test_the_plain_flow_passed_off_as_the_modified_flow_fails(result):
    wrong = dataclasses.replace(result, modified=result.plain, one_percent_modified=result.one_percent_plain)
    outcome = passed(wrong)
    assert not outcome["modified_flow_order"] and not outcome["modified_flow_one_percent"]


def test_a_modified_flow_with_a_wrong_correction_fails():
    """(1/3 instead of 1/2) J_f f: the gap to GD is first order again, 1/3 of the plain flow's."""
    base = EXPERIMENT.result("quick")
    wrong_modified = base.gd + (base.plain - base.gd) / 3
    wrong_one = base.one_percent_gd + (base.one_percent_plain - base.one_percent_gd) / 3
    outcome = passed(dataclasses.replace(base, modified=wrong_modified, one_percent_modified=wrong_one))
    assert not outcome["modified_flow_order"] and not outcome["modified_flow_one_percent"]


def test_a_drift_prediction_off_by_ten_percent_fails(result):
    outcome = passed(dataclasses.replace(result, drift_first_order=1.1 * result.drift_first_order))
    assert not outcome["modified_flow_invariant_drift"]
    assert not passed(dataclasses.replace(result, proofs={"two_layer bce": (11, 12)}))["modified_flow_derived"]


def test_bad_learning_rates_are_refused():
    for lrs in ((0.1,), (0.1, -0.1), ((0.1, 0.2),)):
        with pytest.raises(ValueError, match="lrs"):
            run(lrs=lrs)


def test_figures_show_both_theories_with_slope_guides(result, draw):
    figs = draw(figures, result)
    assert set(figs) == {"modified_flow_order", "modified_flow_curves", "modified_flow_invariant_drift"}
    order = figs["modified_flow_order"]
    assert isinstance(order, Figure) and len(order.axes) == len(result.models)
    for ax in order.axes:
        assert ax.get_xscale() == ax.get_yscale() == "log"
        guides = {line.get_label(): line for line in ax.lines}
        for label, slope in (("slope 1", 1.0), ("slope 2", 2.0)):
            x, y = guides[label].get_xdata(), guides[label].get_ydata()
            assert log_log_slope(x, y) == pytest.approx(slope, abs=1e-12)
        assert ax.get_legend() is not None
    curves = figs["modified_flow_curves"]
    for ax, lrs in zip(curves.axes, result.lrs):
        assert len(ax.lines) == 2 * lrs.size + 1  # a modified-flow line and GD markers per lr, and the plain flow
    drift = figs["modified_flow_invariant_drift"]
    left, right = drift.axes
    assert len(left.lines) == 2 * result.drift_lrs.size  # a prediction line and GD markers per learning rate
    assert right.get_xscale() == right.get_yscale() == "log"
