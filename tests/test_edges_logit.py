"""Edges of the balanced logit (issue 9 items 1, 4, 11 and the hangs), each against an independent value:
mpmath at 40+ digits, or the hinge closed form worked by hand from u' = N n^(2/N) p u^(2-2/N)."""
import time

import mpmath
import numpy as np
import pytest
import scipy.special

import derivations
import dynamics

mpmath.mp.dps = 40


def _mp_bce_time(u, u0, depth, norm=1.0, p=1.0):
    """Flow time from u0 to u of u' = N n^(2/N) p u^(2-2/N) / (1 + e^u), by mpmath quadrature in s = log u."""
    a, b = mpmath.log(mpmath.mpf(u0)), mpmath.log(mpmath.mpf(u))
    rate = depth * mpmath.mpf(norm) ** (mpmath.mpf(2) / depth) * mpmath.mpf(p)
    power = 2 - mpmath.mpf(2) / depth
    points = [a] + [x for x in mpmath.arange(-700, 8, 50) if a < x < b] + [x for x in (1, 2, 3, 4, 5, 6, 7)
                                                                           if a < x < b] + [b]
    return mpmath.quad(lambda s: mpmath.exp(s) * (1 + mpmath.exp(mpmath.exp(s))) / (rate * mpmath.exp(s * power)),
                       sorted(points))


def _mp_depth2_logit(t, u0, norm=1.0, p=1.0):
    """Root of log u + Ei(u) = 2 n p t + log u0 + Ei(u0) (eq. 15) in mpmath, in log u."""
    target = 2 * mpmath.mpf(norm) * mpmath.mpf(p) * mpmath.mpf(t) + mpmath.log(mpmath.mpf(u0)) + mpmath.ei(mpmath.mpf(u0))
    return mpmath.exp(mpmath.findroot(lambda x: mpmath.log(x + mpmath.ei(mpmath.exp(x))) - mpmath.log(target),
                                      mpmath.log(mpmath.log(target)) + 0.1, tol=mpmath.mpf(10) ** -35))


# -- item 1: astronomically large times, every u0 > 0 ----------------------------------------------------------
@pytest.mark.parametrize("t, u0, norm", [(2e152, 1e-12, 1.0), (1e300, 1e-300, 1.0), (1e300, 0.3, 1.0),
                                         (1e300, 0.37250741, 1.0), (1e300, 0.38, 1.0), (3e200, 2.0, 0.7),
                                         (1e200, 0.1, 1e100), (1e306, 705.0, 1.0)])
def test_depth2_overflow_branch_matches_mpmath(t, u0, norm):
    exact = _mp_depth2_logit(t, u0, norm)
    u = float(dynamics.logit(t, u0=u0, norm=norm))
    assert abs(u - float(exact)) <= 1e-15 * float(exact)  # a few ulps


def test_issue_value_at_2e152():
    assert float(dynamics.logit(2e152, u0=1e-12)) == pytest.approx(357.2548669654614, rel=1e-15)


# -- item 4: deep hinge closed form at every depth -------------------------------------------------------------
def _hand_hinge(t, u0, depth, norm, p):
    k = 1 - 2 / depth
    return (u0 ** (-k) - (depth - 2) * norm ** (2 / depth) * p * t) ** (-1 / k)


@pytest.mark.parametrize("depth", range(3, 17))
def test_deep_hinge_is_the_hand_worked_formula(depth):
    u0, norm, p = 0.05, 1.3, 0.6
    stop = (u0 ** -(1 - 2 / depth) - 1) / ((depth - 2) * norm ** (2 / depth) * p)  # u = 1 by hand
    t = np.concatenate([np.linspace(0, stop, 9)[:-1], [stop * 1.5, 1e6]])
    u = dynamics.logit(t, loss="hinge", u0=u0, norm=norm, p=p, depth=depth)
    expected = np.where(t < stop, _hand_hinge(np.minimum(t, stop), u0, depth, norm, p), 1.0)
    assert np.allclose(u, expected, rtol=1e-13, atol=0)
    assert float(dynamics.time_to_confidence(1.0, loss="hinge", u0=u0, norm=norm, p=p, depth=depth)) == \
        pytest.approx(stop, rel=1e-13)


@pytest.mark.parametrize("depth", [2, 5, 11, 16])
def test_deep_hinge_matches_mpmath(depth):
    """mpmath: the time of u' = N n^(2/N) p u^(2-2/N) from u0 to the returned u, by quadrature, is t."""
    u0, norm, p, t = 0.2, 0.9, 0.8, 0.15
    u = float(dynamics.logit(t, loss="hinge", u0=u0, norm=norm, p=p, depth=depth))
    rate = depth * mpmath.mpf(norm) ** (mpmath.mpf(2) / depth) * mpmath.mpf(p)
    back = mpmath.quad(lambda x: 1 / (rate * x ** (2 - mpmath.mpf(2) / depth)), [u0, u])
    assert u < 1 and float(back) == pytest.approx(t, rel=1e-13)


def test_deep_hinge_derivation_is_fast_and_proven_at_the_depth_limit():
    start = time.perf_counter()
    model = derivations.deep(derivations.validation.MAX_DEPTH, "hinge")
    assert model.closed_form.value is not None
    assert all(model.check().values())
    assert time.perf_counter() - start < 30  # was > 10 minutes (sympy.solve)


def test_explicit_solution_claim_can_fail():
    """The 'solves the ODE' claim catches a closed form that inverts t(u) at a wrong rate."""
    import dataclasses
    from derivations.symbols import t as t_sym
    model = derivations.deep(5, "hinge")
    red = model.reductions[0]
    wrong = dataclasses.replace(red.closed_form, value=red.closed_form.value.subs(t_sym, 1.01 * t_sym))
    bad = dataclasses.replace(model, reductions=(dataclasses.replace(red, closed_form=wrong),))
    failed = [k for k, v in bad.check().items() if not v]
    assert any("solves the ODE" in k for k in failed)


# -- hangs and range edges of the depth-N engine ---------------------------------------------------------------
@pytest.mark.parametrize("u0", [1e300, 1e250, 1e20])
def test_huge_initial_logit_returns_quickly_and_stays(u0):
    start = time.perf_counter()
    for depth in (2, 3, 5):
        assert float(dynamics.logit(10.0, u0=u0, depth=depth)) == u0
    assert float(dynamics.logit(10.0, u0=u0, depth=3, method="ode")) == u0
    assert time.perf_counter() - start < 5


def test_large_initial_logit_increment_matches_mpmath():
    """u0 = 1000 moves by ~1.6e-9 in t = 1e300 at norm 1e300 (depth 5): the increment, to the ulp of u."""
    u = float(dynamics.logit(1e300, u0=1000.0, norm=1e300, depth=5))
    assert u > 1000.0
    # mpmath: the time to reach u, and to reach u one ulp either side, brackets t
    # (conditioning: one ulp of u is 7e-5 of the increment; the answer is within 8 ulps)
    times = [_mp_bce_time(x, 1000.0, 5, norm=1e300) for x in (u - 8 * np.spacing(u), u + 8 * np.spacing(u))]
    assert times[0] <= 1e300 <= times[1]


@pytest.mark.parametrize("depth, t, u0", [(3, 10.0, 0.1), (3, 200.0, 1e-3), (4, 1e10, 0.5), (5, 1e6, 1e-12),
                                          (3, 1e300, 1e-12), (5, 1e300, 1e-12), (8, 3.0, 0.1)])
def test_deep_bce_logit_matches_mpmath(depth, t, u0):
    u = float(dynamics.logit(t, u0=u0, depth=depth))
    lo, hi = (_mp_bce_time(x, u0, depth) for x in (u * (1 - 1e-14), u * (1 + 1e-14)))
    assert lo <= t <= hi


def test_time_to_confidence_from_1e_minus_300():
    expected = _mp_bce_time(scipy.special.logit(0.99), 1e-300, 3)
    assert float(expected) == pytest.approx(2.0e100, rel=1e-12)
    assert float(dynamics.time_to_confidence(0.99, u0=1e-300, depth=3)) == pytest.approx(float(expected), rel=1e-12)


def test_no_warning_from_zero_time(recwarn):
    u = dynamics.logit([0, 1e6], u0=1e-8, depth=3)
    assert u[0] == 1e-8 and np.isfinite(u[1])
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_depth5_at_1e300_is_finite_and_ode_refuses():
    assert float(dynamics.logit(1e300, u0=0.1, depth=5)) == pytest.approx(702.8709608869812, rel=1e-13)
    with pytest.raises(ValueError, match="method='ode'"):
        dynamics.logit(1e300, u0=0.1, method="ode")
    with pytest.raises(ValueError, match="method='ode'"):
        dynamics.logit(1e300, u0=0.1, depth=5, method="ode")


# -- item 11: where deeper stops being faster ------------------------------------------------------------------
def test_quoted_times_at_u0_1e_minus_3():
    quoted = {2: 22.3, 3: 25.4, 4: 35.4, 6: 52.4, 8: 61.0}
    target = scipy.special.logit(0.99)
    for depth, value in quoted.items():
        t = float(dynamics.time_to_confidence(0.99, u0=1e-3, depth=depth))
        assert round(t, 1) == value
        assert t == pytest.approx(float(_mp_bce_time(target, 1e-3, depth)), rel=1e-11)


@pytest.mark.parametrize("shallow, deep, norm", [(2, 4, 1.0), (3, 8, 1.0), (2, 3, 0.5)])
def test_depth_crossover_equalises_mpmath_times(shallow, deep, norm):
    result = dynamics.depth_crossover(deep, shallow, confidence=0.99, norm=norm, p=0.4)
    assert result.crosses and (result.shallow, result.deep) == (shallow, deep)
    u0 = float(result.u0)
    target = scipy.special.logit(0.99)
    a, b = (float(_mp_bce_time(target, u0, d, norm=norm, p=0.4)) for d in (shallow, deep))
    assert a == pytest.approx(b, rel=1e-9) and float(result.time) == pytest.approx(a, rel=1e-9)
    # the order flips across u0*: deeper slower just below, faster just above (mpmath)
    below, above = u0 * 0.9, u0 * 1.1
    assert _mp_bce_time(target, below, deep, norm, 0.4) > _mp_bce_time(target, below, shallow, norm, 0.4)
    assert _mp_bce_time(target, above, deep, norm, 0.4) < _mp_bce_time(target, above, shallow, norm, 0.4)


def test_depth_crossover_hinge_by_hand():
    """Hinge times by hand: log(c/u0)/(2 n p) for N = 2, (u0^(-1/2) - c^(-1/2))/(2 sqrt(n) p) for N = 4."""
    result = dynamics.depth_crossover(2, 4, confidence=0.9, loss="hinge")
    u0 = float(result.u0)
    assert np.log(0.9 / u0) / 2 == pytest.approx((u0**-0.5 - 0.9**-0.5) / 2, rel=1e-10)


def test_depth_crossover_vectorised_and_the_quoted_order():
    result = dynamics.depth_crossover(2, 8, confidence=[0.9, 0.99], norm=[[0.5], [1.0]])
    assert result.u0.shape == (2, 2) and np.all(result.crosses)
    # at u0 = 1e-3 (below u0* for 0.99 at norm 1) depth 8 is slower, at u0 = 0.1 (above) it is faster
    assert result.u0[1, 1] > 1e-3
    assert dynamics.time_to_confidence(0.99, u0=0.1, depth=8) < dynamics.time_to_confidence(0.99, u0=0.1, depth=2)


def test_hinge_time_where_the_closed_form_underflows():
    """Depth 32 from u0 = 5e-324 to 1e-300: (u0^(-k) - u^(-k)) / (N - 2), k = 15/16, in mpmath."""
    k = mpmath.mpf(15) / 16
    exact = (mpmath.mpf(5e-324) ** -k - mpmath.mpf(1e-300) ** -k) / 30
    value = float(dynamics.time_to_confidence(1e-300, loss="hinge", u0=5e-324, depth=32))
    assert value == pytest.approx(float(exact), rel=1e-12)


def test_hinge_ode_reaches_the_margin_exactly():
    """method='ode' for a deep hinge chain: past the stopping time (hand-worked t = (u0^-k - 1)/((N-2) n^(2/N) p),
    k = 1 - 2/N) the logit is exactly 1, as the closed form says; before it, it follows the hand-worked power law."""
    N, u0 = 32, 1e-6
    k = 1 - 2 / N
    stop = (u0 ** -k - 1) / (N - 2)
    after = dynamics.logit([1.001 * stop, 1e12], u0=u0, depth=N, loss="hinge", method="ode")
    assert after.tolist() == [1.0, 1.0]
    t = 0.5 * stop
    by_hand = (u0 ** -k - (N - 2) * t) ** (-1 / k)
    assert float(dynamics.logit(t, u0=u0, depth=N, loss="hinge", method="ode")) == pytest.approx(by_hand, rel=1e-9)
