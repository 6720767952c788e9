"""The house style of every figure: theory as lines, gradient descent as hollow markers.

Figures are built on :class:`matplotlib.figure.Figure` directly, never through
``pyplot``: drawing selects no backend and leaves no global figure behind, so a
notebook keeps its inline figures and a server stays headless.  Line styles and
marker shapes differ between series, so the figures read in grey-scale too.
"""
from __future__ import annotations

from typing import Any

from matplotlib.figure import Figure

__all__ = ["LINESTYLES", "MARKERS", "TIME_LABEL", "series", "markers", "new_figure"]

LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1)))
MARKERS = ("o", "s", "^", "D", "v", "P")
#: Axis label of every flow-time axis.
TIME_LABEL = "flow time t (learning rate × steps)"


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
