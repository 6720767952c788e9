"""Shared by the example scripts: run one experiment at a size, save its figures, print its claims."""
import argparse
from pathlib import Path

from dynamics.experiments import registry
from dynamics.report.figures import save_figure


def arguments(description, argv=None):
    """Parse ``out`` (created if missing) and ``--size`` (``quick`` or ``full``, the default)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("out", type=Path, help="folder to write into")
    parser.add_argument("--size", choices=registry.SIZES, default="full",
                        help="'quick' for a fast look (what the tests use), 'full' for the report's size")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def run_example(name, description, argv=None):
    """Run experiment ``name`` (``--size quick`` or ``full``), write its figures into ``out``, print its claims."""
    args = arguments(description, argv)
    experiment = registry.get(name)
    result = experiment.result(args.size)
    for claim in experiment.claims(result):
        error = "" if claim.error is None else f", error {claim.error:.3g} (tolerance {claim.tolerance:.3g})"
        print(f"{claim.id}: {'passed' if claim.passed else 'FAILED'}{error}")
    for stem, fig in experiment.figures(result).items():
        print(*save_figure(fig, args.out / stem), sep="\n")
    return result
