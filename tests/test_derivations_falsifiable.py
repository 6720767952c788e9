"""The checks can fail: tampered models are caught, and printed errata are refuted."""
import dataclasses

import numpy as np
import sympy as sp

import derivations
from derivations.model import frozen
from derivations.symbols import n1, n2, p, u


def _failed(model):
    return [k for k, v in model.check().items() if not v]


def test_wrong_flow_breaks_conservation_and_reduction():
    m = derivations.two_layer("bce")
    y1, z1 = m.state[:2]
    wrong = dict(m.flow)
    wrong[z1] = 2 * wrong[z1]  # a factor-2 slip in z'
    bad = dataclasses.replace(m, flow=frozen(wrong))
    failed = _failed(bad)
    assert "invariant class 1 is conserved" in failed
    assert any(f.startswith("balanced class 1: dz_1/dt") for f in failed)


def test_wrong_closed_form_is_caught():
    m = derivations.two_layer("bce")
    r = m.reductions[0]
    cf = dataclasses.replace(r.closed_form, time=r.closed_form.time * 2)
    bad = dataclasses.replace(m, reductions=(dataclasses.replace(r, closed_form=cf),) + m.reductions[1:])
    assert "balanced class 1: d t/du of the closed form equals 1/u'" in _failed(bad)


def test_wrong_reduced_rhs_is_caught():
    m = derivations.deep(3)
    r = m.reductions[0]
    bad = dataclasses.replace(m, reductions=(dataclasses.replace(r, rhs=r.rhs * u, closed_form=None),))
    assert any("on the curve equals" in f for f in _failed(bad))


def test_false_inequality_is_refuted_numerically():
    x = sp.Symbol("x", real=True)
    result = derivations.prove(derivations.inequality("sin x >= 0", sp.sin(x), {x: (0.0, 6.0)}))
    assert not result.holds and result.method.startswith("numeric")


def test_false_identity_is_refuted():
    assert not derivations.prove(derivations.identity("exp(u) = 1 + u", sp.exp(u) - 1 - u)).holds


# --- errata of the printed paper: the corrected form holds and the printed one does not -----------------

def test_erratum_A4_zi_prime():
    m = derivations.wide(2)
    y_1, z_1, y_2, z_2 = m.state
    total = z_1 * y_1 + z_2 * y_2
    corrected = p * y_1 / (1 + sp.exp(total))
    printed_typo = p * z_1 / (1 + sp.exp(total))  # the numerator misprinted as z^i
    assert sp.simplify(m.flow[z_1] - corrected) == 0
    assert sp.simplify(m.flow[z_1] - printed_typo) != 0


def test_erratum_A6_factor_one_over_two_n():
    m = derivations.two_layer("bce")
    stall = m.reduction("anti_balanced_class_1").closed_form
    uf = sp.Symbol("u_f", negative=True)
    s = sp.Symbol("s", positive=True)
    u_start = stall.initial
    integral = sp.integrate((1 + sp.exp(-s)) / s, (s, -uf, -u_start))
    closed = stall.time.subs({p: 1, m.reduction("anti_balanced_class_1").variable: uf})
    a, b = sp.symbols("a b", positive=True)
    real = {u_start: -a, uf: -b}  # negative logits written through positive magnitudes
    assert sp.simplify((closed - integral / (2 * n1)).subs(real)) == 0
    printed = integral  # the paper prints the integral without 1/(2n)
    assert sp.simplify((closed - printed).subs(real)) != 0


def test_erratum_A8_beta_bound():
    """For c <= 0 the printed bound beta' <= n2^2 c / 2 fails; the corrected one holds."""
    m = derivations.shared_neuron("bce")
    alpha, beta, z = m.state
    f = sp.lambdify((alpha, beta, z, n1, n2, p), m.flow[beta] * 2, "numpy")  # (4) is p = 1/2 on time 2t
    rng = np.random.default_rng(0)
    a, b, k = rng.uniform(0, 3, (3, 2000))
    zz = np.sqrt(a**2 + b**2 + k)  # level c = -k <= 0, z > 0
    beta_rate = f(a, b, zz, 1.0, 1.0, 0.5)
    corrected = -np.sqrt(k) / 2
    printed = -k / 2  # n2^2 c / 2 with c = -k
    assert np.all(beta_rate <= corrected + 1e-12)
    assert np.any(beta_rate > printed + 1e-6)


def _differ_numerically(a, b, point):
    """``a - b`` evaluated at ``point``: refutes an identity without trusting ``simplify``."""
    return abs(float((a - b).subs(point))) > 1e-6


def test_erratum_8_z_prime_is_derived():
    """z' of (8) is not printed; the derived one is the corrected form, and plausible slips are refuted."""
    from derivations.starvation import alpha0, beta0, delta, z_star
    m = derivations.starvation("bce")
    alpha, beta, z = m.state
    lam = m.parameters[0]
    point = {alpha: 0.3, beta: 0.7, z: 0.5, lam: 0.2, n1: 1.3, n2: 0.6}

    def z_prime(a, b):  # lambda a sigma(-z a) ... with a, b the (x1, x2) and (x1, 0) weights
        return lam * a / (1 + sp.exp(z * a)) + (1 - lam) * b / (1 + sp.exp(z * b))

    unit = m.flow[z].subs({n1: 1, n2: 1})
    assert sp.simplify(unit - z_prime(alpha + beta, alpha)) == 0
    assert not _differ_numerically(unit, z_prime(alpha + beta, alpha), point)
    # incomplete: beta dropped from the (x1, x2) term, i.e. z' copied from alpha' with z -> alpha
    incomplete = lam * alpha / (1 + sp.exp(z * (alpha + beta))) + (1 - lam) * alpha / (1 + sp.exp(z * alpha))
    assert _differ_numerically(unit, incomplete, point)
    # general norms: every logit and every weight scales with the squared feature norms
    general = z_prime(alpha * n1**2 + beta * n2**2, alpha * n1**2)
    assert sp.simplify(m.flow[z] - general) == 0
    unit_form_with_norms = z_prime(alpha + beta, alpha)  # (8) used unchanged when the norms are not 1
    assert _differ_numerically(m.flow[z], unit_form_with_norms, point)

    # The D.2 bound uses beta0 - lambda*alpha0, not the printed beta0 - alpha*alpha0.
    log_odds = sp.log((1 - delta) / delta)
    corrected = 1 / (1 + sp.exp(-(lam * log_odds + z_star * (beta0 - lam * alpha0))))
    printed = 1 / (1 + sp.exp(-(lam * log_odds + z_star * (beta0 - alpha * alpha0))))
    bound = m.quantities["bound_d2"]
    unit_bound = bound.subs({n1: 1, n2: 1})
    assert sp.simplify(unit_bound - corrected) == 0
    # general norms (typed by hand): sigma(lambda (n2/n1)^2 L + z* n2^2 (beta0 - lambda alpha0))
    general_bound = 1 / (1 + sp.exp(-(lam * (n2 / n1)**2 * log_odds + z_star * n2**2 * (beta0 - lam * alpha0))))
    assert sp.simplify(bound - general_bound) == 0
    at = {**point, delta: 0.01, z_star: 2.1, alpha0: 0.4, beta0: 0.25}
    assert not _differ_numerically(bound, general_bound, at)
    assert _differ_numerically(unit_bound, printed.subs({n1: 1, n2: 1}), at)
    assert _differ_numerically(bound, corrected, at)  # the unit-norm form is wrong at n1 = 1.3, n2 = 0.6


def test_erratum_deep_balanced_init_uses_every_layer():
    """z0 = z^1_0 = ... = z^{N-2}_0 = y0 / n on every layer (the paper's last index is off by one)."""
    from derivations.symbols import n
    m = derivations.deep(4)
    r = m.reductions[0]
    y = m.state[0]
    assert len(m.state) == 4  # y, z^1, z^2, z: N - 2 = 2 hidden layers plus the output weight
    scale = (u / n) ** sp.Rational(1, 4)  # the common value y0 / n solving y z^1 z^2 z = u with y = n z
    for s in m.state[1:]:
        assert sp.simplify(r.parametrization[s] - scale) == 0, s
    assert sp.simplify(r.parametrization[y] - n * scale) == 0
    assert sp.simplify(sp.Mul(*[r.parametrization[s] for s in m.state]) - u) == 0
