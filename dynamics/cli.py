"""The ``learning-dynamics`` command line.

Bad arguments print one line on stderr and exit with status 2; no traceback.
"""
from __future__ import annotations

import argparse
import sys

__all__ = ["main", "build_parser"]

EXIT_USAGE = 2


class _UsageError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, exit status 2
        raise _UsageError(f"{self.prog}: {message} (see '{self.prog} --help')")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of ``learning-dynamics``."""
    from . import __version__
    import derivations

    parser = _Parser(prog="learning-dynamics",
                     description="Derive, solve, simulate and check the learning dynamics of ReLU networks "
                                 "(Tachet des Combes et al., arXiv:1809.06848).")
    parser.add_argument("--version", action="version", version=f"learning-dynamics {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    derive = sub.add_parser("derive", help="print the derived flow, invariants, reduced ODE and closed form",
                            description="Print the equations sympy derives for MODEL.")
    derive.add_argument("model", choices=sorted(derivations.MODELS), metavar="MODEL",
                        help="one of: " + ", ".join(sorted(derivations.MODELS)))
    derive.add_argument("--loss", default="bce", choices=derivations.LOSS_NAMES,
                        help="loss (default: bce; ignored by multiclass, which is softmax)")
    derive.add_argument("--depth", type=int, default=3, help="number of weight layers N for 'deep' (default 3)")
    derive.add_argument("--neurons", type=int, default=2, help="neurons per class for 'wide' (default 2)")
    derive.add_argument("--points", type=int, default=2, help="orthogonal points for 'orthogonal_points' (default 2)")
    derive.add_argument("--classes", type=int, default=3, help="classes for 'multiclass' (default 3)")
    derive.add_argument("--latex", action="store_true", help="print LaTeX (an align* block) instead of text")
    derive.add_argument("--check", action="store_true", help="also prove every claim and list the outcomes")

    pred = sub.add_parser("predict", help="theory curve u(t) and confidence on a time grid (CSV or JSON)",
                          description="Balanced-mode theory from the derived equations.")
    pred.add_argument("--loss", default="bce", choices=("bce", "hinge"))
    pred.add_argument("--norm", type=float, default=1.0, help="input norm ||x|| (default 1)")
    pred.add_argument("--p", type=float, default=1.0, help="class frequency in (0, 1] (default 1)")
    pred.add_argument("--u0", type=float, default=0.1, help="initial logit; < 0 for class 2 (default 0.1)")
    pred.add_argument("--depth", type=int, default=2, help="number of weight layers N (default 2)")
    pred.add_argument("--t-max", type=float, default=20.0, help="last flow time (default 20)")
    pred.add_argument("--points", type=int, default=101, help="number of time points (default 101)")
    pred.add_argument("--method", default="closed_form", choices=("closed_form", "ode"))
    pred.add_argument("--format", default="csv", choices=("csv", "json"))
    pred.add_argument("--out", default=None, help="output file (default: stdout)")

    for name, helptext in (("simulate", "gradient-descent ground truth on a generated or given dataset"),
                           ("compare", "theory vs gradient descent: agreement numbers and a figure")):
        sim = sub.add_parser(name, help=helptext, description=helptext)
        if name == "simulate":
            sim.add_argument("--data", default=None, help=".npz (X, labels) or .csv (features..., label) file; "
                                                          "default: one repeated point per class, generated")
        sim.add_argument("--loss", default="bce", choices=("bce", "hinge", "squared") if name == "simulate"
                         else ("bce", "hinge"))
        sim.add_argument("--norms", type=float, nargs=2, default=(1.0, 1.0), metavar=("N1", "N2"),
                         help="class input norms of the generated data (default 1 1)")
        sim.add_argument("--p", type=float, default=0.5, help="class-1 frequency of the generated data (default 0.5)")
        sim.add_argument("--n-points", type=int, default=10, help="points in the generated data (default 10)")
        sim.add_argument("--dimension", type=int, default=5, help="input dimension of the generated data (default 5)")
        sim.add_argument("--u0", type=float, default=0.1, help="initial class-1 logit, balanced init (default 0.1)")
        sim.add_argument("--v0", type=float, default=-0.1, help="initial class-2 logit, balanced init (default -0.1)")
        sim.add_argument("--lr", type=float, default=0.05, help="learning rate (default 0.05)")
        sim.add_argument("--steps", type=int, default=400, help="gradient-descent steps (default 400)")
        sim.add_argument("--record-every", type=int, default=10, help="record every k steps (default 10)")
        sim.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        if name == "simulate":
            sim.add_argument("--format", default="csv", choices=("csv", "json", "npz"))
            sim.add_argument("--out", default=None, help="output file (default: stdout; required for npz)")
        else:
            sim.add_argument("--figure", default="comparison", help="figure path stem, PNG and PDF (default ./comparison)")
            sim.add_argument("--out", default=None, help="write the agreement JSON here (default: stdout)")

    rep = sub.add_parser("reproduce", help="run every claim of the paper and write a report (the main job)",
                         description="Run every experiment with built-in defaults; write report.md, report.json "
                                     "and figures into --out.")
    rep.add_argument("--out", default=None, help="output folder (default ./learning-dynamics-report)")
    rep.add_argument("--quick", action="store_true", help="smaller sizes, for a fast look")
    rep.add_argument("--force", action="store_true", help="replace a previous run's report folder")
    rep.add_argument("--quiet", action="store_true", help="no progress bar")
    return parser


def _derive(args) -> int:
    import derivations

    factories = {
        "deep": lambda: derivations.deep(args.depth, args.loss),
        "wide": lambda: derivations.wide(args.neurons, args.loss),
        "orthogonal_points": lambda: derivations.orthogonal_points(args.points, args.loss),
        "multiclass": lambda: derivations.multiclass(args.classes),
    }
    build = factories.get(args.model, lambda: derivations.MODELS[args.model](args.loss))
    model = build()
    print(model.latex() if args.latex else model.pretty())
    if args.check:
        proofs = model.proofs()
        for r in proofs:
            print(f"[{'ok' if r.holds else 'FAILED'}] ({r.method}) {r.statement}")
        if not all(r.holds for r in proofs):
            return 1
    return 0


def _predict(args) -> int:
    import numpy as np

    from scipy.special import expit

    from .balanced_logit import logit
    from .datafiles import write_table

    if args.points < 2:
        raise ValueError("--points must be at least 2")
    if not args.t_max > 0:
        raise ValueError("--t-max must be > 0")
    t = np.linspace(0.0, args.t_max, args.points)
    u = logit(t, loss=args.loss, norm=args.norm, p=args.p, u0=args.u0, depth=args.depth, method=args.method)
    confidence = expit(np.abs(u)) if args.loss == "bce" else np.abs(u)
    write_table({"t": t, "u": u, "confidence": confidence}, args.format, args.out)
    return 0


def _generated_run(args):
    import numpy as np

    from .data import repeated_points
    from .initialization import balanced_init
    from .training import train

    rng = np.random.default_rng(args.seed)
    data = repeated_points(rng, norms=tuple(args.norms), p=args.p, n_points=args.n_points, dimension=args.dimension)
    init = balanced_init(data, u0=args.u0, v0=args.v0)
    run = train(data.X, data.labels, init.W0, init.Z0, loss=args.loss, lr=args.lr, steps=args.steps,
                record_every=args.record_every)
    return data, run


def _simulate(args) -> int:
    import numpy as np

    from .datafiles import load_dataset, write_table
    from .training import train

    if args.data:
        X, labels = load_dataset(args.data)
        rng = np.random.default_rng(args.seed)
        # One unit per class, along the class mean, with output weights of the class's sign (H2/H3 when H1 holds).
        means = np.vstack([X[labels == k].mean(axis=0) if np.any(labels == k) else rng.standard_normal(X.shape[1])
                           for k in (1, 2)])
        W0 = 0.1 * means / np.linalg.norm(means, axis=1, keepdims=True)
        run = train(X, labels, W0, np.array([0.1, -0.1]), loss=args.loss, lr=args.lr, steps=args.steps,
                    record_every=args.record_every)
    else:
        _, run = _generated_run(args)
    columns = {"t": run.t, "loss": run.losses}
    columns.update({f"u_{i}": run.logits[:, i] for i in range(run.logits.shape[1])})
    write_table(columns, args.format, args.out)
    return 0


def _compare(args) -> int:
    import json

    from .agreement import compare_two_layer
    from .files import write_text_atomic
    from .plots import plot_comparison

    data, run = _generated_run(args)
    result = compare_two_layer(run, data, loss=args.loss, u0=args.u0, v0=args.v0)
    figures = plot_comparison(run.t, [result.theory_logits[1], result.theory_logits[2]], run.t,
                              [result.measured_logits[1], result.measured_logits[2]], args.figure,
                              title=f"{args.loss}: theory (lines) vs GD lr={args.lr:g} (markers)")
    payload = {"time_map": result.time_map, "lr": args.lr, "steps": args.steps,
               "logits": {f"class {k}": result.logits[k].as_dict() for k in (1, 2)},
               "confidences": {f"class {k}": result.confidences[k].as_dict() for k in (1, 2)},
               "figures": figures}
    text = json.dumps(payload, indent=2) + "\n"
    if args.out:
        write_text_atomic(args.out, text)
    else:
        print(text, end="")
    return 0


def _reproduce(args) -> int:
    from .reproduction import DEFAULT_OUT, reproduce

    out = args.out or DEFAULT_OUT
    payload = reproduce(out, quick=args.quick, force=args.force, quiet=args.quiet)
    claims = payload["claims"]
    passed = sum(c["passed"] for c in claims)
    print(f"{passed}/{len(claims)} claims passed in {payload['elapsed_seconds']:.1f} s; report: {out}/report.md")
    return 0 if passed == len(claims) else 1


def main(argv=None) -> int:
    """Entry point of the ``learning-dynamics`` console script."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        commands = {"derive": _derive, "predict": _predict, "simulate": _simulate, "compare": _compare,
                    "reproduce": _reproduce}
        return commands[args.command](args)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, TypeError, FileExistsError, FileNotFoundError, OSError) as exc:
        print(f"learning-dynamics: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
