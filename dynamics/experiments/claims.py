"""What a claim is: the record every experiment returns for the report, and the shared thresholds.

A claim of kind ``"measured"`` compares the theory with gradient descent on a
real network; where the comparison is quantitative it is sharp: GD at two
learning rates, Richardson-extrapolated, against the integrated derived flow,
judged as a relative time shift (:mod:`dynamics.experiments.sharpness`), so
that a theory 1% off in its time scale or 2% off in its loss fails.  Claims of
kind ``"theory"`` check the theory alone (symbolic proofs, bounds, printed tables).

Every claim points to where the repository states its theory: ``docs/theory.md`` and an anchor in it
(:data:`THEORY_ANCHORS`, the ``docs`` field of :class:`ClaimRecord`, and so of report.json).
"""
from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType

from .sharpness import TIME_TOLERANCE

__all__ = ["ClaimRecord", "KINDS", "TOLERANCES", "THEORY_DOCUMENT", "THEORY_ANCHORS", "theory_reference",
           "gd_time_criterion", "number_key"]

#: Pass thresholds shared by several experiments, each with its reason.  A threshold used by one experiment
#: only is a named constant of that experiment's module, with its reason there.
TOLERANCES = {
    "collapse": 1e-9,          # closed-form master curve vs the integrated 4-D flow: only integration error remains
    "phase": 0.99,             # >= 99% of grid points away from boundaries
    "order_slope": 0.1,        # log-log slope of GD error vs lr within 0.1 of 1
    # Richardson GD vs theory, as a relative time shift (see dynamics.experiments.sharpness): a theory 1% off in
    # its time scale shows 1e-2; the right theory shows 1e-6 to 6e-4 at the report's learning rates.
    "gd_time": TIME_TOLERANCE,
    "quadrature": 1e-9,        # closed form / quadrature vs ODE
    # Richardson GD vs ODE (8) for the starved probability: measured 3e-7; 1e-4 leaves a factor 300 and is
    # still far below what a 2%-wrong loss does to it.
    "starvation_probability": 1e-4,
    # Raw GD at one learning rate vs theory, for claims whose comparison is O(lr) by design (max abs on logits).
    "gd_lr_absolute": 0.01,
    # The shortcut network has noise directions ODE (8) leaves out (energy noise^2 * dims = 0.05): its gap to
    # the theory (0.004 measured) is an effect of the noise, not an error of the theory; 0.02 bounds it.
    "shortcut_noise": 0.02,
    # Lemma 3.1 / A.1 and the identities: counts that must be zero, gaps that are pure rounding.
    "exact": 1e-9,
}

#: Kinds of claim: "measured" compares with gradient descent on a real network; "theory" checks the theory
#: alone (symbolic proofs, bounds against the ODE, printed tables).
KINDS = ("measured", "theory")

#: The project's own statement of the theory, a file of the repository (relative to its root).
THEORY_DOCUMENT = "docs/theory.md"

#: Claim id -> the anchor of :data:`THEORY_DOCUMENT` that states the theory the claim checks.  One table, so
#: that the tests can check every claim of every experiment against the document's anchors in one place.
THEORY_ANCHORS = MappingProxyType({
    # Sec. 3: the two-layer network
    "lemma31_finite_lr": "lemma-3-1",
    "gd_vs_theory_order": "gradient-flow",
    "norm_frequency_collapse": "eq-3",
    "sigmoidal_gd_agreement": "theorem-3-2",
    "cor33_ratio": "corollary-3-3",
    "phase_diagram_agreement": "sec-3-3-phase-diagram",
    "thm34_worked_inits": "theorem-3-4",
    "thm34_negative_c": "fig-7",
    # Sec. 4 (depth), Sec. 5 (hinge), Sec. 6 (gradient starvation), App. A.2 (multi-class)
    "deep_logits": "eq-5",
    "depth_order": "sec-4-depth",
    "hinge_fig9": "theorem-5-1",
    "hinge_vs_bce_time": "fig-5",
    "hinge_many_points": "app-c-2",
    "table1": "table-1",
    "starvation_fair_init": "theorem-d-2",
    "starvation_bound7_satisfying_init": "theorem-6-1",
    "shortcut_synthetic": "table-2",
    "multiclass_lemma_a1": "lemma-a-1",
    # the derived identities of each model (experiment "identities"): derived_<name>_<loss>_<state size>
    "derived_two_layer_bce_4": "theorem-3-2",
    "derived_two_layer_hinge_4": "theorem-5-1",
    "derived_deep_bce_4": "sec-4-depth",
    "derived_deep_hinge_3": "deep-hinge",
    "derived_shared_neuron_bce_3": "theorem-3-4",
    "derived_starvation_bce_3": "eq-8",
    "derived_wide_bce_4": "app-a-4",
    "derived_orthogonal_points_bce_4": "app-a-7",
    "derived_multiclass_softmax_12": "lemma-a-1",
    # beyond the paper: the assumptions broken
    "violation_modes_exact_when_assumptions_hold": "violations",
    "violation_modes_drift": "violations",
    "violation_exact_flow_agrees": "data-flow",
    "violation_exact_flow_first_order": "data-flow",
    "violation_within_class_without_switches": "violations",
    # issue 13, part 1 (modflow): gradient descent at a finite learning rate, the modified flow
    "modified_flow_order": "sec-modified-flow",
    "modified_flow_one_percent": "sec-modified-flow",
    "modified_flow_invariant_drift": "sec-modified-flow",
    "modified_flow_derived": "sec-modified-flow",
    # issue 13, part 2 (threshold): the largest learning rate that keeps Lemma 3.1's pattern
    "lr_threshold_separates": "sec-lr-threshold",
    "lr_threshold_lemma31_every_lr": "sec-lr-threshold",
    "lr_threshold_stall": "sec-lr-threshold",
    "lr_threshold_first_step": "sec-lr-threshold",
    # issue 13, part 3 (sgd): minibatch SGD, the linear-noise band
    "sgd_band_coverage": "sec-sgd",
    "sgd_mean": "sec-sgd",
    "sgd_spread": "sec-sgd",
    "sgd_derived": "sec-sgd",
})


def theory_reference(claim_id: str) -> str:
    """Where the repository states the theory behind a claim: ``"docs/theory.md#<anchor>"``.

    Parameters
    ----------
    claim_id : str
        The claim's ``id``.

    Returns
    -------
    str
        The document and anchor from :data:`THEORY_ANCHORS`, or ``""`` for an id it does not list (a test
        requires every claim of every experiment to be listed).

    Examples
    --------
    >>> theory_reference("cor33_ratio")
    'docs/theory.md#corollary-3-3'
    >>> theory_reference("not_a_claim")
    ''
    """
    anchor = THEORY_ANCHORS.get(claim_id)
    return f"{THEORY_DOCUMENT}#{anchor}" if anchor else ""


@dataclass(frozen=True)
class ClaimRecord:
    """One claim as reproduced (the ``claims`` entries of report.json).

    ``measured`` is always a measurement (gradient descent on a real network), or None for ``kind="theory"``;
    ``criterion`` says what is compared with what and the threshold ``tolerance`` it must meet; ``docs`` is
    where the repository states the theory the claim checks (``"docs/theory.md#<anchor>"``; left empty, it is
    looked up by ``id`` with :func:`theory_reference`).
    """

    id: str
    section: str
    statement: str
    theory: object
    measured: object
    error: float | None
    passed: bool
    kind: str
    tolerance: float | None
    criterion: str
    docs: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind={self.kind!r} is not valid; choose one of {', '.join(map(repr, KINDS))}")
        if self.kind == "theory" and self.measured is not None:
            raise ValueError(f"claim {self.id!r} is of kind 'theory' and so has no measured value")
        if not isinstance(self.docs, str):
            raise TypeError(f"docs must be a str such as 'docs/theory.md#lemma-3-1'; got {self.docs!r}")
        if not self.docs:
            object.__setattr__(self, "docs", theory_reference(self.id))


def number_key(x: float) -> str:
    """Format a number as a short, stable report key (``0.1 -> "0.1"``, ``1e-05 -> "1e-05"``).

    Parameters
    ----------
    x : float
        The number (anything the ``g`` format accepts, e.g. an int or a numpy scalar).

    Returns
    -------
    str
        ``f"{x:g}"``.

    Examples
    --------
    >>> number_key(0.1), number_key(1e-05), number_key(3)
    ('0.1', '1e-05', '3')
    """
    return f"{x:g}"


def gd_time_criterion(what: str) -> str:
    """Write the criterion text of a sharp GD-vs-flow comparison of ``what``.

    Parameters
    ----------
    what : str
        The quantity compared (starts the text).

    Returns
    -------
    str
        The criterion, naming the Richardson pair and the tolerance ``TOLERANCES["gd_time"]``.

    Examples
    --------
    >>> gd_time_criterion("logits").startswith("logits: gradient descent at lr and lr/2")
    True
    """
    return (f"{what}: gradient descent at lr and lr/2, Richardson-extrapolated (2 GD(lr/2) - GD(lr)), against the "
            f"integrated derived flow; the discrepancy, as a relative shift of the time axis, must be <= "
            f"{TOLERANCES['gd_time']:g} (a theory 1% off in its time scale shows 1e-2)")
