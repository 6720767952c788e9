"""Bad and extreme inputs of the starvation bounds, Corollary 3.3 and Theorem 3.4 (issue 9).

Each row: the call, then either the error type and the parameter named in the
message, or the correct value (worked by hand: the closed forms are elementary there).
"""
import math

import numpy as np
import pytest

import dynamics
from dynamics.theory.starvation import starved_confidences

NAN, INF = float("nan"), float("inf")


def _sigma(x):
    return 1 / (1 + math.exp(-x))


def shared(**kw):
    args = dict(alpha0=0.1, beta0=0.1, z0=0.1)
    args.update(kw)
    return lambda: dynamics.shared_neuron_outcome(args.pop("alpha0"), args.pop("beta0"), args.pop("z0"), **args)


def b7(confidence=0.99, lam=0.5, **kw):
    return lambda: dynamics.bound_7(confidence, lam, **kw)


def d2(confidence=0.99, lam=0.5, **kw):
    args = dict(z_star=2.0, alpha0=0.1, beta0=0.1)
    args.update(kw)
    return lambda: dynamics.bound_d2(confidence, lam, **args)


def starved(confidence=0.99, lam=0.5, **kw):
    return lambda: dynamics.starved_confidence(confidence, lam, **kw)


def ratio(delta=0.01, **kw):
    return lambda: dynamics.convergence_time_ratio(delta, **kw)


ERRORS = [
    # Theorem 3.4: shared_neuron_outcome
    ("shared p=2", shared(p=2.0), ValueError, "p is the class-1 frequency"),
    ("shared p=0", shared(p=0.0), ValueError, "p is the class-1 frequency"),
    ("shared p=1", shared(p=1.0), ValueError, "p is the class-1 frequency"),
    ("shared p=-0.5", shared(p=-0.5), ValueError, "p is the class-1 frequency"),
    ("shared p=nan", shared(p=NAN), ValueError, "p must be finite"),
    ("shared norm1=0", shared(norm1=0.0), ValueError, "norm1 must be > 0"),
    ("shared norm1<0", shared(norm1=-1.0), ValueError, "norm1 must be > 0"),
    ("shared norm2=nan", shared(norm2=NAN), ValueError, "norm2 must be finite"),
    ("shared norm2=inf", shared(norm2=INF), ValueError, "norm2 must be finite"),
    ("shared alpha0=inf", shared(alpha0=INF), ValueError, "alpha0 must be finite"),
    ("shared beta0=nan", shared(beta0=NAN), ValueError, "beta0 must be finite"),
    ("shared z0=-inf", shared(z0=-INF), ValueError, "z0 must be finite"),
    ("shared z0 text", shared(z0="big"), TypeError, "z0 must be a number"),
    ("shared alpha0 array", shared(alpha0=[0.1, 0.2]), ValueError, "alpha0 must be one number"),
    ("shared horizon=0", shared(horizon=0.0), ValueError, "horizon must be > 0"),
    ("shared horizon=nan", shared(horizon=NAN), ValueError, "horizon must be finite"),
    # bound (7)
    ("b7 lam=0", b7(lam=0.0), ValueError, "lam is a class frequency"),
    ("b7 lam=1.5", b7(lam=1.5), ValueError, "lam is a class frequency"),
    ("b7 lam<0", b7(lam=-0.1), ValueError, "lam is a class frequency"),
    ("b7 lam=nan", b7(lam=NAN), ValueError, "lam must be finite"),
    ("b7 confidence=0.5", b7(confidence=0.5), ValueError, "confidence (1 - delta) must lie in (0.5, 1)"),
    ("b7 confidence=1", b7(confidence=1.0), ValueError, "confidence (1 - delta) must lie in (0.5, 1)"),
    ("b7 confidence=0.3", b7(confidence=0.3), ValueError, "confidence (1 - delta) must lie in (0.5, 1)"),
    ("b7 confidence=nan", b7(confidence=NAN), ValueError, "confidence must be finite"),
    ("b7 confidence array", b7(confidence=[0.9, 1.2]), ValueError, "got 1.2"),
    ("b7 norm1=0", b7(norm1=0.0), ValueError, "norm1 must be > 0"),
    ("b7 norm2<0", b7(norm2=-1.0), ValueError, "norm2 must be > 0"),
    # bound (D.2)
    ("d2 beta0<0", d2(beta0=-0.1), ValueError, "beta0 must be >= 0"),
    ("d2 z_star=0", d2(z_star=0.0), ValueError, "z_star must be > 0"),
    ("d2 z_star=nan", d2(z_star=NAN), ValueError, "z_star must be finite"),
    ("d2 alpha0=nan", d2(alpha0=NAN), ValueError, "alpha0 must be finite"),
    ("d2 lam=0", d2(lam=0.0), ValueError, "lam is a class frequency"),
    ("d2 confidence=1", d2(confidence=1.0), ValueError, "confidence (1 - delta) must lie in (0.5, 1)"),
    ("d2 norm2=inf", d2(norm2=INF), ValueError, "norm2 must be finite"),
    # starved_confidence
    ("starved lam=0", starved(lam=0.0), ValueError, "lam is a class frequency"),
    ("starved lam=2", starved(lam=2.0), ValueError, "lam is a class frequency"),
    ("starved lam=nan", starved(lam=NAN), ValueError, "lam must be finite"),
    ("starved confidence=1", starved(confidence=1.0), ValueError, "confidence (1 - delta) must lie in (0.5, 1)"),
    ("starved confidence=0.5", starved(confidence=0.5), ValueError, "confidence (1 - delta) must lie in (0.5, 1)"),
    ("starved confidence=nan", starved(confidence=NAN), ValueError, "confidence must be finite"),
    ("starved alpha0=0", starved(alpha0=0.0), ValueError, "alpha0 must be > 0"),
    ("starved z0<0", starved(z0=-0.1), ValueError, "z0 must be > 0"),
    ("starved beta0=nan", starved(beta0=NAN), ValueError, "beta0 must be finite"),
    ("starved unit inactive", starved(alpha0=0.1, beta0=-0.2), ValueError,
     "alpha0 norm1^2 + beta0 norm2^2 must be > 0"),
    ("starved norm1=0", starved(norm1=0.0), ValueError, "norm1 must be > 0"),
    ("starved norm2=inf", starved(norm2=INF), ValueError, "norm2 must be finite"),
    ("starved alpha0 array", starved(alpha0=[0.1, 0.2]), ValueError, "alpha0 must be one number"),
    ("starved batch confidence array", lambda: starved_confidences([0.9, 0.99], 0.5, alpha0=0.1, beta0=0.1, z0=0.1),
     ValueError, "confidence must be one number"),
    # Corollary 3.3
    ("ratio delta=0", ratio(delta=0.0), ValueError, "delta must lie in (0, 0.5)"),
    ("ratio delta=0.5", ratio(delta=0.5), ValueError, "delta must lie in (0, 0.5)"),
    ("ratio delta<0", ratio(delta=-1.0), ValueError, "delta must lie in (0, 0.5)"),
    ("ratio delta=nan", ratio(delta=NAN), ValueError, "delta must be finite"),
    ("ratio delta text", ratio(delta="small"), TypeError, "delta must be a number"),
    ("ratio u0=0", ratio(u0=0.0), ValueError, "u0 must be > 0"),
    ("ratio u0<0", ratio(u0=-0.1), ValueError, "u0 must be > 0"),
    ("ratio u0=inf", ratio(u0=INF), ValueError, "u0 must be finite"),
    ("ratio v0=0", ratio(v0=0.0), ValueError, "v0 must be < 0"),
    ("ratio v0>0", ratio(v0=0.1), ValueError, "v0 must be < 0"),
    ("ratio v0=nan", ratio(v0=NAN), ValueError, "v0 must be finite"),
    ("ratio p1=0", ratio(p1=0.0), ValueError, "p1 is the class-1 frequency and must lie in (0, 1)"),
    ("ratio p1=1", ratio(p1=1.0), ValueError, "p1 is the class-1 frequency and must lie in (0, 1)"),
    ("ratio p1=1.5", ratio(p1=1.5), ValueError, "p1 is the class-1 frequency and must lie in (0, 1)"),
    ("ratio norm1=0", ratio(norm1=0.0), ValueError, "norm1 must be > 0"),
    ("ratio norm2<0", ratio(norm2=-2.0), ValueError, "norm2 must be > 0"),
]


@pytest.mark.parametrize("call, error, words", [pytest.param(c, e, w, id=i) for i, c, e, w in ERRORS])
def test_bad_input_is_refused_naming_the_parameter(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)
    assert "\n" not in str(info.value)


VALUES = [
    # lambda = 1 is allowed: (7) becomes sigma((n2/n1)^2 L); at unit norms sigma(L) = the confidence itself.
    ("b7 lam=1", lambda: float(dynamics.bound_7(0.99, 1.0)), 0.99),
    ("b7 tiny norm1", lambda: float(dynamics.bound_7(0.9, 0.5, norm1=1e3, norm2=1.0)), _sigma(0.5 * math.log(9) / 1e6)),
    ("d2 beta0=0", lambda: float(dynamics.bound_d2(0.99, 0.5, z_star=2.0, alpha0=0.1, beta0=0.0)),
     _sigma(0.5 * math.log(99) - 2.0 * 0.5 * 0.1)),
    # a class past its target: time 0, ratio 0 / inf, with flags
    ("ratio v0=-38", lambda: float(dynamics.convergence_time_ratio(0.01, v0=-38.0).exact), 0.0),
    ("ratio u0=5", lambda: float(dynamics.convergence_time_ratio(0.01, u0=5.0).exact), INF),
    ("ratio equal classes", lambda: float(dynamics.convergence_time_ratio(1e-9, u0=0.3, v0=-0.3).exact), 1.0),
    # delta at the smallest subnormal: finite ratio, equal classes
    ("ratio delta=5e-324", lambda: float(dynamics.convergence_time_ratio(5e-324, norm1=2.0).exact), 2.0),
    # the class-1 points start past the target: t* = 0, P = sigma(z0 beta0 norm2^2), no overflow
    ("starved past target", lambda: dynamics.starved_confidence(0.99, 0.5, alpha0=100.0, z0=100.0).probability,
     _sigma(100.0 * 0.1)),
    ("starved past target t*", lambda: dynamics.starved_confidence(0.99, 0.5, norm1=1e3).stop_time, 0.0),
    ("shared p close to 1", lambda: dynamics.shared_neuron_outcome(0.1, 0.1, 0.1, p=0.999).outcome, "beta_dies"),
]


@pytest.mark.parametrize("call, expected", [pytest.param(c, v, id=i) for i, c, v in VALUES])
def test_extreme_but_valid_input_gives_the_correct_value(call, expected):
    got = call()
    if isinstance(expected, str) or np.isinf(expected):
        assert got == expected
    else:
        assert got == pytest.approx(expected, rel=1e-14, abs=1e-300)
