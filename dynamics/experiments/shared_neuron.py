"""Relaxed H2: a neuron shared by both classes (Sec. 3.4, Theorem 3.4, Figs. 3 and 7)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.integrate
from scipy.special import expit

import derivations
from derivations.symbols import c as c_sym, n1 as n1_sym, n2 as n2_sym, p as p_sym

from ..theory.compiled import compile_expr, compile_flow
from ..theory.flow import integrate
from ..groundtruth.initialization import shared_neuron_init
from ..theory.shared_neuron import WORKED_INITS, classify
from ..groundtruth.training import train
from .sharpness import LOG_TIME_STEP, evaluate_sorted, halved_lrs, richardson, time_shift

__all__ = ["RelaxedH2Result", "relaxed_h2", "separatrix"]

#: Invariant levels of Figs. 3 (c > 0) and 7 (c < 0).
C_POSITIVE, C_NEGATIVE = 1.0, -0.5
#: Displacement from the fixed point where the backward integration of the separatrix starts.
SEPARATRIX_OFFSET = 1e-6
#: The separatrix is traced until |z| reaches this (or a ReLU coordinate reaches 0).
SEPARATRIX_EXTENT = 2.5


@dataclass(frozen=True)
class RelaxedH2Result:
    fixed_point: tuple
    separatrix: np.ndarray            # (N, 3) points (alpha, beta, z) on C_c, c = C_POSITIVE
    positive_trajectories: tuple      # (T, 3) arrays on c = C_POSITIVE
    negative_trajectories: tuple      # (T, 3) arrays on c = C_NEGATIVE
    negative_outcomes: tuple
    worked_t: np.ndarray
    worked_theory: dict               # init -> (T, 3) alpha, beta, z
    worked_theory_p: dict             # init -> (T, 2) P(class 1 on x1), P(class 2 on x2)
    worked_gd_t: np.ndarray
    worked_gd: dict                   # init -> (R, 3) alpha, beta, z from the real network
    outcomes_theory: dict
    outcomes_gd: dict
    max_state_error: float
    gd_time_error: float              # Richardson GD (lr, lr/2) states vs ODE (4), relative time shift, worst init
    gd_raw_time_error: float          # GD at lr alone, same measure
    negative_outcomes_gd: tuple       # c < 0 inits: outcomes of GD on the real network
    lr: float


def _fixed_point(c=C_POSITIVE):
    q = derivations.shared_neuron().quantities
    args = (c_sym, n1_sym, n2_sym, p_sym)
    return (float(compile_expr(q["fixed point alpha"], args)(c, 1.0, 1.0, 0.5)),
            float(compile_expr(q["fixed point beta"], args)(c, 1.0, 1.0, 0.5)), 0.0)


def separatrix(c=C_POSITIVE, *, length=200.0):
    """Trace C_c by integrating backwards in time from the fixed point along its stable direction."""
    model = derivations.shared_neuron()
    rates, jac = compile_flow(model)
    params = (1.0, 1.0, 0.5)
    fp = np.array(_fixed_point(c))
    J = np.array([[float(jac[i][j](*fp, *params)) for j in range(3)] for i in range(3)])
    values, vectors = np.linalg.eig(J)
    branches = []
    for k in np.flatnonzero(values.real < -1e-12):
        for sign in (1.0, -1.0):
            start = fp + sign * SEPARATRIX_OFFSET * vectors[:, k].real
            leave = lambda t, x: min(x[0], x[1], SEPARATRIX_EXTENT - abs(x[2]))  # noqa: E731
            leave.terminal = True
            sol = scipy.integrate.solve_ivp(lambda t, x: [-float(f(*x, *params)) for f in rates], (0, length), start,
                                            rtol=1e-10, atol=1e-12, dense_output=True, events=leave)
            pts = sol.sol(np.geomspace(1e-3, sol.t[-1], 300)).T
            branches.append(pts[(pts[:, 0] >= 0) & (pts[:, 1] >= 0)])
    return np.vstack(branches[::-1]) if branches else np.empty((0, 3))


def _on_level(alpha, beta, c):
    return np.sqrt(max(alpha**2 + beta**2 - c, 0.0))


def relaxed_h2(*, horizon=12.0, lr=0.01) -> RelaxedH2Result:
    """Hyperboloid trajectories, separatrix, and the worked initializations: theory vs GD on a real network."""
    model = derivations.shared_neuron()
    params = {"n_1": 1.0, "n_2": 1.0, "p": 0.5}
    t = np.linspace(0, 2 * horizon, 300)
    pos_inits = [(a, b, s * _on_level(a, b, C_POSITIVE)) for a, b in ((1.2, 0.6), (0.6, 1.2), (1.5, 0.4), (0.9, 1.0))
                 for s in (1.0,)]
    pos = integrate(model, np.array(pos_inits), t, parameters=params)
    neg_inits = [(a, b, np.sqrt(a**2 + b**2 - C_NEGATIVE)) for a, b in ((0.2, 1.0), (0.5, 0.5), (0.1, 1.5))]
    neg = integrate(model, np.array(neg_inits), t, parameters=params)
    neg_outcomes = tuple(classify(*neg.states[-1, k, :2]) for k in range(len(neg_inits)))
    # Worked initializations: (4) is p = 1/2 on time 2t; GD on the mean loss of one x1 and one x2 has p = 1/2.
    inits = list(WORKED_INITS)
    worked = integrate(model, np.array(inits, float), t, parameters=params)
    x1, x2 = np.array([1.0, 0.0, 0.0]), np.array([0.0, 1.0, 0.0])
    X, labels = np.vstack([x1, x2]), np.array([1, 2])
    steps = int(round(2 * horizon / lr))
    gd, outcomes_gd, errors, shifts, raw = {}, {}, [], [], []
    record = max(1, steps // 100)
    for init in inits:
        w = shared_neuron_init(x1, x2, alpha0=init[0], beta0=init[1], z0=init[2])
        runs = [train(X, labels, w.W0, w.Z0, lr=eta, steps=steps * k, record_every=record * k)
                for k, eta in enumerate(halved_lrs(lr), start=1)]
        both = [np.column_stack([r.preactivations[:, 0, 0], r.preactivations[:, 1, 0], r.Z_history[:, 0]])
                for r in runs]
        states = both[0]
        gd[init] = states
        outcomes_gd[init] = classify(states[-1, 0], states[-1, 1])
        run = runs[0]
        grids = evaluate_sorted(lambda s, init=init: integrate(model, np.array(init, float), s,
                                                               parameters=params).states[:, 0],
                                run.t, run.t * (1 + LOG_TIME_STEP), run.t * (1 - LOG_TIME_STEP))
        errors.append(np.max(np.abs(grids[0] - states)))
        shifts.append(time_shift(run.t, richardson(*both), *grids))
        raw.append(time_shift(run.t, states, *grids))
    neg_gd = []
    for init in neg_inits:
        w = shared_neuron_init(x1, x2, alpha0=init[0], beta0=init[1], z0=init[2])
        run = train(X, labels, w.W0, w.Z0, lr=lr, steps=int(round(2 * 2 * horizon / lr)), record_every=steps)
        neg_gd.append(classify(run.preactivations[-1, 0, 0], run.preactivations[-1, 1, 0]))
    theory = {init: worked.states[:, k] for k, init in enumerate(inits)}
    theory_p = {init: np.column_stack([expit(worked.logits["class 1"][:, k]), expit(-worked.logits["class 2"][:, k])])
                for k, init in enumerate(inits)}
    outcomes = {init: classify(*worked.states[-1, k, :2]) for k, init in enumerate(inits)}
    gd_t = np.arange(0, steps + 1, record) * lr
    return RelaxedH2Result(_fixed_point(), separatrix(), tuple(pos.states[:, k] for k in range(len(pos_inits))),
                           tuple(neg.states[:, k] for k in range(len(neg_inits))), neg_outcomes, t, theory, theory_p,
                           gd_t, gd, outcomes, outcomes_gd, float(max(errors)), float(max(shifts)), float(max(raw)),
                           tuple(neg_gd), lr)
