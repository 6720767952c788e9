"""Figs. 5 Right and 9: hinge vs cross-entropy, hinge solutions and stopping times.

Usage: python fig5_fig9_hinge.py OUT_FOLDER [--size quick|full]
"""
from _common import run_example

if __name__ == "__main__":
    run_example("hinge", __doc__)
