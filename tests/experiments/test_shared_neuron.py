"""A neuron shared by both classes (Sec. 3.4, Theorem 3.4, Figs. 3 and 7) at the shared quick size."""
import pytest

import numpy as np
from matplotlib.figure import Figure

from dynamics.experiments.sharpness import TIME_TOLERANCE
from dynamics.experiments.shared_neuron import EXPERIMENT, SharedNeuronResult, claims, figures


@pytest.fixture(scope="module")
def result():
    """The shared quick result (computed once per session, also used by the report test and the examples)."""
    return EXPERIMENT.result("quick")


def test_outcomes_and_separatrix(result):
    res = result
    assert isinstance(res, SharedNeuronResult) and EXPERIMENT.name == "shared_neuron"
    # Theorem 3.4 (App. A.8) as the paper states it: beta dies (P(D1) -> 1); alpha dies (class 2 wins);
    # failure (both ReLUs dead)
    stated = {(0.1, 0.1, 0.1): "beta_dies", (0.2, 0.9, 0.2): "alpha_dies", (1.0, 0.0, -1.1): "both_dead"}
    assert res.outcomes_theory == stated and res.outcomes_gd == stated
    assert res.max_state_error <= 0.02
    assert len(res.negative_outcomes) >= 3 and all(o == "beta_dies" for o in res.negative_outcomes)
    assert res.negative_outcomes_gd == res.negative_outcomes  # GD on the real network from the same inits
    assert res.gd_time_error <= TIME_TOLERANCE < res.gd_raw_time_error
    level = res.separatrix[:, 0] ** 2 + res.separatrix[:, 1] ** 2 - res.separatrix[:, 2] ** 2
    assert np.allclose(level, 1.0, atol=1e-8) and len(res.separatrix) > 50


def test_fixed_point_worked_by_hand(result):
    # p = 1/2, unit norms: alpha_inf = beta_inf = sqrt(c / 2), z = 0 (App. A.8); c = 1
    assert np.allclose(result.fixed_point, (np.sqrt(0.5), np.sqrt(0.5), 0.0), rtol=1e-12, atol=0)


def test_claims_pass_at_quick_size(result):
    records = claims(result)
    assert [r.id for r in records] == ["thm34_worked_inits", "thm34_negative_c"]
    assert all(r.passed for r in records), {r.id: r.error for r in records}


def test_figure_draws_without_pyplot(result, draw):
    drawn = draw(figures, result)
    assert set(drawn) == {"fig3_shared_neuron"}
    fig = drawn["fig3_shared_neuron"]
    assert isinstance(fig, Figure) and len(fig.axes) == 6 and all(ax.lines for ax in fig.axes)
    assert fig.axes[0].name == "3d"  # Fig. 3 Left: trajectories on the hyperboloid
    # rendered and checked (PNG size, PDF header and size) by the reproduce test in tests/test_cli.py
