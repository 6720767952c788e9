"""Every identity each derived model claims, proven by sympy (the derivations behind Secs. 3-6 and App. A-D).

Each factory of :mod:`derivations` differentiates the loss of a real network and projects the flow onto
mode coordinates; the model's ``proofs()`` proves the identities the paper states for it (invariants,
balanced curves, closed forms, reductions), symbolically, or numerically where marked.  This experiment
runs no gradient descent and draws no figure: its claims are of kind ``"theory"``.

Examples
--------
>>> EXPERIMENT.sizes["quick"]["models"]
('two_layer_bce', 'two_layer_hinge', 'deep4_bce')
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import derivations
from derivations import ClaimResult
from matplotlib.figure import Figure

from .claims import ClaimRecord
from .registry import Experiment

__all__ = ["IdentitiesResult", "ModelProofs", "run", "figures", "claims", "EXPERIMENT", "SIZES", "MODELS",
           "QUICK_MODELS"]

#: The models whose identities are proven: identifier -> (label shown in the report, factory), in report order
#: (the quick ones first).
MODELS = {
    "two_layer_bce": ("two_layer (BCE)", partial(derivations.two_layer, "bce")),
    "two_layer_hinge": ("two_layer (hinge)", partial(derivations.two_layer, "hinge")),
    "deep4_bce": ("deep N=4 (BCE)", partial(derivations.deep, 4)),
    "shared_neuron_bce": ("shared_neuron (BCE)", derivations.shared_neuron),
    "starvation_bce": ("starvation (BCE)", derivations.starvation),
    "deep3_hinge": ("deep N=3 (hinge)", partial(derivations.deep, 3, "hinge")),
    "wide2": ("wide h=2", partial(derivations.wide, 2)),
    "orthogonal_points3": ("orthogonal points m=3", partial(derivations.orthogonal_points, 3)),
    "multiclass3": ("multiclass C=3", partial(derivations.multiclass, 3)),
}
#: The models of a quick look: the two-layer network with both losses and one deep chain.
QUICK_MODELS = ("two_layer_bce", "two_layer_hinge", "deep4_bce")

#: Keyword arguments of :func:`run` at each size (the report's, the examples' and the tests').
SIZES = {"quick": {"models": QUICK_MODELS}, "full": {"models": tuple(MODELS)}}


@dataclass(frozen=True)
class ModelProofs:
    """The proven identities of one derived model.

    Attributes
    ----------
    key : str
        Its identifier in :data:`MODELS` (e.g. ``"deep4_bce"``).
    label : str
        Its label in the report (e.g. ``"deep N=4 (BCE)"``).
    name : str
        The model's name (``ModeModel.name``, e.g. ``"deep"``).
    loss : str
        Its loss's name (``"bce"``, ``"hinge"``, ``"softmax"``).
    state_size : int
        Number of mode coordinates.
    source : str
        Where the paper states these identities.
    proofs : tuple of derivations.ClaimResult
        Every claim of the model with its outcome (``holds``) and method (symbolic or numeric).
    """

    key: str
    label: str
    name: str
    loss: str
    state_size: int
    source: str
    proofs: tuple[ClaimResult, ...]

    @property
    def failed(self) -> list:
        """Statements sympy could not prove."""
        return [p.statement for p in self.proofs if not p.holds]


@dataclass(frozen=True)
class IdentitiesResult:
    """The proofs of every model asked for.

    Attributes
    ----------
    models : tuple of ModelProofs
        One entry per model identifier passed to :func:`run`, in that order.
    """

    models: tuple[ModelProofs, ...]


def run(models: tuple[str, ...] = tuple(MODELS)) -> IdentitiesResult:
    """Build each model (cached by :mod:`derivations`) and prove every identity it claims.

    Parameters
    ----------
    models : tuple of str
        Identifiers of :data:`MODELS`.

    Returns
    -------
    IdentitiesResult
        One :class:`ModelProofs` per identifier, in the order given.

    Raises
    ------
    ValueError
        An identifier that is not one of :data:`MODELS`.
    TypeError
        ``models`` is one string rather than a tuple of identifiers.
    """
    if isinstance(models, str):
        raise TypeError(f"models must be a tuple of model identifiers, not one string; got {models!r}")
    unknown = [key for key in models if key not in MODELS]
    if unknown:
        raise ValueError(f"models: {unknown[0]!r} is not a model identifier; choose from "
                         f"{', '.join(map(repr, MODELS))}")
    out = []
    for key in models:
        label, build = MODELS[key]
        model = build()
        out.append(ModelProofs(key=key, label=label, name=model.name, loss=model.loss.name, state_size=len(model.state),
                               source=model.source, proofs=tuple(model.proofs())))
    return IdentitiesResult(tuple(out))


def figures(result: IdentitiesResult) -> dict[str, Figure]:
    """Draw no figure: the identities are proofs.

    Parameters
    ----------
    result : IdentitiesResult
        A result of :func:`run`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``{}``: this experiment has no figure.

    Examples
    --------
    >>> figures(IdentitiesResult(models=()))
    {}
    """
    return {}


def claims(result: IdentitiesResult) -> list[ClaimRecord]:
    """State one claim ``derived_<model>_<loss>_<state size>`` per model: every derived identity holds.

    Parameters
    ----------
    result : IdentitiesResult
        A result of :func:`run`.

    Returns
    -------
    list of ClaimRecord
        One per model of the result.

    Examples
    --------
    >>> claims(IdentitiesResult(models=()))
    []
    """
    out = []
    for m in result.models:
        failed = m.failed
        out.append(ClaimRecord(
            f"derived_{m.name}_{m.loss}_{m.state_size}", m.source,
            f"every identity of {m.label} holds ({len(m.proofs)} claims; symbolic unless marked numeric)",
            {"identities": {p.statement: p.method for p in m.proofs}, "proven": len(m.proofs) - len(failed),
             "failed": failed}, None, float(len(failed)), not failed, "theory", 0.0,
            "number of derived identities that sympy could not prove (symbolically, or numerically where marked) "
            "must be 0"))
    return out


EXPERIMENT = Experiment(name="identities", title="The derived identities of every model, proven (Secs. 3-6, App. A-D)",
                        order=10, sizes=SIZES, run=run, figures=figures, claims=claims)
