"""Deep chains: eq. (5) against gradient descent, and the time to confidence against depth (Sec. 4, Fig. 4).

Whether a deeper chain reaches a confidence sooner depends on the initial logit and the input norm: from
``u0`` above the crossover ``u0*`` (:func:`dynamics.depth_crossover`) the deeper chain is faster, from below it
slower.  The experiment measures that order with gradient descent on both sides of ``u0*``."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

import derivations

from ..agreement import agreement
from ..theory.flow import integrate
from ..theory.balanced_logit import depth_crossover, logit, time_to_confidence
from ..groundtruth.initialization import deep_balanced_init
from ..groundtruth.training import train_deep
from .sharpness import LOG_TIME_STEP, evaluate_sorted, first_crossing, halved_lrs, richardson, time_shift

__all__ = ["DepthResult", "depth_experiment", "DEFAULT_SETTINGS"]

#: (N, norm) of Fig. 4, from u0 = 0.1.
DEFAULT_SETTINGS = ((4, 0.1), (4, 0.5), (8, 0.1))
U0 = 0.1
#: The depth order measured by gradient descent: two depths at unit norm, from an initial logit on each side of
#: their crossover (u0* = 0.0033 for N = 2 vs 4 at P = 0.99): the deeper chain is slower from 1e-3, faster from 0.1.
ORDER_DEPTHS = (2, 4)
ORDER_U0 = (1e-3, 0.1)
ORDER_NORM = 1.0
#: Depths whose crossover u0*(2, N) with the two-layer network is drawn (one scan each, ~0.3 s).
CROSSOVER_DEPTHS = (3, 4, 6, 8, 12, 16)
#: Gradient descent runs this far past the theory's time to confidence so that the crossing is recorded.
OVERSHOOT = 1.1


@dataclass(frozen=True)
class DepthResult:
    settings: tuple
    t: np.ndarray
    theory_u: np.ndarray     # (settings, T)
    gd_t: np.ndarray
    gd_u: np.ndarray         # (settings, R)
    agreement: tuple
    depths: np.ndarray
    confidence: float
    times_to_confidence: np.ndarray   # (norms, depths)
    norms: tuple
    gd_time_error: tuple      # per setting: Richardson GD (lr, lr/2) vs the integrated derived flow, time shift
    gd_raw_time_error: tuple  # per setting: GD at lr alone, same measure
    quadrature_error: float   # eq. (5) by quadrature inversion vs the integrated N-dimensional flow (relative)
    lr: float
    small_u0: float = ORDER_U0[0]
    times_to_confidence_small: np.ndarray = None  # (norms, depths), from small_u0
    crossover_depths: tuple = ()
    crossover_u0: np.ndarray = None   # (norms, crossover_depths): u0*(2, N) above which depth N beats N = 2
    order_depths: tuple = ORDER_DEPTHS
    order_u0: tuple = ORDER_U0
    order_theory_times: np.ndarray = None  # (u0, depths): hitting time of the integrated derived flow
    order_gd_times: np.ndarray = None      # same, Richardson GD (lr, lr/2) on real deep chains, crossing every step
    order_crossover: float = float("nan")  # u0* between the two order depths
    gd_final_extrapolated: tuple = ()      # per setting: Richardson GD logit at the horizon
    order_reduced_error: float = float("nan")  # integrated flow's hitting times vs eq. (5)'s times (relative)


def depth_experiment(settings=DEFAULT_SETTINGS, *, horizon=10.0, lr=0.01, depths=tuple(range(2, 17)),
                     norms=(0.1, 0.5, 1.0), confidence=0.99, points=201) -> DepthResult:
    """u_t of eq. (5) (quadrature inversion) vs GD on real deep chains, and time to confidence vs depth."""
    t = np.linspace(0, horizon, points)
    steps = int(round(horizon / lr))
    record = max(1, steps // 50)
    theory, gd, agree, err, raw, quad, final = [], [], [], [], [], [], []
    for depth, norm in settings:
        x = np.zeros(3)
        x[0] = norm
        W0, layers0, Z0 = deep_balanced_init(x, depth=depth, u0=U0)
        runs = [train_deep(x[None], np.array([1]), W0, layers0, Z0, lr=eta, steps=steps * k, record_every=record * k)
                for k, eta in enumerate(halved_lrs(lr), start=1)]
        run = runs[0]
        gd.append(run.logits[:, 0])
        # the derived N-dimensional flow from the same balanced state: y = w.x, every layer and z equal
        model = derivations.deep(depth)
        state = [float(W0[0] @ x)] + [float(d[0]) for d in layers0] + [float(Z0[0])]

        def flow_logit(times, model=model, state=state, norm=norm):
            return integrate(model, state, times, parameters={"n": norm, "p": 1.0}).logits["class 1"][:, 0]

        on_t, on_run, ahead, behind = evaluate_sorted(flow_logit, t, run.t, run.t * (1 + LOG_TIME_STEP),
                                                      run.t * (1 - LOG_TIME_STEP))
        theory.append(logit(t, u0=U0, norm=norm, depth=depth))
        quad.append(float(np.max(np.abs(theory[-1] - on_t) / on_t)))
        extrapolated = richardson(runs[0].logits[:, 0], runs[1].logits[:, 0])
        final.append(float(extrapolated[-1]))
        err.append(time_shift(run.t, extrapolated, on_run, ahead, behind))
        raw.append(time_shift(run.t, run.logits[:, 0], on_run, ahead, behind))
        agree.append(agreement(expit(on_run), expit(run.logits[:, 0])))
    gd_t = np.arange(0, steps + 1, record) * lr
    depths = np.asarray(depths)

    def times_from(u0):
        return np.array([[float(time_to_confidence(confidence, u0=u0, norm=n, depth=int(d))) for d in depths]
                         for n in norms])

    crossover_depths = tuple(d for d in CROSSOVER_DEPTHS if d <= max(depths))
    crossover = np.array([depth_crossover(2, d, confidence=confidence, norm=np.asarray(norms)).u0
                          for d in crossover_depths]).T.reshape(len(norms), len(crossover_depths))
    order_theory, order_gd, order_reduced = _depth_order(confidence, lr)
    order_u0 = float(depth_crossover(*ORDER_DEPTHS, confidence=confidence, norm=ORDER_NORM).u0)
    return DepthResult(tuple(settings), t, np.array(theory), gd_t, np.array(gd), tuple(agree), depths, confidence,
                       times_from(U0), tuple(norms), tuple(err), tuple(raw), float(max(quad)), lr, ORDER_U0[0],
                       times_from(ORDER_U0[0]), crossover_depths, crossover, ORDER_DEPTHS, ORDER_U0, order_theory,
                       order_gd, order_u0, tuple(final), order_reduced)


def _depth_order(confidence, lr):
    """Times to ``confidence`` of the ORDER_DEPTHS chains from each ORDER_U0: the hitting time of the integrated
    derived N-dimensional flow (checked against eq. (5)'s closed form / quadrature), and Richardson GD on real
    deep chains (the crossing checked at every step and interpolated)."""
    level = np.log(confidence / (1 - confidence))  # sigma(u) = confidence
    x = np.zeros(3)
    x[0] = ORDER_NORM
    reduced = np.array([[float(time_to_confidence(confidence, u0=u0, norm=ORDER_NORM, depth=d))
                         for d in ORDER_DEPTHS] for u0 in ORDER_U0])
    theory, measured = np.empty_like(reduced), np.empty_like(reduced)
    for i, u0 in enumerate(ORDER_U0):
        for j, depth in enumerate(ORDER_DEPTHS):
            W0, layers0, Z0 = deep_balanced_init(x, depth=depth, u0=u0)
            state = [float(W0[0] @ x)] + [float(d[0]) for d in layers0] + [float(Z0[0])]
            hit = integrate(derivations.deep(depth), state, [0.0, OVERSHOOT * reduced[i, j]],
                            parameters={"n": ORDER_NORM, "p": 1.0}, targets={"class 1": level})
            theory[i, j] = float(hit.hitting_times["class 1"][0])
            crossings = []
            for eta in halved_lrs(lr):
                run = train_deep(x[None], np.array([1]), W0, layers0, Z0, lr=eta,
                                 steps=int(np.ceil(OVERSHOOT * theory[i, j] / eta)))
                crossings.append(first_crossing(run.t, run.logits[:, 0], level))
            measured[i, j] = float(richardson(*crossings))
    return theory, measured, float(np.max(np.abs(theory - reduced) / reduced))
