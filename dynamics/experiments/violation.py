"""How far the decoupled theory is off when the assumptions break, and the exact flow that is not.

Lemma 3.1 (Sec. 3.1 of the paper) splits learning into independent per-class modes when H1-H3 hold: the
within-class inner products are positive, the cross-class ones are not, and every hidden unit serves one class.
Real data breaks these assumptions to some degree.  This experiment, not in the paper, measures the error of
the decoupled-mode prediction against gradient descent on the real network as a function of how strongly an
assumption is broken, in three ways:

- ``cross_class``: the points of class 2 are tilted towards class 1 (positive cross-class inner products; H1
  fails, and class 1's units become active on class-2 points, so H2 fails too);
- ``within_class``: the points of class 1 fan out past 90 degrees (negative within-class inner products);
- ``shared_units``: a fraction of the hidden units is turned to be active on both classes (H2 fails).

Each setting is also predicted by the exact gradient flow in data coordinates (no modes, activation switches
followed as they happen), which must agree with gradient descent whatever the violation.
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure

from . import style
from .claims import TOLERANCES, ClaimRecord, number_key
from .registry import Experiment
from .sweeping import sweep_values
from ..problem import Problem

__all__ = ["ViolationResult", "run", "figures", "claims", "SIZES", "EXPERIMENT", "KINDS", "STRENGTH_LABELS",
           "violated_problem", "GROWTH_FACTOR", "HALVING_TOLERANCE",
           "HALVING_TOLERANCES"]

#: The ways an assumption is broken, in the order of the result's rows.
KINDS = ("cross_class", "within_class", "shared_units")
#: What the strength of each kind measures (axis labels).
STRENGTH_LABELS = {
    "cross_class": "largest cross-class cosine\n(H1 needs $\\leq 0$)",
    "within_class": "widest within-class angle $-$ 90°\n(degrees; H1 needs $< 0$)",
    "shared_units": "fraction of units active on both classes\n(H2 needs $= 0$)",
}
#: Points per class (class 1 more frequent), hidden units per class, and the input dimension.
POINTS, UNITS_PER_CLASS, DIMENSION = (6, 4), 3, 4
#: Half-opening of class 1's fan of points (degrees) when H1 holds: the widest pair is at 80 degrees.
FAN_HALF_ANGLE = 40.0
#: Mean initial logits of the balanced initialization (class 1, class 2).
U0 = (0.1, -0.1)
#: The seed of the data's norms and directions and of the units' mixtures.
SEED = 7
#: Gradient descent's learning rate and the flow time the runs reach: the logits grow from 0.1 to about 3.
LR, HORIZON = 0.01, 6.0
#: Records kept per run (the comparison is at every record).
RECORDS = 60
#: Claim: halving the learning rate halves the exact flow's gap to GD (first order): the ratio is 2 within this
#: relative tolerance (measured: within 3.5%, the O(lr^2) remainder); a theory with an error of its own of a
#: tenth of GD's gap would show 1.1 / 0.6 = 1.83, 8% off, and fail.
HALVING_TOLERANCE = 0.06
#: The same tolerance per kind. Where many units switch (about 30 activation switches at the strongest
#: cross-class setting), each switch of gradient descent lands on a whole step, which adds an O(lr) term whose
#: constant depends on where the crossing falls between two steps; the ratio then scatters (measured 1.78-2.06 over
#: data seeds 1-10, against 1.99-2.06 for the other two kinds), so that kind is held to a wider 15%. A theory
#: with an error of its own still fails, on the other two kinds.
HALVING_TOLERANCES = {"cross_class": 0.15, "within_class": HALVING_TOLERANCE, "shared_units": HALVING_TOLERANCE}
#: Claim: at the strongest cross-class violation the decoupled theory is at least this many times further from
#: gradient descent than where the assumptions hold (measured: far more; 10 separates "an O(lr) gap" from "a
#: wrong theory" with room to spare).
GROWTH_FACTOR = 10.0


def _unit(v):
    return v / np.linalg.norm(v)


def violated_problem(kind: str, strength: float, *, seed: int = SEED) -> Problem:
    """The problem of one setting: H1 data in general position, broken by ``strength`` in the way ``kind``.

    Parameters
    ----------
    kind : {"cross_class", "within_class", "shared_units"}
        How the assumptions are broken (see the module docstring).
    strength : float
        ``cross_class``: the tilt of class 2 towards class 1, as the sine of the angle (0 keeps H1);
        ``within_class``: how many degrees class 1's fan opens beyond 80 degrees (the widest pair is at
        ``80 + 2 strength`` degrees, so H1 fails from 5); ``shared_units``: the fraction of all units turned to
        be active on both classes (rounded to whole units, alternating between the classes).
    seed : int
        Seeds norms, directions and mixtures.

    Returns
    -------
    Problem
        With the BCE loss, a balanced initialization of :data:`UNITS_PER_CLASS` units per class (then modified
        for ``shared_units``), and the mean loss.

    Raises
    ------
    ValueError
        If ``kind`` is not one of :data:`KINDS`.
    """
    if kind not in KINDS:
        raise ValueError(f"kind={kind!r} is not valid; choose one of {', '.join(map(repr, KINDS))}")
    rng = np.random.default_rng(seed)
    n1, n2 = POINTS
    spread = np.deg2rad(FAN_HALF_ANGLE + (strength if kind == "within_class" else 0.0))
    angles = np.linspace(-spread, spread, n1) + rng.uniform(-0.02, 0.02, n1)
    norms1, norms2 = rng.uniform(0.6, 1.4, n1), rng.uniform(0.7, 1.3, n2)
    # Class 1 in the (e1, e2) plane leaning into +e4; class 2 around e3 leaning into -e4 and -e2: H1 with
    # strictly negative cross-class inner products, nothing on coordinate axes.
    lift = rng.uniform(0.05, 0.2, n1)
    X1 = np.column_stack([np.cos(angles), np.sin(angles), np.zeros(n1), lift]) * norms1[:, None]
    tilt = rng.uniform(-0.3, 0.3, n2)
    X2 = np.column_stack([-rng.uniform(0.05, 0.2, n2), np.zeros(n2), np.cos(tilt), -np.abs(np.sin(tilt))])
    if kind == "cross_class":
        toward = _unit(X1.mean(axis=0))
        X2 = np.array([np.sqrt(1 - strength**2) * _unit(x) + strength * toward for x in X2])
    X2 = X2 / np.linalg.norm(X2, axis=1)[:, None] * norms2[:, None]
    X = np.vstack([X1, X2])
    labels = np.array([1] * n1 + [2] * n2)
    problem = Problem(X, labels, init="balanced", hidden=UNITS_PER_CLASS, u0=U0, seed=seed)
    if kind != "shared_units":
        return problem
    W0, Z0 = problem.W0.copy(), problem.Z0.copy()
    shared = int(round(strength * W0.shape[0]))
    if not 0 <= shared <= W0.shape[0]:
        raise ValueError(f"strength must be a fraction of the units in [0, 1] for shared_units, got {strength!r}")
    means = {k: _unit(X[labels == k].mean(axis=0)) for k in (1, 2)}
    for j in range(shared):  # alternate classes: unit 0 of class 1, unit 0 of class 2, unit 1 of class 1, ...
        row = (j // 2) + (UNITS_PER_CLASS if j % 2 else 0)
        other = 2 if row < UNITS_PER_CLASS else 1
        W0[row] = W0[row] + np.linalg.norm(W0[row]) * means[other]
    return Problem(X, labels, W0=W0, Z0=Z0)


def _measure(problem, lr=LR):
    """``(modes error, exact-flow error, switches)`` against GD at ``lr``, relative to the run's largest logit."""
    steps = int(round(HORIZON / lr))
    run = problem.train(lr=lr, steps=steps, record_every=max(1, steps // RECORDS))
    modes = problem.compare(run, theory="modes")
    exact = problem.compare(run, theory="data-coordinate flow")
    return modes.max_rel_logit, exact.max_rel_logit, len(exact.switches)


def _strength_measured(kind, problem):
    X, labels = problem.X, problem.labels
    U = X / np.linalg.norm(X, axis=1)[:, None]
    cos = U @ U.T
    if kind == "cross_class":
        return float(cos[labels == 1][:, labels == 2].max())
    if kind == "within_class":
        within = cos[labels == 1][:, labels == 1]
        return float(np.degrees(np.arccos(np.clip(within.min(), -1.0, 1.0))) - 90.0)
    active = (problem.W0 @ X.T) > 0
    both = active[:, labels == 1].any(axis=1) & active[:, labels == 2].any(axis=1)
    return float(both.mean())


@dataclass(frozen=True)
class ViolationResult:
    """Errors of the decoupled modes and of the exact flow against gradient descent, per kind and strength.

    Attributes
    ----------
    kinds : tuple of str
        :data:`KINDS` (rows).
    strengths : ndarray (3, S)
        The measured strength of each setting (see :data:`STRENGTH_LABELS`).
    holds : ndarray (3, S) of bool
        Whether H1-H3 hold on the setting.
    modes_error : ndarray (3, S)
        Max |u_theory - u_GD| over every point and record, over max |u_GD|, for the decoupled modes.
    flow_error : ndarray (3, S)
        The same for the exact data-coordinate flow.
    switches : ndarray (3, S) of int
        Activation switches the exact flow went through.
    lr : float
        Gradient descent's learning rate.
    flow_error_half_lr : ndarray (3,)
        The exact flow's error at the strongest setting of each kind against GD at ``lr / 2``: half of
        ``flow_error[:, -1]`` if the gap is GD's own O(lr) discretisation, as it must be for an exact theory.
    """

    kinds: tuple
    strengths: np.ndarray
    holds: np.ndarray
    modes_error: np.ndarray
    flow_error: np.ndarray
    switches: np.ndarray
    lr: float
    flow_error_half_lr: np.ndarray

    @property
    def halving_ratios(self) -> np.ndarray:
        """``flow_error[:, -1] / flow_error_half_lr``: 2 when the exact flow's gap to GD is first order in lr."""
        return self.flow_error[:, -1] / self.flow_error_half_lr


def _settings_chunk(chunk: Sequence, seeds: Sequence, *, seed: int) -> list:
    """A sweep's chunk of settings ``(kind, strength, lr)``: for each, ``(measured strength, H1-H3 hold, modes
    error, exact-flow error, switches)`` against GD at ``lr`` (the data are seeded by ``seed``; ``seeds`` unused)."""
    out = []
    for kind, value, lr in chunk:
        problem = violated_problem(kind, value, seed=seed)
        out.append((_strength_measured(kind, problem), problem.assumptions().holds, *_measure(problem, lr)))
    return out


def run(*, strengths: Sequence[Sequence[float]] = ((0.0, 0.1, 0.2, 0.3, 0.4), (0.0, 5.0, 10.0, 15.0, 20.0),
                                                    (0.0, 1 / 6, 2 / 6, 3 / 6, 4 / 6)),
        seed: int = SEED, executor: Any = None) -> ViolationResult:
    """Measure both theories against gradient descent at each strength of each kind of violation.

    Parameters
    ----------
    strengths : sequence of 3 sequences of float
        The requested strengths of each kind (as in :func:`violated_problem`), the same number for each; the
        first of each should be 0 (the assumptions hold).
    seed : int
        Seed of the problems' data (as in :func:`violated_problem`).
    executor : optional
        Where the settings run, one per chunk (anything :func:`dynamics.sweep.sweep` takes; default in this
        process); the result does not depend on it.

    Returns
    -------
    ViolationResult

    Raises
    ------
    ValueError
        If ``strengths`` does not give the same number (>= 2) of strengths for each of the three kinds.
    """
    grid = [list(map(float, s)) for s in strengths]
    if len(grid) != len(KINDS) or len({len(s) for s in grid}) != 1 or len(grid[0]) < 2:
        raise ValueError(f"strengths must give the same number (>= 2) of strengths for each of {KINDS}, "
                         f"got {strengths!r}")
    # every setting at LR, then the strongest setting of each kind again at half the learning rate
    settings = [(kind, value, LR) for kind, values in zip(KINDS, grid) for value in values]
    settings += [(kind, values[-1], LR / 2) for kind, values in zip(KINDS, grid)]
    cells = sweep_values(functools.partial(_settings_chunk, seed=seed), settings, chunk_size=1, executor=executor,
                         desc="violation")
    width = len(grid[0])
    rows = [cells[k * width:(k + 1) * width] for k in range(len(KINDS))]
    halved = [cell[3] for cell in cells[len(KINDS) * width:]]
    strength, holds, modes, flow, switches = (np.array([[cell[i] for cell in row] for row in rows])
                                              for i in range(5))
    return ViolationResult(KINDS, strength.astype(float), holds.astype(bool), modes.astype(float),
                           flow.astype(float), switches.astype(int), LR, np.array(halved))


#: Colours of the two theories in the figure.
MODES_COLOUR, FLOW_COLOUR = "tab:red", "tab:blue"
#: Quick: the assumptions holding and two strengths of each kind; full: five strengths of each kind.
SIZES = {"quick": {"strengths": ((0.0, 0.2, 0.4), (0.0, 10.0, 20.0), (0.0, 2 / 6, 4 / 6))},
         "full": {"strengths": ((0.0, 0.1, 0.2, 0.3, 0.4), (0.0, 5.0, 10.0, 15.0, 20.0),
                                (0.0, 1 / 6, 2 / 6, 3 / 6, 4 / 6))}}


def figures(result: ViolationResult) -> dict[str, Figure]:
    """Draw the error of each theory against the strength of each violation, one panel per kind.

    Parameters
    ----------
    result : ViolationResult
        A result of :func:`run`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``{"violation_error": Figure}``, drawn without pyplot.
    """
    fig, axes = style.new_figure(1, len(result.kinds), figsize=(12, 4.2), sharey=True)
    for ax, kind, x, modes, flow, holds in zip(axes, result.kinds, result.strengths, result.modes_error,
                                               result.flow_error, result.holds):
        ax.plot(x, modes, color=MODES_COLOUR, marker="o", label="decoupled modes (Lemma 3.1)")
        ax.plot(x, flow, color=FLOW_COLOUR, marker="s", linestyle="--", label="exact flow in data coordinates")
        ax.plot(x[holds], modes[holds], linestyle="none", marker="*", markersize=12, color="k",
                label="H1-H3 hold")
        ax.set(yscale="log", xlabel=STRENGTH_LABELS[kind], title=kind.replace("_", "-"))
    axes[0].set_ylabel("$\\max\\,|u_{\\mathrm{theory}} - u_{\\mathrm{GD}}|\\;/\\;\\max\\,|u_{\\mathrm{GD}}|$"
                       f"\n(GD at learning rate {result.lr:g})")
    axes[0].legend(fontsize=8)
    fig.suptitle("the decoupled theory drifts when cross-class products or shared units break the assumptions\n"
                 "(negative within-class products alone, without a switch, do not); the exact flow never does")
    fig.tight_layout()
    return {"violation_error": fig}


def claims(result: ViolationResult) -> list[ClaimRecord]:
    """State the claims of the experiment.

    - ``violation_modes_exact_when_assumptions_hold``: where H1-H3 hold the decoupled modes are within
      ``TOLERANCES["gd_lr_absolute"]`` of gradient descent (relative to the logits' scale);
    - ``violation_modes_drift``: at the strongest cross-class violation the decoupled modes are at least
      :data:`GROWTH_FACTOR` times further from gradient descent than where the assumptions hold;
    - ``violation_exact_flow_agrees``: the exact data-coordinate flow is within the same tolerance at every
      strength of every kind;
    - ``violation_exact_flow_first_order``: and that gap halves with the learning rate (it is GD's own);
    - ``violation_within_class_without_switches``: negative within-class inner products alone leave the
      decoupled modes within the tolerance wherever the exact flow has no activation switch (the modes' only
      approximation is a fixed pattern).

    Parameters
    ----------
    result : ViolationResult
        A result of :func:`run`.

    Returns
    -------
    list of ClaimRecord
    """
    tolerance = TOLERANCES["gd_lr_absolute"]
    held = result.modes_error[result.holds]
    worst_held = float(held.max()) if held.size else float("inf")
    cross = result.kinds.index("cross_class")
    growth = float(result.modes_error[cross, -1] / result.modes_error[cross, 0])
    worst_flow = float(result.flow_error.max())
    ratios = result.halving_ratios
    limits = np.array([HALVING_TOLERANCES[kind] for kind in result.kinds])
    worst_ratio = float(np.max(np.abs(ratios / 2 - 1) / limits))
    within = result.kinds.index("within_class")
    fixed = result.modes_error[within][result.switches[within] == 0]
    worst_fixed = float(fixed.max()) if fixed.size else float("inf")
    section = "Lemma 3.1 beyond its assumptions (new)"
    return [
        ClaimRecord("violation_modes_exact_when_assumptions_hold", section,
                    "where H1-H3 hold, the decoupled per-class modes follow gradient descent on the real network",
                    0.0, worst_held, worst_held, worst_held <= tolerance, "measured", tolerance,
                    f"max |u_modes - u_GD| / max |u_GD| over every point and record, GD at lr {result.lr:g}, over "
                    f"the {int(result.holds.sum())} settings where H1-H3 hold; at most the tolerance"),
        ClaimRecord("violation_modes_drift", section,
                    "positive cross-class inner products make the decoupled theory drift away from gradient "
                    "descent", GROWTH_FACTOR, growth, None, growth >= GROWTH_FACTOR, "measured", None,
                    "error of the decoupled modes at the largest cross-class cosine "
                    f"({number_key(result.strengths[cross, -1])}) over its error where H1 holds; at least "
                    f"{GROWTH_FACTOR:g}"),
        ClaimRecord("violation_exact_flow_agrees", section,
                    "the exact gradient flow in data coordinates follows gradient descent whatever the violation",
                    0.0, worst_flow, worst_flow, worst_flow <= tolerance, "measured", tolerance,
                    f"max |u_flow - u_GD| / max |u_GD| over every setting of the three kinds "
                    f"({result.strengths.size} settings, {int(result.switches.sum())} activation switches in all), "
                    f"GD at lr {result.lr:g}; at most the tolerance"),
        ClaimRecord("violation_exact_flow_first_order", section,
                    "the exact flow's gap to gradient descent is GD's own first-order discretisation error",
                    {kind: 2.0 for kind in result.kinds}, dict(zip(result.kinds, map(float, ratios))), worst_ratio,
                    worst_ratio <= 1.0, "measured", 1.0,
                    f"error of the exact flow against GD at lr {result.lr:g} over its error at lr "
                    f"{result.lr / 2:g}, at the strongest setting of each kind; its relative distance from 2 as a "
                    "fraction of the kind's tolerance ("
                    + ", ".join(f"{kind} {HALVING_TOLERANCES[kind]:g}" for kind in result.kinds)
                    + "); at most 1"),
        ClaimRecord("violation_within_class_without_switches", section,
                    "negative within-class inner products leave the decoupled modes exact while no unit switches",
                    0.0, worst_fixed, worst_fixed, worst_fixed <= tolerance, "measured", tolerance,
                    "max |u_modes - u_GD| / max |u_GD| over the within-class settings whose exact flow has no "
                    f"activation switch ({fixed.size} of {result.strengths.shape[1]}, widest angle "
                    f"{number_key(90 + result.strengths[within, -1])} degrees); at most the tolerance"),
    ]


EXPERIMENT = Experiment(name="violation", title="Beyond the assumptions: decoupled modes vs the exact flow",
                        order=105, sizes=SIZES, run=run, figures=figures, claims=claims)
