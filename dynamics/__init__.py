"""Numerical half of learning-dynamics: theory curves, ground-truth training, reports.

Everything here evaluates expressions derived in :mod:`derivations`.
"""
__version__ = "0.1.0"

__all__ = ["__version__"]
