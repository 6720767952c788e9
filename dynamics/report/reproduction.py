"""The main job: run every experiment with built-in sizes and write the report.

Each experiment of :mod:`dynamics.experiments` (its registry) gives a frozen
result, its figures and its claims (:class:`ClaimRecord`); this module saves the
figures, each experiment's result as ``data/<experiment>.npz`` + ``.json``
(:mod:`dynamics.archive`, so :func:`redraw` can draw any figure again without
rerunning), and writes ``report.json`` (schema in the README) and a readable ``report.md``.
"""
from __future__ import annotations

import inspect
import json

import numpy as np
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any, Sequence

from ..archive import package_versions, save
from ..experiments.claims import ClaimRecord
from ..experiments.registry import all_experiments, check_seed
from ..io import report_folder, write_json_atomic, write_text_atomic
from ..progress import progress
from .figures import save_figure

__all__ = ["reproduce", "selected_experiments", "DEFAULT_OUT", "DATA_FOLDER", "BUILT_IN_SEEDS",
           "package_versions", "ClaimRecord"]

#: Default output folder of ``learning-dynamics reproduce``.
DEFAULT_OUT = "learning-dynamics-report"
#: Folder of the report holding each experiment's result (``<experiment>.npz`` + ``.json``).
DATA_FOLDER = "data"
#: What ``report.json`` says of the seeds when none is chosen (each experiment's built-in seed).
BUILT_IN_SEEDS = "fixed per experiment (numpy default_rng)"


def _run_seed(experiment, seed: int | None) -> int | None:
    """The seed ``experiment.run`` actually gets: its built-in default, or the one derived from ``seed``."""
    if not experiment.seeded:
        return None
    chosen = experiment.run_seed(seed)
    if chosen is not None:
        return chosen
    default = inspect.signature(experiment.run).parameters["seed"].default
    return None if default is inspect.Parameter.empty else default


def _jsonable(value):
    """Plain JSON types (numpy scalars and tuples converted)."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    return value


#: Longest JSON snippet shown per value in report.md (report.json has everything).
SNIPPET = 600


def _cell(value) -> str:
    text = f"{value:.6g}" if isinstance(value, float) else json.dumps(value)
    return text if len(text) <= SNIPPET else text[:SNIPPET] + " …"


def _payload_lines(theory, measured) -> list:
    """Theory and measured values side by side when they share keys, else as two short lines."""
    if isinstance(theory, dict) and isinstance(measured, dict) and set(theory) == set(measured):
        rows = ["| key | theory | measured |", "|---|---|---|"]
        return rows + [f"| {k} | {_cell(theory[k])} | {_cell(measured[k])} |" for k in theory]
    return [f"- theory: `{_cell(theory)}`", f"- measured: `{_cell(measured)}`"]


def _summary_rows(records) -> list:
    rows = ["| id | section | passed | error | tolerance |", "|---|---|---|---|---|"]
    for r in records:
        err = "" if r.error is None else f"{r.error:.3g}"
        tol = "" if r.tolerance is None else f"{r.tolerance:.3g}"
        rows.append(f"| `{r.id}` | {r.section} | {'yes' if r.passed else '**NO**'} | {err} | {tol} |")
    return rows


def _claim_section(r) -> list:
    lines = [f"### `{r.id}` — {'passed' if r.passed else 'FAILED'}", "", r.statement, "",
             f"*Criterion* ({r.kind}): {r.criterion}", ""]
    if getattr(r, "docs", ""):
        lines += [f"*Theory*: `{r.docs}` (in the learning-dynamics source tree)", ""]
    return lines + _payload_lines(_jsonable(r.theory), _jsonable(r.measured)) + [""]


def _markdown(records, parameters, elapsed, figures) -> str:
    measured = [r for r in records if getattr(r, "kind", "measured") == "measured"]
    theory = [r for r in records if getattr(r, "kind", "measured") != "measured"]
    lines = ["# learning-dynamics: reproduction report", "",
             "Paper: Tachet des Combes et al., *On the Learning Dynamics of Deep Neural Networks*, arXiv:1809.06848.",
             "", f"{sum(r.passed for r in records)} of {len(records)} claims passed in {elapsed:.1f} s.", "",
             "Each claim names where its theory is stated, in the paper's numbering: an anchor of `docs/theory.md` "
             "in the learning-dynamics source tree (also the field `docs` of report.json).", "",
             "## Claims checked against gradient descent on real networks", ""] + _summary_rows(measured)
    lines += ["", "## Claims of the theory alone (symbolic proofs, bounds, printed tables)", ""]
    lines += _summary_rows(theory) + ["", "## Details", ""]
    for r in measured + theory:
        lines += _claim_section(r)
    lines += ["## Figures", ""] + [f"![{Path(f).stem}]({f})" for f in figures if f.endswith(".png")] + [""]
    lines += [f"The data behind each figure is the experiment's result in `{DATA_FOLDER}/<experiment>.npz` + "
              "`.json` (`dynamics.load`); `dynamics.report.redraw(folder, stem)` draws a figure again from it.", ""]
    lines += ["## Parameters and versions", "", "```json", json.dumps(parameters, indent=2), "```", ""]
    return "\n".join(lines)


def reproduce(out: str | Path = DEFAULT_OUT, *, quick: bool = False, force: bool = False,
              quiet: bool = False, only: Sequence[str] | None = None, seed: int | None = None,
              executor: Any = None) -> dict[str, Any]:
    """Run every claim and write ``report.json``, ``report.md``, the figures and their data into the folder ``out``.

    Each experiment's result is saved as ``data/<experiment>.npz`` + ``.json`` (:func:`dynamics.archive.save`,
    with the size and seeds as parameters); ``report.json``'s ``"figure_data"`` maps each figure's stem to
    its experiment, its files and that data, from which :func:`dynamics.report.redraw` draws it again.

    The report is built in a temporary sibling folder and moved into place only
    when complete (:func:`dynamics.io.report_folder`): an error or an
    interruption leaves ``out`` exactly as it was and no temporary folder behind.

    Parameters
    ----------
    out : str or Path
        Report folder: missing, empty, or (with ``force``) holding a previous report.
    quick : bool
        Smaller sizes, for a fast look.
    force : bool
        Replace a previous report in ``out``.  Only the files that report
        recorded in its manifest (unchanged) are removed; a folder holding
        anything else is refused, naming the entries.  Links are never followed.
    quiet : bool
        No progress bar.
    only : sequence of str, optional
        Run only these experiments (names of :func:`dynamics.experiments.all_experiments`, e.g.
        ``("depth", "hinge")``), in report order; all of them by default.  The report records the selection.
    seed : int >= 0, optional
        None keeps every experiment's built-in seed (the report's numbers).  An int seeds every experiment
        that draws randomness with :func:`dynamics.experiments.registry.experiment_seed` ``(name, seed)``:
        the same whatever ``only`` selects.  The report records it.
    executor : optional
        Where the experiments that sweep run their sweeps: anything :func:`dynamics.sweep.sweep` takes, e.g.
        the value of :func:`dynamics.sweep.executor` (a process pool or a Dask client); default in this
        process.  The report's numbers do not depend on it.

    Returns
    -------
    dict
        The ``report.json`` payload.

    Raises
    ------
    ValueError
        ``only`` names an experiment that does not exist, or none; ``seed`` is negative.
    TypeError
        ``seed`` is not an int.
    dynamics.io.OutputFolderError
        ``out`` is a link, a file, a folder of other files, or a report and ``force`` is false.
    """
    from .. import __version__

    selected = selected_experiments(only)
    seed = check_seed(seed)
    started = time.time()
    run_id = f"learning-dynamics {__version__} at {time.strftime('%Y-%m-%dT%H:%M:%S')}"
    with report_folder(out, force=force, run_id=run_id) as build:
        records, figures, figure_data, run_seeds = [], [], {}, {}
        figure_dir = build / "figures"
        size = "quick" if quick else "full"
        with progress(selected, quiet=quiet, desc="reproduce", unit="experiment") as bar:  # cleared on Ctrl-C
            for experiment in bar:
                bar.set_postfix_str(experiment.name)
                result = experiment.result(size, seed=seed, executor=executor)
                records += experiment.claims(result)
                run_seeds[experiment.name] = _run_seed(experiment, seed)
                data = _save_data(experiment, result, build, size=size, seed=seed, run_seed=run_seeds[experiment.name])
                for stem, fig in experiment.figures(result).items():
                    files = [Path(f).relative_to(build).as_posix() for f in save_figure(fig, figure_dir / stem)]
                    figures += files
                    figure_data[stem] = {"experiment": experiment.name, "files": files, "data": data}
        elapsed = time.time() - started
        parameters = {"quick": quick, "only": None if only is None else [e.name for e in selected],
                      "versions": package_versions(),
                      "seeds": BUILT_IN_SEEDS if seed is None else
                      f"numpy SeedSequence([{seed}, *name.encode()]) per experiment", "seed": seed,
                      "experiment_seeds": run_seeds}
        payload = {"version": __version__, "claims": [_jsonable(asdict(r)) for r in records], "figures": figures,
                   "figure_data": figure_data, "parameters": parameters, "elapsed_seconds": round(elapsed, 3)}
        write_json_atomic(build / "report.json", payload, nonfinite="string")
        write_text_atomic(build / "report.md", _markdown(records, parameters, elapsed, figures))
    return payload


def _save_data(experiment, result, build: Path, *, size: str, seed: int | None, run_seed: int | None) -> str:
    """Save ``result`` as ``data/<experiment>.npz`` + ``.json`` in the report; return the ``.json``'s report path."""
    parameters = {"experiment": experiment.name, "size": size, "run": dict(experiment.sizes[size]),
                  "report_seed": seed, "seed": run_seed}
    written = save(result, build / DATA_FOLDER / experiment.name, parameters=parameters)
    return Path(written[1]).relative_to(build).as_posix()


def selected_experiments(only: Sequence[str] | None = None) -> tuple:
    """The experiments ``only`` names (all of them by default), in report order.

    Parameters
    ----------
    only : sequence of str, optional
        Experiment names (see :func:`dynamics.experiments.all_experiments`).

    Returns
    -------
    tuple of Experiment

    Raises
    ------
    ValueError
        A name that is not an experiment (the message lists them), or an empty selection.
    TypeError
        ``only`` is one string rather than a sequence of names.

    Examples
    --------
    >>> [e.name for e in selected_experiments(["hinge", "depth"])]
    ['depth', 'hinge']
    """
    experiments = all_experiments()
    if only is None:
        return experiments
    if isinstance(only, str):
        raise TypeError(f"only must be a sequence of experiment names, not one string; got {only!r}")
    names = [e.name for e in experiments]
    unknown = [name for name in only if name not in names]
    if unknown or not only:
        what = f"contains {unknown[0]!r}, which is not an experiment" if unknown else "names no experiment"
        raise ValueError(f"only {what}; choose from {', '.join(names)}")
    return tuple(e for e in experiments if e.name in set(only))
