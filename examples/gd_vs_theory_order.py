"""Gradient descent approaches the gradient flow linearly in the learning rate.

Usage: python gd_vs_theory_order.py OUT_FOLDER [--size quick|full]
"""
from _common import run_example

if __name__ == "__main__":
    run_example("lr_order", __doc__)
