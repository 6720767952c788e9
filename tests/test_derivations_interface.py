"""Presentation (LaTeX, repr) and bad input of the symbolic models."""
import dataclasses
import re

import pytest
import sympy as sp

import derivations
from derivations.model import _paper_form


#: Models whose LaTeX is checked, built when their test runs (never at collection).
LATEX_MODELS = {
    "two_layer-bce": lambda: derivations.two_layer("bce"), "two_layer-hinge": lambda: derivations.two_layer("hinge"),
    "deep3": lambda: derivations.deep(3), "wide2": lambda: derivations.wide(2),
    "points2": lambda: derivations.orthogonal_points(2), "shared": lambda: derivations.shared_neuron(),
    "starvation": lambda: derivations.starvation(), "multiclass2": lambda: derivations.multiclass(2)}


@pytest.mark.parametrize("build", LATEX_MODELS.values(), ids=LATEX_MODELS.keys())
def test_latex_is_balanced_and_complete(build):
    m = build()
    tex = m.latex()
    assert tex.startswith("\\begin{align*}") and tex.rstrip().endswith("\\end{align*}")
    assert tex.count("{") == tex.count("}")
    names = {s: s.name.split("^")[0] + "^{(" + s.name.split("^")[1] + ")}" for s in m.state if "^" in s.name}
    for s in m.state:  # every flow equation, with index symbols (z^1) printed as indices (z^{(1)}), in the paper's
        # form (a common factor multiplied into a sum: eq. (8); the value is checked in test_latex.py)
        flow = _paper_form(m.flow[s])
        assert f"\\dot{{{sp.latex(s, symbol_names=names)}}} &= {sp.latex(flow, symbol_names=names)}" in tex
    assert m._repr_latex_().startswith("$$")
    assert m.name in repr(m)


def test_latex_contains_the_paper_fragments():
    tex = derivations.two_layer("bce").latex()
    assert r"\operatorname{Ei}{\left(u \right)}" in tex
    assert r"\log{\left(\frac{u}{u_{0}} \right)}" in tex
    hinge = derivations.two_layer("hinge").latex()
    assert r"u_{0} e^{2 n_{1} p t}" in hinge
    # (26) inside the margin, typed by hand: the check below does not depend on the LaTeX parser
    assert "\\dot{y_{1}} &= n_{1}^{2} p z_{1} \\\\" in hinge and "\\dot{z_{1}} &= p y_{1} \\\\" in hinge


def test_each_latex_equation_parses_back_where_sympy_can():
    """Round-trip each right-hand side through sympy's LaTeX parser when it is installed."""
    parse = pytest.importorskip("sympy.parsing.latex").parse_latex
    try:
        parse("x + 1")
    except Exception as exc:  # the parser needs antlr4
        pytest.skip(f"sympy LaTeX parser unavailable: {exc}")
    m = derivations.two_layer("hinge")
    for s in m.state:
        parsed = parse(sp.latex(m.flow[s], mul_symbol="dot"))
        by_name = {str(x): x for x in m.flow[s].free_symbols}
        rename = {x: by_name[str(x).replace("{", "").replace("}", "")] for x in parsed.free_symbols}
        assert sp.simplify(parsed.subs(rename) - m.flow[s]) == 0


def test_models_are_frozen():
    m = derivations.two_layer()
    with pytest.raises(dataclasses.FrozenInstanceError):
        m.name = "other"
    with pytest.raises(TypeError):
        m.flow[m.state[0]] = 0


def test_custom_loss_expression():
    import mpmath

    from derivations.symbols import n1, p, u0
    m = derivations.two_layer(sp.exp(-derivations.margin))
    assert all(m.check().values())
    # exponential loss: -l'(u) = e^-u, so u' = 2 n p u e^-u and t(u) = integral of e^s / (2 n p s) from u0 to u
    values = {n1: 0.8, p: 0.3, u0: 0.05, m.reductions[0].variable: 2.5}
    time = float(m.closed_form.time.subs(values))
    with mpmath.workdps(30):
        by_quad = mpmath.quad(lambda s: mpmath.exp(s) / (2 * mpmath.mpf("0.8") * mpmath.mpf("0.3") * s), [0.05, 2.5])
    assert abs(time / float(by_quad) - 1) <= 1e-12


def test_discrete_map_is_one_euler_step():
    m = derivations.two_layer("hinge")
    eta = sp.Symbol("eta", positive=True)
    step = m.discrete_map(eta)
    y1 = m.state[0]
    assert sp.simplify(step[y1] - y1 - eta * m.flow[y1]) == 0


@pytest.mark.parametrize("call, error, words", [
    (lambda: derivations.deep(1), ValueError, "depth must be between 2 and 32"),
    (lambda: derivations.deep(2.5), TypeError, "depth must be an integer"),
    (lambda: derivations.deep(True), TypeError, "depth must be an integer"),
    (lambda: derivations.wide(0), ValueError, "neurons must be at least 1"),
    (lambda: derivations.multiclass(1), ValueError, "classes must be at least 2"),
    (lambda: derivations.two_layer("softplus"), ValueError, "loss='softplus' is not a known loss"),
    (lambda: derivations.two_layer("log(1+exp(-m))"), ValueError, "strings are never parsed"),
    (lambda: derivations.two_layer(1.5), TypeError, "loss must be a name"),
    (lambda: derivations.two_layer(sp.Symbol("q") * derivations.margin), ValueError, "free symbols"),
    (lambda: derivations.two_layer(sp.Integer(3)), ValueError, "does not depend on the margin"),
    (lambda: derivations.two_layer(sp.Symbol("q") ** 2), ValueError, "free symbols"),
])
def test_bad_input_names_the_parameter(call, error, words):
    with pytest.raises(error, match=re.escape(words)):
        call()


def test_specialising_parameters_keeps_every_claim():
    m = derivations.two_layer("bce").at(p=0.3, n_1=0.5)
    assert [str(q) for q in m.parameters] == ["n_2"]
    assert all(m.check().values())
    s = derivations.starvation().at(**{"lambda": 0.2, "n_1": 1, "n_2": 1})
    assert all(s.check().values())


@pytest.mark.parametrize("values, error, words", [
    ({"p": 1.5}, ValueError, "p is a frequency or share and must lie in (0, 1]"),
    ({"p": 0.0}, ValueError, "p must be a finite number > 0"),
    ({"n_1": -1.0}, ValueError, "n_1 must be a finite number > 0"),
    ({"q": 0.5}, ValueError, "'q' is not a parameter of two_layer"),
    ({"p": "0.5"}, TypeError, "p must be a number"),
])
def test_bad_parameter_values(values, error, words):
    with pytest.raises(error, match=re.escape(words)):
        derivations.two_layer().at(**values)


@pytest.mark.parametrize("build", [lambda: derivations.deep(4), lambda: derivations.wide(2),
                                   lambda: derivations.two_layer("hinge"), lambda: derivations.shared_neuron(),
                                   lambda: derivations.orthogonal_points(2)],
                         ids=["deep4", "wide2", "two_layer-hinge", "shared", "points2"])
def test_latex_text_holds_no_math_and_indices_do_not_read_as_powers(build):
    """LaTeX refuses ``^`` in text mode: every ``\\text{...}`` keeps formulas inside ``$...$``; a layer or neuron
    index (the symbol ``z^1``) prints as ``z^{(1)}``, never as ``z^{1}`` (z to the power 1)."""
    import re
    tex = build().latex()
    for text in re.findall(r"\\text\{((?:[^{}]|\{[^{}]*\})*)\}", tex):
        outside_math = re.sub(r"\$[^$]*\$", "", text)
        assert "^" not in outside_math and "_" not in outside_math.replace(r"\_", ""), text
    if build().name in ("deep", "wide"):  # index symbols z^1, y^1 print as z^{(1)}, y^{(1)}: never as powers
        assert "z^{(1)}" in tex and "z^{1}" not in tex and "y^{1}" not in tex


def test_latex_compiles_with_a_tex_parser_free_check_of_balance():
    tex = derivations.deep(4).latex()
    assert tex.count("{") == tex.count("}") and tex.count("$") % 2 == 0


def test_starvation_states_the_bounds_only_for_the_cross_entropy():
    """Bounds (7) and (D.2) are Theorem 6.1's for the cross-entropy: another loss's model gives the logit of
    (0, x2) but no sigma(...) bound, and none of the bound's claims."""
    bce, hinge = derivations.starvation("bce"), derivations.starvation("hinge")
    assert {"bound_7", "bound_d2", "logit_bound_7"} <= set(bce.quantities)
    assert "logit_x2_only" in hinge.quantities and not {"bound_7", "bound_d2"} & set(hinge.quantities)
    assert not any("(D.2)" in claim.statement or "bound (7)" in claim.statement for claim in hinge.claims)
