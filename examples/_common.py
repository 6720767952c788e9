"""Shared argument handling for the example scripts: an output folder and a --small switch."""
import argparse
from pathlib import Path


def arguments(description):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("out", type=Path, help="folder to write the figure into")
    parser.add_argument("--small", action="store_true", help="a smaller, faster run (used by the tests)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    return args
