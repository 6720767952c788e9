"""The main job: run every claim with built-in defaults and write the report.

Each claim is a :class:`ClaimRecord` produced by a claim function; the report
is ``report.json`` (schema in the README) and a readable ``report.md``.
"""
from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass
from importlib import metadata
from pathlib import Path
from typing import Callable

from .files import prepare_output_dir, write_json_atomic, write_text_atomic
from .progress import progress

__all__ = ["ClaimRecord", "reproduce", "CLAIMS", "DEFAULT_OUT", "package_versions"]

#: Default output folder of ``learning-dynamics reproduce``.
DEFAULT_OUT = "learning-dynamics-report"


@dataclass(frozen=True)
class ClaimRecord:
    """One claim of the paper as reproduced: what theory says, what was measured, and whether they agree."""

    id: str
    section: str
    statement: str
    theory: object
    measured: object
    error: float | None
    passed: bool


def _symbolic_claims(quick: bool) -> list:
    import derivations

    models = {
        "two_layer (BCE)": lambda: derivations.two_layer("bce"),
        "two_layer (hinge)": lambda: derivations.two_layer("hinge"),
        "deep N=3 (BCE)": lambda: derivations.deep(3),
        "deep N=4 (hinge)": lambda: derivations.deep(4, "hinge"),
        "wide h=2 (BCE)": lambda: derivations.wide(2),
        "orthogonal points m=3 (BCE)": lambda: derivations.orthogonal_points(3),
        "shared_neuron (BCE)": lambda: derivations.shared_neuron(),
        "starvation (BCE)": lambda: derivations.starvation(),
        "multiclass C=3": lambda: derivations.multiclass(3),
    }
    if not quick:
        models["deep N=8 (BCE)"] = lambda: derivations.deep(8)
    out = []
    for label, build in models.items():
        model = build()
        proofs = model.proofs()
        failed = [p.statement for p in proofs if not p.holds]
        out.append(ClaimRecord(
            id=f"derived_{model.name}_{model.loss.name}_{len(model.state)}",
            section=model.source,
            statement=f"every identity of {label} holds ({len(proofs)} claims; symbolic unless marked numeric)",
            theory={p.statement: p.method for p in proofs},
            measured={"proven": len(proofs) - len(failed), "failed": failed},
            error=None, passed=not failed))
    return out


#: Claim producers, in report order: name -> callable(quick) -> list[ClaimRecord].
CLAIMS: dict[str, Callable] = {"symbolic derivations": _symbolic_claims}


def package_versions() -> dict:
    """Versions of the packages a run depends on."""
    out = {"python": platform.python_version()}
    for name in ("learning-dynamics", "sympy", "scipy", "numpy", "matplotlib"):
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def _markdown(records, parameters, elapsed) -> str:
    lines = ["# learning-dynamics: reproduction report", "",
             "Paper: Tachet des Combes et al., *On the Learning Dynamics of Deep Neural Networks*, arXiv:1809.06848.",
             "", f"{sum(r.passed for r in records)} of {len(records)} claims passed in {elapsed:.1f} s.", "",
             "| id | section | passed | error |", "|---|---|---|---|"]
    for r in records:
        err = "" if r.error is None else f"{r.error:.3g}"
        lines.append(f"| `{r.id}` | {r.section} | {'yes' if r.passed else '**NO**'} | {err} |")
    lines.append("")
    for r in records:
        lines += [f"## `{r.id}` — {'passed' if r.passed else 'FAILED'}", "", r.statement, "",
                  f"- theory: `{json.dumps(r.theory)[:2000]}`", f"- measured: `{json.dumps(r.measured)[:2000]}`", ""]
    lines += ["## Parameters and versions", "", "```json", json.dumps(parameters, indent=2), "```", ""]
    return "\n".join(lines)


def reproduce(out=DEFAULT_OUT, *, quick: bool = False, force: bool = False, quiet: bool = False) -> dict:
    """Run every claim and write ``report.json`` and ``report.md`` into ``out``.

    Returns the ``report.json`` payload.
    """
    from . import __version__

    started = time.time()
    run_id = f"learning-dynamics {__version__} at {time.strftime('%Y-%m-%dT%H:%M:%S')}"
    out = prepare_output_dir(out, force=force, run_id=run_id)
    records = []
    for name, produce in progress(CLAIMS.items(), quiet=quiet, desc="reproduce", unit="experiment"):
        records += produce(quick)
    elapsed = time.time() - started
    parameters = {"quick": quick, "versions": package_versions()}
    payload = {"version": __version__, "claims": [asdict(r) for r in records], "figures": [],
               "parameters": parameters, "elapsed_seconds": round(elapsed, 3)}
    write_json_atomic(Path(out) / "report.json", payload)
    write_text_atomic(Path(out) / "report.md", _markdown(records, parameters, elapsed))
    return payload
