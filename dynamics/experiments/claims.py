"""What a claim is: the record every experiment returns for the report, and the shared thresholds.

A claim of kind ``"measured"`` compares the theory with gradient descent on a
real network; where the comparison is quantitative it is sharp: GD at two
learning rates, Richardson-extrapolated, against the integrated derived flow,
judged as a relative time shift (:mod:`dynamics.experiments.sharpness`), so
that a theory 1% off in its time scale or 2% off in its loss fails.  Claims of
kind ``"theory"`` check the theory alone (symbolic proofs, bounds, printed tables).
"""
from __future__ import annotations

from dataclasses import dataclass

from .sharpness import TIME_TOLERANCE

__all__ = ["ClaimRecord", "KINDS", "TOLERANCES", "gd_time_criterion", "number_key"]

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


@dataclass(frozen=True)
class ClaimRecord:
    """One claim as reproduced (the ``claims`` entries of report.json).

    ``measured`` is always a measurement (gradient descent on a real network), or None for ``kind="theory"``;
    ``criterion`` says what is compared with what and the threshold ``tolerance`` it must meet.
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

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"kind={self.kind!r} is not valid; choose one of {', '.join(map(repr, KINDS))}")
        if self.kind == "theory" and self.measured is not None:
            raise ValueError(f"claim {self.id!r} is of kind 'theory' and so has no measured value")


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
