"""Every claim of the paper the report checks: what is compared with what, the threshold, pass/fail.

Each producer runs one experiment at the size ``quick`` asks for, draws its
figure into ``figures`` and returns ``(records, figure paths)``.  A claim of
kind ``"measured"`` compares the theory with gradient descent on a real network;
where the comparison is quantitative it is sharp: GD at two learning rates,
Richardson-extrapolated, against the integrated derived flow, judged as a
relative time shift (:mod:`dynamics.experiments.sharpness`), so that a theory
1% off in its time scale or 2% off in its loss fails.  Claims of kind
``"theory"`` check the theory alone (symbolic proofs, bounds, printed tables).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

import derivations

from .. import experiments
from . import figures as plots
from ..experiments.corollary_ratio import DEFAULT_GRID as COROLLARY_GRID
from ..groundtruth.assumptions import check_binary, partition, require
from ..theory.balanced_logit import logit
from ..experiments.sharpness import TIME_TOLERANCE, first_crossing, halved_lrs, richardson
from ..groundtruth.data import cone_points, repeated_points
from ..groundtruth.initialization import balanced_init, cone_init, deep_balanced_init
from ..theory.shared_neuron import WORKED_INITS
from ..theory.starvation import TABLE1_CONFIDENCES, TABLE1_LAMBDAS, table1
from ..groundtruth.training import class_gradients, train, train_deep

__all__ = ["ClaimRecord", "PRODUCERS", "TOLERANCES", "KINDS"]

#: Pass thresholds, each with its reason.
TOLERANCES = {
    "collapse": 1e-9,          # closed-form master curve vs the integrated 4-D flow: only integration error remains
    "phase": 0.99,             # issue: >= 99% of grid points away from boundaries
    "order_slope": 0.1,        # log-log slope of GD error vs lr within 0.1 of 1
    # Richardson GD vs theory, as a relative time shift (see dynamics.experiments.sharpness): a theory 1% off in
    # its time scale shows 1e-2; the right theory shows 1e-6 to 6e-4 at the report's learning rates.
    "gd_time": TIME_TOLERANCE,
    "quadrature": 1e-9,        # closed form / quadrature vs ODE
    # Richardson GD vs ODE (8) for the starved probability: measured 3e-7; 1e-4 leaves a factor 300 and is
    # still far below what a 2%-wrong loss does to it.
    "starvation_probability": 1e-4,
    # Raw GD at one learning rate vs theory, for claims whose comparison is O(lr) by design (max abs on logits).
    "gd_lr_absolute": 0.01,
    # The shortcut network has noise directions ODE (8) leaves out (energy noise^2 * dims = 0.05): its gap to
    # the theory (0.004 measured) is an effect of the noise, not an error of the theory; 0.02 bounds it.
    "shortcut_noise": 0.02,
    # Lemma 3.1 / A.1 and the identities: counts that must be zero, gaps that are pure rounding.
    "exact": 1e-9,
}

#: Fig. 5 Right: at confidence 0.999 the hinge must be more than 10 times faster than BCE (measured ratio ~0.03).
HINGE_BCE_RATIO = 0.1

#: Kinds of claim: "measured" compares with gradient descent on a real network; "theory" checks the theory
#: alone (symbolic proofs, bounds against the ODE, printed tables).
KINDS = ("measured", "theory")


@dataclass(frozen=True)
class ClaimRecord:
    """One claim as reproduced (the ``claims`` entries of report.json).

    ``measured`` is always a measurement (gradient descent on a real network), or None for ``kind="theory"``;
    ``criterion`` says what is compared with what and the threshold ``tolerance`` it must meet.
    """

    id: str
    section: str
    statement: str
    theory: object
    measured: object
    error: float | None
    passed: bool
    kind: str
    tolerance: float | None
    criterion: str


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
                               {"identities": {p.statement: p.method for p in proofs},
                                "proven": len(proofs) - len(failed), "failed": failed}, None,
                               float(len(failed)), not failed, "theory", 0.0,
                               "number of derived identities that sympy could not prove (symbolically, or "
                               "numerically where marked) must be 0"))
    return out, []


def _gd_time_criterion(what):
    return (f"{what}: gradient descent at lr and lr/2, Richardson-extrapolated (2 GD(lr/2) - GD(lr)), against the "
            f"integrated derived flow; the discrepancy, as a relative shift of the time axis, must be <= "
            f"{TOLERANCES['gd_time']:g} (a theory 1% off in its time scale shows 1e-2)")


def sigmoidal(quick, figures):
    res = experiments.sigmoidal_learning(horizon=60.0 if quick else 120.0, lr=0.1 if quick else 0.05)
    collapse = max(res.gd_collapse_error)
    worst = max(res.gd_time_error)
    recs = [ClaimRecord("norm_frequency_collapse", "§3, eq. (3)/(17), Fig. 2 Right",
                        "P_t = sigma(u_bar(||x|| p t)): GD runs at different (||x||, p), rescaled to s = ||x|| p t, "
                        "fall on one master curve",
                        {"master_curve": "derived flow at ||x|| = p = 1, integrated",
                         "closed_form_vs_rescaled_flows_max_relative": res.collapse_error},
                        {"rescaled_gd_time_shift_vs_master": list(res.gd_collapse_error),
                         "spread_between_settings": float(max(res.gd_collapse_error) - min(res.gd_collapse_error)),
                         "lrs": list(halved_lrs(res.lr))},
                        collapse, collapse <= TOLERANCES["gd_time"] and res.collapse_error <= TOLERANCES["collapse"],
                        "measured", TOLERANCES["gd_time"],
                        _gd_time_criterion("each balanced GD run rescaled to s = ||x|| p t")
                        + f"; and the closed-form master curve vs the 4-D flow integrated at each (||x||, p) and "
                        f"rescaled within {TOLERANCES['collapse']:g} (relative)"),
            ClaimRecord("sigmoidal_gd_agreement", "§3, Fig. 2 Right",
                        "GD on the real network follows the derived flow for each (c, ||x||, p)",
                        {str(s): "derived flow (12), integrated" for s in res.settings},
                        {str(s): {"richardson_time_shift": e, "single_lr_time_shift": r, "single_lr_max_abs_P":
                                  a.max_abs} for s, e, r, a in zip(res.settings, res.gd_time_error,
                                                                     res.gd_raw_time_error, res.agreement)},
                        worst, worst <= TOLERANCES["gd_time"], "measured", TOLERANCES["gd_time"],
                        _gd_time_criterion("class-1 logit of every setting"))]
    return recs, plots.plot_sigmoidal(res, figures / "fig2_sigmoidal")


def corollary(quick, figures):
    res = experiments.corollary_ratio(COROLLARY_GRID[:2] if quick else COROLLARY_GRID)
    name = lambda g: f"n1={g[0]:g},n2={g[1]:g},p1={g[2]:g}"  # noqa: E731
    theory = {name(g): {_key(d): float(v) for d, v in zip(res.deltas, row)} for g, row in zip(res.grid, res.exact)}
    measured = {name(g): {_key(d): float(v) for d, v in zip(res.deltas, row)} for g, row in zip(res.grid, res.measured)}
    formula_err = float(np.max(np.abs(res.formula - res.exact) / res.exact))
    err = max(res.time_error, res.max_relative_error)
    rec = ClaimRecord("cor33_ratio", "§4, Corollary 3.3",
                      "t2*/t1* from the closed forms equals the corollary's formula and matches GD", theory, measured,
                      err, err <= TOLERANCES["gd_time"] and formula_err <= TOLERANCES["quadrature"]
                      and res.closed_form_error <= 1e-6, "measured", TOLERANCES["gd_time"],
                      "hitting times t1*, t2* of P >= 1 - delta on each class: GD at lr and lr/2 (checked at every "
                      "step, crossing interpolated), Richardson-extrapolated, against the integrated derived flow; "
                      f"max relative error of the times and of their ratio <= {TOLERANCES['gd_time']:g} (a uniform "
                      "time-scale error cancels in the ratio, not in the times); the formula equals the exact ratio "
                      f"within {TOLERANCES['quadrature']:g} and the closed-form times equal the flow's within 1e-6 "
                      "(the flow's crossings are interpolated on a grid)")
    return [rec], plots.plot_corollary(res, figures / "cor33_ratio")


def phase(quick, figures):
    res = experiments.phase_diagram(grid=31 if quick else 61)
    rec = ClaimRecord("phase_diagram_agreement", "§5, Fig. 2 Left",
                      "regions frozen/success/stalls/dies predicted by theory match a batched GD sweep",
                      {"grid_points_counted": res.counted, "boundary_band": 0.05},
                      {"agreement_fraction": res.agreement}, 1 - res.agreement, res.agreement >= TOLERANCES["phase"],
                      "measured", round(1 - TOLERANCES["phase"], 12),
                      "fraction of grid points (away from region boundaries) where the GD sweep ends in the region "
                      f"the theory predicts; the disagreeing fraction must be <= {1 - TOLERANCES['phase']:.2g} "
                      "(a classification: it checks regions, not time scales)")
    return [rec], plots.plot_phase_diagram(res, figures / "fig2_phase_diagram")


def relaxed(quick, figures):
    res = experiments.relaxed_h2(lr=0.04 if quick else 0.01)
    key = lambda init: ",".join(_key(v) for v in init)  # noqa: E731
    theory = {key(i): res.outcomes_theory[i] for i in WORKED_INITS}
    measured = {key(i): res.outcomes_gd[i] for i in WORKED_INITS}
    stated = {key(i): o for i, o in WORKED_INITS.items()}
    rec = ClaimRecord("thm34_worked_inits", "§6, Theorem 3.4, Fig. 3",
                      "the worked initializations end as the paper states, in theory (ODE (4)) and in GD on a real "
                      "network with a shared neuron", theory,
                      {"outcomes": measured, "richardson_time_shift": res.gd_time_error,
                       "single_lr_time_shift": res.gd_raw_time_error}, res.gd_time_error,
                      theory == stated and measured == stated and res.gd_time_error <= TOLERANCES["gd_time"],
                      "measured", TOLERANCES["gd_time"],
                      "outcomes (which ReLU dies) of ODE (4) and of GD equal the paper's; and "
                      + _gd_time_criterion("the states (alpha, beta, z) of every worked init"))
    neg = ClaimRecord("thm34_negative_c", "§6, Fig. 7", "for c < 0 every trajectory ends with beta = 0",
                      {"outcomes": list(res.negative_outcomes)}, {"outcomes": list(res.negative_outcomes_gd)},
                      float(sum(o != "beta_dies" for o in res.negative_outcomes + res.negative_outcomes_gd)),
                      all(o == "beta_dies" for o in res.negative_outcomes + res.negative_outcomes_gd), "measured", 0.0,
                      "number of c < 0 initializations that do not end with beta = 0, by ODE (4) or by GD on the real "
                      "shared-neuron network from the same initializations, must be 0")
    return [rec, neg], plots.plot_relaxed_h2(res, figures / "fig3_relaxed_h2")


def depth(quick, figures):
    res = experiments.depth_experiment(lr=0.02 if quick else 0.01, depths=(2, 4, 8) if quick else tuple(range(2, 17)),
                                       points=41 if quick else 201)
    theory = {f"N={d},norm={_key(n)}": float(u[-1]) for (d, n), u in zip(res.settings, res.theory_u)}
    measured = {f"N={d},norm={_key(n)}": {"u(10) Richardson": x, "u(10) at lr": float(u[-1]),
                                           "richardson_time_shift": e}
                for (d, n), u, e, x in zip(res.settings, res.gd_u, res.gd_time_error, res.gd_final_extrapolated)}
    err = max(res.gd_time_error)
    rec = ClaimRecord("deep_logits", "§7, eq. (5), Fig. 4",
                      "u(10) from u0 = 0.1 by quadrature inversion of eq. (5) equals the integrated flow and is "
                      "matched by GD on real deep chains", theory, measured, err,
                      err <= TOLERANCES["gd_time"] and res.quadrature_error <= TOLERANCES["quadrature"], "measured",
                      TOLERANCES["gd_time"], _gd_time_criterion("the logit of every (N, ||x||) chain")
                      + f"; quadrature inversion vs integrated flow within {TOLERANCES['quadrature']:g} (relative)")
    return [rec, _depth_order_claim(res)], plots.plot_depth(res, figures / "fig4_depth")


def _depth_order_claim(res):
    """Deeper reaches confidence sooner only from u0 above the crossover u0*: the order measured on both sides."""
    shallow, deep_ = res.order_depths
    labels = [f"u0={_key(u0)}" for u0 in res.order_u0]
    theory = {"crossover_u0": res.order_crossover, "flow_vs_eq5_relative": res.order_reduced_error,
              **{lab: {f"N={d}": float(v) for d, v in zip(res.order_depths, row)}
                 for lab, row in zip(labels, res.order_theory_times)}}
    measured = {lab: {f"N={d}": float(v) for d, v in zip(res.order_depths, row)}
                for lab, row in zip(labels, res.order_gd_times)}
    err = float(np.max(np.abs(res.order_gd_times - res.order_theory_times) / res.order_theory_times))
    deeper_faster_theory = res.order_theory_times[:, 1] < res.order_theory_times[:, 0]
    deeper_faster_gd = res.order_gd_times[:, 1] < res.order_gd_times[:, 0]
    below, above = (u0 < res.order_crossover for u0 in res.order_u0)
    sides_ok = bool(below and not above)  # the two initial logits straddle u0*
    order_ok = bool(np.array_equal(deeper_faster_gd, deeper_faster_theory)
                    and np.array_equal(deeper_faster_theory, [False, True]))
    return ClaimRecord(
        "depth_order", "§7, eq. (5), Fig. 4",
        f"a deeper chain reaches P = {res.confidence:g} sooner only from initial logits above the crossover u0* "
        f"(N = {shallow} vs {deep_}, ||x|| = 1: u0* = {res.order_crossover:.3g}); from below it is slower",
        theory, measured, err, sides_ok and order_ok and err <= TOLERANCES["gd_time"]
        and res.order_reduced_error <= TOLERANCES["quadrature"], "measured",
        TOLERANCES["gd_time"],
        f"times to P = {res.confidence:g} of N = {shallow} and {deep_} chains from u0 = "
        f"{', '.join(map(_key, res.order_u0))} (one below, one above u0*): gradient descent at lr and lr/2 on the "
        f"real chains, crossing checked at every step, Richardson-extrapolated, against the hitting times of the "
        f"integrated derived flow within {TOLERANCES['gd_time']:g} (relative); those equal eq. (5)'s times within "
        f"{TOLERANCES['quadrature']:g}; and the measured order (deeper slower below u0*, faster above) equal to "
        f"the derived one")


def hinge(quick, figures):
    res = experiments.hinge_vs_bce(lr=0.004 if quick else 0.002)
    # Measured stopping times: GD on the real network from theta0 = 0 (y0 = sqrt(c), z0 = 0), p = 1, at lr and
    # lr/2, the margin checked at every step and the crossing interpolated; Richardson-extrapolated.
    measured, raw, lr = {}, {}, 0.004 if quick else 0.002
    for key in res.fig9_stop:
        c, norm = (float(part.split("=")[1]) for part in key.split(","))
        x = np.array([norm, 0.0, 0.0])
        stops = []
        for eta in halved_lrs(lr):
            run = train(x[None], np.array([1]), (np.sqrt(c) * x / norm**2)[None], np.array([0.0]), loss="hinge",
                        lr=eta, steps=int(round(1.2 * res.fig9_stop[key] / eta)))
            stops.append(first_crossing(run.t, run.logits[:, 0], 1.0))
        measured[key], raw[key] = float(richardson(*stops)), stops[0]
    err = max(abs(measured[k] - res.fig9_flow_stop[k]) / res.fig9_flow_stop[k] for k in measured)
    closed = max(abs(res.fig9_stop[k] - res.fig9_flow_stop[k]) / res.fig9_stop[k] for k in measured)
    ratio = float(res.hinge_times[0, -1] / res.bce_times[0, -1])  # hinge / BCE time to 0.999
    diverges = bool(np.all(np.diff(res.bce_times, axis=1) > 0) and ratio < HINGE_BCE_RATIO)
    recs = [ClaimRecord("hinge_fig9", "§8, Theorem 5.1, Fig. 9", "hinge stopping times (asinh(2n/c) - theta0)/(2 p n) "
                        "from theta0 = 0, against the time GD reaches the margin",
                        {"closed_form": res.fig9_stop, "integrated_flow": res.fig9_flow_stop},
                        {"richardson": measured, "single_lr": raw}, err,
                        err <= TOLERANCES["gd_time"] and closed <= TOLERANCES["quadrature"], "measured",
                        TOLERANCES["gd_time"],
                        "time the logit reaches the margin u = 1: GD at lr and lr/2 (checked at every step, crossing "
                        "interpolated), Richardson-extrapolated, against the integrated derived flow; max relative "
                        f"error <= {TOLERANCES['gd_time']:g} (a theory 1% off in its time scale shows 1e-2); the "
                        f"closed form equals the flow's time within {TOLERANCES['quadrature']:g} (relative)"),
            ClaimRecord("hinge_vs_bce_time", "§8, Fig. 5 Right",
                        "time to confidence: BCE diverges as confidence -> 1, hinge stays finite",
                        {"bce_time_at_0.999": float(res.bce_times[0, -1]),
                         "hinge_time_at_0.999": float(res.hinge_times[0, -1]),
                         "bce_times_increase": bool(np.all(np.diff(res.bce_times, axis=1) > 0))},
                        None, ratio, diverges, "theory", HINGE_BCE_RATIO,
                        "theory only (closed forms), in the convention of the paper's Fig. 5 Right, where the "
                        "hinge's 'confidence' is its logit u (in (0, 1]) and BCE's is sigma(u): BCE times increase "
                        "with the confidence, and the hinge time to 0.999 divided by the BCE time (the error shown) "
                        f"must be below {HINGE_BCE_RATIO:g} (GD stopping times of the hinge are checked by "
                        "hinge_fig9)"),
            ClaimRecord("hinge_many_points", "§8, App. C.2",
                        "many points inside the margin act as one point X = sum x_i: predicted logits vs GD",
                        "u_t(x) = z_t (y_t X.x/||X||^2 + w0_perp.x)",
                        {"richardson_time_shift": res.many_points_time_error,
                         "single_lr_max_abs_error": res.many_points_error, "lrs": list(halved_lrs(res.lr))},
                        res.many_points_time_error, res.many_points_time_error <= TOLERANCES["gd_time"], "measured",
                        TOLERANCES["gd_time"], _gd_time_criterion("the logit of every point while inside the margin")
                        .replace("integrated derived flow", "C.2 prediction from the integrated aggregate mode"))]
    return recs, plots.plot_hinge(res, figures / "fig5_fig9_hinge")


def starvation(quick, figures):
    printed = {0.99: {0.5: 0.91, 0.2: 0.71, 0.1: 0.61, 0.01: 0.51}, 0.9999: {0.5: 0.99, 0.2: 0.86, 0.1: 0.72, 0.01: 0.52}}
    table = table1()
    err = max(abs(round(table[c][lam], 2) - printed[c][lam]) for c in TABLE1_CONFIDENCES for lam in TABLE1_LAMBDAS)
    recs = [ClaimRecord("table1", "§9, Table 1", "bound (7) sigma(lambda log((1-delta)/delta)), to the printed precision",
                        {"derived": {_key(c): {_key(lam): table[c][lam] for lam in TABLE1_LAMBDAS}
                                     for c in TABLE1_CONFIDENCES},
                         "printed": {_key(c): {_key(lam): printed[c][lam] for lam in TABLE1_LAMBDAS}
                                     for c in TABLE1_CONFIDENCES}}, None,
                        err, err < TOLERANCES["exact"], "theory", TOLERANCES["exact"],
                        "the derived bound (7), rounded to 2 decimals, equals every entry the paper prints")]
    res = experiments.starvation_experiment(lr=0.1 if quick else 0.05)
    theory = {_key(lam): {"P": res.ode_fair[lam], "t*": res.ode_stop_time[lam]} for lam in res.lambdas}
    measured = {_key(lam): {"P": res.gd_fair[lam], "t*": res.gd_stop_time[lam]} for lam in res.lambdas}
    broken = [_key(lam) for lam in res.lambdas if not res.bound_7_holds_fair[lam]]
    under_d2 = all(res.ode_fair[lam] <= res.bound_d2[lam] + 1e-9 for lam in res.lambdas)
    passed = (res.gd_time_error <= TOLERANCES["gd_time"] and under_d2
              and res.gd_probability_error <= TOLERANCES["starvation_probability"])
    recs.append(ClaimRecord(
        "starvation_fair_init", "§9, Theorem 6.1 / D.2, Fig. 6",
        "P_t*((0, x2)) at 1-delta = 0.99 from (0.1, 0.1, 0.1): ODE (8) vs GD on the real network; it stays under "
        f"the D.2 bound; bound (7) does not hold from this init for lambda in {broken} (it needs alpha0 >= beta0/lambda)",
        theory, measured, res.gd_time_error, passed, "measured", TOLERANCES["gd_time"],
        "stopping time t* (P on (x1, 0) reaches 0.99) and P_t*((0, x2)): GD at lr and lr/2 (checked at every step, "
        "interpolated), Richardson-extrapolated, against ODE (8) integrated; relative error of t* <= "
        f"{TOLERANCES['gd_time']:g} (the error shown) and absolute error of P <= "
        f"{TOLERANCES['starvation_probability']:g} (measured {res.gd_probability_error:.2g}); the ODE value stays "
        "under the D.2 bound"))
    recs.append(ClaimRecord("starvation_bound7_satisfying_init", "§9, Theorem 6.1",
                            "from alpha0 >= beta0/lambda the ODE value stays under bound (7)",
                            {_key(lam): {"bound_7": res.bound_7[lam], "ode": res.ode_satisfying[lam]}
                             for lam in res.lambdas}, None,
                            max(0.0, max(res.ode_satisfying[lam] - res.bound_7[lam] for lam in res.lambdas)),
                            all(res.ode_satisfying[lam] <= res.bound_7[lam] + 1e-9 for lam in res.lambdas), "theory",
                            1e-9, "theory only: excess of the ODE (8) value over bound (7), largest over lambda, "
                            "must be <= 1e-9 "
                            "(GD against the ODE is checked by starvation_fair_init)"))
    short = experiments.shortcut_experiment()
    gap = abs(short.rare_only_confidence - short.theory_confidence)
    recs.append(ClaimRecord("shortcut_synthetic", "§9, Table 2 analogue",
                            "a rare but equally predictive feature alone gets little confidence once the frequent one "
                            "is learned; ODE (8) from the same initialization predicts the size",
                            {"ode_confidence": short.theory_confidence, "bound_7": short.bound_7,
                             "init": list(short.init)},
                            {"rare_only_confidence": short.rare_only_confidence,
                             "frequent_only_confidence": short.frequent_only_confidence,
                             "train_accuracy": short.train_accuracy, "stop_step": short.steps},
                            gap, short.train_accuracy == 1.0 and short.rare_only_confidence < 0.75
                            and gap <= TOLERANCES["shortcut_noise"], "measured", TOLERANCES["shortcut_noise"],
                            "GD trained until every point reaches 0.99 (checked at every step): training accuracy 1, "
                            "mean P on rare-only probes < 0.75, and within "
                            f"{TOLERANCES['shortcut_noise']:g} of ODE (8) from the same (alpha0, beta0, z0); the "
                            "tolerance is set by the noise directions the theory leaves out (not a time-scale test: "
                            "that is starvation_fair_init's)"))
    return recs, (plots.plot_starvation(res, figures / "fig6_table1_starvation")
                  + plots.plot_shortcut(short, figures / "table2_shortcut"))


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
                         "datasets": len(seeds)}, float(changed + signs + cross), changed + signs + cross == 0,
                        "measured", 0.0, "GD on random cone data satisfying H1-H3 (BCE and hinge): the number of "
                        "activation-pattern changes, sign changes of Z and class-k updates outside I_k must be 0"),
            ClaimRecord("multiclass_lemma_a1", "§10, Lemma A.1",
                        "softmax network under H4-H6: patterns fixed, signs of Z kept, rows j != k untouched by "
                        "class k, and each class learns exactly as it would alone",
                        {"patterns_fixed": True, "signs_preserved": True, "rows_untouched": True,
                         "alone_equals_joint": True},
                        {"patterns_fixed": res.patterns_fixed, "signs_preserved": res.signs_preserved,
                         "rows_untouched": res.rows_untouched,
                         "alone_equals_joint": res.alone_vs_joint <= TOLERANCES["exact"]},
                        res.alone_vs_joint,
                        res.patterns_fixed and res.signs_preserved and res.rows_untouched
                        and res.alone_vs_joint <= TOLERANCES["exact"], "measured", TOLERANCES["exact"],
                        "softmax GD: patterns, signs and untouched rows hold exactly, and the largest logit gap "
                        f"between training all classes jointly and each alone is <= {TOLERANCES['exact']:g} "
                        "(rounding only)")]
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
                        {k: 1.0 for k in slopes}, slopes, worst, worst <= TOLERANCES["order_slope"], "measured",
                        TOLERANCES["order_slope"], "log-log slope of |GD - theory| at the final time against the "
                        f"learning rate ({', '.join(f'{v:g}' for v in lrs)}); each slope within "
                        f"{TOLERANCES['order_slope']:g} of 1")], []


#: Producers in report order.
PRODUCERS = (symbolic, starvation, relaxed, depth, hinge, corollary, phase, sigmoidal, lemma31, order)
