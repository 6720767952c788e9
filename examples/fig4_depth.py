"""Fig. 4: deeper networks learn faster; u_t of eq. (5) against GD on real deep chains.

Usage: python fig4_depth.py OUT_FOLDER [--size quick|full]
"""
from _common import run_example

if __name__ == "__main__":
    run_example("depth", __doc__)
