"""Sigmoidal learning (Sec. 3.2, Fig. 2 Right) at the shared quick size: claims, checks and figure."""
import pytest

import numpy as np
from matplotlib.figure import Figure

from dynamics.experiments.sigmoidal import EXPERIMENT, SIZES, claims, figures


@pytest.fixture(scope="module")
def result():
    """The shared quick result (computed once per session, also used by the report test and the examples)."""
    return EXPERIMENT.result("quick")


def test_collapse_and_gd_follow_the_flow(result):
    res = result
    assert res.collapse_error <= 1e-9
    assert max(a.max_abs for a in res.agreement) <= 0.02
    assert np.all(np.diff(res.theory_p, axis=1) >= -1e-12)  # sigmoidal: P rises monotonically
    assert res.collapse_settings == tuple(s for s in res.settings if s[0] == 0)
    assert len(res.gd_collapse_error) == len(res.collapse_settings)
    assert res.gd_y.shape == res.gd_p.shape == (len(res.settings), len(res.gd_t))


def test_master_curve_is_the_closed_form_worked_by_hand(result):
    # u_bar(s) of eq. (3) at ||x|| = p = 1 from u0: s = (log(u/u0) + Ei(u) - Ei(u0)) / 2 at u = 1, u0 = 0.01
    from scipy.special import expi
    from dynamics.experiments.sigmoidal import U0
    s = (np.log(1 / U0) + expi(1.0) - expi(U0)) / 2
    res = result
    p = np.interp(s, res.master_t, res.master_p)
    assert abs(p - 1 / (1 + np.exp(-1.0))) < 2e-3  # linear interpolation on the 0.1-spaced master grid


def test_claims_pass_at_quick_size(result):
    records = claims(result)
    assert [r.id for r in records] == ["norm_frequency_collapse", "sigmoidal_gd_agreement"]
    assert all(r.passed for r in records), {r.id: r.error for r in records}
    assert result.lr == SIZES["quick"]["lr"]


def test_figure_draws_without_pyplot(result, draw):
    drawn = draw(figures, result)
    assert set(drawn) == {"fig2_sigmoidal"}
    fig = drawn["fig2_sigmoidal"]
    assert isinstance(fig, Figure) and len(fig.axes) == 3 and all(ax.lines for ax in fig.axes)
    # rendered and checked (PNG size, PDF header and size) by the reproduce test in tests/test_cli.py


def test_figure_cites_the_equation_in_parentheses(result, draw):
    title = draw(figures, result)["fig2_sigmoidal"].axes[0].get_title()
    assert "eq. (12)" in title and "eq. 12" not in title
