"""Draw a report's figures again from the data it saved, without running anything.

``reproduce`` saves each experiment's result in the report (``data/<experiment>.npz`` + ``.json``) and
lists, in ``report.json``'s ``"figure_data"``, each figure's stem with its experiment and that data.
:func:`redraw` loads the data (:func:`dynamics.archive.load`) and hands it to the experiment's own
``figures`` function: restyle a figure by editing that function (or the returned ``Figure``), not by
rerunning gradient descent.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from matplotlib.figure import Figure

from ..archive import load
from ..experiments.registry import get
from .figures import save_figure

__all__ = ["redraw", "figure_index"]


def figure_index(report_dir: str | os.PathLike) -> dict[str, dict]:
    """``report.json``'s ``"figure_data"``: each figure's stem -> ``{"experiment", "files", "data"}``.

    Parameters
    ----------
    report_dir : str or path-like
        A folder written by :func:`dynamics.report.reproduce`.

    Returns
    -------
    dict
        By figure stem (e.g. ``"fig4_depth"``): the experiment's name, the figure's files and the
        report path of the experiment's saved result, all relative to ``report_dir``.

    Raises
    ------
    FileNotFoundError
        ``report_dir`` holds no ``report.json``.
    ValueError
        ``report.json`` is not JSON, or was written before reports saved their figures' data.
    """
    path = Path(report_dir) / "report.json"
    try:
        payload = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise FileNotFoundError(f"report_dir must be a report folder written by reproduce; {path} does not "
                                "exist") from None
    except ValueError as exc:
        raise ValueError(f"{path} is not a report's JSON: {exc}") from None
    index = payload.get("figure_data") if isinstance(payload, dict) else None
    if not isinstance(index, dict):
        raise ValueError(f"{path} lists no figure data (\"figure_data\"): the report was written by a version of "
                         "learning-dynamics that did not save it; run reproduce again")
    return index


def _data_path(report_dir: Path, stem: str, entry) -> Path:
    data = entry.get("data") if isinstance(entry, dict) else None
    if not isinstance(data, str) or Path(data).is_absolute() or ".." in Path(data).parts:
        raise ValueError(f"report.json's entry of figure {stem!r} has no data path inside the report: {data!r}")
    return report_dir / data


def redraw(report_dir: str | os.PathLike, stem: str, *, out: str | os.PathLike | None = None) -> dict[str, Figure]:
    """Draw a figure of a report (or every figure of one experiment) again from the report's saved data.

    Parameters
    ----------
    report_dir : str or path-like
        A folder written by :func:`dynamics.report.reproduce`.
    stem : str
        A figure's stem (its file name without suffix, e.g. ``"fig4_depth"``), or an experiment's name
        (e.g. ``"depth"``) for all of its figures.
    out : str or path-like, optional
        A folder to save the figures into (``<stem>.png`` and ``.pdf``, as the report does); nothing is
        saved by default.

    Returns
    -------
    dict of str to matplotlib.figure.Figure
        By stem, the figures drawn by the experiment's ``figures`` function from the loaded result.

    Raises
    ------
    ValueError
        ``stem`` is neither a figure nor an experiment of the report (the message lists them), or the
        experiment no longer draws that figure, or the saved data is damaged (:func:`dynamics.archive.load`).
    FileNotFoundError
        ``report_dir`` is not a report, or its data files are missing.
    """
    if not isinstance(stem, str):
        raise TypeError(f"stem must be a figure stem or an experiment name (str), got {type(stem).__name__}")
    report_dir = Path(report_dir)
    index = figure_index(report_dir)
    if stem in index:
        wanted = [stem]
    else:
        wanted = [s for s, entry in index.items() if isinstance(entry, dict) and entry.get("experiment") == stem]
    if not wanted:
        names = sorted({entry.get("experiment") for entry in index.values() if isinstance(entry, dict)} - {None})
        raise ValueError(f"stem {stem!r} is neither a figure nor an experiment of the report {report_dir}; figures: "
                         f"{', '.join(sorted(index))}; experiments: {', '.join(names)}")
    drawn: dict[str, Figure] = {}
    for name in sorted({index[s].get("experiment") for s in wanted}, key=str):
        stems = [s for s in wanted if index[s].get("experiment") == name]
        experiment = get(name)
        figures = experiment.figures(load(_data_path(report_dir, stems[0], index[stems[0]])))
        missing = [s for s in stems if s not in figures]
        if missing:
            raise ValueError(f"the experiment {name!r} no longer draws the figure {missing[0]!r}; it draws "
                             f"{', '.join(sorted(figures))}")
        drawn.update((s, figures[s]) for s in stems)
    if out is not None:
        for s, fig in drawn.items():
            save_figure(fig, Path(out) / s)
    return drawn
