"""A synthetic shortcut experiment in the spirit of Table 2 (Sec. 6 of the paper).

Class-1 images carry a frequent, easy feature (every point) and a rarer one
(a fraction ``lam`` of points) that predicts the label just as well; each
point also carries random noise.  A real two-layer network (one class-1 unit
started at ``w = alpha0 easy + beta0 rare``, ``z = z0``; class-2 units with
small random weights off the class-1 features) is trained until every training
point has reached ``confidence`` (checked at every step); then it is shown
points that carry only the rare feature.  The theory's prediction is the ODE
(8) value from the same ``(alpha0, beta0, z0)``, with the bound (7) beside it.
The noise directions are what the theory leaves out: the gap between the two
is the size of their effect, and the report states it against a tolerance
scaled by the noise energy.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from ..theory.starvation import bound_7, starved_confidence
from ..groundtruth.training import train

__all__ = ["ShortcutResult", "shortcut_experiment"]


@dataclass(frozen=True)
class ShortcutResult:
    lam: float
    confidence: float
    train_accuracy: float
    rare_only_confidence: float    # mean P(class 1) the trained net gives rare-feature-only points
    rare_only_accuracy: float
    frequent_only_confidence: float
    theory_confidence: float       # ODE (8) prediction from the same (alpha0, beta0, z0)
    bound_7: float
    steps: int                     # first step at which every training point had reached ``confidence``
    init: tuple                    # (alpha0, beta0, z0) of the class-1 unit
    noise_energy: float            # noise ** 2 * noise dimensions: the squared norm the theory leaves out
    probe_rare: np.ndarray         # P(class 1) on each rare-only probe
    probe_easy: np.ndarray
    trajectory_t: np.ndarray       # flow times of the training records
    trajectory_min_confidence: np.ndarray  # worst training point's P(true class) along training


#: (alpha0, beta0, z0) of the class-1 unit: small weights on the easy and the rare feature, as in ODE (8).
INIT = (0.05, 0.05, 0.05)


def shortcut_experiment(*, lam=0.1, confidence=0.99, n_class=200, noise=0.05, hidden=8, lr=0.05, rng=None,
                        max_steps=100_000, init=INIT) -> ShortcutResult:
    rng = rng or np.random.default_rng(11)
    d_noise = 20
    d = 2 + d_noise + 1  # [easy feature, rare feature, noise..., class-2 feature]
    easy, rare, other = np.eye(d)[0], np.eye(d)[1], np.eye(d)[-1]

    def noisy(base, count):
        out = np.repeat(base[None], count, axis=0)
        out[:, 2:2 + d_noise] = noise * rng.standard_normal((count, d_noise))
        return out

    n_rare = int(round(lam * n_class))
    X = np.vstack([noisy(easy + rare, n_rare), noisy(easy, n_class - n_rare), noisy(other, n_class)])
    labels = np.array([1] * n_class + [2] * n_class)
    alpha0, beta0, z0 = init
    n2 = hidden - 1
    W = np.vstack([alpha0 * easy + beta0 * rare, 0.05 * np.abs(rng.standard_normal((n2, d)))])
    W[1:, :2] = 0.0  # class-2 units start off the class-1 features (they would die there anyway)
    Z = np.concatenate([[z0], np.full(n2, -0.05)])
    target = np.log(confidence / (1 - confidence))
    sign = np.where(labels == 1, 1.0, -1.0)
    chunk, done, times, worst = 500, 0, [], []
    while done < max_steps:
        run = train(X, labels, W, Z, lr=lr, steps=chunk, record_every=1)  # checked at every step
        margins = np.min(sign * run.logits, axis=1)
        reached = np.flatnonzero(margins >= target)
        stop = int(reached[0]) if reached.size else chunk
        times.append(done * lr + run.t[:stop + 1])
        worst.append(expit(margins[:stop + 1]))
        if reached.size:
            if stop > 0:  # the weights at that step: rerun those steps from the chunk start (deterministic)
                run = train(X, labels, W, Z, lr=lr, steps=stop, record_every=stop)
                W, Z = run.W, run.Z
            done += stop
            break
        W, Z, done = run.W, run.Z, done + chunk
    else:
        raise RuntimeError(f"the shortcut network did not reach confidence {confidence} within {max_steps} steps")
    probe_rare = noisy(rare, 200)
    probe_easy = noisy(easy, 200)
    p_rare = expit(np.maximum(probe_rare @ W.T, 0) @ Z)
    p_easy = expit(np.maximum(probe_easy @ W.T, 0) @ Z)
    u_train = np.maximum(X @ W.T, 0) @ Z
    theory = starved_confidence(confidence, lam, alpha0=alpha0, beta0=beta0, z0=z0)
    t_all, worst_all = np.concatenate(times), np.concatenate(worst)
    keep = np.unique(np.linspace(0, t_all.size - 1, 400).astype(int))
    return ShortcutResult(lam, confidence, float(np.mean(sign * u_train > 0)), float(p_rare.mean()),
                          float(np.mean(p_rare > 0.5)), float(p_easy.mean()), theory.probability,
                          float(bound_7(confidence, lam)), done, tuple(init), float(noise**2 * d_noise),
                          p_rare, p_easy, t_all[keep], worst_all[keep])
