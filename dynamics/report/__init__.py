"""The report room: experiment results turned into report files and saved figures.

No gradient descent and no maths happen here: experiments (:mod:`dynamics.experiments`)
produce frozen results, figures and claims, and this room writes them through :mod:`dynamics.io`:
:func:`reproduce` (the main job: ``report.json``, ``report.md``, figures and their data),
:func:`redraw` (a report's figure drawn again from its saved data) and :func:`save_figure`.
"""
from .figures import comparison_figure, point_comparison_figure, save_figure
from .redraw import figure_index, redraw
from .reproduction import DEFAULT_OUT, reproduce

__all__ = ["reproduce", "redraw", "figure_index", "DEFAULT_OUT", "save_figure", "comparison_figure",
           "point_comparison_figure"]
