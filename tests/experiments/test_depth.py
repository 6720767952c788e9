"""Deep chains (Fig. 4, eq. (5)): the shared quick result against the theory, the order and the figure."""
import numpy as np
import pytest
from matplotlib.figure import Figure

from dynamics.experiments import depth
from dynamics.experiments.sharpness import TIME_TOLERANCE
from dynamics.theory.balanced_logit import time_to_confidence


@pytest.fixture(scope="module")
def result():
    return depth.EXPERIMENT.result("quick")


def test_gd_follows_eq5(result):
    assert max(a.max_abs for a in result.agreement) <= 0.01
    assert max(result.gd_time_error) <= TIME_TOLERANCE
    assert result.quadrature_error <= 1e-9


def test_deeper_is_faster_only_above_the_crossover(result):
    # At ||x|| = 1 and P = 0.99 the times from u0 = 1e-3 are 22.3, 25.4, 35.4 for N = 2, 3, 4 (slower with depth),
    # and from u0 = 0.1 they fall with depth.
    unit = result.norms.index(1.0)
    assert np.all(np.diff(result.times_to_confidence[unit]) < 0)
    by_depth = dict(zip(result.depths.tolist(), result.times_to_confidence_small[unit]))
    assert [round(by_depth[2], 1), round(by_depth[4], 1)] == [22.3, 35.4]
    assert round(float(time_to_confidence(0.99, u0=result.small_u0, norm=1.0, depth=3)), 1) == 25.4
    assert np.all(np.diff(result.times_to_confidence_small[unit]) > 0)
    assert result.order_u0[0] < result.order_crossover < result.order_u0[1]
    assert np.allclose(result.order_gd_times, result.order_theory_times, rtol=TIME_TOLERANCE)
    assert (result.order_gd_times[:, 1] < result.order_gd_times[:, 0]).tolist() == [False, True]


def test_claims_pass_at_quick_size(result):
    records = depth.claims(result)
    assert [r.id for r in records] == ["deep_logits", "depth_order"]
    assert all(r.passed for r in records), [(r.id, r.error) for r in records if not r.passed]


def test_figures_draw_without_changing_the_backend(result, draw):
    figs = draw(depth.figures, result)
    assert list(figs) == ["fig4_depth"]
    fig = figs["fig4_depth"]
    assert isinstance(fig, Figure) and len(fig.axes) >= 4
    assert all(ax.lines for ax in fig.axes[:4])


def test_gd_time_axis_is_the_runs_own_at_any_lr():
    # Regression: at lr = 0.03 the time axis was rebuilt from the arguments and had 56 entries against 57
    # records.  Worked by hand: steps = round(10 / 0.03) = 333, a record every 333 // 50 = 6 steps (0, 6, ..., 330)
    # and the last step 333: 57 records, the last at t = 333 * 0.03 = 9.99.
    res = depth.run(settings=((3, 1.0),), horizon=10.0, lr=0.03, depths=(2, 3), norms=(1.0,), points=5)
    assert res.gd_t.shape == (57,) and res.gd_u.shape == (1, 57)
    assert res.gd_t[-1] == pytest.approx(9.99, rel=1e-12)
    assert np.allclose(np.diff(res.gd_t[:-1]), 6 * 0.03, rtol=1e-12)


@pytest.mark.parametrize("kwargs, match", [({"lr": 0.0}, "lr"), ({"settings": ()}, "settings"),
                                           ({"points": 1}, "points"), ({"lr": 20.0}, "lr")])
def test_bad_arguments_name_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        depth.run(**kwargs)


def test_figure_norms_differ_in_dash_and_keep_one_colour_family_apart_from_the_chains(result, draw):
    from matplotlib.colors import to_hex
    fig = draw(depth.figures, result)["fig4_depth"]
    chain_colours = {to_hex(ln.get_color()) for ax in fig.axes[:2] for ln in ax.lines if ln.get_linestyle() != "None"}
    times, crossover = fig.axes[2], fig.axes[3]
    theory = [ln for ln in times.lines if ln.get_linestyle() != "None"]
    assert len(theory) == 2 * len(result.norms)
    # one colour and one dash pattern per norm, the same in the time panel as in the crossover panel
    by_norm = {}
    for ln in theory + list(crossover.lines):
        by_norm.setdefault(to_hex(ln.get_color()), set()).add(ln.get_linestyle())
    assert len(by_norm) == len(result.norms) and all(len(dashes) == 1 for dashes in by_norm.values())
    assert len({dashes.pop() for dashes in by_norm.values()}) == len(result.norms)  # apart in grey-scale
    assert not chain_colours & set(by_norm)  # no colour names both a chain and a norm
    # the two initial logits differ in theory marker, and the legend says which is which
    assert {ln.get_marker() for ln in theory} == set(depth.U0_MARKERS)
    legend = {t.get_text(): h for t, h in zip(times.get_legend().get_texts(), times.get_legend().legend_handles)}
    for u0, marker in zip((result.u0, result.small_u0), depth.U0_MARKERS):
        assert legend[f"theory from $u_0 = {u0:g}$"].get_marker() == marker
    for i, norm in enumerate(result.norms):
        handle = next(h for t, h in legend.items() if t.startswith("theory, ") and t.endswith(depth._norm_label(norm)))
        assert handle.get_linestyle() == crossover.lines[i].get_linestyle()
