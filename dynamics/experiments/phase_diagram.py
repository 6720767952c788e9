"""Phase diagram of a class-1 neuron in the (z0, y0) plane (Sec. 3.3 of the paper, Fig. 2 Left).

One class-1 point of norm ``||x||`` and one hidden unit with ``y0 = w0 . x`` and output weight ``z0``: the
unit is frozen (``y0 <= 0``), learns (``y0 > -||x|| z0``), stalls on the line ``y0 = -||x|| z0``, or dies.
The regions the theory predicts are compared with where a batched gradient-descent sweep over a grid of
initializations ends.

Examples
--------
>>> theory_region([0.5, -0.5, 0.5], [0.3, 0.3, -0.1], 0.7).tolist()  # success, dies, frozen
[1, 3, 0]
"""
from __future__ import annotations

import functools
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import ArrayLike
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

import derivations

from ..groundtruth.training import train_batch
from ..theory.flow import integrate
from . import style
from .claims import TOLERANCES, ClaimRecord
from .registry import Experiment
from .sweeping import sweep_values

__all__ = ["PhaseDiagramResult", "PhaseSweep", "run", "figures", "claims", "EXPERIMENT", "SIZES", "REGIONS",
           "theory_region", "gd_regions", "sweep_regions", "BOUNDARY_BAND", "BATCH"]

#: Region names, indexed by their codes 0..3.
REGIONS = ("frozen", "success", "stalls", "dies")
#: Width (in y0) of the band around region boundaries excluded from the agreement count.
BOUNDARY_BAND = 0.05
#: Initializations per batched GD call: the default chunk of :func:`sweep_regions` (bounds the memory of one
#: chunk, and gives a 61 x 61 grid a few chunks to share between workers).
BATCH = 512
#: (z0, y0) starts of the theory trajectories drawn over the diagram, integrated up to FLOW_LINE_TIME.
FLOW_LINE_STARTS = tuple((z, y) for z in (-0.9, -0.5, -0.2, 0.3, 0.8) for y in (0.2, 0.6, 0.95))
FLOW_LINE_TIME, FLOW_LINE_SAMPLES = 40.0, 400

#: Keyword arguments of :func:`run` at each size (the report's, the examples' and the tests').
SIZES = {"quick": {"grid": 31}, "full": {"grid": 61}}


def theory_region(z0: ArrayLike, y0: ArrayLike, norm: float) -> np.ndarray:
    """Region predicted by Sec. 3.3 for a class-1 point: frozen / success / stalls / dies (codes 0..3).

    Parameters
    ----------
    z0, y0 : array_like
        Output weight and pre-activation ``w0 . x`` at initialization (broadcast together).
    norm : float
        ``||x||`` of the class-1 point.

    Returns
    -------
    ndarray of int
        Codes indexing :data:`REGIONS`: 0 when ``y0 <= 0``; else 1 when ``y0 > -norm z0``, 2 on the boundary
        ``y0 = -norm z0`` (to rounding), 3 below it.

    Examples
    --------
    >>> [REGIONS[k] for k in theory_region([1.0, -1.0, 1.0], [0.5, 0.5, -0.2], 1.0)]
    ['success', 'dies', 'frozen']
    """
    z0, y0 = np.asarray(z0, float), np.asarray(y0, float)
    alive = np.where(y0 > -norm * z0, 1, np.where(np.isclose(y0, -norm * z0), 2, 3))
    return np.where(y0 <= 0, 0, alive)


@dataclass(frozen=True)
class PhaseDiagramResult:
    """Theory regions and GD outcomes on a grid of initializations (z0, y0).

    Attributes
    ----------
    norm : float
        ``||x||`` of the class-1 point.
    z0, y0 : ndarray, shape (G,)
        Grid values (columns: z0, rows: y0).
    theory, measured : ndarray of int, shape (G, G)
        Region codes (:data:`REGIONS`) predicted by the theory and reached by batched GD.
    agreement : float
        Fraction of the grid points away from the boundaries (by more than :data:`BOUNDARY_BAND`) where they agree.
    counted : int
        Number of those grid points.
    flow_lines : tuple of (ndarray, ndarray)
        ``(z, y)`` along theory trajectories from :data:`FLOW_LINE_STARTS` (each of length FLOW_LINE_SAMPLES).
    horizon : float
        Flow time of every GD run.
    lr : float
        Learning rate of the GD sweep.
    """

    norm: float
    z0: np.ndarray
    y0: np.ndarray
    theory: np.ndarray
    measured: np.ndarray
    agreement: float
    counted: int
    flow_lines: tuple
    horizon: float
    lr: float


@dataclass(frozen=True)
class PhaseSweep:
    """Where gradient descent ends, and where the theory says it ends, on a grid of initializations (z0, y0).

    Attributes
    ----------
    norm : float
        ``||x||`` of the class-1 point.
    z0, y0 : ndarray, shape (G,)
        Grid values (columns: z0, rows: y0).
    measured, theory : ndarray of int, shape (G, G)
        Region codes (:data:`REGIONS`) reached by gradient descent and predicted by the theory.
    agreement : float
        Fraction of the grid points away from the boundaries (by more than :data:`BOUNDARY_BAND`) where they agree.
    counted : int
        Number of those grid points.
    lr : float
        Learning rate of every GD run.
    horizon : float
        Flow time of every GD run.
    """

    norm: float
    z0: np.ndarray
    y0: np.ndarray
    measured: np.ndarray
    theory: np.ndarray
    agreement: float
    counted: int
    lr: float
    horizon: float


def _classify_runs(pre0, pre_T, z_T):
    """Region codes from GD: frozen (inactive from the start), dies (ReLU dead), success (z > 0 alive)."""
    return np.where(pre0 <= 0, 0, np.where(pre_T <= 0, 3, np.where(z_T > 0, 1, 2)))


def _positive(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not (np.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def _steps(horizon: float, lr: float) -> int:
    steps = int(round(horizon / lr))
    if steps < 1:
        raise ValueError(f"horizon / lr must round to at least one step, got horizon={horizon!r}, lr={lr!r}")
    return steps


def gd_regions(chunk: ArrayLike, seeds: Any = None, *, norm: float, lr: float, steps: int) -> np.ndarray:
    """Region codes where full-batch GD ends from each initialization (z0, y0) of a chunk (a sweep's chunk function).

    One class-1 point ``x = (norm, 0)`` and one hidden unit with ``w0 = y0 x / norm**2`` (so ``w0 . x = y0``)
    and output weight ``z0``, trained by :func:`dynamics.groundtruth.training.train_batch` (BCE), all the
    chunk's runs at once.  Gradient descent draws nothing: ``seeds`` is accepted for
    :func:`dynamics.sweep.sweep` and ignored.

    Parameters
    ----------
    chunk : array_like, shape (m, 2)
        Initializations, one ``(z0, y0)`` per row.
    seeds : sequence, optional
        The settings' seeds (unused).
    norm : float
        ``||x||`` of the class-1 point, > 0.
    lr : float
        Learning rate, > 0.
    steps : int
        GD steps, >= 1.

    Returns
    -------
    ndarray of int, shape (m,)
        Codes of :data:`REGIONS`: frozen (the unit is inactive from the start), dies (inactive at the end),
        success (alive with ``z > 0``), stalls (alive with ``z <= 0``).

    Raises
    ------
    ValueError
        ``chunk`` is not an (m, 2) array of finite numbers, or ``norm``, ``lr``, ``steps`` are out of range.

    Examples
    --------
    >>> [REGIONS[k] for k in gd_regions([[0.5, 0.3], [-0.5, 0.3], [0.5, -0.1]], norm=0.7, lr=0.05, steps=1200)]
    ['success', 'dies', 'frozen']
    """
    chunk = np.asarray(chunk, dtype=float)
    if chunk.ndim != 2 or chunk.shape[1] != 2 or chunk.shape[0] == 0 or not np.all(np.isfinite(chunk)):
        raise ValueError(f"chunk must be an (m, 2) array of finite (z0, y0) rows, m >= 1, got shape {chunk.shape}")
    norm = _positive("norm", norm)
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 1:
        raise ValueError(f"steps must be an integer >= 1, got {steps!r}")
    x = np.zeros(2)
    x[0] = norm
    W0 = (chunk[:, 1][:, None] * x / norm**2)[:, None, :]  # (m, 1, 2): w.x = y0
    Z0 = chunk[:, 0][:, None]
    batch = train_batch(x[None], np.array([1]), W0, Z0, lr=_positive("lr", lr), steps=int(steps),
                        record_every=int(steps))
    return _classify_runs(batch.preactivations[0, :, 0, 0], batch.preactivations[-1, :, 0, 0],
                          batch.Z_history[-1, :, 0])


def sweep_regions(norm: float, grid: int, *, extent: float = 1.0, horizon: float = 60.0, lr: float = 0.05,
                  executor: Any = None, chunk_size: int | None = None, quiet: bool = True) -> PhaseSweep:
    """The GD phase diagram on a ``grid x grid`` grid of initializations, swept on an executor.

    The grid's initializations go through :func:`dynamics.sweep.sweep` with :func:`gd_regions`; the result is
    the same on every executor and for every chunk size (gradient descent draws nothing, and each run is
    independent of the others in its chunk).

    Parameters
    ----------
    norm : float
        ``||x||`` of the class-1 point, > 0.
    grid : int
        Grid points per axis on ``[-extent, extent]``, >= 2.
    extent : float
        Half-width of the grid in z0 and in y0, > 0.
    horizon : float
        Flow time of every GD run, > 0.
    lr : float
        Learning rate, > 0 (``round(horizon / lr)`` steps).
    executor : optional
        Where the chunks run: anything :func:`dynamics.sweep.sweep` takes (default: in this process).
    chunk_size : int, optional
        Initializations per chunk (default :data:`BATCH`).
    quiet : bool
        No progress bar.

    Returns
    -------
    PhaseSweep

    Raises
    ------
    ValueError
        An argument out of range (named).

    Examples
    --------
    >>> swept = sweep_regions(0.7, 5, horizon=20.0, lr=0.1)
    >>> swept.measured.shape, swept.agreement
    ((5, 5), 1.0)
    """
    norm, extent = _positive("norm", norm), _positive("extent", extent)
    horizon, lr = _positive("horizon", horizon), _positive("lr", lr)
    if isinstance(grid, bool) or not isinstance(grid, numbers.Integral) or grid < 2:
        raise ValueError(f"grid must be an integer >= 2 (points per axis), got {grid!r}")
    steps = _steps(horizon, lr)
    grid = int(grid)
    values = np.linspace(-extent, extent, grid)
    Z0g, Y0g = np.meshgrid(values, values)  # rows: y0, columns: z0
    settings = np.column_stack([Z0g.ravel(), Y0g.ravel()])
    function = functools.partial(gd_regions, norm=norm, lr=lr, steps=steps)
    measured = sweep_values(function, settings, chunk_size=BATCH if chunk_size is None else chunk_size,
                            executor=executor, quiet=quiet, desc="phase diagram").reshape(grid, grid)
    theory = theory_region(Z0g, Y0g, norm)
    distance = np.minimum(np.abs(Y0g), np.abs(Y0g + norm * Z0g) / np.hypot(1, norm))
    away = distance > BOUNDARY_BAND
    agree = float(np.mean(measured[away] == theory[away]))
    return PhaseSweep(norm=norm, z0=values, y0=values, measured=measured, theory=theory, agreement=agree,
                      counted=int(away.sum()), lr=lr, horizon=horizon)


def run(*, norm: float = 0.7, grid: int = 61, extent: float = 1.0, horizon: float = 60.0, lr: float = 0.05,
        quiet: bool = True, executor: Any = None) -> PhaseDiagramResult:
    """Theory regions vs a GD sweep over a grid of initializations (one class-1 point), and flow lines.

    Parameters
    ----------
    norm : float
        ``||x||`` of the class-1 point.
    grid : int
        Grid points per axis on ``[-extent, extent]``.
    extent : float
        Half-width of the grid in z0 and in y0.
    horizon : float
        Flow time of every GD run.
    lr : float
        Learning rate of the GD sweep.
    quiet : bool
        No progress bar.
    executor : optional
        Where the GD sweep runs (:func:`sweep_regions`); the result does not depend on it.

    Returns
    -------
    PhaseDiagramResult
        The grid, the predicted and the GD-reached regions, and their agreement.
    """
    swept = sweep_regions(norm, grid, extent=extent, horizon=horizon, lr=lr, executor=executor, quiet=quiet)
    init = np.array([[y, z, 1.0, -1.0] for z, y in FLOW_LINE_STARTS])
    traj = integrate(derivations.two_layer("bce"), init, np.linspace(0, FLOW_LINE_TIME, FLOW_LINE_SAMPLES),
                     parameters={"n_1": norm, "n_2": 1.0, "p": 1.0})
    lines = tuple((traj.states[:, k, 1], traj.states[:, k, 0]) for k in range(len(FLOW_LINE_STARTS)))
    return PhaseDiagramResult(norm=norm, z0=swept.z0, y0=swept.y0, theory=swept.theory, measured=swept.measured,
                              agreement=swept.agreement, counted=swept.counted, flow_lines=lines, horizon=horizon,
                              lr=lr)


#: Fill of each region (codes of :data:`REGIONS`): light colours of distinct lightness, so that the regions stay
#: apart in grey-scale and the black boundary lines and dark flow lines stay visible on every one of them.
REGION_COLORS = ("0.93", style.light(style.CLASS_COLORS[1], 0.7), "0.4", style.light(style.CLASS_COLORS[2], 0.3))
#: Flow lines (theory trajectories) and their arrows.
FLOW_COLOR = "#003049"
#: Line keywords of the two lines y0 = +-||x|| z0 (distinct dash patterns, drawn over the regions).
ASYMPTOTE_LINE = {"color": "black", "linestyle": (0, (6, 3)), "linewidth": 1.3}
STALL_LINE = {"color": "black", "linestyle": (0, (1.5, 1.5)), "linewidth": 2.2}


def _arrow_at_middle(ax, z: np.ndarray, y: np.ndarray, extent: tuple) -> None:
    """An arrowhead on a flow line, halfway along its part inside ``extent``, pointing the way time runs."""
    inside = (z >= extent[0]) & (z <= extent[1]) & (y >= extent[2]) & (y <= extent[3])
    if inside.sum() < 2:
        return
    first = int(np.argmax(inside))  # the first stretch of the line inside the axes
    last = first + (int(np.argmin(inside[first:])) if not inside[first:].all() else int(inside[first:].size)) - 1
    z, y = z[first:last + 1], y[first:last + 1]
    steps = np.hypot(np.diff(z), np.diff(y))
    if len(z) < 2 or steps.sum() <= 0:
        return
    k = min(int(np.searchsorted(np.cumsum(steps), steps.sum() / 2)), len(z) - 2)
    ax.annotate("", xy=(z[k + 1], y[k + 1]), xytext=(z[k], y[k]),
                arrowprops={"arrowstyle": "-|>", "color": FLOW_COLOR, "mutation_scale": 12, "linewidth": 0})


def figures(result: PhaseDiagramResult) -> dict[str, Figure]:
    """Draw Fig. 2 Left: theory regions with flow lines beside the regions GD ends in.

    Both panels show the lines ``y0 = ||x|| z0`` (asymptote of the learning hyperbolas) and ``y0 = -||x|| z0``
    (where the unit stalls: the border between success and death) in distinct dash patterns, explained in a
    legend; theory trajectories carry arrows in the direction of time.

    Parameters
    ----------
    result : PhaseDiagramResult
        A result of :func:`run`.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        ``{"fig2_phase_diagram": Figure}``, drawn without pyplot (no backend is selected).
    """

    fig, axes = style.new_figure(1, 2, figsize=(11.5, 5.4), sharey=True)
    fig.set_layout_engine("constrained")
    extent = (result.z0[0], result.z0[-1], result.y0[0], result.y0[-1])
    cmap = ListedColormap(REGION_COLORS)
    for ax, codes, title in ((axes[0], result.theory, "theory (Sec. 3.3)"),
                             (axes[1], result.measured, f"where gradient descent ends (lr = {result.lr:g})")):
        im = ax.imshow(codes, origin="lower", extent=extent, cmap=cmap, vmin=-0.5, vmax=len(REGIONS) - 0.5,
                       aspect="auto", interpolation="nearest")
        z = np.linspace(result.z0[0], result.z0[-1], 50)
        ax.plot(z, result.norm * z, **ASYMPTOTE_LINE)
        ax.plot(z, -result.norm * z, **STALL_LINE)
        ax.set(xlim=extent[:2], ylim=extent[2:], xlabel="$z_0$", title=title)
    for z_line, y_line in result.flow_lines:
        axes[0].plot(z_line, y_line, color=FLOW_COLOR, linewidth=1.0)
        _arrow_at_middle(axes[0], np.asarray(z_line), np.asarray(y_line), extent)
    axes[0].set_ylabel("$y_0 = w_0 \\cdot x$")
    cbar = fig.colorbar(im, ax=axes, ticks=range(len(REGIONS)))
    cbar.ax.set_yticklabels(REGIONS)
    handles = [Line2D([], [], color=FLOW_COLOR, linewidth=1.0, marker=">", markersize=5,
                      label="theory trajectories $(z_t, y_t)$, arrows along time"),
               Line2D([], [], label="$y_0 = \\|x\\| z_0$: asymptote of the learning hyperbolas", **ASYMPTOTE_LINE),
               Line2D([], [], label="$y_0 = -\\|x\\| z_0$: the unit stalls (border of success and death)",
                      **STALL_LINE)]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=style.LEGEND_FONTSIZE, frameon=False)
    fig.suptitle(f"Phase diagram of a class-1 neuron, $\\|x\\| = {result.norm:g}$: GD ends where the theory says "
                 f"on {100 * result.agreement:.1f}% of the {result.counted} grid points away from the borders "
                 f"(flow time {result.horizon:g})")
    return {"fig2_phase_diagram": fig}


def claims(result: PhaseDiagramResult) -> list[ClaimRecord]:
    """State the claim ``phase_diagram_agreement``: the GD sweep ends in the regions the theory predicts.

    Parameters
    ----------
    result : PhaseDiagramResult
        A result of :func:`run`.

    Returns
    -------
    list of ClaimRecord
        ``phase_diagram_agreement``.
    """
    return [ClaimRecord(
        "phase_diagram_agreement", "Sec. 3.3, Fig. 2 Left",
        "regions frozen/success/stalls/dies predicted by theory match a batched GD sweep",
        {"grid_points_counted": result.counted, "boundary_band": BOUNDARY_BAND},
        {"agreement_fraction": result.agreement}, 1 - result.agreement, result.agreement >= TOLERANCES["phase"],
        "measured", round(1 - TOLERANCES["phase"], 12),
        "fraction of grid points (away from region boundaries) where the GD sweep ends in the region "
        f"the theory predicts; the disagreeing fraction must be <= {1 - TOLERANCES['phase']:.2g} "
        "(a classification: it checks regions, not time scales)")]


EXPERIMENT = Experiment(name="phase_diagram", title="Phase diagram of a class-1 neuron (Sec. 3.3, Fig. 2 Left)",
                        order=70, sizes=SIZES, run=run, figures=figures, claims=claims)
