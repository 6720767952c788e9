"""The numerical theory engine: closed form vs ODE vs quadrature vs high precision, invariants, paper values."""
import mpmath
import numpy as np
import pytest
import scipy.integrate
import scipy.special

import derivations
import dynamics

RTOL = 1e-9  # acceptance: closed form vs ODE


def _grid():
    rng = np.random.default_rng(20260101)
    size = 400
    t = np.concatenate([10 ** rng.uniform(-3, 6, size - 4), [1e6, 1e6, 1e-9, 0.0]])
    norm = np.concatenate([10 ** rng.uniform(-1, 1, size - 4), [1.0, 10.0, 1.0, 1.0]])
    p = np.concatenate([rng.uniform(0.05, 1.0, size - 4), [1.0, 1.0, 0.5, 0.5]])
    u0 = np.concatenate([10 ** rng.uniform(-12, np.log10(50), size - 4), [1e-12, 50.0, 1e-12, 0.3]])
    return t, norm, p, u0


@pytest.mark.parametrize("loss", ["bce", "hinge"])
def test_closed_form_matches_ode_on_extreme_grid(loss):
    t, norm, p, u0 = _grid()
    if loss == "hinge":
        u0 = np.minimum(u0, 0.999)
    closed = dynamics.logit(t, loss=loss, norm=norm, p=p, u0=u0)
    ode = dynamics.logit(t, loss=loss, norm=norm, p=p, u0=u0, method="ode")
    assert np.max(np.abs(closed - ode) / np.abs(ode)) <= RTOL


@pytest.mark.parametrize("u0, t, norm", [(1e-12, 1.0, 1.0), (1e-12, 1e6, 1.0), (0.1, 1e6, 3.0), (50.0, 1e6, 1.0),
                                         (0.5, 1e6, 1e300), (800.0, 1e300, 1.0), (5.0, 0.5, 1.0)])
def test_bce_inversion_matches_high_precision(u0, t, norm):
    """Independent check with mpmath at 50 digits, including where float Ei overflows.

    The root is bracketed by u0 and the growth bound (19), not by the value under test, and verified.
    """
    u = float(dynamics.logit(t, norm=norm, u0=u0))
    with mpmath.workdps(50):
        start, drive = mpmath.mpf(u0), 2 * mpmath.mpf(norm) * mpmath.mpf(t)
        target = mpmath.log(start) + mpmath.ei(start) + drive
        upper = 2 * mpmath.log(mpmath.mpf(norm) * mpmath.mpf(t) + mpmath.exp(start / 2)) + 1
        exact = float(mpmath.findroot(lambda x: (mpmath.log(x) + mpmath.ei(x)) / target - 1, (start, upper),
                                      solver="ridder"))
    assert abs(u - exact) <= 1e-12 * exact


def test_tabulated_inverse_matches_newton_polish():
    """The interpolated inverse of log u + Ei(u) is as good as a Newton step on the derived t(u)."""
    from dynamics.theory.balanced_logit import _bce_depth2
    rng = np.random.default_rng(99)
    size = 200_000
    t = 10 ** rng.uniform(-4, 6, size)
    norm = 10 ** rng.uniform(-2, 2, size)
    p = rng.uniform(0.01, 1.0, size)
    u0 = 10 ** rng.uniform(-13, np.log10(60), size)
    fast = _bce_depth2(t, u0, norm, p)
    polished = _bce_depth2(t, u0, norm, p, polish=True)
    assert np.max(np.abs(fast - polished) / polished) <= 1e-13


def test_class_two_is_the_mirror():
    t = np.linspace(0, 50, 7)
    assert np.array_equal(dynamics.logit(t, u0=-0.2, norm=0.7, p=0.3), -dynamics.logit(t, u0=0.2, norm=0.7, p=0.3))
    ode_v = dynamics.logit(t, u0=-0.2, norm=0.7, p=0.3, method="ode")
    assert np.allclose(ode_v, -dynamics.logit(t, u0=0.2, norm=0.7, p=0.3), rtol=RTOL, atol=0)


def test_norm_frequency_scaling_is_exact():
    t = np.linspace(0, 100, 21)
    base = dynamics.logit(t, u0=0.05)
    for norm, p in [(0.5, 1.0), (2.0, 0.25), (3.0, 0.7)]:
        scaled = dynamics.logit(t / (norm * p), u0=0.05, norm=norm, p=p)
        assert np.max(np.abs(scaled - base) / base) <= 1e-12


@pytest.mark.parametrize("depth", [3, 4, 8, 16])
def test_depth_n_quadrature_and_ode_agree(depth):
    t = np.array([0.01, 0.5, 3.0, 10.0, 200.0])
    by_quadrature = dynamics.logit(t, u0=0.1, depth=depth)
    by_ode = dynamics.logit(t, u0=0.1, depth=depth, method="ode")
    assert np.max(np.abs(by_quadrature - by_ode) / by_ode) <= RTOL
    back = dynamics.time_to_confidence(scipy.special.expit(by_ode[1:]), u0=0.1, depth=depth)
    assert np.allclose(back, t[1:], rtol=1e-9)
    with mpmath.workdps(20):  # independent: eq. (5) by hand, t(u) = integral of 1/u' from u0 (unit norm, p = 1)
        for ti, ui in zip(t, by_quadrature):
            time = mpmath.quad(lambda s: (1 + mpmath.exp(s)) / (depth * s ** (2 - mpmath.mpf(2) / depth)), [0.1, ui])
            assert abs(float(time) / ti - 1) <= 1e-9


def test_deep_hinge_closed_form_and_ode():
    t = np.linspace(0, 3, 13)
    for depth in (3, 4):
        a = dynamics.logit(t, loss="hinge", u0=0.1, depth=depth)
        b = dynamics.logit(t, loss="hinge", u0=0.1, depth=depth, method="ode")
        assert np.max(np.abs(a - b)) <= 1e-9
        assert a[-1] == 1.0
        # by hand: u' = N u^(2-2/N) inside the margin gives u = (u0^-(1-2/N) - (N-2) t)^(-1/(1-2/N)), then 1
        k = 1 - 2 / depth
        base = 0.1**-k - (depth - 2) * t  # u^-k; the margin u = 1 is reached when it falls to 1
        hand = np.maximum(base, 1.0) ** (-1 / k)
        assert np.max(np.abs(a - hand)) <= 1e-12


def test_deeper_is_faster():
    times = [float(dynamics.time_to_confidence(0.99, u0=0.1, depth=d)) for d in (2, 3, 4, 8)]
    assert times == sorted(times, reverse=True)


def test_time_to_confidence_inverts_logit_and_hinge_stops():
    conf = np.array([0.6, 0.9, 0.999, 1 - 1e-12])
    t = dynamics.time_to_confidence(conf, u0=0.01, norm=1.3, p=0.4)
    assert np.allclose(scipy.special.expit(dynamics.logit(t, u0=0.01, norm=1.3, p=0.4)), conf, rtol=1e-12)
    stop = float(dynamics.time_to_confidence(1.0, loss="hinge", u0=0.01, norm=2.0))
    assert stop == pytest.approx(np.log(100) / 4, rel=1e-14)
    after = dynamics.logit([stop, 10 * stop, 1e6], loss="hinge", u0=0.01, norm=2.0)
    assert np.all(after == 1.0)
    assert float(dynamics.time_to_confidence(0.6, u0=2.0)) == 0.0  # already confident


def test_growth_bound_is_the_derived_expression():
    from dynamics.theory.compiled import compile_expr
    from derivations.symbols import n1, p, t, u0
    derived = compile_expr(derivations.two_layer("bce").quantity("growth_bound"), (t, n1, p, u0))
    ts, norms, freqs, starts = np.meshgrid([0.0, 1e-3, 1.0, 1e6], [0.1, 3.0], [0.2, 1.0], [1e-12, 0.5, 40.0])
    # atol: the naive form log(n p t + e^{u0/2}) rounds e^{u0/2} near 1; the logaddexp form does not
    assert np.allclose(dynamics.growth_bound(ts, norm=norms, p=freqs, u0=starts), derived(ts, norms, freqs, starts),
                       rtol=1e-13, atol=1e-15)


def test_growth_bound_holds():
    t = np.logspace(-3, 6, 50)
    assert np.all(dynamics.logit(t, u0=0.3, norm=2.0) <= dynamics.growth_bound(t, u0=0.3, norm=2.0))


def test_invariants_conserved_along_batched_trajectories():
    m = derivations.two_layer("bce")
    rng = np.random.default_rng(3)
    init = np.column_stack([rng.uniform(0.1, 2, 50), rng.uniform(-1, 2, 50), rng.uniform(0.1, 2, 50),
                            rng.uniform(-2, 1, 50)])
    traj = dynamics.integrate(m, init, np.linspace(0, 30, 31), parameters={"n_1": 0.7, "n_2": 1.4, "p": 0.3})
    assert traj.success and traj.states.shape == (31, 50, 4)
    alive = np.all(traj.states[:, :, 0] > 0, axis=0) & np.all(traj.states[:, :, 2] > 0, axis=0)
    for (y, z, n) in ((0, 1, 0.7), (2, 3, 1.4)):
        inv = traj.states[:, :, y] ** 2 - n**2 * traj.states[:, :, z] ** 2
        rel = np.abs(inv - inv[0]) / np.maximum(np.abs(inv[0]), 1e-300)
        assert np.max(rel[:, alive]) <= 1e-8


@pytest.mark.parametrize("method", ["DOP853", "Radau", "BDF"])
def test_batched_integration_matches_closed_form(method):
    m = derivations.deep(3)
    u0 = np.array([1e-3, 0.1, 1.0])
    scale = (u0 / 0.8) ** (1 / 3)
    init = np.column_stack([0.8 * scale, scale, scale])
    t = np.linspace(0, 20, 5)
    traj = dynamics.integrate(m, init, t, parameters={"n": 0.8, "p": 1.0}, method=method,
                              rtol=1e-12 if method == "DOP853" else 1e-10)
    expected = dynamics.logit(t[:, None], u0=u0, norm=0.8, depth=3)
    tol = 1e-9 if method == "DOP853" else 1e-6
    assert np.max(np.abs(traj.logits["class_1"] - expected) / expected) <= tol


def test_relu_death_event_freezes_the_unit():
    m = derivations.two_layer("bce")
    # y0 < -n z0: the class-1 ReLU dies in finite time (Sec. 3.3)
    traj = dynamics.integrate(m, [0.2, -1.0, 0.5, -0.5], np.linspace(0, 40, 9),
                              parameters={"n_1": 0.7, "n_2": 1.0, "p": 0.5})
    death = traj.death_times["y_1"][0]
    # independent: the class-1 ODE typed by hand, y' = p n^2 z sigma(-yz), z' = p y sigma(-yz), until y = 0
    norm, p = 0.7, 0.5

    def by_hand(_, state):
        y, z = state
        return [p * norm**2 * z / (1 + np.exp(y * z)), p * y / (1 + np.exp(y * z))]

    y_is_zero = lambda _, state: state[0]  # noqa: E731
    y_is_zero.terminal = True
    ref = scipy.integrate.solve_ivp(by_hand, [0, 40], [0.2, -1.0], method="DOP853", rtol=1e-13, atol=1e-15,
                                    events=y_is_zero)
    assert abs(death / ref.t_events[0][0] - 1) <= 1e-8
    after = traj.t > death
    assert np.all(traj.states[after, 0, 0] == 0) and np.all(np.diff(traj.states[after, 0, 1]) == 0)
    # the invariant y^2 - n^2 z^2 = 0.04 - 0.49 fixes the frozen z = -sqrt(0.45)/n
    assert np.allclose(traj.states[after, 0, 1], -np.sqrt(0.45) / norm, rtol=1e-9, atol=0)
    assert np.isnan(traj.death_times["y_2"][0])


def test_table1_reproduced_to_printed_precision():
    printed = {0.99: {0.5: 91, 0.2: 71, 0.1: 61, 0.01: 51}, 0.9999: {0.5: 99, 0.2: 86, 0.1: 72, 0.01: 52}}
    table = dynamics.table1()
    for conf, row in printed.items():
        for lam, percent in row.items():
            assert round(100 * table[conf][lam]) == percent


def test_starvation_bounds_from_fair_and_assumption_satisfying_inits():
    sigma, log_odds = scipy.special.expit, np.log(99)  # 1 - delta = 0.99
    for lam in (0.5, 0.2, 0.1, 0.01):
        fair = dynamics.starved_confidence(0.99, lam)
        assert fair.probability <= fair.bound_d2 + 1e-9
        ok = dynamics.starved_confidence(0.99, lam, alpha0=0.1, beta0=0.1 * lam, z0=0.1)  # alpha0 >= beta0/lambda
        assert ok.probability <= ok.bound_7 + 1e-9
        for res, (alpha0, beta0) in ((fair, (0.1, 0.1)), (ok, (0.1, 0.1 * lam))):  # by hand, Theorem 6.1 and D.2:
            assert res.z * res.alpha == pytest.approx(log_odds, rel=1e-9)  # stopped when (x1, 0) reaches 1 - delta
            assert res.probability == pytest.approx(sigma(res.z * res.beta), rel=1e-12)  # P on (0, x2)
            assert res.formula_7 == pytest.approx(sigma(lam * log_odds), rel=1e-12)
            # (7) is reported only where its hypothesis alpha0 >= beta0 / lambda holds
            assert res.bound_7_applies == (lam * alpha0 >= beta0 * (1 - 1e-12))  # ok: beta0 = lam alpha0 exactly
            assert (res.bound_7 == res.formula_7) if res.bound_7_applies else np.isnan(res.bound_7)
            assert res.bound_d2 == pytest.approx(sigma(lam * log_odds + res.z * (beta0 - lam * alpha0)), rel=1e-12)
    small = dynamics.starved_confidence(0.99, 0.01)
    assert small.probability > small.formula_7  # (7) genuinely needs alpha0 >= beta0/lambda (Sec. 6)
    assert not small.bound_7_applies and np.isnan(small.bound_7)


#: Theorem 3.4's worked initializations (alpha0, beta0, z0), unit norms, equal sampling, with the outcome the
#: paper states, in the library's outcome names: "beta dies, P(D1) -> 1" is beta_dies; "alpha dies, class 2
#: wins" is alpha_dies; "failure, P rises from sigma(-1.1) to 0.5" is both_dead (beta0 = 0: that ReLU is never
#: active; alpha then reaches 0).  Typed here, not read from the library's WORKED_INITS.
PAPER_THEOREM_34 = {(0.1, 0.1, 0.1): "beta_dies", (0.2, 0.9, 0.2): "alpha_dies", (1.0, 0.0, -1.1): "both_dead"}


def test_worked_initializations_of_theorem_34():
    from dynamics.theory.shared_neuron import WORKED_INITS
    assert WORKED_INITS == PAPER_THEOREM_34  # the table the experiments and the report use
    wins_1 = dynamics.shared_neuron_outcome(0.1, 0.1, 0.1)
    assert wins_1.outcome == "beta_dies" and np.isnan(wins_1.death_times["alpha"]) and wins_1.death_times["beta"] > 0
    assert wins_1.final_probabilities[0] > 0.999 and wins_1.final_probabilities[1] == 0.5  # P(D1) -> 1
    wins_2 = dynamics.shared_neuron_outcome(0.2, 0.9, 0.2)
    assert wins_2.outcome == "alpha_dies" and np.isnan(wins_2.death_times["beta"]) and wins_2.death_times["alpha"] > 0
    assert wins_2.final_probabilities[1] > 0.999 and wins_2.final_probabilities[0] == 0.5  # class 2 wins
    failure = dynamics.shared_neuron_outcome(1.0, 0.0, -1.1)
    assert failure.outcome == "both_dead"
    assert failure.final_probabilities[0] == pytest.approx(0.5, abs=1e-12)
    # the invariant alpha^2 + beta^2 - z^2 = 1 - 1.21 leaves z = -sqrt(0.21) once both ReLUs are dead
    assert failure.final_state == pytest.approx((0.0, 0.0, -np.sqrt(0.21)), abs=1e-9)
    # P(D1) = sigma(z alpha) rises monotonically from sigma(-1.1) to 0.5
    traj = dynamics.integrate(derivations.shared_neuron(), [1.0, 0.0, -1.1], np.linspace(0.0, 40.0, 81),
                              parameters={"n_1": 1.0, "n_2": 1.0, "p": 0.5})
    prob = scipy.special.expit(traj.logits["class_1"][:, 0])
    assert prob[0] == pytest.approx(1 / (1 + np.exp(1.1)), rel=1e-14) and prob[-1] == pytest.approx(0.5, abs=1e-12)
    assert np.all(np.diff(prob) >= 0) and prob[len(prob) // 8] > prob[0] + 0.05


def test_failure_init_reports_the_probability_of_the_true_class():
    """The paper's "P rises from sigma(-1.1)": the reported probability is that of the true class, not sigma(|u|)."""
    traj = dynamics.integrate(derivations.shared_neuron(), [1.0, 0.0, -1.1], [0.0, 1.0],
                              parameters={"n_1": 1.0, "n_2": 1.0, "p": 0.5})
    assert traj.confidence("class_1")[0, 0] == pytest.approx(1 / (1 + np.exp(1.1)), rel=1e-14)


def test_corollary_33_exact_equals_formula():
    delta = np.array([0.1, 0.01, 1e-4])
    r = dynamics.convergence_time_ratio(delta, norm1=1.5, norm2=0.5, p1=0.7, u0=0.05, v0=-0.2)
    assert np.allclose(r.exact, r.formula, rtol=1e-10)
    with mpmath.workdps(30):  # by hand: t = [log(L/a) + Ei(L) - Ei(a)] / (2 n p) from |logit| a to L = log(1/delta - 1)
        def time(start, target, norm, p):
            return (mpmath.log(target / start) + mpmath.ei(target) - mpmath.ei(start)) / (2 * norm * p)
        for d, exact in zip(delta, r.exact):
            target = mpmath.log(1 / mpmath.mpf(d) - 1)
            ratio = (time(mpmath.mpf("0.2"), target, mpmath.mpf("0.5"), mpmath.mpf("0.3"))
                     / time(mpmath.mpf("0.05"), target, mpmath.mpf("1.5"), mpmath.mpf("0.7")))
            assert abs(exact / float(ratio) - 1) <= 1e-12
    assert np.allclose(r.approximate, 1.5 / 0.5 * 0.7 / 0.3)
    assert np.all(np.abs(r.exact / r.approximate - 1)[1:] < np.abs(r.exact / r.approximate - 1)[:-1])


@pytest.mark.parametrize("call, error, words", [
    (lambda: dynamics.logit(1.0, u0=0.0), ValueError, "u0 must be non-zero"),
    (lambda: dynamics.logit(1.0, u0=0.1, norm=-1), ValueError, "norm must be > 0"),
    (lambda: dynamics.logit(1.0, u0=0.1, p=1.5), ValueError, "p is a class frequency"),
    (lambda: dynamics.logit(1.0, u0=0.1, p=0.0), ValueError, "p is a class frequency"),
    (lambda: dynamics.logit(np.nan, u0=0.1), ValueError, "t must be finite"),
    (lambda: dynamics.logit(1.0, u0=np.inf), ValueError, "u0 must be finite"),
    (lambda: dynamics.logit(-1.0, u0=0.1), ValueError, "t must be >= 0"),
    (lambda: dynamics.logit(1.0, u0=0.1, depth=1), ValueError, "depth must be between 2"),
    (lambda: dynamics.logit(1.0, u0=0.1, depth=2.0), TypeError, "depth must be an integer"),
    (lambda: dynamics.logit(1.0, u0=0.1, loss="mse"), ValueError, "loss='mse' is not valid"),
    (lambda: dynamics.logit(1.0, u0=0.1, method="euler"), ValueError, "method='euler' is not valid"),
    (lambda: dynamics.logit("soon", u0=0.1), TypeError, "t must be a number"),
    (lambda: dynamics.time_to_confidence(0.4, u0=0.1), ValueError, "confidence must lie in (0.5, 1)"),
    (lambda: dynamics.time_to_confidence(1.0, u0=0.1), ValueError, "confidence must lie in (0.5, 1)"),
    (lambda: dynamics.time_to_confidence(1.2, u0=0.1, loss="hinge"), ValueError, "(0, 1] for hinge"),
    (lambda: dynamics.integrate(derivations.two_layer(), [1, 2], [0, 1], parameters={}), ValueError, "shape"),
    (lambda: dynamics.integrate(derivations.two_layer(), [1, 1, 1, -1], [0, 1], parameters={"n_1": 1}),
     ValueError, "parameter n_2 of two_layer is missing"),
    (lambda: dynamics.integrate(derivations.two_layer(), [1, 1, 1, -1], [1, 0],
                                parameters={"n_1": 1, "n_2": 1, "p": 0.5}), ValueError, "increasing"),
])
def test_bad_input_is_named(call, error, words):
    import re
    with pytest.raises(error, match=re.escape(words)):
        call()


def test_hyperbolic_theta_form_matches_the_full_flow():
    m = derivations.two_layer("bce")
    r = m.reduction("hyperbolic_class_1_y_dominant")
    c, norm, p, theta0 = 0.3, 0.8, 0.6, np.array([0.0, 0.5, -0.4])
    y0, z0 = np.sqrt(c) * np.cosh(theta0 / 2), np.sqrt(c) / norm * np.sinh(theta0 / 2)
    t = np.linspace(0, 40, 9)
    reduced = dynamics.solve_reduction(r, theta0, t, parameters={"c": c, "n_1": norm, "p": p})
    full = dynamics.integrate(m, np.column_stack([y0, z0, y0, -z0]), t, parameters={"n_1": norm, "n_2": 1.0, "p": p})
    assert reduced.success and np.allclose(reduced.logit, full.logits["class_1"], rtol=1e-9, atol=1e-12)


def test_every_model_integrates_with_its_invariants_conserved():
    cases = [(derivations.deep(4), [0.5, 0.6, 0.7, 0.8], {"n": 0.9, "p": 1.0}),
             (derivations.shared_neuron(), [1.2, 0.6, 0.9], {"n_1": 1.0, "n_2": 1.0, "p": 0.5}),
             (derivations.multiclass(2), [0.3, 0.4, 0.5, -0.1, -0.2, 0.6], {"n_1": 1.0, "n_2": 0.7, "p_1": 0.5,
                                                                          "p_2": 0.5})]
    for model, init, params in cases:
        traj = dynamics.integrate(model, init, np.linspace(0, 5, 6), parameters=params)
        args = tuple(model.state) + tuple(model.parameters)
        for expr in model.invariants.values():
            f = compile_invariant(expr, args)
            values = f(*traj.states[:, 0].T, *[params[str(q)] for q in model.parameters])
            assert np.max(np.abs(values - values[0])) <= 1e-8 * max(1.0, abs(values[0])), model.name


def compile_invariant(expr, args):
    from dynamics.theory.compiled import compile_expr
    return compile_expr(expr, args)


def test_hinge_confidence_must_exceed_the_start():
    with pytest.raises(ValueError, match=r"\(\|u0\|, 1\] for hinge"):
        dynamics.time_to_confidence(0.05, loss="hinge", u0=0.1)
