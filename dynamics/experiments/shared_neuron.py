"""A neuron shared by both classes, H2 relaxed (Sec. 3.4 of the paper, Theorem 3.4, Figs. 3 and 7).

One hidden unit sees ``x1`` (class 1) with pre-activation ``alpha`` and ``x2`` (class 2) with ``beta``; its
output weight is ``z``.  ODE (4) keeps ``c = alpha^2 + beta^2 - z^2`` and ends with one ReLU dead: which one
(Theorem 3.4) depends on the side of the separatrix ``C_c`` the initialization lies on; for ``c < 0``
``beta`` always dies (Fig. 7).  The worked initializations of the theorem are run through ODE (4) and through
gradient descent on the real network at ``lr`` and ``lr / 2``, Richardson-extrapolated.

Examples
--------
>>> EXPERIMENT.name, EXPERIMENT.sizes["quick"]["lr"]
('shared_neuron', 0.04)
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from matplotlib.figure import Figure
from scipy.special import expit

import derivations

from ..groundtruth.initialization import shared_neuron_init
from ..groundtruth.training import train
from ..theory.flow import integrate
from ..theory.shared_neuron import WORKED_INITS, classify, shared_neuron_fixed_point, shared_neuron_separatrix
from . import style
from .claims import TOLERANCES, ClaimRecord, gd_time_criterion, number_key
from .registry import Experiment
from .sharpness import LOG_TIME_STEP, evaluate_sorted, halved_lrs, richardson, time_shift

__all__ = ["SharedNeuronResult", "run", "figures", "claims", "EXPERIMENT", "SIZES", "separatrix", "C_POSITIVE",
           "C_NEGATIVE"]

#: Invariant levels of Figs. 3 (c > 0) and 7 (c < 0).
C_POSITIVE, C_NEGATIVE = 1.0, -0.5
#: (||x1||, ||x2||, p) of ODE (4): unit norms, equal sampling.
NORM1, NORM2, FREQUENCY = 1.0, 1.0, 0.5
#: (alpha0, beta0) of the c > 0 trajectories of Fig. 3 (z0 > 0 on the level C_POSITIVE).
POSITIVE_STARTS = ((1.2, 0.6), (0.6, 1.2), (1.5, 0.4), (0.9, 1.0))
#: (alpha0, beta0) of the c < 0 trajectories of Fig. 7 (z0 > 0 on the level C_NEGATIVE).
NEGATIVE_STARTS = ((0.2, 1.0), (0.5, 0.5), (0.1, 1.5))
#: Theory curves: this many samples on [0, 2 horizon].
THEORY_SAMPLES = 300
#: About this many GD records per worked initialization (the stride is ``steps // RECORDS``).
RECORDS = 100

#: Keyword arguments of :func:`run` at each size (the report's, the examples' and the tests').
SIZES = {"quick": {"lr": 0.04}, "full": {"lr": 0.01}}


@dataclass(frozen=True)
class SharedNeuronResult:
    """Trajectories of ODE (4), its separatrix, and the worked initializations in theory and in GD.

    Attributes
    ----------
    fixed_point : tuple of float
        ``(alpha, beta, z)`` of the saddle on the level ``c = C_POSITIVE``.
    separatrix : ndarray, shape (N, 3)
        Points ``(alpha, beta, z)`` on ``C_c``, ``c = C_POSITIVE`` (both branches, alpha, beta >= 0).
    positive_trajectories : tuple of ndarray, shape (T, 3) each
        ODE (4) from :data:`POSITIVE_STARTS` on ``c = C_POSITIVE``.
    negative_trajectories : tuple of ndarray, shape (T, 3) each
        ODE (4) from :data:`NEGATIVE_STARTS` on ``c = C_NEGATIVE``.
    negative_outcomes, negative_outcomes_gd : tuple of str
        How the ``c < 0`` initializations end: by ODE (4), and by GD on the real network.
    worked_t : ndarray, shape (T,)
        Flow times of the theory curves.
    worked_theory : dict
        Worked initialization -> ``(T, 3)`` array of ``(alpha, beta, z)`` by ODE (4).
    worked_theory_p : dict
        Worked initialization -> ``(T, 2)`` array: ``P(class 1 on x1)``, ``P(class 2 on x2)``.
    worked_gd_t : ndarray, shape (R,)
        Flow times of the GD records.
    worked_gd : dict
        Worked initialization -> ``(R, 3)`` array of ``(alpha, beta, z)`` of the real network trained at ``lr``.
    outcomes_theory, outcomes_gd : dict
        Worked initialization -> outcome (:data:`dynamics.theory.shared_neuron.OUTCOMES`).
    max_state_error : float
        Largest absolute gap between the states of GD at ``lr`` and ODE (4).
    gd_time_error, gd_raw_time_error : float
        Richardson GD (``lr``, ``lr / 2``), and GD at ``lr`` alone, against ODE (4), as relative time shifts
        (worst worked initialization).
    lr : float
        The coarser learning rate of the Richardson pair.
    """

    fixed_point: tuple
    separatrix: np.ndarray
    positive_trajectories: tuple
    negative_trajectories: tuple
    negative_outcomes: tuple
    worked_t: np.ndarray
    worked_theory: dict
    worked_theory_p: dict
    worked_gd_t: np.ndarray
    worked_gd: dict
    outcomes_theory: dict
    outcomes_gd: dict
    max_state_error: float
    gd_time_error: float
    gd_raw_time_error: float
    negative_outcomes_gd: tuple
    lr: float


def _fixed_point(c: float = C_POSITIVE) -> tuple:
    """The fixed point ``(alpha*, beta*, 0)`` of ODE (4) on the level ``c`` (from the theory room)."""
    return shared_neuron_fixed_point(c, norm1=NORM1, norm2=NORM2, p=FREQUENCY)


def separatrix(c: float = C_POSITIVE, *, length: float = 200.0) -> np.ndarray:
    """The separatrix ``C_c`` of Fig. 3 at this experiment's norms and frequency.

    Parameters
    ----------
    c : float
        Level of the invariant ``alpha^2 + beta^2 - z^2``.
    length : float
        Longest backward flow time of a branch.

    Returns
    -------
    ndarray, shape (N, 3)
        Points ``(alpha, beta, z)`` with ``alpha, beta >= 0`` (empty if the fixed point has no stable direction);
        see :func:`dynamics.theory.shared_neuron.shared_neuron_separatrix`.
    """
    return shared_neuron_separatrix(c, norm1=NORM1, norm2=NORM2, p=FREQUENCY, length=length)


def _on_level(alpha, beta, c):
    return np.sqrt(max(alpha**2 + beta**2 - c, 0.0))


def run(*, horizon: float = 12.0, lr: float = 0.01) -> SharedNeuronResult:
    """Hyperboloid trajectories, separatrix, and the worked initializations: theory vs GD on a real network.

    Parameters
    ----------
    horizon : float
        Half the flow time covered: ODE (4) is the mean loss of one x1 and one x2 (p = 1/2) on time
        ``2 horizon``.
    lr : float
        Coarser learning rate of the Richardson pair (``lr`` and ``lr / 2``).

    Returns
    -------
    SharedNeuronResult
        The fixed point and separatrix, trajectories for c > 0 and c < 0, and theory against GD on the worked
        initializations (outcomes and time discrepancies).
    """
    model = derivations.shared_neuron()
    params = {"n_1": NORM1, "n_2": NORM2, "p": FREQUENCY}
    t = np.linspace(0, 2 * horizon, THEORY_SAMPLES)
    pos_inits = [(a, b, _on_level(a, b, C_POSITIVE)) for a, b in POSITIVE_STARTS]
    pos = integrate(model, np.array(pos_inits), t, parameters=params)
    neg_inits = [(a, b, np.sqrt(a**2 + b**2 - C_NEGATIVE)) for a, b in NEGATIVE_STARTS]
    neg = integrate(model, np.array(neg_inits), t, parameters=params)
    neg_outcomes = tuple(classify(*neg.states[-1, k, :2]) for k in range(len(neg_inits)))
    # Worked initializations: (4) is p = 1/2 on time 2t; GD on the mean loss of one x1 and one x2 has p = 1/2.
    inits = list(WORKED_INITS)
    worked = integrate(model, np.array(inits, float), t, parameters=params)
    x1, x2 = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    X, labels = np.vstack([x1, x2]), np.array([1, 2])
    steps = int(round(2 * horizon / lr))
    gd, outcomes_gd, errors, shifts, raw = {}, {}, [], [], []
    record = max(1, steps // RECORDS)
    for init in inits:
        w = shared_neuron_init(x1, x2, alpha0=init[0], beta0=init[1], z0=init[2])
        runs = [train(X, labels, w.W0, w.Z0, lr=eta, steps=steps * k, record_every=record * k)
                for k, eta in enumerate(halved_lrs(lr), start=1)]
        both = [np.column_stack([r.preactivations[:, 0, 0], r.preactivations[:, 1, 0], r.Z_history[:, 0]])
                for r in runs]
        states = both[0]
        gd[init] = states
        outcomes_gd[init] = classify(states[-1, 0], states[-1, 1])
        coarse = runs[0]
        grids = evaluate_sorted(lambda s, init=init: integrate(model, np.array(init, float), s,
                                                               parameters=params).states[:, 0],
                                coarse.t, coarse.t * (1 + LOG_TIME_STEP), coarse.t * (1 - LOG_TIME_STEP))
        errors.append(np.max(np.abs(grids[0] - states)))
        shifts.append(time_shift(coarse.t, richardson(*both), *grids))
        raw.append(time_shift(coarse.t, states, *grids))
    neg_gd = []
    for init in neg_inits:  # twice the worked flow time: every c < 0 run has decided by then
        w = shared_neuron_init(x1, x2, alpha0=init[0], beta0=init[1], z0=init[2])
        end = train(X, labels, w.W0, w.Z0, lr=lr, steps=int(round(2 * 2 * horizon / lr)), record_every=steps)
        neg_gd.append(classify(end.preactivations[-1, 0, 0], end.preactivations[-1, 1, 0]))
    theory = {init: worked.states[:, k] for k, init in enumerate(inits)}
    theory_p = {init: np.column_stack([expit(worked.logits["class_1"][:, k]), expit(-worked.logits["class_2"][:, k])])
                for k, init in enumerate(inits)}
    outcomes = {init: classify(*worked.states[-1, k, :2]) for k, init in enumerate(inits)}
    return SharedNeuronResult(
        fixed_point=_fixed_point(), separatrix=separatrix(),
        positive_trajectories=tuple(pos.states[:, k] for k in range(len(pos_inits))),
        negative_trajectories=tuple(neg.states[:, k] for k in range(len(neg_inits))), negative_outcomes=neg_outcomes,
        worked_t=t, worked_theory=theory, worked_theory_p=theory_p, worked_gd_t=np.arange(0, steps + 1, record) * lr,
        worked_gd=gd, outcomes_theory=outcomes, outcomes_gd=outcomes_gd, max_state_error=float(max(errors)),
        gd_time_error=float(max(shifts)), gd_raw_time_error=float(max(raw)), negative_outcomes_gd=tuple(neg_gd), lr=lr)


def figures(result: SharedNeuronResult) -> dict[str, Figure]:
    """Draw Figs. 3 and 7: trajectories and separatrix for c > 0, c < 0 trajectories, and the worked inits.

    Parameters
    ----------
    result : SharedNeuronResult
        A result of :func:`run`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``{"fig3_shared_neuron": Figure}``, drawn without pyplot (no backend is selected).
    """
    fig, axes = style.new_figure(1, 3, figsize=(15, 4.2))
    fig.subplots_adjust(wspace=0.35)
    axes[0].remove()
    ax3 = fig.add_subplot(1, 3, 1, projection="3d")
    for i, traj in enumerate(result.positive_trajectories):
        ax3.plot(*traj.T, color="black", linestyle=style.LINESTYLES[i % 4], linewidth=0.9)
    if result.separatrix.size:
        ax3.plot(*result.separatrix.T, color="tab:red", linewidth=2, label="separatrix C_c")
    ax3.scatter(*result.fixed_point, color="tab:red", marker="*", s=60, label="fixed point")
    ax3.set(xlabel="α", ylabel="β", zlabel="z", title=f"c = {C_POSITIVE:g} (Fig. 3 Left): trajectories, separatrix")
    ax3.legend(fontsize=7)
    for i, traj in enumerate(result.negative_trajectories):
        axes[1].plot(traj[:, 0], traj[:, 1], label=f"→ {result.negative_outcomes[i]}", **style.series(i))
    axes[1].set(xlabel="α", ylabel="β", title="c < 0 (Fig. 7): β always dies")
    axes[1].legend(fontsize=7)
    for i, init in enumerate(result.worked_theory):
        axes[2].plot(result.worked_t, result.worked_theory_p[init][:, 0],
                     label=f"P(D1), init {init}: {result.outcomes_theory[init]}", **style.series(i))
        gd = result.worked_gd[init]
        axes[2].plot(result.worked_gd_t, expit(gd[:, 2] * gd[:, 0]), **style.markers(i))
    axes[2].set(xlabel=style.TIME_LABEL, ylabel="P_t(x1 ∈ D1)",
                title="worked inits (Fig. 3 Right): lines ODE (4), markers GD")
    axes[2].legend(fontsize=6)
    return {"fig3_shared_neuron": fig}


def _init_key(init) -> str:
    return ",".join(number_key(v) for v in init)


def claims(result: SharedNeuronResult) -> list[ClaimRecord]:
    """State the claims ``thm34_worked_inits`` (Theorem 3.4, Fig. 3) and ``thm34_negative_c`` (Fig. 7).

    Parameters
    ----------
    result : SharedNeuronResult
        A result of :func:`run`.

    Returns
    -------
    list of ClaimRecord
        ``thm34_worked_inits``, ``thm34_negative_c`` (in this order).
    """
    theory = {_init_key(i): result.outcomes_theory[i] for i in WORKED_INITS}
    measured = {_init_key(i): result.outcomes_gd[i] for i in WORKED_INITS}
    stated = {_init_key(i): o for i, o in WORKED_INITS.items()}
    both_negative = result.negative_outcomes + result.negative_outcomes_gd
    return [
        ClaimRecord("thm34_worked_inits", "Sec. 3.4, Theorem 3.4, Fig. 3",
                    "the worked initializations end as the paper states, in theory (ODE (4)) and in GD on a real "
                    "network with a shared neuron", theory,
                    {"outcomes": measured, "richardson_time_shift": result.gd_time_error,
                     "single_lr_time_shift": result.gd_raw_time_error}, result.gd_time_error,
                    theory == stated and measured == stated and result.gd_time_error <= TOLERANCES["gd_time"],
                    "measured", TOLERANCES["gd_time"],
                    "outcomes (which ReLU dies) of ODE (4) and of GD equal the paper's; and "
                    + gd_time_criterion("the states (alpha, beta, z) of every worked init")),
        ClaimRecord("thm34_negative_c", "Sec. 3.4, App. A.8, Fig. 7", "for c < 0 every trajectory ends with beta = 0",
                    {"outcomes": list(result.negative_outcomes)}, {"outcomes": list(result.negative_outcomes_gd)},
                    float(sum(o != "beta_dies" for o in both_negative)), all(o == "beta_dies" for o in both_negative),
                    "measured", 0.0,
                    "number of c < 0 initializations that do not end with beta = 0, by ODE (4) or by GD on the real "
                    "shared-neuron network from the same initializations, must be 0"),
    ]


EXPERIMENT = Experiment(name="shared_neuron",
                        title="A neuron shared by both classes (Sec. 3.4, Theorem 3.4, Figs. 3, 7)", order=30,
                        sizes=SIZES, run=run, figures=figures, claims=claims)
