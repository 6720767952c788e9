"""Lemma A.1: independent modes in a softmax network, and the synthetic shortcut experiment.

Usage: python lemma_a1_multiclass.py OUT_FOLDER [--size quick|full]
"""
from _common import run_example

if __name__ == "__main__":
    run_example("multiclass", __doc__)
