"""The decoupled per-class modes against the exact data-coordinate flow as H1/H2 break (not in the paper).

Usage: python violation.py OUT_FOLDER [--size quick|full]
"""
from _common import run_example

if __name__ == "__main__":
    run_example("violation", __doc__)
