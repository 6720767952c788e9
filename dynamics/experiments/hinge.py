"""Hinge vs cross-entropy: time to confidence, Fig. 9 solutions, and many points inside the margin (Sec. 5)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import derivations
from derivations.symbols import c as c_sym, n1 as n1_sym, p as p_sym, theta0 as theta0_sym

from ..agreement import agreement
from ..theory.compiled import compile_expr
from ..groundtruth.data import cone_points
from ..theory.flow import integrate
from ..theory.balanced_logit import time_to_confidence
from ..groundtruth.training import train
from .sharpness import LOG_TIME_STEP, evaluate_sorted, halved_lrs, richardson, time_shift

__all__ = ["HingeResult", "hinge_vs_bce", "FIG9_SETTINGS"]

#: (c, norm) of Fig. 9, with theta0 = 0 and p = 1.
FIG9_SETTINGS = ((0.01, 0.7), (0.01, 1.5), (0.2, 0.7), (0.2, 1.5))
U0 = 0.01


@dataclass(frozen=True)
class HingeResult:
    confidences: np.ndarray
    frequencies: tuple
    bce_times: np.ndarray      # (frequencies, confidences)
    hinge_times: np.ndarray
    fig9_t: np.ndarray
    fig9_y: np.ndarray         # (settings, T)
    fig9_u: np.ndarray
    fig9_stop: dict            # "c=..,norm=.." -> stopping time (derived closed form)
    fig9_flow_stop: dict       # the same, as the time the integrated derived flow reaches the margin
    many_points_error: float   # GD at lr vs C.2 prediction on every point's logit (max abs)
    many_points_time_error: float  # Richardson GD (lr, lr/2) vs the C.2 prediction, relative time shift
    many_points_t: np.ndarray
    many_points_theory: np.ndarray
    many_points_gd: np.ndarray
    lr: float


def hinge_vs_bce(*, frequencies=(1.0, 0.8, 0.2), lr=0.002, rng=None) -> HingeResult:
    rng = rng or np.random.default_rng(4)
    conf = np.linspace(0.51, 0.999, 80)
    bce = np.array([time_to_confidence(conf, u0=U0, p=p) for p in frequencies])
    hinge = np.array([time_to_confidence(conf, loss="hinge", u0=U0, p=p) for p in frequencies])
    model = derivations.two_layer("hinge")
    stop_fn = compile_expr(model.quantities["stopping time (c != 0)"], (c_sym, theta0_sym, n1_sym, p_sym))
    t9 = np.linspace(0, 6.5, 261)
    ys, us, stops, flow_stops = [], [], {}, {}
    for c, norm in FIG9_SETTINGS:
        y0 = np.sqrt(c)  # theta0 = 0: y = sqrt(c) cosh(0), z = 0
        traj = integrate(model, [y0, 0.0, y0, 0.0], t9, parameters={"n_1": norm, "n_2": norm, "p": 1.0})
        ys.append(traj.states[:, 0, 0])
        us.append(traj.logits["class 1"][:, 0])
        stops[f"c={c},norm={norm}"] = float(stop_fn(c, 0.0, norm, 1.0))
        hit = integrate(model, [y0, 0.0, y0, 0.0], [0.0, t9[-1]], parameters={"n_1": norm, "n_2": norm, "p": 1.0},
                        targets={"class 1": 1.0})
        flow_stops[f"c={c},norm={norm}"] = float(hit.hitting_times["class 1"][0])
    # C.2: many class-1 points inside the margin act as one point X = sum x_i.
    data = cone_points(rng, n_per_class=(12, 0), dimension=5, half_angle=0.5, norm_range=(0.5, 1.0))
    X, labels = data.X, data.labels
    w0 = 0.01 * rng.standard_normal(5) + 0.1 * data.meta["axis"]
    z0 = 0.05
    if np.any(X @ w0 <= 0):
        raise RuntimeError("the many-point hinge check needs the unit active on every point; change the seed")
    steps = int(round(3.0 / lr))
    record = steps // 30
    runs = [train(X, labels, w0[None], np.array([z0]), loss="hinge", lr=eta, steps=steps * k, record_every=record * k)
            for k, eta in enumerate(halved_lrs(lr), start=1)]
    run = runs[0]
    total = X.sum(axis=0)
    norm_total = np.linalg.norm(total)
    w_perp = w0 - (w0 @ total) * total / norm_total**2
    inside = np.all(np.maximum(runs[0].logits, runs[1].logits) < 1, axis=1)
    y_total0 = w0 @ total

    def predict(times):
        mode = integrate(model, [y_total0, z0, 1.0, -1.0], times,
                         parameters={"n_1": norm_total, "n_2": 1.0, "p": 1.0 / X.shape[0]}, margin_stop=False)
        y_t, z_t = mode.states[:, 0, 0], mode.states[:, 0, 1]
        return z_t[:, None] * (y_t[:, None] * (X @ total)[None, :] / norm_total**2 + (X @ w_perp)[None, :])

    on_t, ahead, behind = evaluate_sorted(predict, run.t, run.t * (1 + LOG_TIME_STEP), run.t * (1 - LOG_TIME_STEP))
    predicted = on_t
    err = agreement(predicted[inside], run.logits[inside]).max_abs
    shift = time_shift(run.t[inside], richardson(runs[0].logits, runs[1].logits)[inside], on_t[inside],
                       ahead[inside], behind[inside])
    return HingeResult(conf, tuple(frequencies), bce, hinge, t9, np.array(ys), np.array(us), stops, flow_stops,
                       float(err), shift,
                       run.t[inside], predicted[inside], run.logits[inside], lr)
