"""Beyond gradient flow: the modified flow follows gradient descent to second order in the learning rate.

The paper's theory is the gradient flow; gradient descent at learning rate lr departs from it by O(lr)
(:mod:`~dynamics.experiments.lr_order`).  The modified flow of backward error analysis,
``m' = f - (lr/2) J_f f`` (derived and proven in :mod:`derivations.modified_flow`), follows gradient descent
to O(lr^2).  This experiment measures, on the real networks of :mod:`~dynamics.experiments.lr_order` (two-layer
BCE, two-layer hinge inside the margin, deep chain N = 3), the relative gap between gradient descent and each
theory at a fixed flow time: log-log slope 1 for the plain flow, 2 for the modified flow; and, at the learning
rate where the plain flow is off by 1%, how far off the modified flow is.  It also checks the drift of the
invariants ``y^2 - n^2 z^2`` that gradient descent shows and the flow does not: predicted at first order in lr,
with an error O(lr^2).
"""
from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import NullFormatter

from derivations import deep, two_layer
from derivations.modified_flow import modified_flow as derive_modified_flow

from . import style
from .claims import ClaimRecord, number_key
from .lr_order import (DEEP_HORIZON, DEEP_LR_FACTOR, DEEP_NORM, DEEP_U0, MODELS, TWO_LAYER_DATA,
                       TWO_LAYER_HORIZONS, TWO_LAYER_SEED, U0, V0, log_log_slope)
from .registry import Experiment
from .sweeping import sweep_values
from ..groundtruth.data import repeated_points
from ..groundtruth.initialization import balanced_init, deep_balanced_init, invariant_init
from ..groundtruth.training import train, train_deep
from ..theory.balanced_logit import logit
from ..theory.modified_flow import invariant_drift, modified_flow

__all__ = ["ModifiedFlowResult", "run", "figures", "claims", "SIZES", "EXPERIMENT", "SLOPE_TOLERANCE",
           "PLAIN_TARGET", "MODIFIED_BOUND", "DRIFT_C", "DRIFT_THETA0", "DRIFT_HORIZON", "DRIFT_LR_FACTOR",
           "DRIFT_RECORDS", "CURVE_RECORDS"]

#: The issue's acceptance: each log-log slope within 0.15 of its order (2 for the modified flow, 1 for the plain).
SLOPE_TOLERANCE = 0.15
#: The plain flow's relative error at which the two theories are compared (the issue's "off by 1%").
PLAIN_TARGET = 0.01
#: The bound the modified flow must meet there (the issue's 0.05%): 20 times below the plain flow.
MODIFIED_BOUND = 5e-4
#: The drift check: the two-layer BCE network off the balanced manifold, invariant ``y^2 - n^2 z^2 = c`` on both
#: classes (a balanced mode, c = 0, has no drift at first order), hyperbolic angle theta0 (logit ~ 0.1).
DRIFT_C, DRIFT_THETA0 = 0.3, 0.5
#: Flow time of the drift check: the same as the two-layer BCE comparison.
DRIFT_HORIZON = TWO_LAYER_HORIZONS["bce"]
#: The drift check runs at half the learning rates: class 2 moves with ``p n^2 = 1.18``, eight times class 1's, so
#: its second-order regime starts at eight times smaller rates (at lr 0.4 its residual ratio is 2.4, not 4).
DRIFT_LR_FACTOR = 0.5
#: Records of the drift check (evenly spaced up to the horizon, in whole steps of each learning rate).
DRIFT_RECORDS = 8
#: Records of each run of the sweep, for the figure of the logits' departure from the plain flow.
CURVE_RECORDS = 8


@dataclass(frozen=True)
class ModifiedFlowResult:
    """Gradient descent on the real networks against the plain and the modified flow.

    Attributes
    ----------
    models : tuple of str
        Model labels (rows M), as in :data:`dynamics.experiments.lr_order.MODELS`.
    lrs : ndarray (M, L)
        Learning rates of each model's runs (the deep chain's are ``DEEP_LR_FACTOR`` times the others).
    t : ndarray (M, L)
        Flow time ``lr * steps`` of the compared record.
    gd, plain, modified : ndarray (M, L)
        Class 1's logit after gradient descent, and from the plain flow (the balanced closed form) and the
        modified flow at the same flow time.
    one_percent_lr, one_percent_t : ndarray (M,)
        The learning rate at which the plain flow's relative error is :data:`PLAIN_TARGET` (from the log-log fit
        of the sweep), and the flow time reached there.
    one_percent_gd, one_percent_plain, one_percent_modified : ndarray (M,)
        Gradient descent and the two theories at that learning rate.
    curve_t : ndarray (M, L, R)
        Flow times of :data:`CURVE_RECORDS` records of each run, the last being :attr:`t`.
    curve_gd, curve_plain, curve_modified : ndarray (M, L, R)
        Class 1's logit at those times: gradient descent, the plain flow, the modified flow (the last record is
        :attr:`gd`, :attr:`plain`, :attr:`modified`).
    drift_lrs : ndarray (D,)
        Learning rates of the drift check.
    drift_t : ndarray (D, R)
        Flow times of its records.
    drift_gd, drift_first_order, drift_modified : ndarray (2, D, R)
        ``I(t) - I(0)`` of class 1 and class 2's invariant: measured on the network (from its pre-activations
        and output weights), predicted at first order, and along the modified flow.
    proofs : dict
        ``{model label: (claims proven, claims)}`` of the derived modified flow (:func:`ModeModel.check`).
    """

    models: tuple
    lrs: np.ndarray
    t: np.ndarray
    gd: np.ndarray
    plain: np.ndarray
    modified: np.ndarray
    one_percent_lr: np.ndarray
    one_percent_t: np.ndarray
    one_percent_gd: np.ndarray
    one_percent_plain: np.ndarray
    one_percent_modified: np.ndarray
    curve_t: np.ndarray
    curve_gd: np.ndarray
    curve_plain: np.ndarray
    curve_modified: np.ndarray
    drift_lrs: np.ndarray
    drift_t: np.ndarray
    drift_gd: np.ndarray
    drift_first_order: np.ndarray
    drift_modified: np.ndarray
    proofs: dict

    @property
    def plain_errors(self) -> np.ndarray:
        """``|GD - plain flow| / |GD|``, (M, L)."""
        return np.abs(self.gd - self.plain) / np.abs(self.gd)

    @property
    def modified_errors(self) -> np.ndarray:
        """``|GD - modified flow| / |GD|``, (M, L)."""
        return np.abs(self.gd - self.modified) / np.abs(self.gd)

    @property
    def plain_slopes(self) -> np.ndarray:
        """Log-log slope of the plain flow's error against lr, per model (M,): 1."""
        return np.array([log_log_slope(lrs, err) for lrs, err in zip(self.lrs, self.plain_errors)])

    @property
    def modified_slopes(self) -> np.ndarray:
        """Log-log slope of the modified flow's error against lr, per model (M,): 2."""
        return np.array([log_log_slope(lrs, err) for lrs, err in zip(self.lrs, self.modified_errors)])

    @property
    def one_percent_errors(self) -> tuple:
        """``(plain, modified)`` relative errors at :attr:`one_percent_lr`, each (M,)."""
        gd = np.abs(self.one_percent_gd)
        return (np.abs(self.one_percent_gd - self.one_percent_plain) / gd,
                np.abs(self.one_percent_gd - self.one_percent_modified) / gd)

    @property
    def drift_residuals(self) -> np.ndarray:
        """``|GD drift - first-order prediction|`` at the last record, (2, D)."""
        return np.abs(self.drift_gd[..., -1] - self.drift_first_order[..., -1])

    @property
    def drift_slopes(self) -> np.ndarray:
        """Log-log slope against lr of GD's drift at the last record (1: first order), per class (2,)."""
        return np.array([log_log_slope(self.drift_lrs, d[:, -1]) for d in self.drift_gd])

    @property
    def drift_residual_slopes(self) -> np.ndarray:
        """Log-log slope against lr of :attr:`drift_residuals` (2: the prediction is right at first order), (2,)."""
        return np.array([log_log_slope(self.drift_lrs, r) for r in self.drift_residuals])


def _two_layer_setup(seed):
    data = repeated_points(np.random.default_rng(seed), **TWO_LAYER_DATA)
    n1, n2 = TWO_LAYER_DATA["norms"]
    return data, {"n_1": n1, "n_2": n2, "p": TWO_LAYER_DATA["p"]}


def _two_layer_modes(data, init) -> np.ndarray:
    """``(y_1, z_1, y_2, z_2)`` of the real network: each unit's pre-activation on its class vector, its output."""
    x1, x2 = data.class_vectors
    return np.array([x1 @ init.W0[0], init.Z0[0], x2 @ init.W0[1], init.Z0[1]])


def _record_marks(steps: int, records: int) -> np.ndarray:
    """``records`` step numbers evenly spread over ``1..steps``, the last being ``steps``."""
    return np.unique(np.round(np.linspace(0, steps, records + 1)).astype(int))[1:]


def _compare(lr, horizon, gd_logit, plain_logit, model, modes, parameters, records=1):
    """GD's logit at ``records`` flow times up to ``lr * steps`` (``steps`` the whole steps nearest ``horizon``),
    and both theories there: arrays ``(t, gd, plain, modified)``, each (records,)."""
    steps = max(records, int(round(horizon / lr)))
    t, gd = gd_logit(lr, steps, _record_marks(steps, records))
    mod = modified_flow(model, modes, np.concatenate([[0.0], t]), lr=lr, parameters=parameters)
    if not mod.success:
        raise RuntimeError(f"the modified flow of {model.name} failed at lr={lr!r}: {mod.message}")
    return t, gd, np.array([plain_logit(s) for s in t]), mod.logits["class_1"][1:, 0]


def _model_runs(loss, depth, seed):
    """``(gd_logit(lr, steps, marks) -> (t, logits), plain_logit(t), model, modes, parameters, horizon)`` of one
    model (``marks`` the step numbers recorded)."""
    if depth == 2:
        data, parameters = _two_layer_setup(seed)
        init = balanced_init(data, u0=U0, v0=V0)

        def gd_logit(lr, steps, marks):
            run_ = train(data.X, data.labels, init.W0, init.Z0, loss=loss, lr=lr, steps=steps)
            return run_.t[marks], run_.logits[marks, 0]

        def plain_logit(t):
            return float(logit(t, loss=loss, norm=parameters["n_1"], p=parameters["p"], u0=U0))

        return (gd_logit, plain_logit, two_layer(loss), _two_layer_modes(data, init), parameters,
                TWO_LAYER_HORIZONS[loss])
    x = np.array([DEEP_NORM, 0.0, 0.0])
    init = deep_balanced_init(x, depth=depth, u0=DEEP_U0)

    def gd_logit(lr, steps, marks):
        run_ = train_deep(x[None], np.array([1]), init, loss=loss, lr=lr, steps=steps)
        return run_.t[marks], run_.logits[marks, 0]

    def plain_logit(t):
        return float(logit(t, loss=loss, norm=DEEP_NORM, u0=DEEP_U0, depth=depth))

    modes = np.array([float(init.W0[0] @ x), *(float(d[0]) for d in init.layers0), float(init.Z0[0])])
    return gd_logit, plain_logit, deep(depth, loss), modes, {"n": DEEP_NORM, "p": 1.0}, DEEP_HORIZON


def _drift_one(lr, seed):
    """GD's drift of the invariant at ``lr`` and both predictions: ``(t, gd, first order, modified)``."""
    data, parameters = _two_layer_setup(seed)
    init = invariant_init(data, c=DRIFT_C, theta0=DRIFT_THETA0)
    modes = _two_layer_modes(data, init)
    class_points = [int(np.flatnonzero(data.labels == k)[0]) for k in (1, 2)]
    norms = (parameters["n_1"], parameters["n_2"])
    steps = max(DRIFT_RECORDS, int(round(DRIFT_HORIZON / lr)))
    marks = _record_marks(steps, DRIFT_RECORDS)
    trained = train(data.X, data.labels, init.W0, init.Z0, loss="bce", lr=lr, steps=steps)
    y = np.stack([trained.preactivations[:, class_points[k], k] for k in (0, 1)])  # (2, R)
    z = trained.Z_history.T  # (2, R)
    invariant = y**2 - np.array(norms)[:, None] ** 2 * z**2
    t = trained.t[marks]
    predicted = invariant_drift(two_layer("bce"), modes, np.concatenate([[0.0], t]), lr=lr, parameters=parameters)
    if not predicted.success:
        raise RuntimeError(f"the invariant drift prediction failed at lr={lr!r}: {predicted.message}")
    return (t, (invariant - invariant[:, :1])[:, marks],
            np.stack([predicted.first_order[k][1:, 0] for k in ("class_1", "class_2")]),
            np.stack([predicted.modified[k][1:, 0] for k in ("class_1", "class_2")]))


def _drift_chunk(chunk, seeds, *, seed):
    """A sweep's chunk of drift learning rates (the data seeded by ``seed``; ``seeds`` unused)."""
    return [_drift_one(lr, seed) for lr in chunk]


def _drift(lrs, seed, executor=None):
    runs = sweep_values(functools.partial(_drift_chunk, seed=seed), list(lrs), chunk_size=1, executor=executor,
                        desc="invariant drift")
    times, gd, first, along = ([run_[i] for run_ in runs] for i in range(4))
    return np.array(times), *(np.array(a).transpose(1, 0, 2) for a in (gd, first, along))


def _compare_chunk(chunk, seeds, *, records):
    """A sweep's chunk of ``(loss, depth, lr)``: :func:`_compare` of each, stacked (4, records) (``seeds`` unused)."""
    out = []
    for loss, depth, lr in chunk:
        setup = _model_runs(loss, depth, TWO_LAYER_SEED)
        out.append(np.array(_compare(lr, setup[-1], *setup[:-1], records=records)))
    return out


def _one_percent_lr(lrs, errors) -> float:
    """The learning rate at which the log-log fit of the plain flow's errors reaches :data:`PLAIN_TARGET`."""
    slope, intercept = np.polyfit(np.log(lrs), np.log(errors), 1)
    return float(np.exp((np.log(PLAIN_TARGET) - intercept) / slope))


def run(*, lrs: Sequence[float], executor: Any = None) -> ModifiedFlowResult:
    """Gradient descent at each learning rate against the plain and the modified flow, for every model.

    Parameters
    ----------
    lrs : sequence of float
        The two-layer learning rates (at least 2, > 0); the deep chain runs at ``DEEP_LR_FACTOR`` times them, the
        drift check at ``DRIFT_LR_FACTOR`` times them.
    executor : optional
        Where the runs go, one (model, learning rate) per chunk (anything :func:`dynamics.sweep.sweep` takes;
        default in this process); the result does not depend on it.

    Returns
    -------
    ModifiedFlowResult

    Notes
    -----
    The run draws nothing that matters: the two-layer data's directions come from ``lr_order``'s fixed seed
    (``TWO_LAYER_SEED``), and every number here is a function of the modes only (norms, frequency, mode
    coordinates), which do not depend on the directions (Lemma 3.1).  With a seed parameter, seeds 1, 2 and 3
    gave bit-identical results, so the experiment takes none.

    Raises
    ------
    ValueError
        If ``lrs`` is not one-dimensional, has fewer than 2 learning rates, or holds one that is not > 0.
    """
    lrs = np.asarray(lrs, dtype=float)
    if lrs.ndim != 1 or lrs.size < 2 or not np.all(np.isfinite(lrs) & (lrs > 0)):
        raise ValueError(f"lrs must be a sequence of at least 2 learning rates > 0 (a slope needs two), got {lrs!r}")
    used = [lrs if depth == 2 else lrs * DEEP_LR_FACTOR for _, _, depth in MODELS]
    settings = [(loss, depth, lr) for (_, loss, depth), model_lrs in zip(MODELS, used) for lr in model_lrs]
    compared = sweep_values(functools.partial(_compare_chunk, records=CURVE_RECORDS), settings, chunk_size=1,
                            executor=executor, desc="modified flow")
    rows = [np.array(compared[m * lrs.size:(m + 1) * lrs.size]) for m in range(len(MODELS))]  # (L, 4, R) each
    lr_ones = []
    for sweep_, model_lrs in zip(rows, used):
        _, gd, plain, _ = sweep_[:, :, -1].T
        lr_ones.append(_one_percent_lr(model_lrs, np.abs(gd - plain) / np.abs(gd)))
    at_one = sweep_values(functools.partial(_compare_chunk, records=1),
                          [(loss, depth, lr_one) for (_, loss, depth), lr_one in zip(MODELS, lr_ones)],
                          chunk_size=1, executor=executor, desc="modified flow at 1%")
    ones = [(lr_one, *(v[-1] for v in one)) for lr_one, one in zip(lr_ones, at_one)]
    proofs = {}
    for label, loss, depth in MODELS:
        checked = derive_modified_flow(two_layer(loss) if depth == 2 else deep(depth, loss)).check()
        proofs[label] = (sum(checked.values()), len(checked))
    curves = np.array(rows).transpose(2, 0, 1, 3)  # (4, M, L, R)
    t, gd, plain, mod = curves[..., -1]
    lr_one, t_one, gd_one, plain_one, mod_one = np.array(ones).T
    drift_lrs = lrs * DRIFT_LR_FACTOR
    drift_t, drift_gd, drift_first, drift_mod = _drift(drift_lrs, TWO_LAYER_SEED, executor)
    return ModifiedFlowResult(
        models=tuple(label for label, _, _ in MODELS), lrs=np.array(used), t=t, gd=gd, plain=plain, modified=mod,
        one_percent_lr=lr_one, one_percent_t=t_one, one_percent_gd=gd_one, one_percent_plain=plain_one,
        one_percent_modified=mod_one, curve_t=curves[0], curve_gd=curves[1], curve_plain=curves[2],
        curve_modified=curves[3], drift_lrs=drift_lrs, drift_t=drift_t, drift_gd=drift_gd,
        drift_first_order=drift_first, drift_modified=drift_mod, proofs=proofs)


#: The report's sizes: three learning rates for a quick look, four for the report (as ``lr_order``).
SIZES = {"quick": {"lrs": (0.2, 0.1, 0.05)}, "full": {"lrs": (0.2, 0.1, 0.05, 0.025)}}


def _learning_rate_ticks(ax, lrs):
    """Label a log learning-rate axis at the learning rates used (the minor log labels overlap)."""
    ax.set_xticks(lrs, labels=[number_key(v) for v in lrs])
    ax.xaxis.set_minor_formatter(NullFormatter())


def figures(result: ModifiedFlowResult) -> dict[str, Figure]:
    """Draw the error of each theory against lr (log-log, with slope guides), the logits' departure from the plain
    flow over time (GD and the modified flow at each lr), and the invariant drift.

    Parameters
    ----------
    result : ModifiedFlowResult
        A result of :func:`run`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``{"modified_flow_order": Figure, "modified_flow_curves": Figure, "modified_flow_invariant_drift":
        Figure}``, drawn without pyplot.
    """
    fig, axes = style.new_figure(1, len(result.models), figsize=(11.0, 3.8))
    for ax, model, lrs, plain, mod, slope_p, slope_m, lr_one, (e_p, e_m) in zip(
            axes, result.models, result.lrs, result.plain_errors, result.modified_errors, result.plain_slopes,
            result.modified_slopes, result.one_percent_lr, np.transpose(result.one_percent_errors)):
        ax.plot(lrs, plain, label=f"plain flow (slope {slope_p:.2f})", **style.markers(0))
        ax.plot(lrs, mod, label=f"modified flow (slope {slope_m:.2f})", **style.markers(1))
        ax.plot([lr_one, lr_one], [e_p, e_m], label="at the lr where the plain flow is 1% off", **style.markers(2))
        small = np.argmin(lrs)
        ax.plot(lrs, plain[small] * lrs / lrs[small], label="slope 1", **style.series(0))
        ax.plot(lrs, mod[small] * (lrs / lrs[small]) ** 2, label="slope 2", **style.series(1))
        ax.axhline(MODIFIED_BOUND, label="bound 0.05%", **style.series(2))
        ax.set(xscale="log", yscale="log", xlabel=r"learning rate $\eta$", title=model)
        _learning_rate_ticks(ax, lrs)
        ax.legend(fontsize=6, loc="lower right")
    axes[0].set_ylabel(r"$|u_{GD} - u_{theory}| / |u_{GD}|$ at a fixed $t$")
    fig.suptitle("gradient descent vs the plain flow $f$ (error $O(\\eta)$) and the modified flow "
                 "$f - (\\eta/2) J_f f$ (error $O(\\eta^2)$)", fontsize=9)

    curves, axes = style.new_figure(1, len(result.models), figsize=(11.0, 3.8))
    for ax, model, lrs, t, gd, plain, mod in zip(axes, result.models, result.lrs, result.curve_t, result.curve_gd,
                                                 result.curve_plain, result.curve_modified):
        for j, lr in enumerate(lrs):
            ax.plot(np.concatenate([[0.0], t[j]]), np.concatenate([[0.0], mod[j] - plain[j]]),
                    label=rf"modified flow, $\eta$ = {lr:g}", **style.series(j))
            ax.plot(t[j], gd[j] - plain[j], label=rf"GD, $\eta$ = {lr:g}", **style.markers(j))
        ax.axhline(0.0, label="plain flow (the paper's theory)", linewidth=0.8, **style.series(len(lrs)))
        ax.set(xlabel=style.TIME_LABEL, title=model)
        ax.legend(fontsize=6)
    axes[0].set_ylabel(r"$u(t) - u_{flow}(t)$, class 1")
    curves.suptitle("gradient descent departs from the paper's flow by $O(\\eta)$; the modified flow follows "
                    "the departure", fontsize=9)

    drift, (ax_t, ax_r) = style.new_figure(1, 2, figsize=(10.0, 3.8))
    for j, lr in enumerate(result.drift_lrs):
        t = np.concatenate([[0.0], result.drift_t[j]])
        ax_t.plot(t, np.concatenate([[0.0], result.drift_first_order[0, j]]),
                  label=rf"first-order prediction, $\eta$ = {lr:g}", **style.series(j))
        ax_t.plot(result.drift_t[j], result.drift_gd[0, j], label=rf"GD, $\eta$ = {lr:g}", **style.markers(j))
    ax_t.set(xlabel=style.TIME_LABEL, ylabel=r"$I(t) - I(0)$, $I = y_1^2 - n_1^2 z_1^2$",
             title="class 1's invariant drifts at rate $(\\eta/2) f^T H_I f$")
    ax_t.legend(fontsize=6, loc="lower left")
    for k, (residuals, slope) in enumerate(zip(result.drift_residuals, result.drift_residual_slopes)):
        ax_r.plot(result.drift_lrs, residuals, label=f"|GD - prediction|, class {k + 1} (slope {slope:.2f})",
                  **style.markers(k))
        small = np.argmin(result.drift_lrs)
        ax_r.plot(result.drift_lrs, residuals[small] * (result.drift_lrs / result.drift_lrs[small]) ** 2,
                  label="slope 2" if k == 0 else None, **style.series(k))
    ax_r.set(xscale="log", yscale="log", xlabel=r"learning rate $\eta$",
             ylabel=r"$|\Delta I_{GD} - \Delta I_{pred}|$ at the last record",
             title="the drift is right to $O(\\eta^2)$")
    _learning_rate_ticks(ax_r, result.drift_lrs)
    ax_r.legend(fontsize=6, loc="lower right")
    for figure in (fig, curves, drift):
        figure.set_layout_engine("constrained")
    return {"modified_flow_order": fig, "modified_flow_curves": curves, "modified_flow_invariant_drift": drift}


def claims(result: ModifiedFlowResult) -> list[ClaimRecord]:
    """State the claims ``modified_flow_order``, ``modified_flow_one_percent``, ``modified_flow_invariant_drift``
    and ``modified_flow_derived``.

    Parameters
    ----------
    result : ModifiedFlowResult
        A result of :func:`run`.

    Returns
    -------
    list of ClaimRecord
        The four claims.
    """
    lrs = ", ".join(number_key(v) for v in result.lrs[0])
    modified = dict(zip(result.models, map(float, result.modified_slopes)))
    plain = dict(zip(result.models, map(float, result.plain_slopes)))
    worst = max(max(abs(s - 2) for s in modified.values()), max(abs(s - 1) for s in plain.values()))
    order = ClaimRecord(
        "modified_flow_order", "beyond Sec. 3.1 (gradient descent at a finite learning rate)",
        "the modified flow f - (eta/2) J_f f follows gradient descent to second order in the learning rate "
        "(log-log slope 2), where the plain flow follows it to first order (slope 1)",
        {"modified": {k: 2.0 for k in modified}, "plain": {k: 1.0 for k in plain}},
        {"modified": modified, "plain": plain}, worst, worst <= SLOPE_TOLERANCE, "measured", SLOPE_TOLERANCE,
        "log-log slope of |GD - theory| / |GD| of class 1's logit at a fixed flow time against the learning rate "
        f"({lrs}; the deep chain at {DEEP_LR_FACTOR:g} times them), GD on the real network; each slope within "
        f"{SLOPE_TOLERANCE:g} of its order")
    e_plain, e_mod = result.one_percent_errors
    worst_one = float(e_mod.max())
    one = ClaimRecord(
        "modified_flow_one_percent", "beyond Sec. 3.1 (gradient descent at a finite learning rate)",
        "at the learning rate where the plain flow is off by 1%, the modified flow is off by less than 0.05%",
        {k: MODIFIED_BOUND for k in result.models},
        {k: {"lr": float(lr), "plain": float(p), "modified": float(m)}
         for k, lr, p, m in zip(result.models, result.one_percent_lr, e_plain, e_mod)},
        worst_one, worst_one < MODIFIED_BOUND, "measured", MODIFIED_BOUND,
        f"relative error of class 1's logit against GD on the real network at the learning rate where the log-log "
        f"fit of the plain flow's errors reaches {PLAIN_TARGET:g}; the modified flow's below {MODIFIED_BOUND:g}")
    drift_slopes, residual_slopes = result.drift_slopes, result.drift_residual_slopes
    worst_drift = float(max(np.max(np.abs(drift_slopes - 1)), np.max(np.abs(residual_slopes - 2))))
    drift_lrs = ", ".join(number_key(v) for v in result.drift_lrs)
    drift = ClaimRecord(
        "modified_flow_invariant_drift", "beyond Sec. 3.1 (the invariants of Lemma 3.1 under gradient descent)",
        "gradient descent moves the invariant y^2 - n^2 z^2 of each class at the rate (eta/2) f^T H_I f "
        "(= -eta p^2 n^2 g^2 I): the drift is first order in eta and its prediction is right to O(eta^2)",
        {"drift slope": 1.0, "residual slope": 2.0},
        {"drift slope": {f"class_{k + 1}": float(s) for k, s in enumerate(drift_slopes)},
         "residual slope": {f"class_{k + 1}": float(s) for k, s in enumerate(residual_slopes)}},
        worst_drift, worst_drift <= SLOPE_TOLERANCE, "measured", SLOPE_TOLERANCE,
        f"two-layer BCE network from |I| = {DRIFT_C:g}, learning rates {drift_lrs}: log-log slope of GD's drift "
        f"I(t) - I(0) at t = {DRIFT_HORIZON:g} (within {SLOPE_TOLERANCE:g} of 1) and of its gap to the "
        f"first-order prediction (within {SLOPE_TOLERANCE:g} of 2)")
    proven = {k: f"{a}/{b}" for k, (a, b) in result.proofs.items()}
    derived = ClaimRecord(
        "modified_flow_derived", "beyond Sec. 3.1 (backward error analysis of the GD map)",
        "derived with sympy: the time-eta solution of the modified flow matches the GD map at orders eta and "
        "eta^2 in every coordinate; each invariant drifts at (eta/2) f^T H_I f, and one GD step moves a quadratic "
        "invariant by exactly eta times that", proven, None, None,
        all(a == b for a, b in result.proofs.values()), "theory", None,
        "every claim of derivations.modified_flow.modified_flow(model) proven symbolically, per model")
    return [order, one, drift, derived]


EXPERIMENT = Experiment(name="modified_flow", title="Beyond gradient flow: the modified flow follows gradient "
                        "descent to second order in the learning rate", order=110, sizes=SIZES, run=run,
                        figures=figures, claims=claims)
