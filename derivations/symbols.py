"""Shared symbols: time, frequencies, norms and logits used across models.

Keeping them in one place means a model's expressions can be combined with
another's (e.g. ``deep(2)`` against ``two_layer()``) without renaming.
"""
from __future__ import annotations

import sympy as sp

from .model import t

__all__ = ["t", "p", "n", "n1", "n2", "u", "u0", "v", "v0", "theta", "theta0", "c", "lam", "eta"]

#: Class-1 frequency (class 2 has ``1 - p``).
p = sp.Symbol("p", positive=True)
#: Norm of the (single) class-1 input.
n = sp.Symbol("n", positive=True)
#: Norms of the class-1 and class-2 inputs (or of the two features).
n1, n2 = sp.symbols("n_1 n_2", positive=True)
#: Class-1 logit and its initial value.
u, u0 = sp.symbols("u u_0", positive=True)
#: Class-2 logit (negative) and its initial value.
v, v0 = sp.symbols("v v_0", negative=True)
#: Hyperbolic angle and its initial value.
theta, theta0 = sp.symbols("theta theta_0", real=True)
#: Absolute value of an invariant.
c = sp.Symbol("c", positive=True)
#: Fraction of class-1 points carrying the second feature (Sec. 6).
lam = sp.Symbol("lambda", positive=True)
#: Learning rate of a gradient-descent step.
eta = sp.Symbol("eta", positive=True)
