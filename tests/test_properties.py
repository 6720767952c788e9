"""Property-based checks of the theory engine over random parameters (hypothesis)."""
import mpmath
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import expit

import dynamics

positive = st.floats(min_value=1e-2, max_value=1e2)
frequency = st.floats(min_value=1e-2, max_value=1.0)
start = st.floats(min_value=1e-10, max_value=20.0)


@settings(max_examples=60, deadline=None)
@given(norm=positive, p=frequency, u0=start, t1=st.floats(0, 1e4), t2=st.floats(0, 1e4))
def test_logit_grows_and_respects_the_bound(norm, p, u0, t1, t2):
    lo, hi = sorted((t1, t2))
    a, b = dynamics.logit([lo, hi], norm=norm, p=p, u0=u0)
    assert u0 <= a <= b
    assert b <= dynamics.growth_bound(hi, norm=norm, p=p, u0=u0) * (1 + 1e-12)
    # independent: (15) evaluated forward by mpmath at the returned logit gives back the time; a float logit
    # is off by ~1e-16 relative, which moves t by dt/du * u * 1e-16 = (1 + e^u) / (2 n p) * 1e-16
    with mpmath.workdps(30):
        t_back = (mpmath.log(mpmath.mpf(b) / u0) + mpmath.ei(b) - mpmath.ei(u0)) / (2 * mpmath.mpf(norm) * p)
        rounding = (1 + mpmath.exp(b)) / (2 * mpmath.mpf(norm) * p) * 1e-13
        assert abs(t_back - hi) <= 1e-9 * hi + rounding


@settings(max_examples=60, deadline=None)
@given(norm=positive, p=frequency, u0=st.floats(1e-8, 3.0), confidence=st.floats(0.96, 0.999999))
def test_time_to_confidence_inverts_logit(norm, p, u0, confidence):
    t = dynamics.time_to_confidence(confidence, norm=norm, p=p, u0=u0)
    assert np.isclose(expit(dynamics.logit(t, norm=norm, p=p, u0=u0)), confidence, rtol=1e-11, atol=0)


@settings(max_examples=40, deadline=None)
@given(norm=positive, p=frequency, u0=st.floats(1e-6, 0.9), t=st.floats(0, 50))
def test_hinge_never_exceeds_the_margin_and_is_exponential_before(norm, p, u0, t):
    u = float(dynamics.logit(t, loss="hinge", norm=norm, p=p, u0=u0))
    assert u <= 1.0
    if u < 1.0:
        assert np.isclose(u, u0 * np.exp(2 * norm * p * t), rtol=1e-12)
