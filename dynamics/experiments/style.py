"""The house style of every figure: theory as lines, gradient descent as hollow markers.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through
``pyplot``: drawing selects no backend and leaves no global figure behind, so a
notebook keeps its inline figures and a server stays headless.  Line styles and
marker shapes differ between series, so the figures read in grey-scale too.

Theory and gradient descent differ in colour *and* in kind: :func:`theory_line` draws
a theory series as a coloured line (Okabe-Ito palette, one dash pattern per series),
:func:`gd_markers` a gradient-descent series as black hollow markers, thinned to about
:data:`MARKER_TARGET` so that they do not merge into a band;
:func:`theory_gd_handles` adds the two legend entries that say so.  Classes keep the
paper's numbering and colours (:data:`CLASS_COLORS`).  The older grey :func:`series`
and :func:`markers` stay for the figures that use them.
"""
from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

__all__ = ["LINESTYLES", "MARKERS", "TIME_LABEL", "series", "markers", "new_figure", "COLORS", "CLASS_COLORS",
           "GD_COLOR", "LEGEND_FONTSIZE", "MARKER_TARGET", "theory_line", "gd_markers", "theory_gd_handles",
           "light", "fit_y", "NESTED_MARKER_SIZES"]

LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v", "P")
#: Axis label of every flow-time axis.
TIME_LABEL = "flow time $t$ (learning rate × steps)"
#: Okabe-Ito palette: distinguishable with colour-vision deficiencies; theory series cycle through it.
COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9")
#: Colour of each class, in the paper's numbering (class 1 blue, class 2 vermillion).
CLASS_COLORS = {1: COLORS[0], 2: COLORS[1]}
#: Gradient descent is drawn in black hollow markers, theory in coloured lines: told apart in colour and in
#: grey-scale (a line against markers).
GD_COLOR = "black"
#: Smallest legend font of the figures (points): a 6 pt legend is unreadable in print.
LEGEND_FONTSIZE = 8
#: Gradient-descent markers per series at most: denser markers merge into a band that hides the theory line.
MARKER_TARGET = 25
#: Sizes of hollow markers of series that fall on the same points (a collapse): nested, each stays visible.
NESTED_MARKER_SIZES = (10.0, 7.0, 4.5, 2.5)
#: Room left above and below the data by :func:`fit_y`, as a fraction of their range.
Y_MARGIN = 0.05


def series(i: int) -> dict[str, Any]:
    """Line keywords of the ``i``-th theory series (grey levels and dashes).

    Parameters
    ----------
    i : int
        Index of the series; styles cycle through :data:`LINESTYLES` and three grey levels.

    Returns
    -------
    dict
        ``linestyle`` and ``color`` keywords for ``Axes.plot``.

    Examples
    --------
    >>> series(1)
    {'linestyle': '--', 'color': '0.4'}
    """
    return {"linestyle": LINESTYLES[i % len(LINESTYLES)], "color": str(0.15 + 0.5 * (i % 3) / 2)}


def markers(i: int) -> dict[str, Any]:
    """Marker keywords of the ``i``-th gradient-descent series (hollow, no line).

    Parameters
    ----------
    i : int
        Index of the series; shapes cycle through :data:`MARKERS`.

    Returns
    -------
    dict
        ``marker``, ``markerfacecolor``, ``linestyle``, ``color`` and ``markersize``
        keywords for ``Axes.plot``.

    Examples
    --------
    >>> markers(0)["marker"], markers(0)["markerfacecolor"]
    ('o', 'none')
    """
    return {"marker": MARKERS[i % len(MARKERS)], "markerfacecolor": "none", "linestyle": "none",
            "color": "black", "markersize": 4}


def new_figure(nrows: int = 1, ncols: int = 1, *, figsize: tuple[float, float] = (6, 4),
               **subplot_kw: Any) -> tuple[Figure, Any]:
    """Create a :class:`~matplotlib.figure.Figure` and its axes (``Figure.subplots``), without pyplot.

    Parameters
    ----------
    nrows, ncols : int
        Grid of subplots.
    figsize : tuple of float
        Width and height in inches.
    **subplot_kw
        Further keywords of :meth:`matplotlib.figure.Figure.subplots` (``sharex``, ``squeeze``, ...).

    Returns
    -------
    fig : matplotlib.figure.Figure
        The new figure (not registered with pyplot).
    axes : matplotlib.axes.Axes or ndarray of Axes
        As returned by ``Figure.subplots``: one ``Axes`` for a 1 x 1 grid, else an array.

    Examples
    --------
    >>> fig, axes = new_figure(1, 2, figsize=(8, 3))
    >>> len(axes), type(fig).__name__
    (2, 'Figure')
    """
    fig = Figure(figsize=figsize)
    return fig, fig.subplots(nrows, ncols, **subplot_kw)


def theory_line(i: int) -> dict[str, Any]:
    """Line keywords of the ``i``-th theory series in colour (palette colour and dash pattern).

    The dash pattern changes with the colour, so the series stay apart in grey-scale too; gradient descent is
    drawn with :func:`gd_markers` (black hollow markers), so theory and GD differ in colour and in kind.

    Parameters
    ----------
    i : int
        Index of the series; colours cycle through :data:`COLORS`, dashes through :data:`LINESTYLES`.

    Returns
    -------
    dict
        ``color``, ``linestyle`` and ``linewidth`` keywords for ``Axes.plot``.

    Examples
    --------
    >>> theory_line(1)["linestyle"], theory_line(1)["color"] == COLORS[1]
    ('--', True)
    """
    return {"color": COLORS[i % len(COLORS)], "linestyle": LINESTYLES[i % len(LINESTYLES)], "linewidth": 1.6}


def gd_markers(i: int, n: int | None = None) -> dict[str, Any]:
    """Marker keywords of the ``i``-th gradient-descent series: black hollow markers, thinned to be read.

    Parameters
    ----------
    i : int
        Index of the series; shapes cycle through :data:`MARKERS`.
    n : int, optional
        Number of recorded points of the series; when given, ``markevery`` keeps at most about
        :data:`MARKER_TARGET` of them (the data stay whole in the artist).

    Returns
    -------
    dict
        Keywords for ``Axes.plot``: hollow marker, no line, :data:`GD_COLOR`, and ``markevery`` when ``n`` is given.

    Examples
    --------
    >>> gd_markers(0, 101)["markevery"], gd_markers(0)["markerfacecolor"]
    (5, 'none')
    """
    keywords = {"marker": MARKERS[i % len(MARKERS)], "markerfacecolor": "none", "linestyle": "none",
                "color": GD_COLOR, "markersize": 5, "markeredgewidth": 0.9}
    if n is not None:
        keywords["markevery"] = max(1, -(-int(n) // MARKER_TARGET))
    return keywords


def theory_gd_handles(lr: float | None = None) -> list:
    """Legend proxies saying how to read a figure: lines are theory, hollow markers gradient descent.

    Parameters
    ----------
    lr : float, optional
        Learning rate of the gradient descent shown, named in its entry.

    Returns
    -------
    list of matplotlib.lines.Line2D
        Two unplotted artists, for ``ax.legend(handles=...)`` next to the series' own entries.

    Examples
    --------
    >>> [h.get_label() for h in theory_gd_handles(0.1)]
    ['theory (lines)', 'gradient descent, lr = 0.1 (hollow markers)']
    """
    where = "" if lr is None else f", lr = {lr:g}"
    return [Line2D([], [], color="0.35", linestyle="-", label="theory (lines)"),
            Line2D([], [], label=f"gradient descent{where} (hollow markers)", **gd_markers(0))]


def light(color: str, amount: float = 0.7) -> tuple:
    """``color`` blended towards white by ``amount`` (0: unchanged, 1: white), for filled regions.

    Parameters
    ----------
    color : str
        Any matplotlib colour.
    amount : float
        How far towards white, in [0, 1].

    Returns
    -------
    tuple of float
        The blended colour, ``(r, g, b)`` in [0, 1].

    Examples
    --------
    >>> light("black", 0.5)
    (0.5, 0.5, 0.5)
    """
    return tuple(float(c + (1 - c) * amount) for c in to_rgb(color))


def fit_y(ax: Axes, margin: float = Y_MARGIN) -> None:
    """Fit the y-axis of ``ax`` to the data of its lines inside its current x-limits (after ``set_xlim``).

    Autoscaling counts every point of a line, also those past the x-limits; after the time axis has been cut to
    where things happen, the y-axis must follow it.

    Parameters
    ----------
    ax : matplotlib.axes.Axes
    margin : float
        Room above and below, as a fraction of the data's range.

    Examples
    --------
    >>> fig, ax = new_figure()
    >>> _ = ax.plot([0, 1, 2, 10], [0, 1, 2, 50]); _ = ax.set_xlim(0, 2); fit_y(ax)
    >>> tuple(round(float(v), 2) for v in ax.get_ylim())
    (-0.1, 2.1)
    """
    low, high = sorted(ax.get_xlim())
    values = []
    for line in ax.lines:
        x, y = np.asarray(line.get_xdata(), float), np.asarray(line.get_ydata(), float)
        if x.shape != y.shape:
            continue
        inside = (x >= low) & (x <= high) & np.isfinite(y)
        values.append(y[inside])
    values = np.concatenate(values) if values else np.empty(0)
    if values.size:
        bottom, top = float(values.min()), float(values.max())
        pad = margin * (top - bottom) if top > bottom else max(abs(top), 1.0) * margin
        ax.set_ylim(bottom - pad, top + pad)
