"""Multi-class softmax network under H4-H6 (App. A.2, Lemma A.1).

App. A.2 of the paper.  ``P(x) = softmax(Z relu(W x))`` with C hidden units; unit k is
active only on the class-k point ``x_k``; ``Z`` has a positive diagonal and
non-positive off-diagonal entries.
"""
from __future__ import annotations

from functools import lru_cache

import sympy as sp

from .claims import identity, inequality
from .gradient_flow import dot, gradient_flow, project, vector
from .model import FACTORY_CACHE_SIZE, ModeModel, frozen, named
from .losses import Loss, margin
from .validation import require_int

__all__ = ["multiclass", "MAX_CLASSES"]

#: Largest number of classes derived symbolically (the softmax algebra grows fast).
MAX_CLASSES = 4
#: Sampling range of the weights for the sign claims.
WEIGHT_RANGE = 3.0


@lru_cache(maxsize=FACTORY_CACHE_SIZE)
def _multiclass(classes: int) -> ModeModel:
    C = classes
    norms = sp.symbols(f"n_1:{C + 1}", positive=True)
    freqs = sp.symbols(f"p_1:{C + 1}", positive=True)
    ys = sp.symbols(f"y_1:{C + 1}", real=True)
    Z = sp.Matrix(C, C, lambda j, k: sp.Symbol(f"Z_{j + 1}{k + 1}", real=True))
    xs = [vector(f"x{k + 1}") for k in range(C)]
    ws = [vector(f"w{k + 1}") for k in range(C)]
    objective = 0
    for k in range(C):
        # H5 pattern: only unit k is active on x_k, so the logits are Z[:, k] (w_k . x_k).
        logits = [Z[j, k] * dot(ws[k], xs[k]) for j in range(C)]
        objective += freqs[k] * (sp.log(sum(sp.exp(l) for l in logits)) - logits[k])
    weights = [c for w in ws for c in w] + list(Z)
    raw = gradient_flow(objective, weights)
    modes = {**{y: dot(w, x) for y, w, x in zip(ys, ws, xs)}, **{q: q for q in Z}}
    geometry = {x[0]: sp.sqrt(nk**2 - x[1] ** 2 - x[2] ** 2) for x, nk in zip(xs, norms)}
    state = tuple(ys) + tuple(Z)
    flow = project(raw, modes, [w[0] for w in ws], geometry, set(state) | set(norms) | set(freqs))
    domain = {**{q: (0.0, WEIGHT_RANGE) for q in ys}, **{f: (0.05, 1.0) for f in freqs},
              **{nk: (0.1, 3.0) for nk in norms}}
    for j in range(C):
        for k in range(C):
            domain[Z[j, k]] = (0.0, WEIGHT_RANGE) if j == k else (-WEIGHT_RANGE, 0.0)
    claims = []
    for k in range(C):
        # The update of row j != k from x_k's loss term is exactly zero (row j inactive on x_k).
        term_k = freqs[k] * sp.diff(objective, freqs[k])
        for j in range(C):
            if j != k:
                claims.append(identity(f"Lemma A.1: the class-{k + 1} point does not move row {j + 1} of W",
                                       sum(sp.Abs(sp.diff(term_k, c)) for c in ws[j])))
        # Row k moves along x_k only, with a non-negative coefficient: w_k . x_j (j != k) stays <= 0 under H4.
        coefficient = sp.simplify(raw[ws[k][1]] / xs[k][1])
        claims.append(identity(f"Lemma A.1: row {k + 1} of W moves along x_{k + 1} only",
                               sum(sp.Abs(sp.simplify(raw[c] - coefficient * xk)) for c, xk in zip(ws[k], xs[k]))))
        claims.append(inequality(f"Lemma A.1: y_{k + 1}' >= 0, so unit {k + 1} stays active on x_{k + 1}",
                                 flow[ys[k]], domain))
        for j in range(C):
            rate = flow[Z[j, k]]
            if j == k:
                claims.append(inequality(f"Lemma A.1: Z_{j + 1}{k + 1}' >= 0 (diagonal stays positive)", rate, domain))
            else:
                claims.append(inequality(f"Lemma A.1: Z_{j + 1}{k + 1}' <= 0 (off-diagonal stays non-positive)",
                                         -rate, domain))
    invariants = named("invariant", [(f"class_{k + 1}", f"class {k + 1}",
                                      ys[k] ** 2 - norms[k] ** 2 * sum(Z[j, k] ** 2 for j in range(C)))
                                     for k in range(C)])
    logits = named("logit", [(f"class_{k + 1}_output_{j + 1}", f"class {k + 1}, output {j + 1}", Z[j, k] * ys[k])
                             for k in range(C) for j in range(C)])
    return ModeModel(
        name="multiclass", loss=Loss("softmax", sp.log(1 + sp.exp(-margin))),
        state=state, parameters=tuple(norms) + tuple(freqs), flow=frozen(flow), logits=logits,
        invariants=invariants, claims=tuple(claims), fractions=tuple(freqs), rectified=tuple(ys),
        source="App. A.2 of the paper (Lemma A.1)",
    )


def multiclass(classes: int = 3) -> ModeModel:
    """The softmax network with ``classes`` classes, one point and one unit per class.

    The loss is the softmax cross-entropy (fixed; there is no ``loss``
    argument), weighted by the class frequencies ``p_k``.

    Parameters
    ----------
    classes : int
        C, the number of classes, from 2 to :data:`MAX_CLASSES` (4).

    Returns
    -------
    ModeModel
        State ``(y_1, ..., y_C, Z_11, Z_12, ..., Z_CC)`` (``y_k = w_k . x_k``,
        rectified, and the output matrix ``Z``); parameters ``(n_1, ..., n_C,
        p_1, ..., p_C)`` (the ``p_k`` are fractions).  Logits
        ``class_k_output_j`` (``Z_jk y_k``, output j on the class-k point);
        invariants ``class_1`` ... ``class_C`` (``y_k^2 - n_k^2 sum_j Z_jk^2``);
        the claims of Lemma A.1 (rows of W move independently, the signs of
        ``y`` and ``Z`` are kept).  No reductions and no quantities.

    Raises
    ------
    TypeError
        If ``classes`` is not an integer.
    ValueError
        If ``classes`` is outside ``[2, MAX_CLASSES]``.

    Examples
    --------
    >>> m = multiclass(2)
    >>> all(m.check().values())
    True
    """
    return _multiclass(require_int("classes", classes, 2, MAX_CLASSES))
