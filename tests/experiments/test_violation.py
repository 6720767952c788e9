"""Beyond the assumptions: the decoupled modes drift as H1/H2 break, the exact data-coordinate flow does not."""
import dataclasses

import numpy as np
import pytest
from matplotlib.figure import Figure

from dynamics.experiments.claims import TOLERANCES
from dynamics.experiments.violation import (EXPERIMENT, HALVING_TOLERANCES, KINDS, claims,
                                           figures, run, violated_problem)
from dynamics.groundtruth.assumptions import check_binary


@pytest.fixture(scope="module")
def result():
    return EXPERIMENT.result("quick")


def test_the_settings_break_what_they_say(result):
    """Strength 0 keeps H1-H3; every other setting breaks them, by a measured amount that grows."""
    assert result.kinds == KINDS
    assert result.holds[:, 0].all() and not result.holds[:, 1:].any()
    assert np.all(np.diff(result.strengths, axis=1) > 0)
    assert result.strengths[0, 0] < 0 < result.strengths[0, 1]  # cross-class cosine crosses 0
    assert result.strengths[1, 0] < 0 < result.strengths[1, 1]  # the widest within-class angle crosses 90 deg


def test_the_problems_are_checked_independently():
    """The assumption report of a violated problem agrees with the ground truth's own checks."""
    for kind, strength in zip(KINDS, (0.3, 15.0, 0.5)):
        problem = violated_problem(kind, strength)
        reports = check_binary(problem.X, problem.labels, problem.W0, problem.Z0)
        assert problem.assumptions().holds == all(r.holds for r in reports) is False
    with pytest.raises(ValueError, match="kind"):
        violated_problem("rotated", 0.1)
    with pytest.raises(ValueError, match="strength"):
        violated_problem("shared_units", 2.0)


def test_claims_pass_at_quick_size(result):
    records = claims(result)
    assert [c.id for c in records] == ["violation_modes_exact_when_assumptions_hold", "violation_modes_drift",
                                       "violation_exact_flow_agrees", "violation_exact_flow_first_order",
                                       "violation_within_class_without_switches"]
    assert all(c.passed for c in records), [(c.id, c.measured) for c in records]
    # the exact flow is at GD's own O(lr) gap everywhere; the decoupled modes far beyond it once H1 fails
    assert result.flow_error.max() <= TOLERANCES["gd_lr_absolute"]
    assert result.modes_error[0, -1] > 10 * TOLERANCES["gd_lr_absolute"]
    assert result.switches[0, -1] > 0 and result.switches[:, 0].sum() == 0


def test_a_flow_that_ignored_the_switches_would_fail(result):
    """Replace the exact flow's errors by the modes' (a 'flow' that keeps the initial pattern): the claim fails."""
    wrong = dataclasses.replace(result, flow_error=result.modes_error)
    assert not {c.id: c for c in claims(wrong)}["violation_exact_flow_agrees"].passed


def test_a_theory_with_an_error_of_its_own_fails_the_halving(result):
    """The exact flow's gap halves with lr (ratios near 2); a theory off by a tenth of GD's gap on top of it would
    not: its gaps would be 1.1 and 0.6 of GD's at lr, a ratio of 1.83."""
    assert np.all(np.abs(result.halving_ratios / 2 - 1) <= [HALVING_TOLERANCES[k] for k in result.kinds])
    own = 0.1 * result.flow_error[:, -1]
    wrong = dataclasses.replace(result, flow_error=result.flow_error + own[:, None],
                                flow_error_half_lr=result.flow_error_half_lr + own)
    assert not {c.id: c for c in claims(wrong)}["violation_exact_flow_first_order"].passed


def test_the_exact_flow_error_is_first_order_in_the_learning_rate():
    """On a violated setting, halving lr halves the exact flow's gap to GD (it is GD's discretisation)."""
    problem = violated_problem("cross_class", 0.3)
    gaps = []
    for lr in (0.02, 0.01):
        steps = int(round(2.0 / lr))
        gd = problem.train(lr=lr, steps=steps, record_every=steps)
        gaps.append(problem.compare(gd, theory="data-coordinate flow").max_abs_logit)
    assert gaps[0] / gaps[1] == pytest.approx(2.0, rel=0.15)


def test_bad_input():
    with pytest.raises(ValueError, match="strengths"):
        run(strengths=((0.0, 0.1), (0.0,), (0.0, 0.5)))


def test_figure_has_both_theories_per_kind(result, draw):
    figs = draw(figures, result)
    assert set(figs) == {"violation_error"}
    fig = figs["violation_error"]
    assert isinstance(fig, Figure) and len(fig.axes) == len(KINDS)
    for ax in fig.axes:
        assert ax.get_yscale() == "log" and len(ax.lines) == 3


def test_figure_labels_are_mathtext_without_raw_underscores_or_ascii_inequalities(result, draw):
    fig = draw(figures, result)["violation_error"]
    ylabel = fig.axes[0].get_ylabel()
    assert r"u_{\mathrm{theory}}" in ylabel and r"u_{\mathrm{GD}}" in ylabel and ylabel.count("$") == 2
    assert "u_theory" not in ylabel and "u_GD" not in ylabel
    xlabels = [ax.get_xlabel() for ax in fig.axes]
    assert r"$\leq 0$" in xlabels[0] and all("<=" not in label for label in xlabels)
    fig.canvas.draw()  # the mathtext parses
