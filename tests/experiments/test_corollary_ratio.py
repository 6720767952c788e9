"""Corollary 3.3 (Sec. 3.2) at the shared quick size: the ratio t2*/t1*, its claim and its figure."""
import pytest

import numpy as np
from matplotlib.figure import Figure

from dynamics.experiments.corollary_ratio import EXPERIMENT, claims, figures
from dynamics.experiments.sharpness import TIME_TOLERANCE


@pytest.fixture(scope="module")
def result():
    """The shared quick result (computed once per session, also used by the report test and the examples)."""
    return EXPERIMENT.result("quick")


def test_ratio_predicted_and_measured(result):
    res = result
    assert np.allclose(res.exact, res.formula, rtol=1e-9)
    assert res.max_relative_error <= 0.02
    assert res.time_error <= TIME_TOLERANCE and 10 * res.time_error < res.raw_time_error  # O(lr) gap removed
    assert res.closed_form_error <= 1e-6  # closed-form t1*, t2* against the integrated flow's crossings
    shape = (len(res.grid), len(res.deltas))
    assert res.exact.shape == res.measured.shape == shape and res.gd_times.shape == (shape[0], 2, shape[1])


def test_delta_to_zero_limit_worked_by_hand(result):
    # Corollary 3.3: t2*/t1* -> (||x1|| / ||x2||) (p1 / (1 - p1)); at (1, 1, 0.5) that is 1, at (2, 1, 0.5) it is 2
    limits = {(1.0, 1.0, 0.5): 1.0, (2.0, 1.0, 0.5): 2.0}
    for setting, approximate in zip(result.grid, result.approximate):
        assert np.allclose(approximate, limits[setting], rtol=1e-12)


def test_claim_passes_at_quick_size(result):
    records = claims(result)
    assert [r.id for r in records] == ["cor33_ratio"]
    assert records[0].passed, records[0].error
    assert "within 1e-6 (the flow's crossings" in records[0].criterion  # the report's text, unchanged


def test_figure_draws_without_pyplot(result, draw):
    drawn = draw(figures, result)
    assert set(drawn) == {"cor33_ratio"}
    fig = drawn["cor33_ratio"]
    assert isinstance(fig, Figure) and len(fig.axes) == 1 and len(fig.axes[0].lines) >= 2 * len(result.grid)
    # rendered and checked (PNG size, PDF header and size) by the reproduce test in tests/test_cli.py
