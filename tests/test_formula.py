"""dynamics.formula: loss formulas read by a whitelist walk of the syntax tree, never evaluated."""
import sympy as sp
import pytest

from derivations import margin as m
from dynamics.formula import MAX_EXPONENT, MAX_FORMULA_LENGTH, loss_spec, parse_loss


@pytest.mark.parametrize("text, expected", [
    ("exp(-m)", sp.exp(-m)),
    ("2*log(1+exp(-m/2))", 2 * sp.log(1 + sp.exp(-m / 2))),           # logistic with temperature 2
    ("max(0, 1-m)", sp.Max(0, 1 - m)),
    ("Max(0, 1 - margin)", sp.Max(0, 1 - m)),                           # sympy's spelling, as in the issue
    ("max(0, 1 - m)**2 / 2", sp.Max(0, 1 - m) ** 2 / 2),
    ("(1 - m)**2/2", (1 - m) ** 2 / 2),
    ("0.1*m**2 + 1e-3", sp.Rational(1, 10) * m ** 2 + sp.Rational(1, 1000)),   # decimals read exactly
    ("log1p(exp(-m))", sp.log(1 + sp.exp(-m))),
    ("-log(sigmoid(m))", -sp.log(1 / (1 + sp.exp(-m)))),
    ("softplus(-m)", sp.log(1 + sp.exp(-m))),
    ("sqrt(1 + m**2) - m", sp.sqrt(1 + m ** 2) - m),
    ("abs(1 - m) + min(m, 0) + tanh(-m)", sp.Abs(1 - m) + sp.Min(m, 0) + sp.tanh(-m)),
    ("e**(-m) * pi / pi", sp.exp(-m)),
    ("+m - -m", 2 * m),
])
def test_formulas_equal_hand_built_sympy(text, expected):
    got = parse_loss(text)
    assert got == expected or sp.simplify(got - expected) == 0
    assert got.free_symbols == {m}


@pytest.mark.parametrize("text, words", [
    ("__import__('os').system('echo hi')", "attribute access .system"),
    ("__import__('os')", "'__import__'"),
    ("exp.__class__", "attribute access .__class__"),
    ("(lambda: 1)()", "lambda"),
    ("m[0]", "subscript"),
    ("exp(m, base=2)", "keyword"),
    ("exp(*[m])", "starred"),
    ("open('f')", "'open'"),
    ("sympify('m')", "'sympify'"),
    ("x + 1", "'x'"),
    ("'m'", "constant 'm'"),
    ("1j*m", "constant 1j"),
    ("True*m", "constant True"),
    ("m if m else 1", "IfExp"),
    ("m > 1", "comparison"),
    ("m // 2", "operator //"),
    ("m ^ 2", "operator ^"),
    ("(1 + m)**10**9", "exponent"),
    ("m**(-100)", "exponent"),
    ("9**9**9", "exponent"),
    ("(10**50)**10 * m", "digits"),        # exponent 10 is fine, the constant 10**500 is not
    ("m + 1e999", "not finite"),
    ("exp", "must be called"),
    ("max(m)", "at least 2"),
    ("exp(m, m)", "takes 1"),
    ("1/0 + m", "not finite"),
    ("2 + 3", "does not depend on m"),
    ("", "empty"),
    ("exp(-m", "not a formula"),
    ("m; import os", "not a formula"),
    ("m" + " + m" * MAX_FORMULA_LENGTH, "characters long"),
    ("(" * 240 + "m" + ")" * 240, "not a formula"),  # too deeply nested for the parser
])
def test_anything_outside_the_whitelist_is_refused_by_name(text, words):
    with pytest.raises(ValueError) as info:
        parse_loss(text)
    message = str(info.value)
    assert message.startswith("loss formula") and words in message, message


def test_the_exponent_bound_is_inclusive_and_constants_stay_exact():
    assert parse_loss(f"m**{MAX_EXPONENT}") == m ** MAX_EXPONENT
    assert parse_loss("9**9*m") == 387420489 * m
    assert parse_loss("-" * 451 + "m") == -m  # deep unary chains walk fine
    assert parse_loss("m/3") == m / 3 and parse_loss("m/3") != m * 0.3333333333333333


def test_loss_spec_keeps_names_and_parses_formulas():
    assert loss_spec("bce") == "bce" and loss_spec("hinge") == "hinge" and loss_spec(" squared ") == "squared"
    assert loss_spec("exp(-m)") == sp.exp(-m)
    with pytest.raises(ValueError, match="'logistic'"):
        loss_spec("logistic")
    with pytest.raises(TypeError, match="must be a string"):
        parse_loss(3)


def test_parsed_losses_resolve_like_the_builtins():
    """The parsed expressions are what derivations expects: the hinge stops at the margin 1, read off the
    expression; the BCE written out has the drive sigma(-m)."""
    from derivations import resolve_loss
    assert resolve_loss(parse_loss("max(0, 1 - m)")).stop_margin == 1
    drive = resolve_loss(parse_loss("log(1 + exp(-m))")).drive
    assert sp.simplify(drive - 1 / (1 + sp.exp(m))) == 0
