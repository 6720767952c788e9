"""The frozen model object every factory in :mod:`derivations` returns.

A :class:`ModeModel` holds a gradient flow already projected onto mode
coordinates, its invariants, its one-dimensional reductions (balanced manifold,
hyperbolic coordinates, ...) with their closed forms, and extra claims.
:meth:`ModeModel.check` proves every identity it carries; the generic claims
(conservation, reductions, closed forms) are recomputed from the fields, so a
model whose flow has been tampered with fails its own check.
"""
from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from types import MappingProxyType
from typing import Mapping, Optional

import sympy as sp

from .claims import identity, prove
from .losses import Loss
from .named import Named, UnknownName, named

__all__ = ["ClosedForm", "Reduction", "ModeModel", "reduce_flow", "integrate_reduction", "frozen", "Named",
           "UnknownName", "named"]

#: Flow time, the independent variable of every model.
t = sp.Symbol("t", nonnegative=True)


def frozen(mapping: Mapping) -> Mapping:
    """A read-only copy of ``mapping`` (insertion order kept).

    Parameters
    ----------
    mapping : Mapping
        Any mapping (or what :class:`dict` accepts).

    Returns
    -------
    Mapping
        A :class:`types.MappingProxyType` over a fresh dict copy: later changes to ``mapping`` do not show.

    Examples
    --------
    >>> frozen({"a": 1})["a"]
    1
    """
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class ClosedForm:
    """The solution of a scalar ODE ``q' = f(q)`` from ``q(0) = initial``.

    Attributes
    ----------
    time : sympy.Expr
        ``t(q)``, the flow time needed to go from ``initial`` to ``q``, obtained
        with :func:`sympy.integrate`.
    value : sympy.Expr or None
        ``q(t)`` when sympy can invert ``time`` explicitly, else ``None``.
    initial : sympy.Symbol
        The initial value symbol (``u_0``, ``theta_0``, ...).
    """

    time: sp.Expr
    value: Optional[sp.Expr]
    initial: sp.Symbol


@dataclass(frozen=True)
class Reduction:
    """A one-dimensional reduction of a flow.

    ``parametrization`` maps every state symbol to an expression of ``variable``
    (and parameters): a curve in state space.  The claim is that the curve is a
    trajectory of the flow, along which ``variable' = rhs``; the logit of the
    state, ``logit_state``, equals ``logit_value`` there.

    Attributes
    ----------
    key : str
        Stable identifier, e.g. ``"hyperbolic_class_1_y_dominant"``: what code
        passes to :meth:`ModeModel.reduction`.
    label : str
        Prose shown to people (``"hyperbolic class 1 (y^2 > n^2 z^2)"``); also
        accepted by :meth:`ModeModel.reduction` for compatibility.
    """

    key: str
    label: str
    variable: sp.Symbol
    rhs: sp.Expr
    parametrization: Mapping
    logit_state: sp.Expr
    logit_value: sp.Expr
    closed_form: Optional[ClosedForm] = None
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or not self.key.isidentifier():
            raise ValueError(f"a reduction's key must be a Python identifier, got {self.key!r}")

    @property
    def name(self) -> str:
        """The display label (kept for code written before identifiers; use :attr:`key` in code)."""
        return self.label

    @property
    def ode(self) -> sp.Eq:
        """``Eq(Derivative(q, t), f(q))``."""
        return sp.Eq(sp.Derivative(sp.Function(self.variable.name)(t), t),
                     self.rhs.subs(self.variable, sp.Function(self.variable.name)(t)))


def reduce_flow(flow: Mapping, variable: sp.Symbol, parametrization: Mapping) -> sp.Expr:
    """Derive ``variable'`` on a parametrized curve from the flow.

    The rate is read off the first state coordinate whose parametrization moves
    with ``variable``: ``q' = s'(t) / (ds/dq)``.  Whether the other coordinates
    agree (the curve really is a trajectory) is a claim checked by
    :meth:`ModeModel.check`.

    Parameters
    ----------
    flow : Mapping[sympy.Symbol, sympy.Expr]
        ``{state symbol: its time derivative}``.
    variable : sympy.Symbol
        The curve's coordinate ``q``.
    parametrization : Mapping[sympy.Symbol, sympy.Expr]
        ``{state symbol: expression of variable}``, the curve ``s(q)``; every key must be a key of ``flow``.

    Returns
    -------
    sympy.Expr
        ``q'`` as an expression of ``variable`` (and parameters), simplified.

    Raises
    ------
    ValueError
        If no coordinate of ``parametrization`` depends on ``variable``.

    Examples
    --------
    >>> q, s = sp.symbols("q s", positive=True)
    >>> reduce_flow({s: 2 * s}, q, {s: q**2})
    q
    """
    for state, expr in parametrization.items():
        slope = sp.diff(expr, variable)
        if sp.simplify(slope) != 0:
            rate = flow[state].subs(parametrization, simultaneous=True) / slope
            return sp.simplify(sp.powsimp(rate, force=True))
    raise ValueError("the parametrization does not depend on the variable")


def integrate_reduction(variable: sp.Symbol, rhs: sp.Expr, initial: sp.Symbol) -> Optional[ClosedForm]:
    """Integrate ``dt = dq / f(q)`` with sympy; ``None`` if there is no real closed form.

    An antiderivative is accepted only when it contains no unevaluated
    integral and no imaginary unit (so it can be evaluated as a real function).
    A negative ``variable`` is integrated in ``w = -q > 0`` so that logarithms
    stay real.

    Parameters
    ----------
    variable : sympy.Symbol
        ``q``, the reduced coordinate (its sympy assumptions, e.g. ``positive``, guide the integration).
    rhs : sympy.Expr
        ``f(q)`` in ``q' = f(q)``.
    initial : sympy.Symbol
        ``q(0)``.

    Returns
    -------
    ClosedForm or None
        ``t(q)`` with ``t(initial) = 0``, and ``q(t)`` when it can be inverted explicitly (else its ``value`` is
        ``None``); ``None`` when sympy finds no real antiderivative.
    """
    # Expanding 1/f into a sum lets sympy integrate term by term (much faster than its heuristics).
    def real(expr):
        return not (expr.has(sp.Integral) or expr.has(sp.I) or expr.has(sp.exp_polar))

    if variable.is_negative:  # integrate in w = -q > 0 so logarithms and Ei stay real
        magnitude, magnitude0 = sp.Dummy("w", positive=True), sp.Dummy("w0", positive=True)
        inner = integrate_reduction(magnitude, -rhs.subs(variable, -magnitude), magnitude0)
        if inner is not None:
            back = {magnitude: -variable, magnitude0: -initial}
            value = None if inner.value is None else -inner.value.subs(magnitude0, -initial)
            return ClosedForm(time=sp.simplify(inner.time.subs(back, simultaneous=True)), value=value, initial=initial)
    constant, dependent = sp.simplify(1 / rhs).as_independent(variable, as_Add=False)
    antiderivative = constant * sp.integrate(sp.expand(dependent), variable)
    if not real(antiderivative):  # fall back on sympy's own heuristics (slower)
        antiderivative = sp.integrate(sp.simplify(1 / rhs), variable)
    if not real(antiderivative):
        return None
    time = sp.simplify(antiderivative - antiderivative.subs(variable, initial))
    value = _invert_power(variable, antiderivative, initial)
    if value is None:
        elementary = all(isinstance(f, (sp.exp, sp.log)) for f in time.atoms(sp.Function))
        try:  # only elementary t(q) can be inverted explicitly; log(u) + Ei(u) is inverted numerically
            solutions = sp.solve(sp.Eq(time, t), variable) if elementary else []
        except NotImplementedError:
            solutions = []
        value = sp.simplify(solutions[0]) if len(solutions) == 1 else None
    return ClosedForm(time=time, value=value, initial=initial)


def _invert_power(variable: sp.Symbol, antiderivative: sp.Expr, initial: sp.Symbol) -> Optional[sp.Expr]:
    """``q(t)`` when the antiderivative is a single power ``A(q) = C q^k`` (k != 0), else ``None``.

    The power substitution ``w = q^k`` makes ``t = A(q) - A(q0) = C (w - w0)``
    linear in ``w``, so ``w = w0 + t / C`` and ``q = w^(1/k)`` for ``q > 0``.
    This is what a separable power law ``q' = c q^a`` (a != 1) integrates to;
    :func:`sympy.solve` gets there too but takes minutes for large exponents'
    denominators (the deep hinge chain).  The result is proven, like any
    explicit solution, by :meth:`ModeModel.generic_claims` (it inverts t(q),
    starts at q0, and solves the ODE).
    """
    if not variable.is_positive:
        return None
    coefficient, power = sp.powsimp(antiderivative, force=True).as_independent(variable, as_Add=False)
    base, exponent = power.as_base_exp()
    if base != variable or not exponent.is_Rational or exponent == 0 or coefficient.has(variable):
        return None
    w = sp.Dummy("w", positive=True)  # w = q^k
    linear = coefficient * (w - initial**exponent)
    w_of_t = sp.solve(sp.Eq(linear, t), w, rational=False)  # linear in w: immediate
    if len(w_of_t) != 1:
        return None
    return w_of_t[0] ** (1 / exponent)


#: Models kept by each factory's cache (keyed by value: the sizes and the :class:`Loss`).  Reason: every built-in
#: loss at every accepted size of one factory is far fewer; the bound only matters for a loop over custom losses,
#: where an evicted model is derived again (and compares equal to the old one).
FACTORY_CACHE_SIZE = 128
#: Specialisations kept by :meth:`ModeModel.at` (keyed by the model and the values, so equal calls share one
#: entry).  Reason: a sweep specialises a handful of models at a few dozen values; the bound only stops a long
#: session from keeping every specialisation alive (an evicted one is rebuilt, equal by value).
AT_CACHE_SIZE = 256


def _identifier(label: str) -> str:
    """An identifier made from a prose label (for models built from plain dicts): non-alphanumerics -> ``_``."""
    out = "".join(ch if ch.isalnum() else "_" for ch in str(label)).strip("_")
    while "__" in out:
        out = out.replace("__", "_")
    return out if out.isidentifier() else f"_{out}"


def _as_named(kind: str, mapping) -> Named:
    """``mapping`` as a :class:`Named`; a plain mapping's keys become labels with derived identifiers."""
    if isinstance(mapping, Named):
        return mapping
    return Named(kind, ((_identifier(k), k, v) for k, v in dict(mapping).items()))


def _value_key(obj):
    """A hashable structural key of ``obj`` (mappings, dataclasses, tuples and sympy objects)."""
    if isinstance(obj, Named):
        return ("Named", obj.kind, tuple((k, label, _value_key(v)) for k, label, v in obj.labelled_items()))
    if isinstance(obj, Mapping):
        return ("Mapping", tuple((_value_key(k), _value_key(v)) for k, v in obj.items()))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return (type(obj).__name__,) + tuple(_value_key(getattr(obj, f.name)) for f in dataclasses.fields(obj))
    if isinstance(obj, (tuple, list)):
        return tuple(_value_key(x) for x in obj)
    return obj


@dataclass(frozen=True, eq=False)  # equality and hash by value: see __eq__
class ModeModel:
    """A gradient flow in mode coordinates, derived from a network and a loss.

    Logits, invariants and quantities are :class:`~derivations.named.Named`
    mappings: code asks for an entry by its stable identifier
    (``model.quantity("stopping_time")``, ``model.logits["class_1"]``); the prose
    label (``"stopping time (u = 1)"`` for a deep hinge chain) is for display
    only, never a key.  Models compare and hash by value, so equal
    specialisations (:meth:`at`) share cache entries.

    Attributes
    ----------
    name : str
        The model's name (``"two_layer"``, ``"deep"``, ...).
    loss : Loss
        The loss it was derived for.
    state : tuple of sympy.Symbol
        Mode coordinates.
    parameters : tuple of sympy.Symbol
        Data norms, frequencies and other constants.
    flow : Mapping[sympy.Symbol, sympy.Expr]
        Time derivative of each state symbol.
    logits : Named[str, sympy.Expr]
        Logits (or margins) as expressions of the state, by identifier (``"class_1"``).
    invariants : Named[str, sympy.Expr]
        Conserved quantities, by identifier.
    reductions : tuple of Reduction
        One-dimensional reductions, the first being the headline one.
    quantities : Named[str, sympy.Expr]
        Derived quantities (stopping times, bounds, fixed points, ...), by identifier.
    claims : tuple of Claim
        Model-specific claims, proven by :meth:`check` with the generic ones.
    source : str
        Where in the paper the model comes from.
    rectified : tuple of sympy.Symbol
        State coordinates that are ReLU pre-activations: when one reaches 0
        its unit is dead and stays dead (the numerical engine freezes it).
    fractions : tuple of sympy.Symbol
        Parameters that are frequencies or shares, valid in (0, 1].
    margin_signs : Mapping[str, int]
        The sign ``s`` of each logit's training points (``+1`` class 1, ``-1`` class 2), so that the signed
        margin is ``s u``; ``0`` for a logit that no training point has (a test input).  Keyed by logit
        identifier (labels are accepted when building); logits not listed have ``s = +1``.
    """

    name: str
    loss: Loss
    state: tuple
    parameters: tuple
    flow: Mapping
    logits: Mapping
    invariants: Mapping = field(default_factory=dict)
    reductions: tuple = ()
    quantities: Mapping = field(default_factory=dict)
    claims: tuple = ()
    source: str = ""
    rectified: tuple = ()
    fractions: tuple = ()
    margin_signs: Mapping = field(default_factory=dict)

    def __post_init__(self) -> None:
        logits = _as_named("logit", self.logits)
        object.__setattr__(self, "logits", logits)
        object.__setattr__(self, "invariants", _as_named("invariant", self.invariants))
        object.__setattr__(self, "quantities", _as_named("quantity", self.quantities))
        object.__setattr__(self, "margin_signs", frozen({logits.key_of(k): v for k, v in self.margin_signs.items()}))

    # -- value semantics ----------------------------------------------------
    @cached_property
    def _key(self) -> tuple:
        return _value_key(tuple(getattr(self, f.name) for f in dataclasses.fields(self)))

    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if not isinstance(other, ModeModel):
            return NotImplemented
        return hash(self) == hash(other) and self._key == other._key

    def __hash__(self) -> int:
        return hash(self._key)

    # -- named entries ----------------------------------------------------
    def quantity(self, key: str) -> sp.Expr:
        """The derived quantity ``key`` (an identifier such as ``"stopping_time"``).

        Parameters
        ----------
        key : str
            An identifier of :attr:`quantities` (labels are display text).

        Returns
        -------
        sympy.Expr
            The quantity as an expression of the model's parameters (and initial values).

        Raises
        ------
        UnknownName
            (a KeyError and a ValueError) listing the model's quantities.

        Examples
        --------
        >>> from derivations import deep
        >>> deep(3, "hinge").quantity("stopping_time")
        (1 - u_0**(1/3))/(n**(2/3)*p*u_0**(1/3))
        """
        return self.quantities[key]

    def logit(self, key: str) -> sp.Expr:
        """The logit ``key`` (an identifier such as ``"class_1"``) as an expression of the state.

        Parameters
        ----------
        key : str
            An identifier of :attr:`logits` (labels are display text).

        Returns
        -------
        sympy.Expr
            The logit (or margin) as an expression of the state symbols and parameters.

        Raises
        ------
        UnknownName
            (a KeyError and a ValueError) listing the model's logits.

        Examples
        --------
        >>> from derivations import two_layer
        >>> two_layer("hinge").logit("class_1") == two_layer("hinge").logits["class_1"]
        True
        """
        return self.logits[key]

    # -- convenient views -------------------------------------------------
    @property
    def reduced(self) -> Optional[sp.Eq]:
        """The headline reduced logit ODE, or ``None``."""
        return self.reductions[0].ode if self.reductions else None

    @property
    def closed_form(self) -> Optional[ClosedForm]:
        """The headline reduction's closed form, or ``None``."""
        return self.reductions[0].closed_form if self.reductions else None

    def reduction(self, key: str) -> Reduction:
        """The reduction ``key`` (an identifier such as ``"hyperbolic_class_1_y_dominant"``).

        Parameters
        ----------
        key : str
            The :attr:`Reduction.key` of one of :attr:`reductions` (its :attr:`Reduction.label` is display text).

        Returns
        -------
        Reduction
            The reduction whose key is ``key``.

        Raises
        ------
        UnknownName
            (a KeyError and a ValueError) listing the model's reductions.
        """
        for r in self.reductions:
            if key == r.key:
                return r
        for r in self.reductions:
            if key == r.label:
                raise UnknownName(f"{key!r} is the label of the reduction {r.key!r} of {self.name}; reductions are "
                                  f"looked up by identifier: use {r.key!r}")
        choices = ", ".join(f"{r.key!r} ({r.label})" for r in self.reductions) or "none"
        raise UnknownName(f"{key!r} is not a reduction of {self.name}; valid identifiers: {choices}")

    def at(self, **values: int | float | sp.Rational) -> "ModeModel":
        """The model with some parameters fixed to numbers (exact rationals for floats).

        Every parameter must be positive; frequencies and shares (``fractions``)
        must lie in (0, 1].  The claims are carried over, so ``check()`` proves
        them again for the specialised model.  Equal calls return the same
        (cached) model, and specialisations equal by value compare equal.

        Parameters
        ----------
        **values : int, float or sympy.Rational
            Parameter name (``str`` of one of :attr:`parameters`, e.g. ``p=0.5``) to its number: finite and
            ``> 0``, and at most 1 for a parameter in :attr:`fractions`.  A float is replaced by the rational
            :func:`sympy.nsimplify` finds for it; ``bool`` is refused.

        Returns
        -------
        ModeModel
            A model whose fields have those parameters substituted and removed from :attr:`parameters`
            (and :attr:`fractions`); with no ``values``, a model equal to this one.

        Raises
        ------
        ValueError
            If a name is not a parameter of the model, a value is not finite and ``> 0``, or a fraction
            exceeds 1.
        TypeError
            If a value is not an ``int``, ``float`` or ``sympy.Rational`` (or is a ``bool``).

        Examples
        --------
        >>> from derivations import two_layer
        >>> two_layer("hinge").at(p=0.5, n_1=2).flow[two_layer().state[0]]
        2*z_1
        """
        by_name = {str(q): q for q in self.parameters}
        subs = {}
        for name, value in values.items():
            if name not in by_name:
                raise ValueError(f"{name!r} is not a parameter of {self.name}; its parameters are {sorted(by_name)}")
            if isinstance(value, bool) or not isinstance(value, (int, float, sp.Rational)):
                raise TypeError(f"{name} must be a number, got {type(value).__name__}")
            number = sp.nsimplify(value) if isinstance(value, float) else sp.Integer(value) if isinstance(value, int) else value
            if not (number.is_finite and number > 0):
                raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
            if by_name[name] in self.fractions and number > 1:
                raise ValueError(f"{name} is a frequency or share and must lie in (0, 1], got {value!r}")
            subs[by_name[name]] = number
        return _specialise(self, tuple(sorted(subs.items(), key=lambda item: str(item[0]))))

    def discrete_map(self, step: sp.Symbol) -> Mapping:
        """One full-batch gradient-descent step of size ``step`` in mode coordinates.

        By Lemma 3.1 a GD step on the real network moves the mode coordinates by
        exactly ``step`` times the flow evaluated at the current state.

        Parameters
        ----------
        step : sympy.Symbol
            The learning rate (a symbol, or any sympy expression or number).

        Returns
        -------
        Mapping
            Read-only ``{state symbol s: s + step * flow[s]}`` for every symbol of :attr:`state`.

        Examples
        --------
        >>> from derivations import two_layer
        >>> model = two_layer("hinge")
        >>> eta, z = sp.Symbol("eta"), model.state[0]
        >>> model.discrete_map(eta)[z] == z + eta * model.flow[z]
        True
        """
        return frozen({s: s + step * self.flow[s] for s in self.state})

    # -- proofs -----------------------------------------------------------
    def generic_claims(self) -> tuple:
        """Claims implied by the fields: conservation, reductions, closed forms.

        They are rebuilt from the current fields at every call, so a tampered flow fails them.

        Returns
        -------
        tuple of Claim
            For every invariant, that it is conserved; for every reduction, that its curve follows the flow
            and carries the stated logit; for every closed form, that it solves the reduced ODE from its
            initial value (and, when explicit, that ``value`` inverts ``time``).
        """
        out = []
        for _, name, inv in self.invariants.labelled_items():
            rate = sum(sp.diff(inv, s) * self.flow[s] for s in self.state)
            out.append(identity(f"invariant {name} is conserved", rate))
        for r in self.reductions:
            for s in r.parametrization:
                along = self.flow[s].subs(r.parametrization, simultaneous=True)
                expected = sp.diff(r.parametrization[s], r.variable) * r.rhs
                out.append(identity(f"{r.label}: d{s}/dt on the curve equals ({s})'({r.variable}) * {r.variable}'",
                                    along - expected))
            out.append(identity(f"{r.label}: the logit on the curve is {sp.sstr(r.logit_value)}",
                                r.logit_state.subs(r.parametrization, simultaneous=True) - r.logit_value))
            cf = r.closed_form
            if cf is not None:
                out.append(identity(f"{r.label}: d t/d{r.variable} of the closed form equals 1/{r.variable}'",
                                    sp.diff(cf.time, r.variable) - 1 / r.rhs))
                out.append(identity(f"{r.label}: the closed form starts at t = 0",
                                    cf.time.subs(r.variable, cf.initial)))
                if cf.value is not None:
                    # value(t(q)) = q, with dt/dq = 1/q' above, proves that value(t) solves the ODE
                    out.append(identity(f"{r.label}: the explicit solution inverts t({r.variable})",
                                        cf.value.subs(t, cf.time) - r.variable))
                    out.append(identity(f"{r.label}: the explicit solution starts at {cf.initial}",
                                        cf.value.subs(t, 0) - cf.initial))
                    # differentiated back, at the time t(q) each q is reached (so q(t) > 0 is known to sympy)
                    out.append(identity(f"{r.label}: the explicit solution solves the ODE "
                                        f"(d{r.variable}/dt = {r.variable}' along it)",
                                        sp.diff(cf.value, t).subs(t, cf.time) - r.rhs))
        return tuple(out)

    def all_claims(self) -> tuple:
        """Generic claims followed by the model-specific ones.

        Returns
        -------
        tuple of Claim
            :meth:`generic_claims` followed by :attr:`claims`.
        """
        return self.generic_claims() + tuple(self.claims)

    @cached_property
    def _proofs(self) -> tuple:
        return tuple(prove(c) for c in self.all_claims())

    def proofs(self) -> tuple:
        """Every claim with its outcome and method, as :class:`ClaimResult` objects.

        The proofs run once per model (cached); later calls return the same tuple.

        Returns
        -------
        tuple of ClaimResult
            One result per claim of :meth:`all_claims`, in that order.
        """
        return self._proofs

    def check(self) -> dict:
        """Map each claimed identity or inequality to ``True`` when proven.

        Returns
        -------
        dict
            ``{statement: holds}`` from :meth:`proofs`: ``True`` when the claim was proven, ``False``
            otherwise.

        Examples
        --------
        >>> from derivations import two_layer
        >>> all(two_layer("hinge").check().values())
        True
        """
        return {r.statement: r.holds for r in self._proofs}

    # -- presentation -----------------------------------------------------
    def latex(self) -> str:
        """The model's equations as a LaTeX ``align*`` block, ready for a paper.

        Labels are words in ``\\text{...}`` and formulas in math mode (``\\text{layer}\\ z^{(1)}``); an index
        symbol such as the layer weight ``z^1`` prints as ``z^{(1)}``, never as a power; a flow that is a
        common factor times a sum of per-point terms prints as the sum of those terms (the two-term form of the
        starvation flow, eq. (8)); a sigmoid prints as ``\\sigma(...)``, as the paper writes the bounds (7)
        and (D.2).  Every line renders with matplotlib's mathtext.

        Returns
        -------
        str
            One line per flow equation, invariant, reduced ODE (with its closed form when known) and
            quantity, labelled by their display labels.

        Examples
        --------
        >>> from derivations import deep
        >>> print(deep(3).latex().splitlines()[5])
        \\text{layer}\\ z^{(1)}\\colon\\ - z^{2} + \\left(z^{(1)}\\right)^{2} &= \\mathrm{const} \\\\
        """
        names = {sym: _tex_index(sym.name) for sym in (*self.state, *self.parameters) if "^" in sym.name}

        def tex(expr):
            sigmoid = _sigmoid_argument(expr)
            if sigmoid is not None:
                return rf"\sigma\left({tex(sigmoid)}\right)"
            return sp.latex(_paper_form(expr), symbol_names=names)

        lines = [rf"\dot{{{tex(s)}}} &= {tex(self.flow[s])}" for s in self.state]
        for _, name, inv in self.invariants.labelled_items():
            lines.append(rf"{_tex_label(name)}\colon\ {tex(inv)} &= \mathrm{{const}}")
        for r in self.reductions:
            q = tex(r.variable)
            lines.append(rf"{_tex_label(r.label)}\colon\ \dot{{{q}}} &= {tex(r.rhs)}")
            if r.closed_form is not None:
                lines.append(rf"t({q}) &= {tex(r.closed_form.time)}")
                if r.closed_form.value is not None:
                    lines.append(rf"{q}(t) &= {tex(r.closed_form.value)}")
        for _, name, q in self.quantities.labelled_items():
            lines.append(rf"{_tex_label(name)} &= {tex(q)}")
        return "\\begin{align*}\n" + " \\\\\n".join(lines) + "\n\\end{align*}"

    def _repr_latex_(self) -> str:
        return "$$" + self.latex().replace("align*", "aligned") + "$$"

    def pretty(self) -> str:
        """A plain-text account of the equations (what ``learning-dynamics derive`` prints).

        Returns
        -------
        str
            Several lines: the name, loss and source, the flow, the invariants, each reduction with its
            closed form (or a note that it has none) and the quantities, with labels and identifiers.
        """
        sstr = _plain
        out = [f"{self.name} ({self.loss.description}) — {self.source}", "flow:"]
        out += [f"  d{s}/dt = {sstr(self.flow[s])}" for s in self.state]
        if self.invariants:
            out.append("invariants:")
            out += [f"  {label} [{k}]: {sstr(v)}" for k, label, v in self.invariants.labelled_items()]
        for r in self.reductions:
            out.append(f"reduction '{r.label}' [{r.key}]: d{r.variable}/dt = {sstr(r.rhs)}")
            if r.description:
                out.append(f"  ({r.description})")
            if r.closed_form is not None:
                out.append(f"  t({r.variable}) = {sstr(r.closed_form.time)}")
                if r.closed_form.value is not None:
                    out.append(f"  {r.variable}(t) = {sstr(r.closed_form.value)}")
            else:
                out.append("  no closed form (integrate numerically)")
        if self.quantities:
            out.append("quantities:")
            out += [f"  {label} [{k}] = {sstr(v)}" for k, label, v in self.quantities.labelled_items()]
        return "\n".join(out)

    def __repr__(self) -> str:
        flows = ", ".join(f"{s}'={sp.sstr(self.flow[s])}" for s in self.state[:2])
        more = ", ..." if len(self.state) > 2 else ""
        return (f"ModeModel({self.name!r}, loss={self.loss.name!r}, state={self.state}, "
                f"{flows}{more}, invariants={list(self.invariants)}, "
                f"reductions={[r.key for r in self.reductions]})")


def _tex_index(name: str) -> str:
    """LaTeX for a symbol named like ``z^1`` (an index, the paper's layer or neuron number): ``z^{(1)}``, which
    reads as an index, not as a power."""
    base, _, index = name.partition("^")
    return rf"{base}^{{({index})}}"


#: Greek letters the labels spell out (``"fixed point alpha"``): printed as ``\alpha``, in math mode.
_GREEK = frozenset({"alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa", "lambda",
                    "mu", "nu", "xi", "pi", "rho", "sigma", "tau", "phi", "chi", "psi", "omega"})
#: Operators of the labels' formulas and their LaTeX.
_TEX_OPERATORS = {"!=": r"\neq", "<=": r"\leq", ">=": r"\geq"}
#: A label word that is prose: letters (hyphenated words too), at least two, not a Greek letter; a trailing comma.
_PROSE_WORD = re.compile(r"[A-Za-z]{2,}(?:-[A-Za-z]+)*,?")
#: An equation reference of the paper, kept in the label's text: ``(7)``, ``(19)``, ``(D.2)``, ``(A.6)``.
_EQUATION_REFERENCE = re.compile(r"\((?:[A-Z]\.)?\d+(?:\.\d+)?\)")
#: One token of a label's formula: an operator, a superscript (``^2``, ``^(1)``), a subscript (``_i``), a name
#: with an optional number (``n1`` is n_1), or any one character.
_FORMULA_TOKEN = re.compile(r"!=|<=|>=|\^\([^)]*\)|\^[A-Za-z0-9]+|_[A-Za-z0-9*]+|[A-Za-z]+\d*|.")


def _tex_label(label: str) -> str:
    r"""A display label in math mode: its prose in ``\text{...}``, its formulas as math, joined by ``\ ``.

    ``"layer z^(1)"`` -> ``\text{layer}\ z^{(1)}``; ``"hyperbolic class 1 (y^2 > n^2 z^2)"`` ->
    ``\text{hyperbolic class 1}\ (y^{2} > n^{2} z^{2})``; ``"bound (D.2)"`` stays text.  Nothing mathematical is
    left inside ``\text{}`` (where LaTeX refuses ``^`` and ``_``, and a formula would be set in roman type).
    """
    runs = []  # [kind, [pieces]] with kind "text" or "math"
    for word in _label_words(label):
        if _EQUATION_REFERENCE.fullmatch(word) or word.isdigit():
            kind = runs[-1][0] if runs else "text"  # "class 1", "bound (7)": with the words before
            piece = word
        elif word.startswith("(") and word.endswith(")") and all(
                _PROSE_WORD.fullmatch(w) for w in word[1:-1].split()):
            kind, piece = "text", word  # "(stalls)"
        elif _PROSE_WORD.fullmatch(word) and word.rstrip(",").lower() not in _GREEK | {"sum"}:
            kind, piece = "text", word
        else:
            kind, piece = "math", _tex_formula(word)
        if runs and runs[-1][0] == kind:
            runs[-1][1].append(piece)
        else:
            runs.append([kind, [piece]])
    return r"\ ".join(r"\text{%s}" % _tex_escape(" ".join(pieces)) if kind == "text" else " ".join(pieces)
                      for kind, pieces in runs)


def _label_words(label: str) -> list:
    """The words of a label, a parenthesised group counting as one word (``"(y^2 > n^2 z^2)"``)."""
    words, current, depth = [], "", 0
    for char in label:
        depth += (char == "(") - (char == ")")
        if char == " " and depth == 0:
            if current:
                words.append(current)
            current = ""
        else:
            current += char
    return words + ([current] if current else [])


def _tex_formula(text: str) -> str:
    """LaTeX (math mode) of a formula written in a label: ``alpha^2/n1^2`` -> ``\\alpha^{2}/n_{1}^{2}``."""
    out = []
    for token in _FORMULA_TOKEN.findall(text):
        if token in _TEX_OPERATORS:
            out.append(_TEX_OPERATORS[token])
        elif token.startswith("^"):
            out.append("^{%s}" % (token[1:] if token[1] == "(" else _tex_formula(token[1:])))
        elif token.startswith("_"):
            out.append("_{%s}" % _tex_formula(token[1:]))
        elif token.isalpha() and token.lower() in _GREEK:
            out.append("\\" + token)
        elif token == "sum":
            out.append(r"\sum")
        elif re.fullmatch(r"[A-Za-z]+\d+", token):
            name, index = re.fullmatch(r"([A-Za-z]+?)(\d+)", token).groups()
            out.append(("\\" + name if name in _GREEK else name) + "_{%s}" % index)
        else:
            out.append(token)
    text = ""
    for piece in out:  # a command followed by a letter needs a space: "\alpha z", not "\alphaz"
        text += " " + piece if re.search(r"\\[A-Za-z]+$", text) and piece[:1].isalpha() else piece
    return text


def _tex_escape(text: str) -> str:
    """Text for ``\\text{...}``: the characters LaTeX treats as commands escaped."""
    return re.sub(r"([&%$#_{}])", r"\\\1", text)


def _paper_form(expr):
    """``expr`` written as the paper writes a flow: a common factor multiplied into a sum of fractions.

    ``z (lambda/(1+e^a) + (1-lambda)/(1+e^b))`` -> ``lambda z/(1+e^a) + (1-lambda) z/(1+e^b)``, the two-term form
    of eq. (8) (one term per kind of training point); a single fraction over a product whose terms each cancel
    a factor, ``(a (1+e^b) + c (1+e^a)) / ((1+e^a)(1+e^b))``, likewise becomes ``a/(1+e^a) + c/(1+e^b)`` (the
    shared neuron of Theorem 3.4).  Any other expression is returned as it is.  The value is the same; only the
    printing changes.
    """
    if not isinstance(expr, sp.Mul):
        return expr
    numer, denom = sp.fraction(expr)
    if isinstance(numer, sp.Add) and isinstance(denom, sp.Mul):  # one fraction over a product: a term per factor
        terms = [term / denom for term in numer.args]
        if all(len(sp.Mul.make_args(sp.fraction(term)[1])) < len(denom.args) for term in terms):
            return sp.Add(*terms)
    sums = [f for f in expr.args if isinstance(f, sp.Add) and all(sp.denom(term) != 1 for term in f.args)]
    if len(sums) != 1:
        return expr
    others = sp.Mul(*[f for f in expr.args if f is not sums[0]])
    return sp.Add(*[others * term for term in sums[0].args])


def _sigmoid_argument(expr):
    """``a`` when ``expr`` is the sigmoid ``1/(1 + e^{-a})`` (printed ``\\sigma(a)``, as the paper's bounds), else None."""
    if not (isinstance(expr, sp.Pow) and expr.exp == -1 and isinstance(expr.base, sp.Add)):
        return None
    terms = expr.base.args
    if len(terms) != 2 or sp.S.One not in terms:
        return None
    exponential = terms[0] if terms[1] == 1 else terms[1]
    if not isinstance(exponential, sp.exp):
        return None
    return -exponential.args[0]


class _PlainPrinter(sp.printing.str.StrPrinter):
    """:func:`sympy.sstr`, but a symbol named with ``*`` (``z_*``) in parentheses: ``(z_*)*x``, not ``z_**x``,
    which reads as a power."""

    def _print_Symbol(self, expr):
        name = super()._print_Symbol(expr)
        return f"({name})" if "*" in name else name


def _plain(expr) -> str:
    """The plain-text form of an expression in :meth:`ModeModel.pretty`."""
    return _PlainPrinter().doprint(expr)


@lru_cache(maxsize=AT_CACHE_SIZE)
def _specialise(model: ModeModel, pairs: tuple) -> ModeModel:
    """``model`` with the parameters in ``pairs`` (``(symbol, number)``) substituted (see :meth:`ModeModel.at`)."""
    subs = dict(pairs)

    def put(expr):
        return None if expr is None else sp.sympify(expr).subs(subs)

    def put_map(mapping):
        if isinstance(mapping, Named):
            return mapping.map_values(put)
        return frozen({k: put(v) for k, v in mapping.items()})

    reductions = tuple(dataclasses.replace(
        r, rhs=put(r.rhs), parametrization=put_map(r.parametrization), logit_state=put(r.logit_state),
        logit_value=put(r.logit_value),
        closed_form=None if r.closed_form is None else dataclasses.replace(
            r.closed_form, time=put(r.closed_form.time), value=put(r.closed_form.value)))
        for r in model.reductions)
    claims = tuple(dataclasses.replace(c, expr=put(c.expr), domain=frozen(
        {k: v for k, v in c.domain.items() if k not in subs})) for c in model.claims)
    return dataclasses.replace(
        model, parameters=tuple(q for q in model.parameters if q not in subs), flow=put_map(model.flow),
        logits=put_map(model.logits), invariants=put_map(model.invariants), reductions=reductions,
        quantities=put_map(model.quantities), claims=claims,
        fractions=tuple(q for q in model.fractions if q not in subs))
