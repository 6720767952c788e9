"""The report room: experiment results turned into report files and saved figures.

No gradient descent and no maths happen here: experiments (:mod:`dynamics.experiments`)
produce frozen results, figures and claims, and this room writes them through :mod:`dynamics.io`:
:func:`reproduce` (the main job: ``report.json``, ``report.md``, figures) and :func:`save_figure`.
"""
from .figures import comparison_figure, point_comparison_figure, save_figure
from .reproduction import DEFAULT_OUT, reproduce

__all__ = ["reproduce", "DEFAULT_OUT", "save_figure", "comparison_figure", "point_comparison_figure"]
