"""Loss formulas typed by a user (``exp(-m)``, ``2*log(1 + exp(-m/2))``, ``max(0, 1 - m)``), read safely.

A formula is parsed by :func:`ast.parse` into a syntax tree and walked node by
node against a whitelist; the sympy expression is built directly from the
nodes (``sp.exp(...)``, ``sp.Max(...)``).  Nothing the user typed is ever
evaluated by Python or sympy's own parser (no ``eval``, ``sympify`` or
``parse_expr``), so a formula can name no module, attribute or function
outside the whitelist.

Allowed
    * numbers (``2``, ``0.5``, ``1e-3``; decimals are read exactly, ``0.1`` is 1/10);
    * the margin: ``m`` or ``margin`` (:data:`derivations.margin`, ``m = s u``);
      the constants ``e`` and ``pi``;
    * ``+ - * / **`` and a leading ``-`` or ``+``; parentheses;
    * the functions of :data:`FUNCTIONS`: ``exp log sqrt abs max min tanh
      log1p sigmoid softplus`` (and sympy's spelling ``Abs Max Min``).

Refused (a :class:`ValueError` naming what is not allowed)
    any other name, attributes (``a.b``), subscripts, calls of anything but
    the functions above, keyword arguments, lambdas, comparisons, strings,
    complex numbers, a constant exponent beyond :data:`MAX_EXPONENT`, a
    constant beyond about ``10**MAX_CONSTANT_DIGITS``, text longer than
    :data:`MAX_FORMULA_LENGTH`, and a formula that does not depend on ``m``.
"""
from __future__ import annotations

import ast
import math

import sympy as sp

__all__ = ["parse_loss", "loss_spec", "FUNCTIONS", "MAX_FORMULA_LENGTH", "MAX_EXPONENT", "MAX_CONSTANT_DIGITS"]

#: Longest formula accepted: a loss is a line, and a bound keeps the parser's work (and nesting) small.
MAX_FORMULA_LENGTH = 500
#: Largest |constant exponent|: a loss needs small powers; a bound stops ``(1 + m)**10**9`` from costing
#: sympy (and the compiled ground truth) an expansion of that size.
MAX_EXPONENT = 64
#: Largest constant, as decimal digits of its magnitude: far beyond float64 (308 digits) is never a loss
#: coefficient, and the bound stops exact integer powers such as ``9**9**9`` from being computed.
MAX_CONSTANT_DIGITS = 400


def _sigmoid(x):
    return 1 / (1 + sp.exp(-x))


def _softplus(x):
    return sp.log(1 + sp.exp(x))


#: The functions a formula may call: name -> (sympy builder, least arguments, most arguments or None).
FUNCTIONS = {
    "exp": (sp.exp, 1, 1), "log": (sp.log, 1, 1), "sqrt": (sp.sqrt, 1, 1), "tanh": (sp.tanh, 1, 1),
    "abs": (sp.Abs, 1, 1), "Abs": (sp.Abs, 1, 1),
    "max": (sp.Max, 2, None), "Max": (sp.Max, 2, None), "min": (sp.Min, 2, None), "Min": (sp.Min, 2, None),
    "log1p": (lambda x: sp.log(1 + x), 1, 1), "sigmoid": (_sigmoid, 1, 1), "softplus": (_softplus, 1, 1),
}


def _names():
    from derivations import margin

    return {"m": margin, "margin": margin, "e": sp.E, "pi": sp.pi}


_OPERATORS = {ast.Add: lambda a, b: a + b, ast.Sub: lambda a, b: a - b, ast.Mult: lambda a, b: a * b,
              ast.Div: lambda a, b: a / b}
_OPERATOR_SYMBOLS = {ast.FloorDiv: "//", ast.Mod: "%", ast.MatMult: "@", ast.LShift: "<<", ast.RShift: ">>",
                     ast.BitOr: "|", ast.BitXor: "^ (write ** for a power)", ast.BitAnd: "&", ast.Not: "not",
                     ast.Invert: "~"}


def parse_loss(text: str) -> sp.Expr:
    """Read a loss formula in the margin ``m`` into a sympy expression of :data:`derivations.margin`.

    Parameters
    ----------
    text : str
        The formula, e.g. ``"exp(-m)"``, ``"2*log(1 + exp(-m/2))"``, ``"max(0, 1 - m)"``
        (see the module docstring for what is allowed).

    Returns
    -------
    sympy.Expr
        The loss as a function of :data:`derivations.margin`.

    Raises
    ------
    TypeError
        ``text`` is not a string.
    ValueError
        The formula is empty, too long, not a Python-style expression, uses
        anything outside the whitelist (named in the message), holds a
        constant exponent beyond :data:`MAX_EXPONENT` or a huge constant,
        divides by zero, or does not depend on ``m``.

    Examples
    --------
    >>> parse_loss("2*log(1 + exp(-m/2))")
    2*log(1 + exp(-m/2))
    >>> parse_loss("max(0, 1 - margin)")
    Max(0, 1 - m)
    """
    if not isinstance(text, str):
        raise TypeError(f"loss formula must be a string, got {type(text).__name__}")
    if not text.strip():
        raise ValueError("loss formula is empty; write the loss in m, the margin, e.g. exp(-m)")
    if len(text) > MAX_FORMULA_LENGTH:
        raise ValueError(f"loss formula is {len(text):,} characters long; at most {MAX_FORMULA_LENGTH} are "
                         "accepted")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, ValueError, MemoryError, RecursionError) as exc:
        reason = getattr(exc, "msg", None) or type(exc).__name__
        raise ValueError(f"loss formula {text!r} is not a formula ({reason}); write it in m, e.g. "
                         "2*log(1 + exp(-m/2))") from None
    try:
        expr = _build(tree.body, text)
    except RecursionError:
        raise ValueError(f"loss formula {text!r} is nested too deeply") from None
    if expr.has(sp.zoo, sp.nan, sp.oo, -sp.oo):
        raise ValueError(f"loss formula {text!r} is not finite (it gives {expr}): a division by zero?")
    if _names()["m"] not in expr.free_symbols:
        raise ValueError(f"loss formula {text!r} does not depend on m (the margin): it gives the constant "
                         f"{expr}, which cannot drive learning")
    return expr


def loss_spec(text: str) -> "str | sp.Expr":
    """A built-in loss name (:data:`derivations.LOSS_NAMES`) unchanged, else :func:`parse_loss` of the formula.

    Parameters
    ----------
    text : str
        ``"bce"``, ``"hinge"``, ``"squared"``, or a formula in ``m``.

    Returns
    -------
    str or sympy.Expr
        The name, or the parsed expression.

    Raises
    ------
    TypeError, ValueError
        As :func:`parse_loss` for a text that is not a built-in name.

    Examples
    --------
    >>> loss_spec("hinge"), loss_spec("exp(-m)")
    ('hinge', exp(-m))
    """
    from derivations import LOSS_NAMES

    if isinstance(text, str) and text.strip() in LOSS_NAMES:
        return text.strip()
    if isinstance(text, str) and text.strip().isidentifier() and text.strip() not in ("m", "margin"):
        raise ValueError(f"loss {text.strip()!r} is neither a built-in loss ({', '.join(LOSS_NAMES)}) nor a "
                         "formula in the margin m (e.g. 'exp(-m)', 'max(0, 1 - m)')")
    return parse_loss(text)


def _build(node: ast.AST, text: str) -> sp.Expr:
    """The sympy expression of one whitelisted node (recursively); anything else is refused by name."""
    if isinstance(node, ast.Constant):
        return _number(node.value, text)
    if isinstance(node, ast.Name):
        names = _names()
        if node.id not in names:
            hint = " (a function must be called, e.g. exp(-m))" if node.id in FUNCTIONS else ""
            raise ValueError(f"loss formula {text!r}: the name {node.id!r} is not allowed{hint}; the names are "
                             f"m (or margin), e and pi, and the functions {', '.join(sorted(FUNCTIONS))}")
        return names[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        operand = _build(node.operand, text)
        return -operand if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
        return _OPERATORS[type(node.op)](_build(node.left, text), _build(node.right, text))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        return _power(_build(node.left, text), _build(node.right, text), text)
    if isinstance(node, ast.Call):
        return _call(node, text)
    raise ValueError(f"loss formula {text!r}: {_describe(node)} is not allowed; use numbers, m, + - * / **, "
                     f"parentheses and the functions {', '.join(sorted(FUNCTIONS))}")


def _describe(node: ast.AST) -> str:
    """How a refused node is named in a message (an operator by its symbol, an attribute by its name)."""
    op = getattr(node, "op", None)
    if op is not None and type(op) in _OPERATOR_SYMBOLS:
        return f"the operator {_OPERATOR_SYMBOLS[type(op)]}"
    if isinstance(node, ast.Attribute):
        return f"the attribute access .{node.attr}"
    if isinstance(node, ast.Subscript):
        return "a subscript [...]"
    if isinstance(node, ast.Lambda):
        return "a lambda"
    if isinstance(node, (ast.Compare, ast.BoolOp)):
        return "a comparison or boolean operator"
    return f"a {type(node).__name__} expression"


def _number(value, text: str) -> sp.Expr:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"loss formula {text!r}: the constant {value!r} is not allowed; only real numbers are")
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"loss formula {text!r}: the number {value!r} is not finite")
        return sp.Rational(repr(value))  # the decimal as typed, exactly (0.1 is 1/10)
    if len(str(abs(value))) > MAX_CONSTANT_DIGITS:
        raise ValueError(f"loss formula {text!r}: a constant of more than {MAX_CONSTANT_DIGITS} digits is not "
                         "allowed")
    return sp.Integer(value)


def _power(base: sp.Expr, exponent: sp.Expr, text: str) -> sp.Expr:
    if exponent.is_number:
        if not exponent.is_real or abs(float(exponent)) > MAX_EXPONENT:
            raise ValueError(f"loss formula {text!r}: the exponent {exponent} is not allowed; a constant exponent "
                             f"must be real with |exponent| <= {MAX_EXPONENT}")
        if base.is_number and base != 0:
            magnitude = abs(complex(sp.N(base, 15)))
            digits = abs(float(exponent)) * abs(math.log10(magnitude)) if magnitude > 0 else 0.0
            if digits > MAX_CONSTANT_DIGITS:
                raise ValueError(f"loss formula {text!r}: the power {base}**{exponent} has about {digits:.0f} "
                                 f"digits; constants beyond 10**{MAX_CONSTANT_DIGITS} are not allowed")
    return base ** exponent


def _call(node: ast.Call, text: str) -> sp.Expr:
    if not isinstance(node.func, ast.Name):
        raise ValueError(f"loss formula {text!r}: {_describe(node.func)} cannot be called; only the functions "
                         f"{', '.join(sorted(FUNCTIONS))} can")
    name = node.func.id
    if name not in FUNCTIONS:
        raise ValueError(f"loss formula {text!r}: the function {name!r} is not allowed; the functions are "
                         f"{', '.join(sorted(FUNCTIONS))}")
    if node.keywords:
        raise ValueError(f"loss formula {text!r}: keyword arguments are not allowed (in {name}(...))")
    if any(isinstance(arg, ast.Starred) for arg in node.args):
        raise ValueError(f"loss formula {text!r}: starred arguments are not allowed (in {name}(...))")
    build, least, most = FUNCTIONS[name]
    count = len(node.args)
    if count < least or (most is not None and count > most):
        wanted = f"{least}" if least == most else f"at least {least}"
        raise ValueError(f"loss formula {text!r}: {name} takes {wanted} argument(s), got {count}")
    return build(*(_build(arg, text) for arg in node.args))
