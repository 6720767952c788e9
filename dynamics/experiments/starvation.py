"""Gradient starvation: bounds, the ODE (8) value and GD side by side (Sec. 6, Table 1, Figs. 6, 10)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from ..groundtruth.data import starvation_data
from ..theory.starvation import bound_7, bound_d2, starved_confidence
from ..groundtruth.training import train
from .sharpness import halved_lrs, richardson

__all__ = ["StarvationResult", "starvation_experiment", "measured_starved_confidence"]

LAMBDAS = (0.5, 0.2, 0.1, 0.01)
FAIR_INIT = (0.1, 0.1, 0.1)


@dataclass(frozen=True)
class StarvationResult:
    lambdas: tuple
    confidence: float
    bound_7: dict
    bound_d2: dict
    ode_fair: dict
    ode_satisfying: dict
    gd_fair: dict
    bound_7_holds_fair: dict
    curve_confidences: np.ndarray
    curve_bound_7: np.ndarray        # (lambdas, confidences)
    curve_bound_d2: np.ndarray
    gd_time_error: float           # Richardson GD (lr, lr/2) t* vs the ODE's, relative, worst lambda
    gd_raw_time_error: float       # GD at lr alone, same measure
    gd_probability_error: float    # Richardson GD P_t*((0, x2)) vs the ODE's, absolute, worst lambda
    gd_stop_time: dict
    ode_stop_time: dict
    lr: float


def measured_starved_confidence(lam, confidence, *, init=FAIR_INIT, lr=0.05, n_points=None, max_steps=200_000):
    """GD on the real two-feature network until P >= confidence on (x1, 0): ``(t*, P on (0, x2))``.

    ``t*`` is in the time of ODE (8), which is class 1's own flow: GD flow time (lr x steps) times the
    class-1 frequency of the data (GD descends the mean loss over both classes).

    The logit on the hard point is checked at every step; ``t*`` and the probe's probability are
    interpolated linearly between the two steps around the crossing (error O(lr^2)).
    The class-1 unit starts at ``w = (alpha0 x1, beta0 x2)``, ``z = z0``; class 2 has its own unit and feature.
    """
    n_points = n_points or (int(np.ceil(2 / lam)) * 2 if lam < 0.5 else 8)
    data = starvation_data(np.random.default_rng(0), lam=lam, n_points=n_points)
    x1, x2 = data.meta["x1"], data.meta["x2"]
    d1, d2 = data.meta["dimensions"]
    alpha0, beta0, z0 = init
    w1 = np.concatenate([alpha0 * x1, beta0 * x2, [0.0]])
    w2 = np.concatenate([np.zeros(d1 + d2), [0.1]])
    W, Z = np.vstack([w1, w2]), np.array([z0, -0.1])
    probe = np.concatenate([np.zeros(d1), x2, [0.0]])
    hard = int(np.flatnonzero((data.labels == 1) & (data.X[:, d1:d1 + d2] == 0).all(axis=1))[0])
    target = np.log(confidence / (1 - confidence))
    chunk = 2000
    for done in range(0, max_steps, chunk):
        run = train(data.X, data.labels, W, Z, lr=lr, steps=chunk, record_every=1)
        hit = np.flatnonzero(run.logits[:, hard] >= target)
        if hit.size:
            k = int(hit[0])
            if k == 0:
                raise RuntimeError("the hard point starts above the target confidence")
            # probe logits at steps k-1 and k: rerun those k steps from the chunk start (exact, deterministic)
            before = train(data.X, data.labels, W, Z, lr=lr, steps=k - 1, record_every=max(k - 1, 1))
            probe_u = [float(Zk @ np.maximum(Wk @ probe, 0)) for Wk, Zk in ((before.W, before.Z),)]
            after = train(data.X, data.labels, before.W, before.Z, lr=lr, steps=1)
            probe_u.append(float(after.Z @ np.maximum(after.W @ probe, 0)))
            u0, u1 = run.logits[k - 1, hard], run.logits[k, hard]
            frac = (target - u0) / (u1 - u0)
            t_star = (done + k - 1 + frac) * lr * data.frequencies[1]  # class 1's own flow time, as in (8)
            return t_star, float(expit(probe_u[0] + frac * (probe_u[1] - probe_u[0])))
        W, Z = run.W, run.Z
    raise RuntimeError(f"GD did not reach confidence {confidence} on (x1, 0) within {max_steps} steps")


def starvation_experiment(*, lambdas=LAMBDAS, confidence=0.99, lr=0.05) -> StarvationResult:
    b7 = {lam: float(bound_7(confidence, lam)) for lam in lambdas}
    fair = {lam: starved_confidence(confidence, lam, alpha0=FAIR_INIT[0], beta0=FAIR_INIT[1], z0=FAIR_INIT[2])
            for lam in lambdas}
    satisfying = {lam: starved_confidence(confidence, lam, alpha0=0.1, beta0=0.1 * lam, z0=0.1) for lam in lambdas}
    pairs = {lam: [measured_starved_confidence(lam, confidence, lr=eta) for eta in halved_lrs(lr)] for lam in lambdas}
    gd = {lam: float(richardson(pairs[lam][0][1], pairs[lam][1][1])) for lam in lambdas}
    gd_t = {lam: float(richardson(pairs[lam][0][0], pairs[lam][1][0])) for lam in lambdas}
    ode_t = {lam: fair[lam].stop_time for lam in lambdas}
    time_err = max(abs(gd_t[lam] - ode_t[lam]) / ode_t[lam] for lam in lambdas)
    raw_err = max(abs(pairs[lam][0][0] - ode_t[lam]) / ode_t[lam] for lam in lambdas)
    p_err = max(abs(gd[lam] - fair[lam].probability) for lam in lambdas)
    curve = np.linspace(0.5005, 0.9995, 120)
    z_star = np.sqrt(np.log(curve / (1 - curve)))  # Fig. 6's z_{t*} = alpha_{t*}
    c7 = np.array([bound_7(curve, lam) for lam in lambdas])
    cd2 = np.array([bound_d2(curve, lam, z_star=z_star, alpha0=FAIR_INIT[0], beta0=FAIR_INIT[1]) for lam in lambdas])
    return StarvationResult(tuple(lambdas), confidence, b7, {lam: fair[lam].bound_d2 for lam in lambdas},
                            {lam: fair[lam].probability for lam in lambdas},
                            {lam: satisfying[lam].probability for lam in lambdas}, gd,
                            {lam: fair[lam].probability <= b7[lam] for lam in lambdas}, curve, c7, cd2,
                            float(time_err), float(raw_err), float(p_err), gd_t, ode_t, lr)
