"""Every ``learning-dynamics derive --latex`` output renders, reads unambiguously and keeps the paper's forms.

Each equation of the ``align*`` block (``a &= b`` read as ``a = b``) is rendered with matplotlib's mathtext, an
independent TeX-subset parser: a ``$`` or ``^`` inside ``\\text{}``, an unbalanced brace or an unknown command
fails there.  No LaTeX installation is assumed.  Then: nothing mathematical inside ``\\text{}``; an index symbol
(the layer weight ``z^1``) prints as ``z^{(1)}``, never as a power; no ``**``; the starvation flow in the paper's
two-term form of eq. (8), typed here by hand; bounds (7) and (D.2) as sigma(...); the printed forms equal the
derived expressions at random points.
"""
import random
import re

import pytest
import sympy as sp
from matplotlib.mathtext import MathTextParser

import derivations
from derivations.model import _paper_form, _sigmoid_argument

#: Depths of ``deep`` in the default suite: the paper's (2, 3, 4); every depth 2..16 (:data:`ALL_DEPTHS`, the
#: command's range) is marked slow (building a chain takes 0.3-1.7 s; measured 40 s for all, BCE alone 17 s).
QUICK_DEPTHS = (2, 3, 4)
ALL_DEPTHS = range(2, 17)
#: Random points at which a printed form is compared with the derived expression.
SAMPLES = 3


def _models(*, broad: bool) -> dict:
    """Models of ``derive`` at the sizes the command takes: ``broad=False`` the default suite's (BCE, the paper's
    hinge, each model once); ``broad=True`` every loss and more sizes (slow: building a model takes up to 7 s)."""
    losses = derivations.LOSS_NAMES if broad else ("bce",)
    cases = {}
    for loss in losses:
        for name in ("two_layer", "shared_neuron", "starvation"):
            cases[f"{name}-{loss}"] = (lambda name=name, loss=loss: derivations.MODELS[name](loss))
        for size in ((1, 2, 3) if broad else (2,)):
            cases[f"wide{size}-{loss}"] = (lambda size=size, loss=loss: derivations.wide(size, loss))
        for size in ((2, 3) if broad else (2,)):
            cases[f"orthogonal{size}-{loss}"] = (lambda size=size, loss=loss: derivations.orthogonal_points(size, loss))
        cases[f"data_flow-{loss}"] = (lambda loss=loss: derivations.MODELS["data_flow"](units=2, points=3, loss=loss))
        cases[f"class_mode-{loss}"] = (lambda loss=loss: derivations.MODELS["class_mode"](units=1, points=2, loss=loss))
        cases[f"deep3-{loss}"] = (lambda loss=loss: derivations.deep(3, loss))
    cases["two_layer-hinge"] = lambda: derivations.two_layer("hinge")
    for depth in QUICK_DEPTHS:
        cases[f"deep{depth}-bce"] = (lambda depth=depth: derivations.deep(depth, "bce"))
    for classes in ((2, 3) if broad else (2,)):
        cases[f"multiclass{classes}"] = (lambda classes=classes: derivations.multiclass(classes))
    if broad:
        cases["two_layer-formula"] = lambda: derivations.two_layer(sp.exp(-derivations.margin))
    return cases


MODELS = _models(broad=False)
BROAD = {name: build for name, build in _models(broad=True).items() if name not in MODELS}
PARSER = MathTextParser("path")
#: A word of prose inside ``\text{}``: letters (two or more, hyphenated allowed), a number, or a reference to an
#: equation of the paper such as ``(7)`` or ``(D.2)``; a trailing comma allowed.
PROSE = re.compile(r"(?:[A-Za-z]{2,}(?:-[A-Za-z]+)*|\d+|\((?:[A-Z]\.)?\d+(?:\.\d+)?\)|\([A-Za-z ]+\)),?")
GREEK = {"alpha", "beta", "gamma", "delta", "lambda", "theta", "sigma", "mu", "tau", "phi", "psi", "omega"}


def equations(tex: str) -> list:
    """The equations of an ``align*`` block, each as plain math: ``a &= b \\\\`` -> ``a = b``."""
    lines = tex.strip().splitlines()
    assert lines[0] == r"\begin{align*}" and lines[-1] == r"\end{align*}"
    return [line.removesuffix(r" \\").replace("&=", "=") for line in lines[1:-1]]


def texts(tex: str) -> list:
    return re.findall(r"\\text\{((?:[^{}]|\{[^{}]*\})*)\}", tex)


def check_latex(model) -> None:
    tex = model.latex()
    for equation in equations(tex):
        PARSER.parse(f"${equation}$")  # raises ValueError on what mathtext (a TeX subset) cannot read
    for text in texts(tex):
        for word in text.split():
            assert PROSE.fullmatch(word) and word.strip(",").lower() not in GREEK, (text, word)
    assert "**" not in tex and "$" not in tex
    for symbol in (*model.state, *model.parameters):
        if "^" in symbol.name:  # an index (layer, neuron), never a power
            base, index = symbol.name.split("^")
            assert f"{base}^{{({index})}}" in tex
            if index == "1" or int(index) > 2:  # z^{2} may be z squared; z^{1} and z^{3}... never appear as powers
                assert f"{base}^{{{index}}}" not in tex, symbol


@pytest.mark.parametrize("build", MODELS.values(), ids=MODELS.keys())
def test_every_equation_renders_and_reads_unambiguously(build):
    check_latex(build())


@pytest.mark.slow
@pytest.mark.parametrize("build", BROAD.values(), ids=BROAD.keys())
def test_every_loss_and_size_renders(build):
    check_latex(build())


@pytest.mark.slow
@pytest.mark.parametrize("loss", derivations.LOSS_NAMES)
@pytest.mark.parametrize("depth", ALL_DEPTHS)
def test_every_depth_renders(depth, loss):
    check_latex(derivations.deep(depth, loss))


def _same_value(a, b, rng) -> bool:
    """``a`` and ``b`` agree at random points (positive values: every symbol of the models is a real weight)."""
    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    for _ in range(SAMPLES):
        point = {s: sp.Float(rng.uniform(0.2, 0.8)) for s in symbols}
        x, y = complex(a.evalf(30, subs=point)), complex(b.evalf(30, subs=point))
        if abs(x - y) > 1e-20 * max(1.0, abs(x)):
            return False
    return True


@pytest.mark.parametrize("name", ["starvation-bce", "shared_neuron-bce", "orthogonal2-bce", "data_flow-bce",
                                  "wide2-bce"])
def test_printed_forms_have_the_derived_values(name):
    """The printing rearranges, never changes: each flow's printed form and each sigma(a) has the derived value."""
    model = MODELS[name]()
    rng = random.Random(0)
    for state in model.state:
        assert _same_value(_paper_form(model.flow[state]), model.flow[state], rng), state
    for _, _, quantity in model.quantities.labelled_items():
        argument = _sigmoid_argument(quantity)
        if argument is not None:
            assert _same_value(1 / (1 + sp.exp(-argument)), quantity, rng)


def test_starvation_prints_the_paper_two_term_flow_and_sigmoid_bounds():
    """eq. (8), typed from the paper with general norms (logits z(alpha n1^2 + beta n2^2) on (x1, x2), z alpha n1^2 on
    (x1, 0)): alpha' = lambda z/(1+e^{logit_12}) + (1-lambda) z/(1+e^{logit_1}), one term per kind of point."""
    model = derivations.starvation()
    alpha, beta, z = model.state
    lam, n1, n2 = model.parameters
    logit_12, logit_1 = z * (alpha * n1**2 + beta * n2**2), z * alpha * n1**2
    by_hand = {alpha: [lam * z / (1 + sp.exp(logit_12)), (1 - lam) * z / (1 + sp.exp(logit_1))],
               z: [lam * (alpha * n1**2 + beta * n2**2) / (1 + sp.exp(logit_12)),
                   (1 - lam) * alpha * n1**2 / (1 + sp.exp(logit_1))]}
    tex = model.latex()
    for state, terms in by_hand.items():
        printed = _paper_form(model.flow[state])
        assert len(sp.Add.make_args(printed)) == 2
        assert set(sp.Add.make_args(printed)) == set(terms)  # the paper's terms, exactly
        line = f"\\dot{{{sp.latex(state)}}} &= {sp.latex(printed)}"
        assert line in tex and line.count(r"\frac") == 2
    bounds = [line for line in tex.splitlines() if line.startswith(r"\text{bound")]
    assert len(bounds) == 2 and all(r"&= \sigma\left(" in line for line in bounds)
    assert r"z_{*} \left(- \alpha_{0} \lambda + \beta_{0}\right)" in bounds[1]  # beta0 - lambda alpha0 (erratum)
    plain = model.pretty()
    assert "_**" not in plain and "(z_*)*" in plain  # z_* times a factor, not z_ to a power


def test_labels_put_words_in_text_and_formulas_in_math():
    from derivations.model import _tex_label

    assert _tex_label("layer z^(1)") == r"\text{layer}\ z^{(1)}"
    assert _tex_label("hyperbolic class 1 (y^2 > n^2 z^2)") == r"\text{hyperbolic class 1}\ (y^{2} > n^{2} z^{2})"
    assert _tex_label("alpha^2/n1^2 + beta^2/n2^2 - z^2") == r"\alpha^{2}/n_{1}^{2} + \beta^{2}/n_{2}^{2} - z^{2}"
    assert _tex_label("stopping time (c != 0)") == r"\text{stopping time}\ (c \neq 0)"
    assert _tex_label("bound (D.2)") == r"\text{bound (D.2)}"
    assert _tex_label("anti-balanced class 1 (stalls)") == r"\text{anti-balanced class 1 (stalls)}"
    assert _tex_label("fixed point alpha") == r"\text{fixed point}\ \alpha"
    assert _tex_label("sum_i y_i^2 - n^2 z^2") == r"\sum_{i} y_{i}^{2} - n^{2} z^{2}"


def test_the_check_catches_what_it_is_for():
    """The checks can fail: math inside text, a power-like index, a ``**`` subscript are each refused."""
    for bad in (r"\text{layer $z^{(1)}$} = 1", r"\text{fixed point alpha} = 1"):
        with pytest.raises((AssertionError, ValueError)):
            PARSER.parse(f"${bad}$")
            for text in texts(bad):
                for word in text.split():
                    assert PROSE.fullmatch(word) and word.lower() not in GREEK
    with pytest.raises(ValueError):
        PARSER.parse(r"$\frac{1}{2$")
