"""What the figures of developer-5's experiments hold (legends, limits, artists), read as a reviewer would.

Each figure is checked for what it must show, not for pixels: every line and marker explained by a legend,
mathtext rather than raw ``P_{t*}``-style names, no snake_case outcome names, axes fitted to where things happen,
gradient descent as black hollow markers thinned to be read, theory as coloured lines.  Where a figure paints
something the data do not hold directly (the basins of Fig. 3), it is checked against gradient descent on the
real network.
"""
import re

import numpy as np
import pytest
from mpl_toolkits.mplot3d.art3d import Poly3DCollection

from dynamics.experiments import shared_neuron, style
from dynamics.groundtruth.initialization import shared_neuron_init
from dynamics.groundtruth.training import train
from dynamics.theory.shared_neuron import classify

#: Visible GD markers per series at most (MARKER_TARGET, plus the first and last records).
MAX_VISIBLE_MARKERS = style.MARKER_TARGET + 2


def _texts(fig):
    """Every text of a figure: titles, axis labels, tick labels, legend entries, suptitle."""
    out = [t.get_text() for t in fig.findobj(lambda a: hasattr(a, "get_text"))]
    return [t for t in out if t]


def _legend_texts(fig):
    legends = [ax.get_legend() for ax in fig.axes if ax.get_legend()] + list(fig.legends)
    return [t.get_text() for legend in legends for t in legend.get_texts()]


def _visible_markers(line):
    """Markers a line draws inside its axes' x-limits: its points thinned by ``markevery`` (int stride or None)."""
    x = np.asarray(line.get_xdata(), float)
    low, high = sorted(line.axes.get_xlim())
    drawn = x[::line.get_markevery() or 1]
    return int(np.sum((drawn >= low) & (drawn <= high)))


def _gd_lines(ax):
    """The gradient-descent series of an axes: black hollow markers without a line."""
    return [ln for ln in ax.lines if ln.get_linestyle() == "None" and ln.get_markerfacecolor() == "none"
            and ln.get_color() == style.GD_COLOR and len(ln.get_xdata()) > 1]


def _no_raw_names(fig):
    """No snake_case identifiers and no raw TeX outside mathtext in any text of the figure."""
    for text in _texts(fig):
        plain = re.sub(r"\$[^$]*\$", "", text)
        assert not re.search(r"[a-z]+_[a-z]+", plain), text
        assert "_{" not in plain and "^{" not in plain, text


# ---------------------------------------------------------------- fig3_shared_neuron

@pytest.fixture(scope="module")
def sn_result():
    return shared_neuron.EXPERIMENT.result("quick")


@pytest.fixture(scope="module")
def sn_fig(sn_result):
    return shared_neuron.figures(sn_result)["fig3_shared_neuron"]


def test_fig3_sheet_surface_separatrix_and_outcome_colours(sn_result, sn_fig):
    ax3 = sn_fig.axes[0]
    assert ax3.name == "3d"
    assert any(isinstance(c, Poly3DCollection) for c in ax3.collections)  # the sheet c = 1, painted by basin
    # trajectories spread over both basins and drawn in the colour of how they end
    assert set(sn_result.positive_outcomes) == {"beta_dies", "alpha_dies"}
    colours = {o: shared_neuron.OUTCOME_STYLE[o][1] for o in sn_result.positive_outcomes}
    for ax in sn_fig.axes[:2]:
        drawn = [ln for ln in ax.lines if len(ln.get_xdata()) == len(sn_result.worked_t)]
        assert [ln.get_color() for ln in drawn] == [colours[o] for o in sn_result.positive_outcomes]
        assert len({ln.get_linestyle() for ln in drawn}) == 2  # outcomes apart in grey-scale too
    # the two basins of the unrolled sheet differ in grey-scale: in lightness, and one is hatched
    fills = sn_fig.axes[1].collections
    assert len(fills) == 2
    lightness = [float(np.dot(f.get_facecolor()[0][:3], (0.299, 0.587, 0.114))) for f in fills]
    assert abs(lightness[0] - lightness[1]) > 0.05 and sum(bool(f.get_hatch()) for f in fills) == 1
    legend = _legend_texts(sn_fig)
    for needed in ("β dies", "α dies", "separatrix", "fixed point", "basin where β dies", "basin where α dies",
                   "initialization", "gradient descent"):
        assert any(needed in text for text in legend), needed
    _no_raw_names(sn_fig)


def test_fig3_separatrix_dense_on_the_level_and_reaching_both_edges(sn_result):
    curve = sn_result.separatrix
    level = curve[:, 0] ** 2 + curve[:, 1] ** 2 - curve[:, 2] ** 2
    assert np.max(np.abs(level - shared_neuron.C_POSITIVE)) < 1e-9
    assert np.all(np.diff(curve[:, 2]) >= 0)
    steps = np.linalg.norm(np.diff(curve, axis=0), axis=1)
    assert steps.max() < 0.02  # no kinks: the coarse trace had gaps of 0.4 at its ends
    bottom, top = curve[0], curve[-1]
    assert bottom[1] == pytest.approx(0, abs=1e-6) and top[0] == pytest.approx(0, abs=1e-6)  # beta = 0, alpha = 0


@pytest.mark.parametrize("z0, offset", [(1.0, -12.0), (1.0, 12.0), (-0.8, -12.0), (-0.8, 12.0)])
def test_fig3_painted_basins_match_gradient_descent(sn_result, z0, offset):
    """A point painted in one basin ends there when the real shared-neuron network is trained from it."""
    zs, angles = shared_neuron._separatrix_angle(sn_result.separatrix)
    angle = np.radians(np.interp(z0, zs, angles) + offset)
    radius = np.sqrt(shared_neuron.C_POSITIVE + z0**2)
    alpha0, beta0 = radius * np.cos(angle), radius * np.sin(angle)
    painted_beta = bool(shared_neuron._beta_side(sn_result.separatrix, alpha0, beta0, z0))
    x1, x2 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    w = shared_neuron_init(x1, x2, alpha0=alpha0, beta0=beta0, z0=z0)
    run = train(np.vstack([x1, x2]), np.array([1, 2]), w.W0, w.Z0, lr=0.05, steps=1600, record_every=1600)
    ends = classify(run.preactivations[-1, 0, 0], run.preactivations[-1, 1, 0])
    assert ends == ("beta_dies" if painted_beta else "alpha_dies")
    assert painted_beta == (offset < 0)  # smaller angle (larger alpha) is the side where beta dies


def test_fig3_starts_painted_in_the_basin_they_end_in(sn_result):
    for traj, outcome in zip(sn_result.positive_trajectories, sn_result.positive_outcomes):
        beta_side = bool(shared_neuron._beta_side(sn_result.separatrix, *traj[0]))
        assert outcome == ("beta_dies" if beta_side else "alpha_dies")


def test_fig3_negative_c_and_worked_panels(sn_result, sn_fig):
    axn, worked = sn_fig.axes[2], sn_fig.axes[3:]
    # Fig. 7: beta_t of every c < 0 start, theory and GD, on a window that ends soon after the last death
    deaths = [t[np.flatnonzero(traj[:, 1] <= 0)[0]] for traj, t in
              [(tr, sn_result.worked_t) for tr in sn_result.negative_trajectories]
              + [(gd, sn_result.negative_gd_t) for gd in sn_result.negative_gd]]
    right = axn.get_xlim()[1]
    assert max(deaths) < right <= shared_neuron.DEATH_MARGIN * max(deaths) + 1e-9
    assert len(_gd_lines(axn)) == len(sn_result.negative_gd) >= 3
    assert all(np.all(np.asarray(ln.get_xdata()) <= right) for ln in _gd_lines(axn))
    theory = [ln for ln in axn.lines if len(ln.get_xdata()) == len(sn_result.worked_t)]
    assert [ln.get_color() for ln in theory] == [shared_neuron.OUTCOME_STYLE[o][1]
                                                 for o in sn_result.negative_outcomes]  # colour: how it ends
    assert len({ln._unscaled_dash_pattern for ln in theory}) == len(theory)
    # Fig. 3 Right: alpha_t, beta_t and both probabilities, by ODE (4) (coloured lines) and GD (hollow markers)
    assert len(worked) == len(sn_result.worked_theory) == 3
    for ax, init in zip(worked, sn_result.worked_theory):
        gd = _gd_lines(ax)
        assert len(gd) == 4 and len([ln for ln in ax.lines if ln.get_linestyle() != "None"]) == 4
        assert all(_visible_markers(ln) <= MAX_VISIBLE_MARKERS for ln in gd)
        assert np.allclose(gd[0].get_ydata(), sn_result.worked_gd[init][:, 0])  # alpha of GD, not resampled
        assert shared_neuron.OUTCOME_STYLE[sn_result.outcomes_theory[init]][0] in ax.get_title()
    legend = _legend_texts(sn_fig)
    for quantity in ("$\\alpha_t$", "$\\beta_t$", "$P_t(x_1 \\in D_1)$", "$P_t(x_2 \\in D_2)$"):
        assert sum(quantity in text for text in legend) == 2  # once for ODE (4), once for GD


# ---------------------------------------------------------------- fig2_sigmoidal

@pytest.fixture(scope="module")
def sig_result():
    from dynamics.experiments import sigmoidal
    return sigmoidal.EXPERIMENT.result("quick")


def test_fig2_sigmoidal_legends_dashes_and_fitted_time_axis(sig_result):
    from dynamics.experiments import sigmoidal
    fig = sigmoidal.figures(sig_result)["fig2_sigmoidal"]
    left, middle, right = fig.axes
    for ax in (left, middle):
        theory = [ln for ln in ax.lines if ln.get_linestyle() != "None"]
        gd = _gd_lines(ax)
        assert len(theory) == len(gd) == len(sig_result.settings)
        # every setting told apart by colour and by dash (c = 0.1 against c = 0 included), GD by marker shape
        assert len({ln.get_color() for ln in theory}) == len({ln.get_linestyle() for ln in theory}) == len(theory)
        assert len({ln.get_marker() for ln in gd}) == len(gd)
        assert all(_visible_markers(ln) <= MAX_VISIBLE_MARKERS for ln in gd)
        # each legend entry of a setting holds its line and its markers (a tuple handle)
        handles = ax.get_legend().legend_handles
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert len(handles) == len(sig_result.settings) + 2 and any("gradient descent" in t for t in texts)
        # the time axis ends soon after every setting has learnt, well before the horizon
        end = ax.get_xlim()[1]
        at_end = np.array([np.interp(end, sig_result.t, p) for p in sig_result.theory_p])
        assert np.all(at_end >= sigmoidal.FIT_LEVEL) and end <= 0.85 * sig_result.t[-1]
        before = end / sigmoidal.FIT_MARGIN - (sig_result.t[1] - sig_result.t[0])
        assert np.any([np.interp(before, sig_result.t, p) < sigmoidal.FIT_LEVEL for p in sig_result.theory_p])
    legend = [t.get_text() for t in right.get_legend().get_texts()]
    assert len(legend) == 1 + len(sig_result.collapse_settings) and "master curve" in legend[0]
    assert "0.0e+00" not in right.get_title()
    _no_raw_names(fig)


# ---------------------------------------------------------------- fig2_phase_diagram

def test_fig2_phase_diagram_lines_explained_and_flow_arrows():
    from matplotlib.colors import to_rgb
    from matplotlib.text import Annotation

    from dynamics.experiments import phase_diagram
    result = phase_diagram.EXPERIMENT.result("quick")
    fig = phase_diagram.figures(result)["fig2_phase_diagram"]
    theory_ax, gd_ax = fig.axes[:2]
    legend = _legend_texts(fig)
    assert any("asymptote" in t and "\\|x\\| z_0" in t for t in legend)
    assert any("stalls" in t and "-\\|x\\| z_0" in t for t in legend)
    assert any("trajectories" in t and "arrows" in t for t in legend)
    for ax in (theory_ax, gd_ax):
        lines = [ln for ln in ax.lines if len(ln.get_xdata()) == 50]
        slopes = sorted(np.polyfit(ln.get_xdata(), ln.get_ydata(), 1)[0] for ln in lines)
        assert np.allclose(slopes, [-result.norm, result.norm])
        # dash patterns apart (custom patterns all report "--" through get_linestyle)
        assert lines[0]._unscaled_dash_pattern != lines[1]._unscaled_dash_pattern
        # drawn above the regions, in a colour far from every region's (the stall line was lost on the "dies" edge)
        assert all(ln.get_zorder() > ax.images[0].get_zorder() for ln in lines)
        for ln in lines:
            gap = [abs(np.mean(to_rgb(ln.get_color())) - np.mean(to_rgb(c))) for c in phase_diagram.REGION_COLORS]
            assert min(gap) > 0.35
    arrows = [a for a in theory_ax.texts if isinstance(a, Annotation) and a.arrow_patch is not None]
    visible = [(z, y) for z, y in result.flow_lines if np.any((np.abs(z) <= 1) & (np.abs(y) <= 1))]
    assert len(arrows) == len(visible) == len(result.flow_lines)
    for arrow in arrows:  # each arrow points the way its trajectory runs, inside the axes
        (z1, y1), (z0, y0) = arrow.xy, arrow.xyann
        assert -1 <= z1 <= 1 and -1 <= y1 <= 1 and (z1, y1) != (z0, y0)
    assert "§" not in "".join(_texts(fig))
    _no_raw_names(fig)


# ---------------------------------------------------------------- fig4_depth

def test_fig4_depth_gd_in_legends_integer_depth_ticks_and_titles():
    from dynamics.experiments import depth
    result = depth.EXPERIMENT.result("quick")
    fig = depth.figures(result)["fig4_depth"]
    axes = fig.axes
    for ax in axes[:2]:
        gd = _gd_lines(ax)
        assert len(gd) == len(result.settings)
        assert all(_visible_markers(ln) <= MAX_VISIBLE_MARKERS for ln in gd)
        handles = ax.get_legend().legend_handles
        texts = [t.get_text() for t in ax.get_legend().get_texts()]
        assert any("gradient descent" in t for t in texts)
        assert len(handles) == len(result.settings) + 2  # one entry per chain (its line and its markers) + notes
    gd_order = _gd_lines(axes[2])
    assert len(gd_order) == len(result.order_u0)
    legend = [t.get_text() for t in axes[2].get_legend().get_texts()]
    assert sum(t.startswith("GD") for t in legend) == len(result.order_u0)
    for u0 in (result.u0, result.small_u0):
        assert any(f"u_0 = {u0:g}" in t for t in legend)
    for ax in axes[2:]:
        ticks = ax.get_xticks()
        assert np.array_equal(ticks, np.round(ticks)) and len(ticks) <= depth.MAX_DEPTH_TICKS
    assert set(axes[2].get_xticks()) <= set(result.depths.tolist())
    assert all(ax.get_title().strip() not in ("Fig. 4", "") for ax in axes)
    _no_raw_names(fig)


def test_depth_ticks_thinned_to_integers_at_full_depths():
    from dynamics.experiments import depth
    fig, ax = style.new_figure()
    depth._depth_ticks(ax, range(2, 17))
    assert ax.get_xticks().tolist() == list(range(2, 17, 2)) and ax.get_xlim() == (1.5, 16.5)


def test_fig2_sigmoidal_y_axes_follow_the_time_window_and_collapse_markers_nest(sig_result):
    from dynamics.experiments import sigmoidal
    fig = sigmoidal.figures(sig_result)["fig2_sigmoidal"]
    left, _, right = fig.axes
    end = left.get_xlim()[1]
    inside = sig_result.t <= end
    top = max(sig_result.theory_y[:, inside].max(), sig_result.gd_y[:, sig_result.gd_t <= end].max())
    assert top < left.get_ylim()[1] <= top + 0.1 * (top - left.get_ylim()[0])
    sizes = [ln.get_markersize() for ln in _gd_lines(right)]
    assert len(sizes) == len(sig_result.collapse_settings) and len(set(sizes)) == len(sizes)
