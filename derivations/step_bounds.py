"""How large a gradient-descent step can be before it breaks the activation pattern or Lemma 3.1's signs.

One full-batch GD step at learning rate ``eta`` moves the mode coordinates by
``s -> s + eta f_s`` (:meth:`ModeModel.discrete_map`, exact by Lemma 3.1 of the
paper).  A coordinate keeps its sign through the step unless the step pushes it
towards 0 (``s f_s < 0``) and is long enough to reach 0::

    (s + eta f_s) / s = 1 - eta / b_s,   b_s = -s / f_s,

so the step keeps the sign of ``s`` iff ``eta < b_s`` whenever ``b_s > 0``
(``s f_s >= 0``: no bound).  For a rectified coordinate (a ReLU pre-activation
``y = w . x``) this says "no unit dies in this step"; for an output weight or a
hidden diagonal weight, "no sign flip".

Which signs must be kept is the orthant of Lemma 3.1 (hypothesis H3 of the paper,
Sec. 3.1): rectified coordinates positive, hidden diagonal weights positive, the
output weight of a class-k unit with the class's margin sign.  On that orthant
every coordinate moves away from 0 for a loss whose drive ``-l'`` is
non-negative (cross-entropy, hinge), which :func:`step_bounds` proves: then the
lemma holds for gradient descent at every learning rate, and a finite threshold
only appears from an initialization outside the orthant (an output weight of the
wrong sign, the phase diagram of Sec. 3.3 of the paper) or for a loss whose drive
changes sign (the squared loss).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Mapping

import sympy as sp

from .claims import identity, inequality, prove
from .model import ModeModel, frozen
from .symbols import eta

__all__ = ["StepBounds", "step_bounds", "lemma_signs", "bound_on_reduction", "SAMPLING_RANGE"]

#: Range the numerical fallback of an orthant inequality samples for a positive symbol (data norms, state
#: magnitudes): wide enough to cover every initialization the report uses (magnitudes 0.01 to 5).
SAMPLING_RANGE = (0.01, 5.0)


def lemma_signs(model: ModeModel) -> Mapping:
    """The orthant of Lemma 3.1 (H3) for ``model``: the sign every state coordinate must keep.

    Rectified coordinates are positive (active units).  Every logit must be a sum of products of state
    coordinates (times parameters); in each product, the other coordinates are positive except the output
    weight (the product's last state factor in the order of ``model.state``), which carries the logit's margin
    sign: ``z_1 > 0 > z_2`` for :func:`derivations.two_layer`, all positive for :func:`derivations.deep`.  Logits
    of margin sign 0 (test inputs) fix nothing.

    Parameters
    ----------
    model : ModeModel

    Returns
    -------
    Mapping
        Read-only ``{state symbol: +1 or -1}``.

    Raises
    ------
    ValueError
        If a logit is not a sum of products of state coordinates, two logits give one coordinate opposite
        signs, a coordinate is in no logit, or the model has several logits and no margin signs (a softmax);
        pass explicit signs to :func:`step_bounds` then.

    Examples
    --------
    >>> from derivations import two_layer
    >>> {str(k): v for k, v in lemma_signs(two_layer()).items()}
    {'y_1': 1, 'z_1': 1, 'y_2': 1, 'z_2': -1}
    """
    signs = {s: 1 for s in model.rectified}
    state = set(model.state)
    if not model.margin_signs and len(model.logits) > 1:
        raise ValueError(f"{model.name} gives its logits no margin signs (e.g. a softmax over several outputs), so "
                         "Lemma 3.1's orthant cannot be read off; pass signs={coordinate name: +1 or -1} explicitly")
    for key, logit in model.logits.items():
        margin = model.margin_signs.get(key, 1)
        if margin == 0:  # a test input: no training point carries this logit
            continue
        for term in sp.Add.make_args(sp.expand(logit)):
            factors = [f for f in sp.Mul.make_args(term) if f.free_symbols & state]
            if not all(f in state for f in factors):
                raise ValueError(f"logit {key!r} of {model.name} ({sp.sstr(logit)}) is not a sum of products of "
                                 "state coordinates; pass signs={coordinate name: +1 or -1} explicitly")
            free = sorted((f for f in factors if f not in model.rectified), key=model.state.index)
            for f in free:
                sign = margin if f == free[-1] else 1
                if signs.setdefault(f, sign) != sign:
                    raise ValueError(f"the logits of {model.name} give {f} both signs; pass signs explicitly")
    missing = [s for s in model.state if s not in signs]
    if missing:
        raise ValueError(f"no logit of {model.name} fixes the sign of {missing}; pass signs explicitly")
    return frozen({s: signs[s] for s in model.state})


@dataclass(frozen=True)
class StepBounds:
    """The one-step sign conditions of a model's gradient-descent map.

    Attributes
    ----------
    model : ModeModel
    step : sympy.Symbol
        The learning rate symbol.
    signs : Mapping[sympy.Symbol, int]
        The orthant the conditions keep (Lemma 3.1's by default).
    after_step : Mapping[sympy.Symbol, sympy.Expr]
        ``s + step f_s``, the map.
    crossing : Mapping[sympy.Symbol, sympy.Expr]
        ``b_s = -s / f_s``: the step that lands ``s`` on 0.  A bound on the step only where it is positive.
    claims : tuple of Claim
        That ``after_step / s = 1 - step / b_s`` (so the sign is kept iff ``step < b_s`` when ``b_s > 0``), and,
        for a loss with a non-negative drive, that ``s f_s >= 0`` on the orthant for every coordinate
        (no bound there: Lemma 3.1 holds at every learning rate).
    orthant_invariant : bool
        Whether the orthant claims were made (non-negative drive) and proven.
    results : tuple of ClaimResult
        The outcome of every claim, in order.
    """

    model: ModeModel
    step: sp.Symbol
    signs: Mapping
    after_step: Mapping
    crossing: Mapping
    claims: tuple
    orthant_invariant: bool
    results: tuple

    def proofs(self) -> tuple:
        """Every claim with its outcome, proven once when derived.

        Returns
        -------
        tuple of ClaimResult
            One result per claim of :attr:`claims`, in order.
        """
        return self.results

    def check(self) -> dict:
        """``{statement: holds}`` for every claim.

        Returns
        -------
        dict
            ``True`` for every claim proven, ``False`` otherwise.

        Examples
        --------
        >>> from derivations import deep
        >>> all(step_bounds(deep(3, "hinge")).check().values())
        True
        """
        return {r.statement: r.holds for r in self.proofs()}


def _on_orthant(model: ModeModel, signs: Mapping) -> tuple:
    """Substitutions putting every coordinate on its orthant (``s = sign * a``, ``a > 0``) and every fraction in
    (0, 1) (``q = 1 / (1 + r)``, ``r > 0``), so sympy can read signs off; and the sampling domain."""
    subs, domain = {}, {}
    for s in model.state:
        magnitude = sp.Symbol(f"{s.name}_abs", positive=True)
        subs[s] = signs[s] * magnitude
        domain[magnitude] = SAMPLING_RANGE
    for q in model.fractions:
        ratio = sp.Symbol(f"{q.name}_odds", positive=True)
        subs[q] = 1 / (1 + ratio)
        domain[ratio] = SAMPLING_RANGE
    for q in model.parameters:
        if q not in model.fractions:
            domain[q] = SAMPLING_RANGE
    return subs, domain


#: Derivations kept (models compare by value): a handful of models per session.
STEP_BOUNDS_CACHE_SIZE = 64


@lru_cache(maxsize=STEP_BOUNDS_CACHE_SIZE)
def _step_bounds(model: ModeModel, step: sp.Symbol, signs: tuple) -> StepBounds:
    signs = frozen(dict(signs))
    after = model.discrete_map(step)
    crossing = frozen({s: -s / model.flow[s] for s in model.state})
    claims = [identity(f"one step scales {s} by 1 - eta / b_{s} with b_{s} = -{s}/f_{s}",
                       sp.cancel(after[s] / s - (1 - step / crossing[s]))) for s in model.state]
    drive_nonnegative = bool(sp.simplify(model.loss.drive).is_nonnegative)
    if drive_nonnegative:
        subs, domain = _on_orthant(model, signs)
        for s in model.state:
            claims.append(inequality(
                f"on the Lemma 3.1 orthant {s} f_{s} >= 0 ({s} moves away from 0: no step bound)",
                (s * model.flow[s]).subs(subs, simultaneous=True), domain))
    claims = tuple(claims)
    results = tuple(prove(c) for c in claims)
    invariant = drive_nonnegative and all(r.holds for r in results[len(model.state):])
    return StepBounds(model=model, step=step, signs=signs, after_step=after, crossing=crossing, claims=claims,
                      orthant_invariant=invariant, results=results)


def step_bounds(model: ModeModel, *, step: sp.Symbol = eta, signs: Mapping | None = None) -> StepBounds:
    """Derive the one-step conditions that keep every coordinate's sign under ``model``'s GD map.

    Parameters
    ----------
    model : ModeModel
    step : sympy.Symbol
        The learning rate symbol (``eta``).
    signs : Mapping, optional
        ``{state symbol or its name: +1 or -1}``, the orthant to keep; default :func:`lemma_signs`.

    Returns
    -------
    StepBounds
        The map, the crossing step ``b_s = -s / f_s`` of every coordinate and the claims proving what they
        mean (:meth:`StepBounds.check`).

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`ModeModel`.
    ValueError
        If ``signs`` misses a coordinate, names an unknown one or holds a value other than +1 and -1.

    Examples
    --------
    >>> from derivations import two_layer
    >>> m = two_layer("bce")
    >>> step_bounds(m).crossing[m.state[0]]
    -y_1*(exp(y_1*z_1) + 1)/(n_1**2*p*z_1)
    >>> step_bounds(m).orthant_invariant
    True
    """
    if not isinstance(model, ModeModel):
        raise TypeError(f"model must be a derivations.ModeModel, got {type(model).__name__}")
    if signs is None:
        signs = lemma_signs(model)
    by_name = {str(k): v for k, v in dict(signs).items()}
    names = [str(s) for s in model.state]
    if set(by_name) != set(names):
        raise ValueError(f"signs must give +1 or -1 for exactly the coordinates {names} of {model.name}, "
                         f"got {sorted(by_name)}")
    for name, value in by_name.items():
        if isinstance(value, bool) or value not in (1, -1):
            raise ValueError(f"signs['{name}'] must be +1 or -1, got {value!r}")
    return _step_bounds(model, step, tuple((s, int(by_name[str(s)])) for s in model.state))


def bound_on_reduction(model: ModeModel, key: str) -> Mapping:
    """The crossing steps ``b_s = -s / f_s`` on one of ``model``'s reductions (a curve the map may keep).

    On the anti-balanced branch of :func:`derivations.two_layer` (``y = -n z``, the stalling line of the
    paper's Sec. 3.3) the map keeps the curve and the first step binds: ``b_y = (1 + e^u) / (n p)`` for
    cross-entropy, the learning-rate threshold from that line.

    Parameters
    ----------
    model : ModeModel
    key : str
        The reduction's identifier (:meth:`ModeModel.reduction`).

    Returns
    -------
    Mapping
        ``{state symbol of the reduction's curve: b_s as an expression of the reduction's variable}``.

    Examples
    --------
    >>> from derivations import two_layer
    >>> m = two_layer("bce")
    >>> bound_on_reduction(m, "anti_balanced_class_1")[m.state[0]]
    (exp(u_-) + 1)/(n_1*p)
    """
    if not isinstance(model, ModeModel):
        raise TypeError(f"model must be a derivations.ModeModel, got {type(model).__name__}")
    reduction = model.reduction(key)
    crossing = {s: -s / model.flow[s] for s in model.state}  # the signs to keep do not enter b_s
    return frozen({s: sp.simplify(sp.powsimp(crossing[s].subs(reduction.parametrization, simultaneous=True),
                                             force=True))
                   for s in reduction.parametrization})
