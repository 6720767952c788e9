"""Corollary 3.3: convergence-time ratio of the two classes, predicted and measured.

Usage: python corollary33_ratio.py OUT_FOLDER [--size quick|full]
"""
from _common import run_example

if __name__ == "__main__":
    run_example("corollary_ratio", __doc__)
