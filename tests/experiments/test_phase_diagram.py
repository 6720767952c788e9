"""Phase diagram of a class-1 neuron (Sec. 3.3, Fig. 2 Left) at the shared quick size."""
import pytest

import numpy as np
from matplotlib.figure import Figure

from dynamics.experiments.phase_diagram import EXPERIMENT, REGIONS, SIZES, claims, figures, theory_region


@pytest.fixture(scope="module")
def result():
    """The shared quick result (computed once per session, also used by the report test and the examples)."""
    return EXPERIMENT.result("quick")


def test_gd_sweep_ends_in_the_predicted_regions(result):
    res = result
    assert res.agreement >= 0.99 and res.counted > 300
    assert set(np.unique(res.theory)) >= {0, 1, 3}
    grid = SIZES["quick"]["grid"]
    assert res.theory.shape == res.measured.shape == (grid, grid)


def test_regions_worked_by_hand():
    # ||x|| = 0.7: y0 <= 0 frozen; y0 > -0.7 z0 learns; y0 = -0.7 z0 stalls; below it the unit dies
    z0 = np.array([0.5, -0.5, 0.5, -1.0, -1.0])
    y0 = np.array([0.3, 0.3, -0.1, 0.7, 0.2])
    assert [REGIONS[k] for k in theory_region(z0, y0, 0.7)] == ["success", "dies", "frozen", "stalls", "dies"]


def test_claim_passes_at_quick_size(result):
    records = claims(result)
    assert [r.id for r in records] == ["phase_diagram_agreement"]
    assert records[0].passed and records[0].theory["grid_points_counted"] == result.counted


def test_figure_draws_without_pyplot(result, draw):
    drawn = draw(figures, result)
    assert set(drawn) == {"fig2_phase_diagram"}
    fig = drawn["fig2_phase_diagram"]
    assert isinstance(fig, Figure) and all(ax.has_data() for ax in fig.axes)
    assert [len(ax.images) for ax in fig.axes[:2]] == [1, 1] and len(fig.axes[0].lines) > len(result.flow_lines)
    # rendered and checked (PNG size, PDF header and size) by the reproduce test in tests/test_cli.py
