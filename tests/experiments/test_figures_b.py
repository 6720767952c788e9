"""What the figures of hinge, starvation, corollary_ratio and multiclass hold (issue 12), checked on the artists.

Not pixels: legend texts, which series are lines (theory) and which hollow markers (gradient descent), axis limits
against the data, and that every label is mathtext (no raw ``P_{t*}``) and renders.  The data a figure gained for
this (the GD overlay of Fig. 9, the dense theory curve of Corollary 3.3) is checked against values worked by hand.
"""
import re

import matplotlib.colors
import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg

from dynamics.experiments import corollary_ratio, hinge, multiclass, starvation

#: Smallest legend font a printed figure can be read at (points).
MIN_LEGEND_SIZE = 8
#: Two series told apart in grey-scale differ at least this much in luminance (0 black, 1 white).
MIN_GREY_STEP = 0.1


def _legend_texts(ax):
    legend = ax.get_legend()
    return [] if legend is None else [text.get_text() for text in legend.get_texts()]


def _all_texts(fig):
    """Every title, axis label, tick-free text and legend entry of the figure."""
    texts = []
    for ax in fig.axes:
        texts += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel(), *_legend_texts(ax)]
        legend = ax.get_legend()
        if legend is not None:
            texts.append(legend.get_title().get_text())
        texts += [text.get_text() for text in ax.texts]
    return [text for text in texts if text]


def _outside_math(text):
    return re.sub(r"\$[^$]*\$", "", text)


def _assert_publishable(fig):
    """Mathtext everywhere it is needed, no snake_case, legends readable, and the figure renders."""
    for text in _all_texts(fig):
        plain = _outside_math(text)
        assert not re.search(r"[_^{}]", plain), f"raw subscript/superscript outside mathtext: {text!r}"
        assert text.count("$") % 2 == 0, text
        assert "norm" not in plain, f"'norm' where ||x|| is meant: {text!r}"
    for ax in fig.axes:
        legend = ax.get_legend()
        if legend is not None:
            assert all(t.get_fontsize() >= MIN_LEGEND_SIZE for t in legend.get_texts())
    FigureCanvasAgg(fig).draw()  # every mathtext string parses


def _grey(colour):
    r, g, b = matplotlib.colors.to_rgb(colour)
    return 0.299 * r + 0.587 * g + 0.114 * b


def _is_gd(line):
    """A gradient-descent series: hollow markers, no connecting line."""
    return line.get_linestyle() == "None" and line.get_marker() not in ("None", None, "") and (
        line.get_markerfacecolor() == "none")


def _is_theory(line):
    return line.get_linestyle() != "None" and line.get_marker() in ("None", None, "")


def _assert_theory_and_gd_apart(ax):
    """Theory lines and GD markers differ in shape (grey-scale) and in colour."""
    theory, gd = [l for l in ax.lines if _is_theory(l)], [l for l in ax.lines if _is_gd(l)]
    assert theory and gd
    gd_colours = {matplotlib.colors.to_hex(l.get_markeredgecolor()) for l in gd}
    assert gd_colours.isdisjoint({matplotlib.colors.to_hex(l.get_color()) for l in theory})


# ---- fig5_fig9_hinge ------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def hinge_result():
    return hinge.EXPERIMENT.result("quick")


@pytest.fixture(scope="module")
def hinge_fig(hinge_result):
    return hinge.figures(hinge_result)["fig5_fig9_hinge"]


def test_hinge_fig5_encodes_p_by_colour_and_loss_by_line_style(hinge_fig, hinge_result):
    ax = hinge_fig.axes[0]
    texts = _legend_texts(ax)
    assert texts[:2] == [r"BCE, confidence $\sigma(u)$", r"hinge, confidence $u$"]
    assert texts[2:] == [f"$p = {p:g}$" for p in hinge_result.frequencies]
    curves = [l for l in ax.lines if _is_theory(l)]
    assert len(curves) == 2 * len(hinge_result.frequencies)
    bce, hinge_lines = curves[0::2], curves[1::2]
    assert {l.get_linestyle() for l in bce} == {"-"} and {l.get_linestyle() for l in hinge_lines} == {"--"}
    greys = sorted(_grey(l.get_color()) for l in bce)
    assert np.all(np.diff(greys) >= MIN_GREY_STEP)  # the frequencies read apart in grey-scale
    assert ax.get_yscale() == "log"


def test_hinge_fig9_overlays_gradient_descent(hinge_fig, hinge_result):
    ax_y, ax_u = hinge_fig.axes[1], hinge_fig.axes[2]
    for ax, gd in ((ax_y, hinge_result.fig9_gd_y), (ax_u, hinge_result.fig9_gd_u)):
        _assert_theory_and_gd_apart(ax)
        overlay = [l for l in ax.lines if _is_gd(l) and l.get_marker() == hinge.GD_MARKER]
        assert len(overlay) == len(hinge_result.fig9_settings)
        for line, values in zip(overlay, gd):
            assert np.array_equal(line.get_ydata(), values)
    texts = _legend_texts(ax_y)
    assert texts[:4] == [rf"$c = {c:g},\ \|x\| = {n:g}$" for c, n in hinge_result.fig9_settings]
    assert any("gradient descent" in t for t in texts) and any("theory" in t for t in texts)
    assert any("margin" in t for t in _legend_texts(ax_u)) and any("stopping time" in t for t in _legend_texts(ax_u))
    # the time axis is fitted: every stopping time shown, and no long empty tail after the last one
    assert max(hinge_result.fig9_stop) < ax_u.get_xlim()[1] <= 1.25 * max(hinge_result.fig9_stop)


def test_hinge_fig9_gd_overlay_follows_theorem_5_1_worked_by_hand(hinge_result):
    """From theta0 = 0 and p = 1: u_t = min(1, c/(2||x||) sinh(2||x|| t)), y_t = sqrt(c) cosh(||x|| t) until the
    stop; GD at lr is within O(lr) of it (a few 1e-3 at lr = 0.004)."""
    t = hinge_result.fig9_gd_t
    assert t[0] == 0 and t[-1] > max(hinge_result.fig9_stop)
    for i, (c, norm) in enumerate(hinge_result.fig9_settings):
        u = c / (2 * norm) * np.sinh(2 * norm * t)
        inside = u < 0.99
        assert np.allclose(hinge_result.fig9_gd_u[i][inside], u[inside], rtol=0.03)
        assert np.all(np.abs(hinge_result.fig9_gd_u[i][~inside] - 1) < 0.03)  # resting on the margin
        y = np.sqrt(c) * np.cosh(norm * np.minimum(t, hinge_result.fig9_stop[i]))
        assert np.allclose(hinge_result.fig9_gd_y[i], y, rtol=0.02)


def test_hinge_many_points_panel_shows_prediction_and_gd(hinge_fig, hinge_result):
    ax = hinge_fig.axes[3]
    _assert_theory_and_gd_apart(ax)
    n = hinge_result.many_points_theory.shape[1]
    assert len([l for l in ax.lines if _is_theory(l)]) == len([l for l in ax.lines if _is_gd(l)]) == n
    assert ax.get_xlim() == (0.0, hinge_result.many_points_t[-1])


def test_hinge_figure_is_publishable(hinge_fig):
    _assert_publishable(hinge_fig)


# ---- fig6_table1_starvation -----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def starvation_result():
    return starvation.EXPERIMENT.result("quick")


@pytest.fixture(scope="module")
def starvation_fig(starvation_result):
    return starvation.figures(starvation_result)["fig6_table1_starvation"]


def test_starvation_labels_are_mathtext(starvation_fig):
    texts = _all_texts(starvation_fig)
    assert not any("P_{t*}" in t or "P_t*" in t for t in texts)  # the raw forms the issue saw
    assert any(r"$P_{t^*}((0, x_2))$" in t for t in texts)
    _assert_publishable(starvation_fig)


def test_starvation_curves_reach_table1_and_show_the_printed_entries(starvation_fig, starvation_result):
    """The curves run to Table 1's last row (0.9999) and pass through the printed entries (2 decimals)."""
    r = starvation_result
    assert r.curve_confidences[-1] == pytest.approx(0.9999, abs=1e-12) and r.curve_confidences[0] > 0.5
    on_curve = {0.99: [np.interp(0.99, r.curve_confidences, curve) for curve in r.curve_bound_7],
                0.9999: r.curve_bound_7[:, -1]}
    for c, values in on_curve.items():
        printed = np.array([starvation.PRINTED_TABLE1[c][lam] for lam in r.lambdas])
        # printed to 2 decimals (0.005), plus the linear interpolation between curve samples (< 1e-3)
        assert np.all(np.abs(np.asarray(values) - printed) <= 0.005 + 1e-3), (c, values, printed)
    ax = starvation_fig.axes[0]
    crosses = [l for l in ax.lines if l.get_marker() == starvation.PRINTED_MARKER]
    assert sorted(np.concatenate([l.get_ydata() for l in crosses]).tolist()) == sorted(
        v for c in r.table1_confidences for v in starvation.PRINTED_TABLE1[c].values())
    assert _legend_texts(ax) == [rf"$\lambda = {lam:g}$" for lam in r.lambdas] + [
        rf"$1 - \delta = {r.confidence:g}$, as in (c)", "Table 1 as printed"]


def test_starvation_values_panel_tells_bounds_values_and_gd_apart(starvation_fig, starvation_result):
    r = starvation_result
    ax = starvation_fig.axes[2]
    bars = ax.patches
    assert len(bars) == 4 * len(r.lambdas)
    heights = np.array([b.get_y() + b.get_height() for b in bars]).reshape(4, -1)
    assert np.allclose(heights, [r.bound_7, r.ode_satisfying, r.bound_d2, r.ode_fair])
    assert all(b.get_y() == starvation.CHANCE for b in bars)  # bars rise from chance, not from a cut axis
    hatched = np.array([bool(b.get_hatch()) for b in bars]).reshape(4, -1)
    assert hatched[[0, 2]].all() and not hatched[[1, 3]].any()  # bounds hatched, values filled: grey-scale safe
    gd = [l for l in ax.lines if _is_gd(l)]
    assert len(gd) == 1 and np.array_equal(gd[0].get_ydata(), r.gd_fair)
    bar_colours = {matplotlib.colors.to_hex(b.get_facecolor()) for b in bars}
    assert matplotlib.colors.to_hex(gd[0].get_markeredgecolor()) not in bar_colours
    texts = _legend_texts(ax)
    assert len(texts) == 5 and "bound (7)" in texts and "bound (D.2), fair init" in texts and "GD" in texts[-1]
    broken = [f"{lam:g}" for lam, ok in zip(r.lambdas, r.bound_7_holds_fair) if not ok]
    assert broken and any(", ".join(broken) in t.get_text() for t in ax.texts)


# ---- cor33_ratio ----------------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def corollary_result():
    return corollary_ratio.EXPERIMENT.result("quick")


@pytest.fixture(scope="module")
def corollary_fig(corollary_result):
    return corollary_ratio.figures(corollary_result)["cor33_ratio"]


def _mpmath_ratio(delta, n1, n2, p1, u0, v0):
    """t2*/t1* worked from eq. (15) with mpmath: t_k = [log(L/a) + Ei(L) - Ei(a)] / (2 ||x_k|| p_k), a = |logit0|,
    L = log((1 - delta)/delta)."""
    import mpmath
    mpmath.mp.dps = 40
    L = mpmath.log((1 - mpmath.mpf(delta)) / mpmath.mpf(delta))

    def time(a, norm, p):
        a = mpmath.mpf(a)
        return (mpmath.log(L / a) + mpmath.ei(L) - mpmath.ei(a)) / (2 * mpmath.mpf(norm) * mpmath.mpf(p))
    return float(time(abs(v0), n2, 1 - mpmath.mpf(p1)) / time(u0, n1, p1))


def test_corollary_curve_reaches_small_delta_and_matches_mpmath(corollary_result):
    r = corollary_result
    assert r.curve_deltas[0] == max(r.deltas) and r.curve_deltas[-1] <= 1e-6 < min(r.deltas)
    for i, (n1, n2, p1) in enumerate(r.grid):
        for j in (0, len(r.curve_deltas) // 2, -1):
            hand = _mpmath_ratio(r.curve_deltas[j], n1, n2, p1, r.u0, r.v0)
            assert r.curve_exact[i, j] == pytest.approx(hand, rel=1e-9)
        # the approach to the delta -> 0 limit is visible: within 1e-3 of it at the smallest delta drawn
        assert abs(r.curve_exact[i, -1] / r.approximate[i, 0] - 1) < 1e-3
        assert abs(r.exact[i, 0] / r.approximate[i, 0] - 1) > 0.1  # ... and far from it where GD is measured
    assert (r.u0, r.v0) == (0.05, -0.5)


def test_corollary_figure_labels_every_line(corollary_fig, corollary_result):
    r = corollary_result
    ax = corollary_fig.axes[0]
    texts = _legend_texts(ax)
    assert texts[:len(r.grid)] == [rf"$\|x_1\| = {a:g},\ \|x_2\| = {b:g},\ p_1 = {p:g}$" for a, b, p in r.grid]
    assert any("exact" in t for t in texts) and any("gradient descent" in t for t in texts)
    assert any(r"$\delta \to 0$ limit" in t for t in texts)
    title = ax.get_title()
    assert f"$u_0 = {r.u0:g}$" in title and f"$v_0 = {r.v0:g}$" in title
    _assert_theory_and_gd_apart(ax)
    gd = [l for l in ax.lines if _is_gd(l)]
    assert len(gd) == len(r.grid) and all(np.array_equal(l.get_ydata(), m) for l, m in zip(gd, r.measured))
    limits = [l for l in ax.lines if l.get_linestyle() == ":"]
    assert sorted(l.get_ydata()[0] for l in limits) == sorted(r.approximate[:, 0])
    curves = [l for l in ax.lines if _is_theory(l) and l.get_linestyle() != ":"]
    assert len(curves) == len(r.grid)  # no exact curve shares the limits' dotted style
    low, high = ax.get_xlim()
    assert low <= r.curve_deltas[-1] and high > max(r.deltas) and ax.get_xscale() == "log"
    _assert_publishable(corollary_fig)


# ---- lemma_a1_multiclass --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def multiclass_result():
    return multiclass.EXPERIMENT.result("quick")


@pytest.fixture(scope="module")
def multiclass_fig(multiclass_result):
    return multiclass.figures(multiclass_result)["lemma_a1_multiclass"]


def test_multiclass_time_axis_ends_where_learning_ends(multiclass_fig, multiclass_result):
    """The axis ends after the slowest class is within 5% of its final confidence, not at the end of the run."""
    r = multiclass_result
    low, high = multiclass_fig.axes[0].get_xlim()
    slowest = r.confidences[:, np.argmin(r.norms)]  # class 1: the smallest norm and the fewest points
    covered = (slowest - slowest[0]) / (slowest[-1] - slowest[0])
    assert low == 0 and high < 0.5 * r.t[-1]
    assert covered[np.searchsorted(r.t, high)] >= 0.95  # ... but only once every class has learned
    assert np.all(r.confidences[np.searchsorted(r.t, high)] > 0.9)


def test_multiclass_legend_numbers_classes_from_one_and_explains_every_series(multiclass_fig, multiclass_result):
    r = multiclass_result
    ax = multiclass_fig.axes[0]
    texts = _legend_texts(ax)
    assert [t.split(":")[0] for t in texts[:r.classes]] == [f"class {k}" for k in range(1, r.classes + 1)]
    assert not any("class 0" in t for t in _all_texts(multiclass_fig))
    frequencies = np.array(r.per_class) / sum(r.per_class)
    for k in range(r.classes):
        assert rf"$p_{k + 1} = {frequencies[k]:.2g}$" in texts[k]
    assert any("together" in t for t in texts) and any("alone" in t for t in texts) and any("chance" in t for t in texts)
    _assert_theory_and_gd_apart(ax)  # joint runs as lines, the runs alone as hollow black markers
    alone = [l for l in ax.lines if _is_gd(l)]
    assert len(alone) == r.classes
    for k, line in enumerate(alone):  # the markers are the runs alone, at their own records
        rows = np.searchsorted(r.t, line.get_xdata())
        assert np.array_equal(line.get_ydata(), r.alone_confidences[rows, k])
        assert line.get_xdata().size >= 10 and np.sum(line.get_xdata() < 10) >= 5  # the fast classes' rise shows
    chance = [l for l in ax.lines if l.get_linestyle() == ":"]
    assert len(chance) == 1 and chance[0].get_ydata()[0] == pytest.approx(1 / r.classes)
    _assert_publishable(multiclass_fig)
