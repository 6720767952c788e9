"""Issue 11, theory room: named contracts between derivations and the theory, value-keyed caches, and the
theory functions the experiments need (instead of compiling derived symbols themselves).

References are independent of the code under test: closed forms worked by hand and evaluated with mpmath, the
integrated derived flow (an ODE solve, not the closed form), and the shared neuron's flow written by hand in numpy.
"""
import mpmath
import numpy as np
import pytest
import scipy.integrate
import sympy as sp

import derivations
import dynamics.theory as theory
from derivations import Named, UnknownName
from derivations.model import _specialise
from dynamics.theory import compiled, mode_map

# --- 1. named contracts --------------------------------------------------------------------------------------

#: old prose key -> new identifier, per model (the table handed to the lead); every old key keeps working.
QUANTITIES = [
    (lambda: derivations.deep(3, "hinge"), "stopping time (u = 1)", "stopping_time"),
    (lambda: derivations.two_layer("hinge"), "stopping time (c = 0)", "stopping_time"),
    (lambda: derivations.two_layer("hinge"), "stopping time (c != 0)", "stopping_time_hyperbolic"),
    (lambda: derivations.two_layer("hinge"), "logit (c != 0)", "logit_hyperbolic"),
    (lambda: derivations.two_layer("bce"), "growth bound (19)", "growth_bound"),
    (lambda: derivations.two_layer("bce"), "stall time bound (A.6)", "stall_time_bound"),
    (lambda: derivations.starvation(), "bound (7)", "bound_7"),
    (lambda: derivations.starvation(), "bound (D.2)", "bound_d2"),
    (lambda: derivations.starvation(), "logit bound (7)", "logit_bound_7"),
    (lambda: derivations.starvation(), "logit bound (D.2)", "logit_bound_d2"),
    (lambda: derivations.starvation(), "logit of (0, x2)", "logit_x2_only"),
    (lambda: derivations.shared_neuron(), "fixed point alpha", "fixed_point_alpha"),
    (lambda: derivations.shared_neuron(), "fixed point beta", "fixed_point_beta"),
]
LOGITS = [
    (lambda: derivations.two_layer(), "class 1", "class_1"), (lambda: derivations.two_layer(), "class 2", "class_2"),
    (lambda: derivations.deep(3), "class 1", "class_1"),
    (lambda: derivations.starvation(), "(x1, x2)", "x1_and_x2"), (lambda: derivations.starvation(), "(x1, 0)", "x1_only"),
    (lambda: derivations.starvation(), "(0, x2)", "x2_only"),
    (lambda: derivations.shared_neuron(), "class 2", "class_2"),
]
REDUCTIONS = [
    ("balanced class 1", "balanced_class_1"), ("balanced class 2", "balanced_class_2"),
    ("hyperbolic class 1 (y^2 > n^2 z^2)", "hyperbolic_class_1_y_dominant"),
    ("hyperbolic class 1 (y^2 < n^2 z^2)", "hyperbolic_class_1_z_dominant"),
    ("anti-balanced class 1 (stalls)", "anti_balanced_class_1"),
]


@pytest.mark.parametrize("build, old, new", QUANTITIES)
def test_quantities_are_keyed_by_identifier_and_labelled_for_display(build, old, new):
    model = build()
    assert model.quantity(new) is model.quantities[new]
    assert new in model.quantities and old not in model.quantities and list(model.quantities).count(new) == 1
    assert model.quantities.label(new) == old and old in model.pretty() and f"[{new}]" in model.pretty()
    with pytest.raises(UnknownName, match=f"is the label of the quantity '{new}'.*use '{new}'"):
        model.quantities[old]  # a label is display text, never a key: the error names the identifier


@pytest.mark.parametrize("build, old, new", LOGITS)
def test_logits_are_keyed_by_identifier_and_labelled_for_display(build, old, new):
    model = build()
    assert model.logit(new) is model.logits[new] and new in list(model.logits)
    assert model.logits.label(new) == old and compiled.margin_sign(model, new) in (-1, 0, 1)  # 0: a probe, no class
    with pytest.raises(UnknownName, match=f"use '{new}'"):
        model.logit(old)


@pytest.mark.parametrize("old, new", REDUCTIONS)
def test_reductions_are_keyed_by_identifier_and_labelled_for_display(old, new):
    model = derivations.two_layer("hinge")
    assert model.reduction(new).key == new and model.reduction(new).label == old
    with pytest.raises(UnknownName, match=f"use '{new}'"):
        model.reduction(old)


def test_unknown_names_are_clear_errors_listing_identifiers():
    model = derivations.two_layer("hinge")
    for ask in (lambda: model.quantity("stop"), lambda: model.logit("class 3"), lambda: model.reduction("x")):
        with pytest.raises(UnknownName) as info:
            ask()
        assert isinstance(info.value, KeyError) and isinstance(info.value, ValueError)
        assert "valid identifiers" in str(info.value) and not str(info.value).startswith("'\"")
    assert "stopping_time_hyperbolic" in str(pytest.raises(UnknownName, model.quantity, "t").value)
    assert model.quantities.get("stop") is None and "stop" not in model.quantities


def test_named_mapping_refuses_bad_identifiers_and_duplicates():
    with pytest.raises(ValueError, match="Python identifier"):
        Named("quantity", [("stopping time", "stopping time", 1)])
    with pytest.raises(ValueError, match="two quantity entries"):
        Named("quantity", [("a", "x", 1), ("a", "y", 2)])
    with pytest.raises(ValueError, match="already used"):
        Named("quantity", [("a", "x", 1), ("b", "x", 2)])


def test_trajectories_are_keyed_by_identifier():
    model = derivations.two_layer("hinge")
    traj = theory.integrate(model, [0.1, 0.1, 0.1, -0.1], [0.0, 5.0], parameters={"n_1": 1.0, "n_2": 1.0, "p": 0.5},
                            targets={"class_1": 1.0, "class_2": 1.0})
    assert list(traj.logits) == ["class_1", "class_2"] and list(traj.hitting_times) == ["class_1", "class_2"]
    # hand-worked: u = 0.01 e^{2 n p t} (c = 0) reaches 1 at ln(100)
    assert traj.hitting_times["class_1"][0] == pytest.approx(np.log(100.0), abs=1e-9)
    with pytest.raises(UnknownName, match="use 'class_2'"):
        traj.margin("class 2")
    with pytest.raises(UnknownName, match="targets='class 1'.*use 'class_1'"):
        theory.integrate(model, [0.1, 0.1, 0.1, -0.1], [0.0, 1.0], parameters={"n_1": 1.0, "n_2": 1.0, "p": 0.5},
                         targets={"class 1": 1.0})


# --- 3. caches keyed by value and bounded ---------------------------------------------------------------------

def _cache_sizes():
    caches = (_specialise, compiled._compile, compiled._flow_functions, compiled._margin_groups,
              mode_map._compiled_map)
    return [c.cache_info().currsize for c in caches]


def test_repeated_specialisations_do_not_grow_any_cache():
    model = derivations.two_layer("hinge")

    def use(**values):
        special = model.at(**values)
        theory.integrate(special, [0.1, 0.1, 0.1, -0.1], [0.0, 0.5], parameters={"n_2": 1.0})
        theory.iterate_mode_map(special, [0.1, 0.1, 0.1, -0.1], eta=0.1, steps=2, parameters={"n_2": 1.0})
        return special

    first = use(p=0.5, n_1=2)
    sizes = _cache_sizes()
    for values in ({"p": 0.5, "n_1": 2}, {"n_1": 2.0, "p": sp.Rational(1, 2)}, {"n_1": 2, "p": 0.5}):
        again = use(**values)
        assert again == first and hash(again) == hash(first)
        assert _cache_sizes() == sizes
    assert model.at(p=0.5) != model.at(p=0.25) and model.at(p=0.5) != model


def test_every_cache_of_the_theory_is_bounded():
    import dynamics.theory.balanced_logit as balanced_logit
    import dynamics.theory.corollary as corollary
    import dynamics.theory.hinge as hinge
    import dynamics.theory.shared_neuron as shared_neuron
    import dynamics.theory.starvation as starvation
    functions = [compiled._compile, compiled._flow_functions, compiled._margin_groups, mode_map._compiled_map,
                 balanced_logit._compiled, balanced_logit._log_rate, balanced_logit._inverse_table, corollary._time,
                 starvation._bounds, hinge._stopping_time, shared_neuron._fixed_point_functions, _specialise]
    assert all(f.cache_info().maxsize is not None for f in functions)


def test_models_are_equal_by_value_and_tampering_changes_equality():
    import dataclasses
    model = derivations.two_layer("bce")
    copy = dataclasses.replace(model)
    assert copy == model and hash(copy) == hash(model) and copy is not model
    tampered = dataclasses.replace(model, source="elsewhere")
    assert tampered != model


# --- 2. what experiments need, from the theory ---------------------------------------------------------------

@pytest.mark.parametrize("c, theta0, norm, p", [(0.01, 0.0, 0.7, 1.0), (0.2, 0.0, 1.5, 1.0), (0.5, -0.4, 1.2, 0.3),
                                                (2.0, 0.3, 0.8, 0.9)])
def test_hinge_stopping_time_against_mpmath_and_the_integrated_flow(c, theta0, norm, p):
    got = float(theory.hinge_stopping_time(c, theta0, norm=norm, p=p))
    mpmath.mp.dps = 30  # hand-worked: theta = theta0 + 2 n p t and u = c sinh(theta)/(2n) = 1
    expected = (mpmath.asinh(2 * mpmath.mpf(norm) / c) - theta0) / (2 * mpmath.mpf(norm) * p)
    assert got == pytest.approx(float(expected), rel=1e-14)
    y0, z0 = np.sqrt(c) * np.cosh(theta0 / 2), np.sqrt(c) / norm * np.sinh(theta0 / 2)
    hit = theory.integrate(derivations.two_layer("hinge"), [y0, z0, 1.0, -1.0], [0.0, 2 * got],
                           parameters={"n_1": norm, "n_2": 1.0, "p": p}, targets={"class_1": 1.0})
    assert hit.hitting_times["class_1"][0] == pytest.approx(got, rel=1e-9)


def test_hinge_stopping_time_is_vectorized_and_refuses_bad_input():
    got = theory.hinge_stopping_time(np.array([0.01, 0.2]), norm=np.array([[0.7], [1.5]]))
    assert got.shape == (2, 2)
    assert got[1, 1] == pytest.approx(np.arcsinh(2 * 1.5 / 0.2) / 3.0, rel=1e-14)
    for call, words in [(lambda: theory.hinge_stopping_time(0.0), "c must be > 0"),
                        (lambda: theory.hinge_stopping_time(0.1, p=1.5), "p is a class frequency"),
                        (lambda: theory.hinge_stopping_time(0.1, norm=-1.0), "norm must be > 0"),
                        (lambda: theory.hinge_stopping_time(0.1, np.nan), "theta0 must be finite"),
                        (lambda: theory.hinge_stopping_time(1.0, 3.0), "below the margin 1")]:
        with pytest.raises(ValueError, match=words):
            call()


@pytest.mark.parametrize("c, norm1, norm2, p", [(1.0, 1.0, 1.0, 0.5), (0.3, 0.7, 1.6, 0.8), (2.0, 1.3, 0.4, 0.2)])
def test_shared_neuron_fixed_point_against_the_hand_worked_solution(c, norm1, norm2, p):
    # z' = [p alpha - (1 - p) beta] / 2 at z = 0, so beta = p alpha / (1 - p); on the level c of the invariant
    # alpha^2/n1^2 + beta^2/n2^2 = c.
    alpha = np.sqrt(c / (1 / norm1**2 + (p / (1 - p)) ** 2 / norm2**2))
    got = theory.shared_neuron_fixed_point(c, norm1=norm1, norm2=norm2, p=p)
    np.testing.assert_allclose(got, (alpha, p * alpha / (1 - p), 0.0), rtol=1e-14, atol=0)


def _hand_flow(p, n1, n2):
    """The shared neuron's flow written by hand: BCE on p l(z alpha) + (1 - p) l(-z beta), x1 orthogonal to x2."""
    def sig(m):
        return 1 / (1 + np.exp(-m))

    def rate(_, x):
        a, b, z = x
        return [p * n1**2 * z * sig(-z * a), -(1 - p) * n2**2 * z * sig(z * b),
                p * a * sig(-z * a) - (1 - p) * b * sig(z * b)]
    return rate


def _who_dies(start, p, n1, n2, horizon=400.0):
    def alpha_dead(_, x):
        return x[0]

    def beta_dead(_, x):
        return x[1]

    alpha_dead.terminal = beta_dead.terminal = True
    sol = scipy.integrate.solve_ivp(_hand_flow(p, n1, n2), (0, horizon), start, rtol=1e-10, atol=1e-12,
                                    events=[alpha_dead, beta_dead])
    return "alpha_dies" if sol.t_events[0].size else "beta_dies" if sol.t_events[1].size else "undecided"


@pytest.mark.parametrize("c, norm1, norm2, p", [(1.0, 1.0, 1.0, 0.5), (0.5, 0.8, 1.2, 0.6)])
def test_shared_neuron_separatrix_lies_on_its_level_and_separates_the_outcomes(c, norm1, norm2, p):
    curve = theory.shared_neuron_separatrix(c, norm1=norm1, norm2=norm2, p=p)
    assert curve.shape[1] == 3 and len(curve) > 100 and np.all(curve[:, :2] >= 0)
    level = curve[:, 0] ** 2 / norm1**2 + curve[:, 1] ** 2 / norm2**2 - curve[:, 2] ** 2
    np.testing.assert_allclose(level, c, atol=1e-6)
    fixed = np.array(theory.shared_neuron_fixed_point(c, norm1=norm1, norm2=norm2, p=p))
    far = curve[np.argmax(np.linalg.norm(curve - fixed, axis=1) > 0.3)]  # a point well away from the fixed point
    sides = {_who_dies(far + np.array([shift, -shift, 0.0]), p, norm1, norm2) for shift in (1e-3, -1e-3)}
    assert sides == {"alpha_dies", "beta_dies"}


def test_separatrix_and_fixed_point_refuse_bad_input():
    for call, words in [(lambda: theory.shared_neuron_fixed_point(0.0), "c must be > 0"),
                        (lambda: theory.shared_neuron_fixed_point(1.0, p=1.0), "p is the class-1 frequency"),
                        (lambda: theory.shared_neuron_fixed_point([1.0, 2.0]), "c must be one number"),
                        (lambda: theory.shared_neuron_separatrix(1.0, length=0.0), "length must be > 0"),
                        (lambda: theory.shared_neuron_separatrix(1.0, norm2=np.inf), "norm2 must be finite")]:
        with pytest.raises(ValueError, match=words):
            call()


# --- 6. documented, typed public surface ------------------------------------------------------------------------

def test_every_public_function_of_the_theory_has_a_numpydoc_docstring_and_type_hints():
    import importlib
    import inspect
    undocumented = []
    for name in ("compiled", "balanced_logit", "corollary", "flow", "hinge", "mode_map", "roots", "shared_neuron",
                 "starvation"):
        module = importlib.import_module(f"dynamics.theory.{name}")
        for public in module.__all__:
            function = getattr(module, public)
            if not inspect.isfunction(function):
                continue
            signature = inspect.signature(function)
            doc = inspect.getdoc(function) or ""
            sections = ["Returns"] + (["Parameters"] if signature.parameters else [])
            if (any(f"{s}\n---" not in doc for s in sections) or signature.return_annotation is inspect._empty
                    or any(p.annotation is inspect._empty for p in signature.parameters.values())):
                undocumented.append(f"{name}.{public}")
    assert undocumented == []
