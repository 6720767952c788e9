"""Every claim of the paper the report checks: theory value, measured GD value, agreement, pass/fail.

Each producer runs one experiment at the size ``quick`` asks for, draws its
figure into ``figures`` and returns ``(records, figure paths)``.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import derivations

from . import experiments, plots
from .experiments.corollary_ratio import DEFAULT_GRID as COROLLARY_GRID
from .assumptions import check_binary, partition, require
from .balanced_logit import logit
from .data import cone_points, repeated_points
from .initialization import balanced_init, cone_init, deep_balanced_init
from .relaxed_h2 import WORKED_INITS
from .starvation import TABLE1_CONFIDENCES, TABLE1_LAMBDAS, table1
from .training import class_gradients, train, train_deep

__all__ = ["ClaimRecord", "PRODUCERS", "TOLERANCES"]

#: Pass thresholds, each with its reason.
TOLERANCES = {
    "collapse": 1e-9,          # the 1/(||x|| p) scaling is exact: only rounding remains
    "phase": 0.99,             # issue: >= 99% of grid points away from boundaries
    "order_slope": 0.1,        # log-log slope of GD error vs lr within 0.1 of 1
    "gd_lr_relative": 0.05,    # O(lr) agreement of GD with theory at the learning rates used
    "quadrature": 1e-9,        # closed form / quadrature vs ODE
}


@dataclass(frozen=True)
class ClaimRecord:
    """One claim as reproduced (the ``claims`` entries of report.json)."""

    id: str
    section: str
    statement: str
    theory: object
    measured: object
    error: float | None
    passed: bool


def _key(x) -> str:
    return f"{x:g}"


def symbolic(quick, figures):
    models = {"two_layer (BCE)": lambda: derivations.two_layer("bce"),
              "two_layer (hinge)": lambda: derivations.two_layer("hinge"),
              "deep N=4 (BCE)": lambda: derivations.deep(4)}
    if not quick:
        models.update({"shared_neuron (BCE)": derivations.shared_neuron, "starvation (BCE)": derivations.starvation,
                       "deep N=3 (hinge)": lambda: derivations.deep(3, "hinge"), "wide h=2": lambda: derivations.wide(2),
                       "orthogonal points m=3": lambda: derivations.orthogonal_points(3),
                       "multiclass C=3": lambda: derivations.multiclass(3)})
    out = []
    for label, build in models.items():
        model = build()
        proofs = model.proofs()
        failed = [p.statement for p in proofs if not p.holds]
        out.append(ClaimRecord(f"derived_{model.name}_{model.loss.name}_{len(model.state)}", model.source,
                               f"every identity of {label} holds ({len(proofs)} claims; symbolic unless marked numeric)",
                               {p.statement: p.method for p in proofs}, {"proven": len(proofs) - len(failed),
                                                                         "failed": failed}, None, not failed))
    return out, []


def sigmoidal(quick, figures):
    res = experiments.sigmoidal_learning(horizon=60.0 if quick else 120.0, lr=0.1 if quick else 0.05)
    worst = max(a.max_abs for a in res.agreement)
    # GD collapse: each balanced GD curve, rescaled to s = ||x|| p t, against the master curve.
    gd_err = 0.0
    for i, (c, norm, p) in enumerate(res.settings):
        if c == 0:
            s = res.gd_t * norm * p
            keep = s <= res.master_t[-1]
            gd_err = max(gd_err, float(np.max(np.abs(np.interp(s[keep], res.master_t, res.master_p) - res.gd_p[i][keep]))))
    recs = [ClaimRecord("norm_frequency_collapse", "§3, eq. (3)/(17), Fig. 2 Right",
                        "P_t = sigma(u_bar(||x|| p t)): curves for every (||x||, p) collapse onto one master curve",
                        {"max_relative_collapse_error": res.collapse_error},
                        {"gd_max_abs_deviation_from_master": gd_err, "lr": res.lr}, res.collapse_error,
                        res.collapse_error <= TOLERANCES["collapse"] and gd_err <= TOLERANCES["gd_lr_relative"]),
            ClaimRecord("sigmoidal_gd_agreement", "§3, Fig. 2 Right",
                        "GD on the real network follows the derived flow for each (c, ||x||, p) within O(lr)",
                        {str(s): "derived flow (12), integrated" for s in res.settings},
                        {str(s): a.as_dict() for s, a in zip(res.settings, res.agreement)}, worst,
                        worst <= TOLERANCES["gd_lr_relative"])]
    return recs, plots.plot_sigmoidal(res, figures / "fig2_sigmoidal")


def corollary(quick, figures):
    res = experiments.corollary_ratio(COROLLARY_GRID[:2] if quick else COROLLARY_GRID)
    theory = {f"n1={g[0]:g},n2={g[1]:g},p1={g[2]:g}": {_key(d): float(v) for d, v in zip(res.deltas, row)}
              for g, row in zip(res.grid, res.exact)}
    measured = {f"n1={g[0]:g},n2={g[1]:g},p1={g[2]:g}": {_key(d): float(v) for d, v in zip(res.deltas, row)}
                for g, row in zip(res.grid, res.measured)}
    formula_err = float(np.max(np.abs(res.formula - res.exact) / res.exact))
    rec = ClaimRecord("cor33_ratio", "§4, Corollary 3.3",
                      "t2*/t1* from the closed forms equals the corollary's formula and matches GD",
                      theory, measured, res.max_relative_error,
                      res.max_relative_error <= TOLERANCES["gd_lr_relative"] and formula_err <= 1e-9)
    return [rec], plots.plot_corollary(res, figures / "cor33_ratio")


def phase(quick, figures):
    res = experiments.phase_diagram(grid=31 if quick else 61)
    rec = ClaimRecord("phase_diagram_agreement", "§5, Fig. 2 Left",
                      "regions frozen/success/stalls/dies predicted by theory match a batched GD sweep",
                      {"grid_points_counted": res.counted, "boundary_band": 0.05},
                      {"agreement_fraction": res.agreement}, 1 - res.agreement, res.agreement >= TOLERANCES["phase"])
    return [rec], plots.plot_phase_diagram(res, figures / "fig2_phase_diagram")


def relaxed(quick, figures):
    res = experiments.relaxed_h2(lr=0.04 if quick else 0.01)
    key = lambda init: ",".join(_key(v) for v in init)  # noqa: E731
    theory = {key(i): res.outcomes_theory[i] for i in WORKED_INITS}
    measured = {key(i): res.outcomes_gd[i] for i in WORKED_INITS}
    stated = {key(i): o for i, o in WORKED_INITS.items()}
    rec = ClaimRecord("thm34_worked_inits", "§6, Theorem 3.4, Fig. 3",
                      "the worked initializations end as the paper states, in theory (ODE (4)) and in GD on a real "
                      "network with a shared neuron", theory, measured, res.max_state_error,
                      theory == stated and measured == stated)
    neg = ClaimRecord("thm34_negative_c", "§6, Fig. 7", "for c < 0 every trajectory ends with beta = 0",
                      {"outcomes": list(res.negative_outcomes)}, None, None,
                      all(o == "beta_dies" for o in res.negative_outcomes))
    return [rec, neg], plots.plot_relaxed_h2(res, figures / "fig3_relaxed_h2")


def depth(quick, figures):
    res = experiments.depth_experiment(lr=0.02 if quick else 0.01, depths=(2, 4, 8) if quick else tuple(range(2, 17)),
                                       points=41 if quick else 201)
    theory = {f"N={d},norm={_key(n)}": float(u[-1]) for (d, n), u in zip(res.settings, res.theory_u)}
    measured = {f"N={d},norm={_key(n)}": float(u[-1]) for (d, n), u in zip(res.settings, res.gd_u)}
    ode = {f"N={d},norm={_key(n)}": float(logit(10.0, u0=0.1, norm=n, depth=d, method="ode")) for d, n in res.settings}
    err = max(abs(measured[k] - theory[k]) / theory[k] for k in theory)
    quad = max(abs(ode[k] - theory[k]) / ode[k] for k in theory)
    faster = bool(np.all(np.diff(res.times_to_confidence, axis=1) < 0))
    rec = ClaimRecord("deep_logits", "§7, eq. (5), Fig. 4",
                      "u(10) from u0 = 0.1 (quadrature inversion = ODE), matched by GD on real deep chains; "
                      "deeper reaches confidence faster", theory, measured, err,
                      err <= TOLERANCES["gd_lr_relative"] and quad <= TOLERANCES["quadrature"] and faster)
    return [rec], plots.plot_depth(res, figures / "fig4_depth")


def hinge(quick, figures):
    res = experiments.hinge_vs_bce(lr=0.004 if quick else 0.002)
    # Measured stopping times: GD on the real network from theta0 = 0 (y0 = sqrt(c), z0 = 0), p = 1.
    measured, lr = {}, 0.002 if quick else 0.001
    for key in res.fig9_stop:
        c, norm = (float(part.split("=")[1]) for part in key.split(","))
        x = np.array([norm, 0.0, 0.0])
        run = train(x[None], np.array([1]), (np.sqrt(c) * x / norm**2)[None], np.array([0.0]), loss="hinge",
                    lr=lr, steps=int(round(1.2 * res.fig9_stop[key] / lr)))
        measured[key] = float(run.t[np.flatnonzero(run.logits[:, 0] >= 1)[0]])
    err = max(abs(measured[k] - res.fig9_stop[k]) / res.fig9_stop[k] for k in measured)
    diverges = bool(np.all(np.diff(res.bce_times, axis=1) > 0) and res.bce_times[0, -1] > 10 * res.hinge_times[0, -1])
    recs = [ClaimRecord("hinge_fig9", "§8, Theorem 5.1, Fig. 9", "hinge stopping times (asinh(2n/c) - theta0)/(2 p n) "
                        "from theta0 = 0, against the time GD reaches the margin", res.fig9_stop, measured, err,
                        err <= TOLERANCES["gd_lr_relative"]),
            ClaimRecord("hinge_vs_bce_time", "§8, Fig. 5 Right",
                        "time to confidence: BCE diverges as confidence -> 1, hinge stays finite",
                        {"bce_time_at_0.999": float(res.bce_times[0, -1]), "hinge_time_at_0.999": float(res.hinge_times[0, -1])},
                        None, None, diverges),
            ClaimRecord("hinge_many_points", "§8, App. C.2",
                        "many points inside the margin act as one point X = sum x_i: predicted logits vs GD",
                        "u_t(x) = z_t (y_t X.x/||X||^2 + w0_perp.x)", {"max_abs_error": res.many_points_error, "lr": res.lr},
                        res.many_points_error, res.many_points_error <= 0.01)]
    return recs, plots.plot_hinge(res, figures / "fig5_fig9_hinge")


def starvation(quick, figures):
    printed = {0.99: {0.5: 0.91, 0.2: 0.71, 0.1: 0.61, 0.01: 0.51}, 0.9999: {0.5: 0.99, 0.2: 0.86, 0.1: 0.72, 0.01: 0.52}}
    table = table1()
    err = max(abs(round(table[c][lam], 2) - printed[c][lam]) for c in TABLE1_CONFIDENCES for lam in TABLE1_LAMBDAS)
    recs = [ClaimRecord("table1", "§9, Table 1", "bound (7) sigma(lambda log((1-delta)/delta)), to the printed precision",
                        {_key(c): {_key(lam): table[c][lam] for lam in TABLE1_LAMBDAS} for c in TABLE1_CONFIDENCES},
                        {_key(c): {_key(lam): printed[c][lam] for lam in TABLE1_LAMBDAS} for c in TABLE1_CONFIDENCES},
                        err, err < 1e-9)]
    res = experiments.starvation_experiment(lr=0.1 if quick else 0.05)
    theory = {_key(lam): res.ode_fair[lam] for lam in res.lambdas}
    measured = {_key(lam): res.gd_fair[lam] for lam in res.lambdas}
    gap = max(abs(theory[k] - measured[k]) for k in theory)
    broken = [_key(lam) for lam in res.lambdas if not res.bound_7_holds_fair[lam]]
    recs.append(ClaimRecord(
        "starvation_fair_init", "§9, Theorem 6.1 / D.2, Fig. 6",
        "P_t*((0, x2)) at 1-delta = 0.99 from (0.1, 0.1, 0.1): ODE (8) vs GD on the real network; it stays under "
        f"the D.2 bound; bound (7) does not hold from this init for lambda in {broken} (it needs alpha0 >= beta0/lambda)",
        theory, measured, gap, gap <= 0.01 and all(res.ode_fair[lam] <= res.bound_d2[lam] + 1e-9 for lam in res.lambdas)))
    recs.append(ClaimRecord("starvation_bound7_satisfying_init", "§9, Theorem 6.1",
                            "from alpha0 >= beta0/lambda the ODE value stays under bound (7)",
                            {_key(lam): res.bound_7[lam] for lam in res.lambdas},
                            {_key(lam): res.ode_satisfying[lam] for lam in res.lambdas}, None,
                            all(res.ode_satisfying[lam] <= res.bound_7[lam] + 1e-9 for lam in res.lambdas)))
    short = experiments.shortcut_experiment()
    recs.append(ClaimRecord("shortcut_synthetic", "§9, Table 2 analogue",
                            "a rare but equally predictive feature alone gets little confidence once the frequent one "
                            "is learned; theory (ODE (8)) predicts the size", {"ode_confidence": short.theory_confidence,
                                                                                 "bound_7": short.bound_7},
                            {"rare_only_confidence": short.rare_only_confidence,
                             "frequent_only_confidence": short.frequent_only_confidence,
                             "train_accuracy": short.train_accuracy},
                            abs(short.rare_only_confidence - short.theory_confidence),
                            short.train_accuracy == 1.0 and short.rare_only_confidence < 0.75
                            and abs(short.rare_only_confidence - short.theory_confidence) < 0.05))
    return recs, plots.plot_starvation(res, figures / "fig6_table1_starvation")


def lemma31(quick, figures):
    changed = signs = cross = 0
    seeds = range(2 if quick else 5)
    for seed in seeds:
        rng = np.random.default_rng(seed)
        data = cone_points(rng, n_per_class=(10, 10), dimension=6, half_angle=0.4)
        init = cone_init(rng, data)
        W0, Z0 = init.W0, init.Z0
        require(*check_binary(data.X, data.labels, W0, Z0))
        for loss in ("bce", "hinge"):
            run = train(data.X, data.labels, W0, Z0, loss=loss, lr=0.5, steps=300, record_every=10)
            changed += int(np.sum(run.patterns != run.patterns[0]))
            signs += int(np.sum(np.sign(run.Z_history) != np.sign(Z0)))
            part = partition(W0, data.X, data.labels)
            grads = class_gradients(data.X, data.labels, run.W, run.Z, loss=loss)
            cross += sum(int(np.count_nonzero(grads[k][0][part != k])) for k in (1, 2))
    res = experiments.multiclass_independence()
    recs = [ClaimRecord("lemma31_finite_lr", "§2, Lemma 3.1",
                        "under H1-H3, at a finite learning rate (0.5), activation patterns and signs of Z never change "
                        "and class k's updates touch only the units of I_k", {"changes": 0},
                        {"pattern_changes": changed, "sign_changes": signs, "cross_class_updates": cross,
                         "datasets": len(seeds)}, float(changed + signs + cross), changed + signs + cross == 0),
            ClaimRecord("multiclass_lemma_a1", "§10, Lemma A.1",
                        "softmax network under H4-H6: patterns fixed, signs of Z kept, rows j != k untouched by "
                        "class k, and each class learns exactly as it would alone",
                        {"patterns_fixed": True, "signs_preserved": True, "rows_untouched": True,
                         "alone_equals_joint": True},
                        {"patterns_fixed": res.patterns_fixed, "signs_preserved": res.signs_preserved,
                         "rows_untouched": res.rows_untouched, "alone_equals_joint": res.alone_vs_joint <= 1e-9},
                        res.alone_vs_joint,
                        res.patterns_fixed and res.signs_preserved and res.rows_untouched
                        and res.alone_vs_joint <= 1e-9)]
    return recs, plots.plot_multiclass(res, figures / "lemma_a1_multiclass")


def _slope(lrs, errors):
    return float(np.polyfit(np.log(lrs), np.log(np.abs(errors)), 1)[0])


def order(quick, figures):
    lrs = np.array([0.2, 0.1, 0.05] if quick else [0.2, 0.1, 0.05, 0.025])
    slopes = {}
    for loss, horizon in (("bce", 6.0), ("hinge", 1.5)):
        data = repeated_points(np.random.default_rng(5), norms=(0.7, 1.3), p=0.3, n_points=10, dimension=5)
        init = balanced_init(data, u0=0.05, v0=-0.1)
        errors = []
        for lr in lrs:
            steps = int(round(horizon / lr))
            run = train(data.X, data.labels, init.W0, init.Z0, loss=loss, lr=lr, steps=steps, record_every=steps)
            errors.append(abs(run.logits[-1, 0] - logit(run.t[-1], loss=loss, norm=0.7, p=0.3, u0=0.05)))
        slopes[f"two_layer {loss}"] = _slope(lrs, errors)
    x = np.array([0.8, 0.0, 0.0])
    W0, layers0, Z0 = deep_balanced_init(x, depth=3, u0=0.1)
    errors = []
    for lr in lrs / 2:
        steps = int(round(3.0 / lr))
        run = train_deep(x[None], np.array([1]), W0, layers0, Z0, lr=lr, steps=steps, record_every=steps)
        errors.append(abs(run.logits[-1, 0] - logit(run.t[-1], norm=0.8, u0=0.1, depth=3)))
    slopes["deep N=3 bce"] = _slope(lrs / 2, errors)
    worst = max(abs(s - 1) for s in slopes.values())
    return [ClaimRecord("gd_vs_theory_order", "§1 (gradient flow = lr -> 0)",
                        "the gap between GD and the theory shrinks linearly in the learning rate (log-log slope 1)",
                        {k: 1.0 for k in slopes}, slopes, worst, worst <= TOLERANCES["order_slope"])], []


#: Producers in report order.
PRODUCERS = (symbolic, starvation, relaxed, depth, hinge, corollary, phase, sigmoidal, lemma31, order)
