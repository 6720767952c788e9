"""Figs. 3 and 7: a neuron shared by both classes (Theorem 3.4), theory and GD.

Usage: python fig3_shared_neuron.py OUT_FOLDER [--size quick|full]
"""
from _common import run_example

if __name__ == "__main__":
    run_example("shared_neuron", __doc__)
