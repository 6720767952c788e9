"""Figures: every function draws a result object it is handed and saves PNG and PDF (headless).

Theory is drawn as lines, gradient descent as hollow markers; line styles and
marker shapes differ between series so the figures read in grey-scale.
"""
from __future__ import annotations

import io
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from ..io import write_bytes_atomic  # noqa: E402

__all__ = ["save_figure", "plot_sigmoidal", "plot_corollary", "plot_phase_diagram", "plot_relaxed_h2",
           "plot_depth", "plot_hinge", "plot_starvation", "plot_multiclass", "plot_shortcut", "plot_comparison"]

LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v", "P")
TIME_LABEL = "flow time t (learning rate × steps)"
#: Raster resolution of the PNG figures (print quality).
FIGURE_DPI = 150
#: Every figure is saved in these formats (raster for reading, vector for papers).
FORMATS = ("png", "pdf")


def _series(i):
    return {"linestyle": LINESTYLES[i % len(LINESTYLES)], "color": str(0.15 + 0.5 * (i % 3) / 2)}


def _markers(i):
    return {"marker": MARKERS[i % len(MARKERS)], "markerfacecolor": "none", "linestyle": "none",
            "color": "black", "markersize": 4}


def save_figure(fig, stem) -> list:
    """Save ``fig`` as ``stem.png`` and ``stem.pdf`` atomically (through :mod:`dynamics.io`); return the paths."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in FORMATS:
        target = stem.with_suffix(f".{ext}")
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=FIGURE_DPI, bbox_inches="tight")
        write_bytes_atomic(target, buffer.getvalue())
        paths.append(str(target))
    plt.close(fig)
    return paths


def plot_sigmoidal(result, stem) -> list:
    """Fig. 2 Right: y_t and P_t per (c, ||x||, p), GD overlaid; right panel: the master-curve collapse."""
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for i, (c, norm, p) in enumerate(result.settings):
        label = f"c={c:g}, ‖x‖={norm:g}, p={p:g}"
        axes[0].plot(result.t, result.theory_y[i], label=f"theory {label}", **_series(i))
        axes[0].plot(result.gd_t, result.gd_y[i], label=f"GD (lr={result.lr:g})" if i == 0 else None, **_markers(i))
        axes[1].plot(result.t, result.theory_p[i], label=f"theory {label}", **_series(i))
        axes[1].plot(result.gd_t, result.gd_p[i], **_markers(i))
    axes[0].set(xlabel=TIME_LABEL, ylabel="y_t = w·x", title="hidden pre-activation (eq. 12)")
    axes[1].set(xlabel=TIME_LABEL, ylabel="P_t(x ∈ D1)", title="sigmoidal learning σ(ū(‖x‖ p t))")
    axes[2].plot(result.master_t, result.master_p, color="black", label="master curve σ(ū(s))")
    for i, (c, norm, p) in enumerate(result.settings):
        if c == 0:
            keep = result.gd_t * norm * p <= result.master_t[-1]
            axes[2].plot(result.gd_t[keep] * norm * p, result.gd_p[i][keep], **_markers(i),
                         label=f"GD ‖x‖={norm:g}, p={p:g} rescaled")
    axes[2].set(xlabel="rescaled time s = ‖x‖ p t", ylabel="P",
                title=f"collapse of GD (max time shift {max(result.gd_collapse_error):.1e}, Richardson)")
    for ax in axes:
        ax.legend(fontsize=7)
    return save_figure(fig, stem)


def plot_corollary(result, stem) -> list:
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, (n1, n2, p1) in enumerate(result.grid):
        label = f"‖x1‖={n1:g}, ‖x2‖={n2:g}, p1={p1:g}"
        ax.plot(result.deltas, result.exact[i], label=f"exact: {label}", **_series(i))
        ax.plot(result.deltas, result.measured[i], **_markers(i))
        ax.axhline(result.approximate[i][0], color="grey", linewidth=0.6, linestyle=":")
    ax.set(xscale="log", xlabel="allowed error δ", ylabel="t2*/t1*",
           title="Corollary 3.3: lines exact, markers GD, dotted (‖x1‖/‖x2‖)(p1/(1−p1))")
    ax.legend(fontsize=7)
    return save_figure(fig, stem)


def plot_phase_diagram(result, stem) -> list:
    from ..experiments.phase_diagram import REGIONS
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5), sharey=True)
    extent = (result.z0[0], result.z0[-1], result.y0[0], result.y0[-1])
    cmap = plt.get_cmap("Greys", len(REGIONS))
    for ax, codes, title in ((axes[0], result.theory, "theory (§5)"), (axes[1], result.measured, "gradient descent")):
        im = ax.imshow(codes, origin="lower", extent=extent, cmap=cmap, vmin=-0.5, vmax=len(REGIONS) - 0.5,
                       aspect="auto")
        z = np.linspace(result.z0[0], result.z0[-1], 50)
        ax.plot(z, result.norm * z, "k--", linewidth=0.8)
        ax.plot(z, -result.norm * z, "k:", linewidth=0.8)
        ax.set(xlim=extent[:2], ylim=extent[2:], xlabel="z0", title=title)
    for z_line, y_line in result.flow_lines:
        axes[0].plot(z_line, y_line, color="tab:blue", linewidth=0.8)
    axes[0].set_ylabel("y0 = w0·x")
    cbar = fig.colorbar(im, ax=axes, ticks=range(len(REGIONS)))
    cbar.ax.set_yticklabels(REGIONS)
    fig.suptitle(f"Phase diagram, ‖x‖={result.norm:g}: agreement {100 * result.agreement:.1f}% of "
                 f"{result.counted} grid points away from boundaries (horizon t={result.horizon:g})")
    return save_figure(fig, stem)


def plot_relaxed_h2(result, stem) -> list:
    fig = plt.figure(figsize=(15, 4.2))
    fig.subplots_adjust(wspace=0.35)
    ax3 = fig.add_subplot(1, 3, 1, projection="3d")
    for i, traj in enumerate(result.positive_trajectories):
        ax3.plot(*traj.T, color="black", linestyle=LINESTYLES[i % 4], linewidth=0.9)
    if result.separatrix.size:
        ax3.plot(*result.separatrix.T, color="tab:red", linewidth=2, label="separatrix C_c")
    ax3.scatter(*result.fixed_point, color="tab:red", marker="*", s=60, label="fixed point")
    ax3.set(xlabel="α", ylabel="β", zlabel="z", title="c = 1 (Fig. 3 Left): trajectories, separatrix")
    ax3.legend(fontsize=7)
    ax_n = fig.add_subplot(1, 3, 2)
    for i, traj in enumerate(result.negative_trajectories):
        ax_n.plot(traj[:, 0], traj[:, 1], label=f"→ {result.negative_outcomes[i]}", **_series(i))
    ax_n.set(xlabel="α", ylabel="β", title="c < 0 (Fig. 7): β always dies")
    ax_n.legend(fontsize=7)
    ax = fig.add_subplot(1, 3, 3)
    for i, init in enumerate(result.worked_theory):
        ax.plot(result.worked_t, result.worked_theory_p[init][:, 0], label=f"P(D1), init {init}: {result.outcomes_theory[init]}",
                **_series(i))
        gd = result.worked_gd[init]
        from scipy.special import expit
        ax.plot(result.worked_gd_t, expit(gd[:, 2] * gd[:, 0]), **_markers(i))
    ax.set(xlabel=TIME_LABEL, ylabel="P_t(x1 ∈ D1)", title="worked inits (Fig. 3 Right): lines ODE (4), markers GD")
    ax.legend(fontsize=6)
    return save_figure(fig, stem)


def plot_depth(result, stem) -> list:
    """Fig. 4: eq. (5) against GD; the time to confidence against depth from two initial logits; the crossover u0*."""
    from scipy.special import expit
    fig, axes = plt.subplots(1, 4, figsize=(18, 4.2), layout="constrained")
    for i, (depth, norm) in enumerate(result.settings):
        label = f"N={depth}, ‖x‖={norm:g}"
        axes[0].plot(result.t, result.theory_u[i], label=f"theory {label}", **_series(i))
        axes[0].plot(result.gd_t, result.gd_u[i], label=f"GD {label}", **_markers(i))
        axes[1].plot(result.t, expit(result.theory_u[i]), label=label, **_series(i))
        axes[1].plot(result.gd_t, expit(result.gd_u[i]), **_markers(i))
    axes[0].set(xlabel=TIME_LABEL, ylabel="$u_t$", title="eq. (5): lines theory, markers GD")
    axes[1].set(xlabel=TIME_LABEL, ylabel="$P_t$", title="Fig. 4: $P_t$ from $u_0 = 0.1$")
    for i, norm in enumerate(result.norms):
        color = _series(i)["color"]
        axes[2].plot(result.depths, result.times_to_confidence[i], marker="o", markersize=3, color=color,
                     linestyle="-", label=f"‖x‖={norm:g}, $u_0$=0.1")
        if result.times_to_confidence_small is not None:
            axes[2].plot(result.depths, result.times_to_confidence_small[i], marker="s", markersize=3, color=color,
                         markerfacecolor="none", linestyle=":", label=f"‖x‖={norm:g}, $u_0$={result.small_u0:g}")
    if result.order_gd_times is not None:
        for k, u0 in enumerate(result.order_u0):
            axes[2].plot(result.order_depths, result.order_gd_times[k], marker="x", markersize=8, linestyle="none",
                         color="black", label="GD, ‖x‖=1" if k == 0 else None)
    axes[2].set(xlabel="depth N", ylabel=f"time to P = {result.confidence:g} (theory)", yscale="log",
                title="deeper is faster only from $u_0 > u_0^*$(‖x‖) (right)")
    axes[2].xaxis.get_major_locator().set_params(integer=True)
    if result.crossover_u0 is not None and len(result.crossover_depths):
        for i, norm in enumerate(result.norms):
            axes[3].plot(result.crossover_depths, result.crossover_u0[i], marker="o", markersize=3,
                         label=f"‖x‖={norm:g}", **_series(i))
        axes[3].set(xlabel="depth N", ylabel="crossover $u_0^*$(2, N)", yscale="log",
                    title=f"depth N beats N=2 to P={result.confidence:g} iff $u_0 > u_0^*$")
        axes[3].xaxis.get_major_locator().set_params(integer=True)
    for ax in axes:
        if ax.has_data():
            ax.legend(fontsize=7)
    axes[2].legend(fontsize=6, ncol=2, loc="upper center", bbox_to_anchor=(0.5, -0.18))  # below: curves stay visible
    return save_figure(fig, stem)


def plot_hinge(result, stem) -> list:
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for i, p in enumerate(result.frequencies):
        axes[0].plot(result.confidences, result.bce_times[i], label=f"BCE, p={p:g}", **_series(2 * i))
        axes[0].plot(result.confidences, result.hinge_times[i], label=f"hinge, p={p:g}", **_series(2 * i + 1))
    axes[0].set(xlabel="confidence (σ(u) for BCE, u for hinge)", ylabel="time to reach it", yscale="log",
                title="Fig. 5 Right: BCE diverges as confidence → 1")
    for i, key in enumerate(result.fig9_stop):
        axes[1].plot(result.fig9_t, result.fig9_y[i], label=f"y_t {key}", **_series(i))
        axes[2].plot(result.fig9_t, result.fig9_u[i], label=f"u_t {key}", **_series(i))
        axes[2].axvline(result.fig9_stop[key], color="grey", linewidth=0.5)
    axes[1].set(xlabel=TIME_LABEL, ylabel="y_t", title="Fig. 9 (θ0 = 0, p = 1)")
    axes[2].set(xlabel=TIME_LABEL, ylabel="u_t (capped at 1)", title="hinge logits; grey: stopping times")
    for ax in axes:
        ax.legend(fontsize=6)
    return save_figure(fig, stem)


def plot_starvation(result, stem) -> list:
    fig, axes = plt.subplots(1, 3, figsize=(13, 3.8))
    for i, lam in enumerate(result.lambdas):
        axes[0].plot(result.curve_confidences, result.curve_bound_7[i], label=f"λ={lam:g}", **_series(i))
        axes[1].plot(result.curve_confidences, result.curve_bound_d2[i], label=f"λ={lam:g}", **_series(i))
    axes[0].set(xlabel="1 − δ", ylabel="bound on P_{t*}((0, x2))", title="bound (7) (Fig. 10)")
    axes[1].set(xlabel="1 − δ", ylabel="bound on P_{t*}((0, x2))", title="bound D.2, fair init (Fig. 6)")
    lams = np.arange(len(result.lambdas))
    width = 0.2
    for j, (name, values) in enumerate((("bound (7)", result.bound_7), ("bound D.2", result.bound_d2),
                                         ("ODE (8)", result.ode_fair), ("GD", result.gd_fair))):
        axes[2].bar(lams + (j - 1.5) * width, [values[lam] for lam in result.lambdas], width, label=name,
                    color=str(0.2 + 0.2 * j), edgecolor="black", hatch=("", "//", "..", "xx")[j])
    axes[2].set_xticks(lams, [f"λ={lam:g}" for lam in result.lambdas])
    axes[2].set(ylabel=f"P_t*((0,x2)) at 1−δ={result.confidence:g}", ylim=(0.45, 1.0),
                title="Table 1 style, fair init (0.1, 0.1, 0.1)")
    for ax in axes:
        ax.legend(fontsize=7)
    return save_figure(fig, stem)


def plot_multiclass(result, stem) -> list:
    fig, ax = plt.subplots(figsize=(7, 4.2))
    for k in range(result.classes):
        ax.plot(result.t, result.confidences[:, k], label=f"class {k} (‖x‖={result.norms[k]:g}), all classes",
                **_series(k))
        ax.plot(result.t, result.alone_confidences[:, k], label="trained alone" if k == 0 else None, **_markers(k))
    ax.set(xlabel=TIME_LABEL, ylabel="mean P(true class)",
           title=f"Lemma A.1: each class learns as if alone (max logit gap {result.alone_vs_joint:.1e})")
    ax.legend(fontsize=7)
    return save_figure(fig, stem)


def plot_shortcut(result, stem) -> list:
    """The synthetic shortcut (Table 2 analogue): training to confidence, then probes with one feature."""
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    axes[0].plot(result.trajectory_t, result.trajectory_min_confidence, color="black", label="worst training point")
    axes[0].axhline(result.confidence, color="grey", linestyle=":", label=f"stop at {result.confidence:g}")
    axes[0].set(xlabel=TIME_LABEL, ylabel="P(true class)", title=f"training (stopped at step {result.steps})")
    bins = np.linspace(0.0, 1.0, 41)
    axes[1].hist(result.probe_easy, bins=bins, color="0.8", edgecolor="black", label="frequent feature only")
    axes[1].hist(result.probe_rare, bins=bins, color="0.4", edgecolor="black", hatch="//", label="rare feature only")
    axes[1].axvline(result.theory_confidence, color="black", linestyle="--",
                    label=f"ODE (8) from the same init: {result.theory_confidence:.3f}")
    axes[1].axvline(result.bound_7, color="black", linestyle=":", label=f"bound (7): {result.bound_7:.3f}")
    axes[1].set(xlabel="P(class 1) on probe points", ylabel="count",
                title=f"λ={result.lam:g}: the rare feature is starved")
    for ax in axes:
        ax.legend(fontsize=7)
    return save_figure(fig, stem)


def plot_comparison(t_theory, theory, t_measured, measured, stem, *, ylabel="logit u", title="") -> list:
    """One theory curve (line) against one run (markers): the ``compare`` command's figure."""
    fig, ax = plt.subplots(figsize=(6, 4))
    for i, (th, ms) in enumerate(zip(np.atleast_2d(theory), np.atleast_2d(measured))):
        ax.plot(t_theory, th, label=f"theory (class {i + 1})", **_series(i))
        ax.plot(t_measured, ms, label=f"GD (class {i + 1})", **_markers(i))
    ax.set(xlabel=TIME_LABEL, ylabel=ylabel, title=title)
    ax.legend(fontsize=7)
    return save_figure(fig, stem)

