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
        return {"derive": _derive, "reproduce": _reproduce}[args.command](args)
    except _UsageError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    except (ValueError, TypeError, FileExistsError, FileNotFoundError) as exc:
        print(f"learning-dynamics: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
