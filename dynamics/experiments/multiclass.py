"""Multi-class independence: Lemma A.1 checked on a real softmax network (App. A.2)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import softmax

from ..groundtruth.assumptions import check_h4, check_h5, check_h6, require
from ..groundtruth.data import multiclass_points
from ..groundtruth.initialization import multiclass_init
from ..groundtruth.training import train_softmax

__all__ = ["MulticlassResult", "multiclass_independence"]


@dataclass(frozen=True)
class MulticlassResult:
    classes: int
    t: np.ndarray
    confidences: np.ndarray          # (R, C): P(true class) of each class's points
    patterns_fixed: bool             # only entry k of W x is positive for x in D_k, at every record
    signs_preserved: bool            # Z diagonal > 0, off-diagonal <= 0 at every record
    rows_untouched: bool             # a class-k update changes only row k of W
    max_cross_update: float          # largest change of a row j != k caused by class k's points
    alone_confidences: np.ndarray    # (R, C): each class trained alone (time rescaled by its frequency)
    alone_vs_joint: float            # max |logit difference| between training alone and together
    norms: tuple
    lr: float


def multiclass_independence(*, classes=4, per_class=(1, 2, 3, 4), norms=(0.6, 0.9, 1.2, 1.5), dimension=6, lr=0.5,
                            steps=600, rng=None) -> MulticlassResult:
    """Lemma A.1 on a real softmax network: fixed patterns, kept signs, untouched rows, and each class
    learning exactly as it would alone (its own row of W and column of Z)."""
    rng = rng or np.random.default_rng(3)
    per_class, norms = tuple(per_class)[:classes], tuple(norms)[:classes]
    data = multiclass_points(rng, classes=classes, per_class=per_class, dimension=dimension, norm=norms)
    init = multiclass_init(data, diagonal=0.2, off_diagonal=-0.05)
    require(check_h4(data.X, data.labels), check_h5(data.X, data.labels, init.W0), check_h6(init.Z0))
    run = train_softmax(data.X, data.labels, init.W0, init.Z0, lr=lr, steps=steps, record_every=max(1, steps // 60))
    own = np.eye(classes, dtype=bool)[data.labels]  # (n, h): unit k is meant to fire on class k only
    patterns = np.all((run.preactivations > 0) == own[None])
    diag = np.einsum("rkk->rk", run.Z_history)
    off = run.Z_history[:, ~np.eye(classes, dtype=bool)]
    signs = bool(np.all(diag > 0) and np.all(off <= 0))
    # Per-class gradients at the final weights: class k's points must leave rows j != k untouched.
    W, Z = run.W, run.Z
    pre = data.X @ W.T
    g = softmax(np.maximum(pre, 0) @ Z.T, axis=1) - np.eye(classes)[data.labels]
    cross = 0.0
    for k in range(classes):
        sel = data.labels == k
        grad_W = ((g[sel] @ Z) * (pre[sel] > 0)).T @ data.X[sel]
        others = np.arange(classes) != k
        cross = max(cross, float(np.max(np.abs(grad_W[others]))))
    probs = softmax(run.logits, axis=2)[:, np.arange(data.labels.size), data.labels]
    conf = np.stack([probs[:, data.labels == k].mean(axis=1) for k in range(classes)], axis=1)
    # Each class alone: the mean over its own points is 1/p_k times larger, so lr * p_k gives the same steps.
    alone, gap = [], 0.0
    for k in range(classes):
        sel = data.labels == k
        share = sel.mean()
        single = train_softmax(data.X[sel], data.labels[sel], init.W0, init.Z0, lr=lr * share, steps=steps,
                               record_every=max(1, steps // 60))
        gap = max(gap, float(np.max(np.abs(single.logits - run.logits[:, sel]))))
        alone.append(softmax(single.logits, axis=2)[:, :, k].mean(axis=1))
    return MulticlassResult(classes, run.t, conf, bool(patterns), signs, cross == 0.0, cross,
                            np.stack(alone, axis=1), gap, norms, lr)
