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


def _theory_claims(quick: bool) -> list:
    """Claims the theory engine reproduces from the paper's stated values (no training yet)."""
    import numpy as np

    from . import balanced_logit, corollary, relaxed_h2, starvation

    printed = {"0.99": {"0.5": 0.91, "0.2": 0.71, "0.1": 0.61, "0.01": 0.51},
               "0.9999": {"0.5": 0.99, "0.2": 0.86, "0.1": 0.72, "0.01": 0.52}}
    table = {str(c): {str(lam): v for lam, v in row.items()} for c, row in starvation.table1().items()}
    err = max(abs(round(table[c][lam], 2) - printed[c][lam]) for c in printed for lam in printed[c])
    out = [ClaimRecord("table1", "§9, Table 1", "bound (7) sigma(lambda log((1-delta)/delta)) matches Table 1 "
                       "to the printed precision", table, printed, err, err < 1e-9)]
    outcomes = {",".join(f"{x:g}" for x in k): relaxed_h2.shared_neuron_outcome(*k).outcome
                for k in relaxed_h2.WORKED_INITS}
    stated = {",".join(f"{x:g}" for x in k): v for k, v in relaxed_h2.WORKED_INITS.items()}
    out.append(ClaimRecord("thm34_worked_inits", "§6, Theorem 3.4",
                           "the worked initializations end as the paper states (ODE (4) with ReLU death)",
                           outcomes, stated, None, outcomes == stated))
    deep = {f"N={N},norm={nrm}": float(balanced_logit.logit(10.0, u0=0.1, norm=nrm, depth=N))
            for N, nrm in ((4, 0.1), (4, 0.5), (8, 0.1))}
    deep_ode = {f"N={N},norm={nrm}": float(balanced_logit.logit(10.0, u0=0.1, norm=nrm, depth=N, method="ode"))
                for N, nrm in ((4, 0.1), (4, 0.5), (8, 0.1))}
    err = max(abs(deep[k] - deep_ode[k]) / deep_ode[k] for k in deep)
    out.append(ClaimRecord("deep_logits", "§7, Fig. 4", "u(10) of eq. (5) from u0 = 0.1: quadrature inversion vs ODE",
                           deep, deep_ode, err, err <= 1e-9))
    import derivations
    from .compiled import compile_expr
    from derivations.symbols import c as c_sym, n1, p as p_sym, theta0
    stop = compile_expr(derivations.two_layer("hinge").quantities["stopping time (c != 0)"], (c_sym, theta0, n1, p_sym))
    fig9 = {f"c={c},norm={nrm}": float(stop(c, 0.0, nrm, 1.0)) for c in (0.01, 0.2) for nrm in (0.7, 1.5)}
    fig9_direct = {f"c={c},norm={nrm}": float(np.arcsinh(2 * nrm / c) / (2 * nrm)) for c in (0.01, 0.2) for nrm in (0.7, 1.5)}
    err = max(abs(fig9[k] - fig9_direct[k]) / fig9_direct[k] for k in fig9)
    out.append(ClaimRecord("hinge_fig9", "§8, Fig. 9", "hinge stopping times (asinh(2n/c) - theta0)/(2 p n), theta0 = 0",
                           fig9, fig9_direct, err, err <= 1e-12))
    deltas = np.array([0.1, 0.01, 1e-3, 1e-4])
    r = corollary.convergence_time_ratio(deltas, norm1=1.5, norm2=0.5, p1=0.7, u0=0.05, v0=-0.2)
    err = float(np.max(np.abs(r.exact - r.formula) / r.exact))
    out.append(ClaimRecord("cor33_ratio", "§4, Corollary 3.3",
                           "t2*/t1*: closed-form times agree with the corollary's exact formula; both approach "
                           "(n1/n2)(p1/(1-p1))", {str(d): float(v) for d, v in zip(deltas, r.formula)},
                           {str(d): float(v) for d, v in zip(deltas, r.exact)}, err, err <= 1e-9))
    return out


#: Claim producers, in report order: name -> callable(quick) -> list[ClaimRecord].
CLAIMS: dict[str, Callable] = {"symbolic derivations": _symbolic_claims, "theory engine": _theory_claims}


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
