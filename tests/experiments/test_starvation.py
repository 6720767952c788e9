"""Gradient starvation (Table 1, Figs. 6 and 10): the shared quick result, its claims and its figure."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from dynamics.experiments import starvation
from dynamics.experiments.sharpness import TIME_TOLERANCE


@pytest.fixture(scope="module")
def result():
    return starvation.EXPERIMENT.result("quick")


def test_ode_gd_and_bounds(result):
    assert result.lambdas == starvation.LAMBDAS
    assert np.all(np.abs(result.ode_fair - result.gd_fair) <= 0.01)
    assert np.all(result.ode_fair <= result.bound_d2)
    assert np.all(result.ode_satisfying <= result.bound_7)
    # bound (7) at 1 - delta = 0.99 is Table 1's printed row: 91% (lambda = 0.5), 61% (lambda = 0.1)
    at = dict(zip(result.lambdas, result.bound_7))
    assert round(100 * at[0.5]) == 91 and round(100 * at[0.1]) == 61
    holds = dict(zip(result.lambdas, result.bound_7_holds_fair))
    assert not holds[0.1]  # the honest case: the fair init breaks (7)'s hypothesis
    assert result.gd_time_error <= TIME_TOLERANCE and result.gd_probability_error <= 1e-5
    assert result.gd_raw_time_error > 10 * result.gd_time_error


def test_table1_is_the_printed_table(result):
    # bound (7) worked by hand: sigma(lambda log((1 - delta) / delta)) at 1 - delta = c
    for i, c in enumerate(result.table1_confidences):
        for j, lam in enumerate(result.table1_lambdas):
            hand = 1 / (1 + (c / (1 - c)) ** -lam)
            assert result.table1[i, j] == pytest.approx(hand, rel=1e-12)
            assert round(hand, 2) == starvation.PRINTED_TABLE1[c][lam]
    assert set(starvation.PRINTED_TABLE1) == set(result.table1_confidences)


def test_claims_pass_at_quick_size(result):
    records = starvation.claims(result)
    assert [r.id for r in records] == ["table1", "starvation_fair_init", "starvation_bound7_satisfying_init"]
    assert all(r.passed for r in records), [(r.id, r.error) for r in records if not r.passed]
    # the criterion states the slack the claim uses
    assert starvation.ODE_BOUND_SLACK == 1e-9 and "<= 1e-9 " in records[2].criterion
    assert records[2].tolerance == starvation.ODE_BOUND_SLACK


def test_a_wrong_printed_entry_fails_table1(result, monkeypatch):
    printed = {c: dict(row) for c, row in starvation.PRINTED_TABLE1.items()}
    printed[0.99][0.1] = 0.62
    monkeypatch.setattr(starvation, "PRINTED_TABLE1", printed)
    table = starvation.claims(result)[0]
    assert not table.passed and table.error == pytest.approx(0.01, abs=1e-12)


def test_figures_draw_without_changing_the_backend(result, draw):
    figs = draw(starvation.figures, result)
    assert list(figs) == ["fig6_table1_starvation"]
    fig = figs["fig6_table1_starvation"]
    assert isinstance(fig, Figure) and len(fig.axes) == 3
    assert fig.axes[0].lines and fig.axes[1].lines and fig.axes[2].patches


def test_bad_learning_rate_names_the_parameter():
    with pytest.raises(ValueError, match="lr"):
        starvation.run(lr=0.0)
