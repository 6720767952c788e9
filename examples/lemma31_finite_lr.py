"""Lemma 3.1 at a finite learning rate: patterns, signs and class-separated updates never change.

Usage: python lemma31_finite_lr.py OUT_FOLDER [--size quick|full]
"""
from _common import run_example

if __name__ == "__main__":
    run_example("lemma31", __doc__)
