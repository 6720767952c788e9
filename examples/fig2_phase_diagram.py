"""Fig. 2 Left: the phase diagram of a class-1 neuron, theory against a batched GD sweep.

Usage: python fig2_phase_diagram.py OUT_FOLDER [--size quick|full]
"""
from _common import run_example

if __name__ == "__main__":
    run_example("phase_diagram", __doc__)
