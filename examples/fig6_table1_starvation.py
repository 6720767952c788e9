"""Table 1, Figs. 6 and 10: gradient starvation, bounds next to the ODE (8) and GD.

Usage: python fig6_table1_starvation.py OUT_FOLDER [--size quick|full]
"""
from _common import run_example

if __name__ == "__main__":
    run_example("starvation", __doc__)
