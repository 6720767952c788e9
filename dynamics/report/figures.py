"""Saving figures, and the one figure the report draws itself (theory against a user's run).

Every experiment draws its own figures (:mod:`dynamics.experiments`, on plain
:class:`matplotlib.figure.Figure` objects); this module saves them.  Nothing here
imports ``matplotlib.pyplot`` or selects a backend, so importing it inside a
notebook keeps inline figures, and a server stays headless.
"""
from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

from ..experiments.style import TIME_LABEL, markers, new_figure, series
from ..io import write_bytes_atomic

__all__ = ["save_figure", "comparison_figure", "point_comparison_figure", "FIGURE_DPI", "FORMATS",
           "CLASS_COLOURS", "MAX_POINTS_DRAWN", "MAX_MARKERS"]

#: Raster resolution of the PNG figures (print quality).
FIGURE_DPI = 150
#: Every figure is saved in these formats (raster for reading, vector for papers).
FORMATS = ("png", "pdf")
#: Colours of class 1 and class 2 in per-point figures.
CLASS_COLOURS = {1: "tab:blue", 2: "tab:red"}
#: At most this many points are drawn per class in a per-point figure (more curves are unreadable); the title
#: says when some were left out.
MAX_POINTS_DRAWN = 12
#: At most about this many GD markers per curve (more hide the theory's line under them).
MAX_MARKERS = 40


def save_figure(fig: Figure, stem: str | Path) -> list[str]:
    """Save ``fig`` as ``stem.png`` and ``stem.pdf``, each written atomically; return the paths.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        A figure (from an experiment's ``figures`` or :func:`comparison_figure`).
    stem : str or Path
        Path without suffix; its folder is created if missing.

    Returns
    -------
    list of str
        The files written, one per format of :data:`FORMATS`.

    Raises
    ------
    TypeError
        If ``fig`` is not a :class:`matplotlib.figure.Figure`.
    """
    if not isinstance(fig, Figure):
        raise TypeError(f"fig must be a matplotlib Figure, got {type(fig).__name__}")
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    paths = []
    for ext in FORMATS:
        target = stem.with_suffix(f".{ext}")
        buffer = io.BytesIO()
        fig.savefig(buffer, format=ext, dpi=FIGURE_DPI, bbox_inches="tight")
        write_bytes_atomic(target, buffer.getvalue())
        paths.append(str(target))
    return paths


def comparison_figure(t_theory: ArrayLike, theory: ArrayLike, t_measured: ArrayLike, measured: ArrayLike, *,
                      ylabel: str = "logit u", title: str = "") -> Figure:
    """One theory curve per class (lines) against one run (hollow markers): the ``compare`` command's figure.

    Parameters
    ----------
    t_theory, t_measured : array_like
        Flow times of the theory curves and of the recorded run.
    theory, measured : array_like
        One row per class (or one curve), on those times.
    ylabel, title : str
        Axis label and title.

    Returns
    -------
    matplotlib.figure.Figure
        One axes with a theory line and a marker series per class, and a legend.

    Examples
    --------
    >>> fig = comparison_figure([0, 1], [[0.0, 1.0]], [0, 1], [[0.0, 0.9]])
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['theory (class 1)', 'GD (class 1)']
    """
    fig, ax = new_figure(figsize=(6, 4))
    for i, (th, ms) in enumerate(zip(np.atleast_2d(theory), np.atleast_2d(measured))):
        ax.plot(t_theory, th, label=f"theory (class {i + 1})", **series(i))
        ax.plot(t_measured, ms, label=f"GD (class {i + 1})", **markers(i))
    ax.set(xlabel=TIME_LABEL, ylabel=ylabel, title=title)
    ax.legend(fontsize=7)
    return fig


def point_comparison_figure(t: ArrayLike, theory: ArrayLike, measured: ArrayLike, classes: ArrayLike, *,
                            title: str = "", ylabel: str = "logit u", switch_times: ArrayLike = ()) -> Figure:
    """Theory (lines) against a run (markers) for every training point, coloured by class.

    Parameters
    ----------
    t : array_like (R,)
        Flow times of the records.
    theory, measured : array_like (R, n)
        The theory's and the run's logits of each point at those times.
    classes : array_like (n,)
        1 or 2 per point (the colour, :data:`CLASS_COLOURS`).
    title, ylabel : str
        Title and y-axis label.
    switch_times : array_like, optional
        Times of the theory's activation switches, drawn as dotted vertical lines (one legend entry).

    Returns
    -------
    matplotlib.figure.Figure
        One axes; the legend has one theory and one GD entry per class (and one for the switches).  With more than
        :data:`MAX_POINTS_DRAWN` points in a class, evenly spaced ones are drawn and the title says how many.

    Examples
    --------
    >>> fig = point_comparison_figure([0, 1], [[0.1, -0.1], [1.0, -1.0]], [[0.1, -0.1], [0.9, -1.1]], [1, 2])
    >>> [line.get_label() for line in fig.axes[0].lines]
    ['theory, class 1', 'GD, class 1', 'theory, class 2', 'GD, class 2']
    """
    t = np.asarray(t, dtype=float)
    theory, measured = np.asarray(theory, dtype=float), np.asarray(measured, dtype=float)
    classes = np.asarray(classes)
    fig, ax = new_figure(figsize=(6.5, 4.2))
    left_out = 0
    for k, colour in CLASS_COLOURS.items():
        members = np.flatnonzero(classes == k)
        shown = members[np.unique(np.linspace(0, members.size - 1, MAX_POINTS_DRAWN).round().astype(int))] \
            if members.size > MAX_POINTS_DRAWN else members
        left_out += members.size - shown.size
        for rank, i in enumerate(shown):
            ax.plot(t, theory[:, i], color=colour, linewidth=1.2, label=f"theory, class {k}" if rank == 0 else None)
            ax.plot(t, measured[:, i], color=colour, marker="o", markerfacecolor="none", linestyle="none",
                    markersize=4, markevery=max(1, t.size // MAX_MARKERS),
                    label=f"GD, class {k}" if rank == 0 else None)
    for rank, when in enumerate(np.unique(np.asarray(switch_times, dtype=float))):
        ax.axvline(when, color="0.5", linestyle=":", linewidth=0.9,
                   label="activation switch (theory)" if rank == 0 else None)
    note = f" ({left_out} points not drawn)" if left_out else ""
    ax.set(xlabel=TIME_LABEL, ylabel=ylabel, title=title + note)
    ax.legend(fontsize=8)
    return fig
