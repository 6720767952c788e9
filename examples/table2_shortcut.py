"""Table 2 analogue: a rare but equally predictive feature is starved once the frequent one is learned.

Usage: python table2_shortcut.py OUT_FOLDER [--size quick|full]
"""
from _common import run_example

if __name__ == "__main__":
    run_example("shortcut", __doc__)
