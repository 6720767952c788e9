"""Bad and extreme inputs of the balanced-logit API and of the depth limit: each row asserts the exact outcome,
the error type with the parameter named in the message, or the correct value (worked by hand)."""
import numpy as np
import pytest

import derivations
import dynamics
from derivations.validation import MAX_DEPTH

nan, inf = float("nan"), float("inf")

ERRORS = [
    # name, call, error type, words that must appear (the parameter is named)
    ("norm nan", lambda: dynamics.logit(1.0, u0=0.1, norm=nan), ValueError, "norm must be finite"),
    ("norm inf", lambda: dynamics.logit(1.0, u0=0.1, norm=inf), ValueError, "norm must be finite"),
    ("norm negative", lambda: dynamics.logit(1.0, u0=0.1, norm=-1.0), ValueError, "norm must be > 0, got -1.0"),
    ("norm zero", lambda: dynamics.logit(1.0, u0=0.1, norm=0.0), ValueError, "norm must be > 0, got 0.0"),
    ("norm in array", lambda: dynamics.logit(1.0, u0=0.1, norm=[1.0, 0.0]), ValueError, "norm must be > 0"),
    ("norm text", lambda: dynamics.logit(1.0, u0=0.1, norm="big"), TypeError, "norm must be a number"),
    ("p zero", lambda: dynamics.logit(1.0, u0=0.1, p=0.0), ValueError, "p is a class frequency"),
    ("p above one", lambda: dynamics.logit(1.0, u0=0.1, p=1.0000001), ValueError, "(0, 1], got 1.0000001"),
    ("p negative", lambda: dynamics.logit(1.0, u0=0.1, p=-0.5), ValueError, "p is a class frequency"),
    ("p nan", lambda: dynamics.logit(1.0, u0=0.1, p=nan), ValueError, "p must be finite"),
    ("u0 zero", lambda: dynamics.logit(1.0, u0=0.0), ValueError, "u0 must be non-zero"),
    ("u0 minus zero", lambda: dynamics.logit(1.0, u0=-0.0), ValueError, "u0 must be non-zero"),
    ("u0 nan", lambda: dynamics.logit(1.0, u0=nan), ValueError, "u0 must be finite"),
    ("u0 inf", lambda: dynamics.logit(1.0, u0=inf), ValueError, "u0 must be finite"),
    ("u0 -inf", lambda: dynamics.logit(1.0, u0=-inf), ValueError, "u0 must be finite"),
    ("u0 None", lambda: dynamics.logit(1.0, u0=None), ValueError, "u0 must be finite"),
    ("u0 missing", lambda: dynamics.logit(1.0), TypeError, "u0"),
    ("t negative", lambda: dynamics.logit(-1.0, u0=0.1), ValueError, "t must be >= 0 (flow time), got -1.0"),
    ("t nan", lambda: dynamics.logit(nan, u0=0.1), ValueError, "t must be finite"),
    ("t inf", lambda: dynamics.logit(inf, u0=0.1), ValueError, "t must be finite"),
    ("t text", lambda: dynamics.logit("soon", u0=0.1), TypeError, "t must be a number"),
    ("t numeric text", lambda: dynamics.logit("1", u0=0.1), TypeError, "t must be a number"),
    ("u0 boolean", lambda: dynamics.logit(1.0, u0=True), TypeError, "u0 must be a number"),
    ("norm boolean array", lambda: dynamics.logit(1.0, u0=0.1, norm=np.array([True])), TypeError,
     "norm must be a number"),
    ("ratio shapes", lambda: dynamics.convergence_time_ratio([0.01, 0.1], u0=[0.1, 0.2, 0.3]), ValueError,
     "must broadcast"),
    ("integrate no modes", lambda: dynamics.integrate(derivations.two_layer(), np.zeros((0, 4)), [0.0, 1.0],
                                                      parameters={"n_1": 1.0, "n_2": 1.0, "p": 0.5}), ValueError,
     "initial must have shape"),
    ("t ode too large", lambda: dynamics.logit(1e300, u0=0.1, method="ode"), ValueError, "t is too large for method='ode'"),
    ("t ode too large deep", lambda: dynamics.logit(1e300, u0=0.1, depth=5, method="ode"), ValueError,
     "at most 1e+100"),
    ("depth one", lambda: dynamics.logit(1.0, u0=0.1, depth=1), ValueError, f"depth must be between 2 and {MAX_DEPTH}"),
    ("depth 2.5", lambda: dynamics.logit(1.0, u0=0.1, depth=2.5), TypeError, "depth must be an integer"),
    ("depth 2.0", lambda: dynamics.logit(1.0, u0=0.1, depth=2.0), TypeError, "depth must be an integer"),
    ("depth text", lambda: dynamics.logit(1.0, u0=0.1, depth="3"), TypeError, "depth must be an integer"),
    ("depth bool", lambda: dynamics.logit(1.0, u0=0.1, depth=True), TypeError, "depth must be an integer"),
    ("depth huge", lambda: dynamics.logit(1.0, u0=0.1, depth=10**6), ValueError, f"between 2 and {MAX_DEPTH}"),
    ("depth above limit", lambda: dynamics.logit(1.0, u0=0.1, depth=MAX_DEPTH + 1), ValueError, "depth must be between"),
    ("depth negative", lambda: dynamics.time_to_confidence(0.9, u0=0.1, depth=-3), ValueError, "depth must be between"),
    ("deep depth huge", lambda: derivations.deep(10**6), ValueError, f"depth must be between 2 and {MAX_DEPTH}"),
    ("deep depth one", lambda: derivations.deep(1, "hinge"), ValueError, "depth must be between 2"),
    ("deep depth text", lambda: derivations.deep("3"), TypeError, "depth must be an integer"),
    ("deep depth float", lambda: derivations.deep(3.0), TypeError, "depth must be an integer"),
    ("loss unknown", lambda: dynamics.logit(1.0, u0=0.1, loss="mse"), ValueError, "loss='mse' is not valid"),
    ("loss case", lambda: dynamics.logit(1.0, u0=0.1, loss="BCE"), ValueError, "loss='BCE' is not valid"),
    ("loss None", lambda: dynamics.logit(1.0, u0=0.1, loss=None), ValueError, "loss=None is not valid"),
    ("method unknown", lambda: dynamics.logit(1.0, u0=0.1, method="euler"), ValueError, "method='euler' is not valid"),
    ("method None", lambda: dynamics.logit(1.0, u0=0.1, method=None), ValueError, "method=None is not valid"),
    ("confidence half", lambda: dynamics.time_to_confidence(0.5, u0=0.1), ValueError, "confidence must lie in (0.5, 1)"),
    ("confidence one", lambda: dynamics.time_to_confidence(1.0, u0=0.1), ValueError, "got 1.0"),
    ("confidence above one", lambda: dynamics.time_to_confidence(1.5, u0=0.1), ValueError, "confidence must lie"),
    ("confidence nan", lambda: dynamics.time_to_confidence(nan, u0=0.1), ValueError, "confidence must be finite"),
    ("confidence negative", lambda: dynamics.time_to_confidence(-0.9, u0=0.1), ValueError, "got -0.9"),
    ("confidence text", lambda: dynamics.time_to_confidence("high", u0=0.1), TypeError, "confidence must be a number"),
    ("hinge confidence zero", lambda: dynamics.time_to_confidence(0.0, loss="hinge", u0=0.1), ValueError,
     "confidence must lie in (0, 1] for hinge"),
    ("hinge confidence above margin", lambda: dynamics.time_to_confidence(1.2, loss="hinge", u0=0.1), ValueError,
     "got 1.2"),
    ("hinge confidence below start", lambda: dynamics.time_to_confidence(0.3, loss="hinge", u0=0.5), ValueError,
     "(|u0|, 1]"),
    ("time beyond float range", lambda: dynamics.time_to_confidence(0.99, u0=1e-300, p=1e-300, depth=16), ValueError,
     "exceeds the float range"),
    ("crossover same depth", lambda: dynamics.depth_crossover(3, 3, confidence=0.9), ValueError,
     "depth_a and depth_b must differ"),
    ("crossover bad depth", lambda: dynamics.depth_crossover(2, 40, confidence=0.9), ValueError, "depth must be between"),
    ("crossover float depth", lambda: dynamics.depth_crossover(2.0, 4, confidence=0.9), TypeError,
     "depth must be an integer"),
    ("crossover confidence", lambda: dynamics.depth_crossover(2, 4, confidence=0.4), ValueError, "confidence must lie"),
    ("crossover hinge confidence", lambda: dynamics.depth_crossover(2, 4, confidence=2.0, loss="hinge"), ValueError,
     "for hinge"),
    ("crossover norm", lambda: dynamics.depth_crossover(2, 4, confidence=0.9, norm=0.0), ValueError, "norm must be > 0"),
    ("crossover p", lambda: dynamics.depth_crossover(2, 4, confidence=0.9, p=2.0), ValueError, "p is a class frequency"),
    ("crossover loss", lambda: dynamics.depth_crossover(2, 4, confidence=0.9, loss="mse"), ValueError,
     "loss='mse' is not valid"),
    ("rate scale underflows", lambda: dynamics.logit(1.0, u0=0.1, norm=1e-300, p=1e-300), ValueError,
     "norm**(2/depth) * p (the rate scale of eq. 5) must lie in [1e-300, 1e+300]"),
    ("rate scale overflows", lambda: dynamics.logit(1.0, u0=0.1, norm=1.7e308), ValueError, "rate scale"),
    ("rate scale time to confidence", lambda: dynamics.time_to_confidence(0.9, u0=0.1, norm=1e-200, p=1e-250, depth=4),
     ValueError, "rate scale"),
    ("growth bound u0", lambda: dynamics.growth_bound(1.0, u0=0.0), ValueError, "u0 must be > 0"),
    ("growth bound t", lambda: dynamics.growth_bound(-1.0, u0=0.1), ValueError, "t must be >= 0"),
]


@pytest.mark.parametrize("name, call, error, words", ERRORS, ids=[row[0] for row in ERRORS])
def test_bad_input_is_refused_naming_the_parameter(name, call, error, words):
    with pytest.raises(error) as caught:
        call()
    assert words in str(caught.value)


VALUES = [
    # name, call, value worked by hand
    ("t zero returns u0", lambda: dynamics.logit(0.0, u0=0.37), 0.37),
    ("t zero deep returns u0", lambda: dynamics.logit(0.0, u0=1e-300, depth=7), 1e-300),
    ("class 2 mirror", lambda: dynamics.logit(0.0, u0=-2.5), -2.5),
    ("hinge outside margin stays", lambda: dynamics.logit(1e6, loss="hinge", u0=1.5), 1.5),
    ("hinge class 2 outside margin stays", lambda: dynamics.logit(1e6, loss="hinge", u0=-3.0, depth=6), -3.0),
    ("hinge depth 2 by hand", lambda: dynamics.logit(0.5, loss="hinge", u0=0.1, norm=2.0), 0.1 * np.exp(2.0)),
    ("hinge deep reaches margin", lambda: dynamics.logit(1e300, loss="hinge", u0=1e-300, depth=MAX_DEPTH), 1.0),
    ("already confident", lambda: dynamics.time_to_confidence(0.6, u0=2.0, depth=3), 0.0),
    ("hinge depth 3 stop by hand", lambda: dynamics.time_to_confidence(1.0, loss="hinge", u0=0.125, depth=3),
     (0.125 ** (-1 / 3) - 1) / 1.0),
    ("scale law: norm 1e150, p 1e-150 is unit scale", lambda: dynamics.logit(3.0, u0=0.1, norm=1e150, p=1e-150),
     lambda: float(dynamics.logit(3.0, u0=0.1))),
    ("scale law deep: norm 1e100, p 1e-50", lambda: dynamics.logit(3.0, u0=0.1, norm=1e100, p=1e-50, depth=4),
     lambda: float(dynamics.logit(3.0, u0=0.1, depth=4))),
    ("hinge at extreme norm and p by hand", lambda: dynamics.logit(1e-9, loss="hinge", u0=0.1, norm=1.7e308, p=1e-300),
     0.1 * np.exp(2 * 1.7e8 * 1e-9)),
    ("hinge ode at extreme norm and p by hand",
     lambda: dynamics.logit(1e-9, loss="hinge", u0=0.1, norm=1.7e308, p=1e-300, method="ode"), 0.1 * np.exp(0.34)),
    ("huge u0 does not move", lambda: dynamics.logit(10.0, u0=1e300, depth=3), 1e300),
    ("huge u0 class 2", lambda: dynamics.logit(10.0, u0=-1e250, depth=4), -1e250),
]


def test_time_from_1e_minus_300_is_the_asymptotic_value():
    """2 u0^(-1/3) / ((N - 2) n^(2/3) p) up to O(1): 2e100 to the quadrature tolerance (1e-13, plus rounding)."""
    assert float(dynamics.time_to_confidence(0.99, u0=1e-300, depth=3)) == pytest.approx(2.0e100, rel=1e-12)


@pytest.mark.parametrize("name, call, value", VALUES, ids=[row[0] for row in VALUES])
def test_edge_input_gives_the_correct_value(name, call, value):
    value = value() if callable(value) else value  # computed when the test runs, not at collection
    assert float(call()) == pytest.approx(value, rel=1e-13, abs=0)
