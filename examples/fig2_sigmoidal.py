"""Fig. 2 Right: sigmoidal learning, and the 1/(||x|| p) collapse onto one master curve.

Usage: python fig2_sigmoidal.py OUT_FOLDER [--size quick|full]
"""
from _common import run_example

if __name__ == "__main__":
    run_example("sigmoidal", __doc__)
