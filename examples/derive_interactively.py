"""A tour of the symbolic models, as a researcher would use them in IPython or Jupyter.

Run it, or paste the blocks into a notebook (where each model displays as LaTeX); the notebook
examples/derivation_tour.ipynb is this tour as a notebook, with the equations rendered.
"""
from _common import arguments

import sympy as sp

import derivations
from dynamics.io import write_text_atomic
from derivations.symbols import n1, p, u, u0

args = arguments(__doc__)

# 1. The two-layer network with cross-entropy: the flow is derived from the network, not typed.
m = derivations.two_layer("bce")
y1, z1 = m.state[:2]
print("y_1' =", m.flow[y1])
print("z_1' =", m.flow[z1])
print("invariant:", m.invariants["class_1"])

# 2. The balanced reduction (eq. 14) and its closed form (eq. 15), from sympy.integrate.
print(m.reduced)
print("t(u) =", m.closed_form.time)

# 3. Every identity is proven symbolically (or numerically where stated).
for result in m.proofs()[:5]:
    print(f"[{result.method}] {result.statement}: {result.holds}")

# 4. Depth: eq. (5) for N = 4, and N = 2 gives back eq. (14).
print(derivations.deep(4).reduced)
from derivations.symbols import n
assert sp.simplify(derivations.deep(2).reduced.rhs.subs(n, n1) - m.reduced.rhs) == 0

# 5. Your own loss, as a sympy expression of the margin.
exp_loss = derivations.two_layer(sp.exp(-derivations.margin))
print("exponential loss:", exp_loss.reduced, exp_loss.closed_form.time)

# 6. LaTeX for a paper.
tex = m.latex()
write_text_atomic(args.out / "two_layer_bce.tex", tex)
print("LaTeX written to", args.out / "two_layer_bce.tex")

# 7. Evaluate the closed form numerically (the dynamics package does this robustly and vectorized).
t_of_u = sp.lambdify((u, u0, n1, p), m.closed_form.time, modules=["scipy", "numpy"])
print("time from u0 = 0.1 to u = 3 at ||x|| = 1, p = 1:", t_of_u(3.0, 0.1, 1.0, 1.0))
