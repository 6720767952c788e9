"""Beyond gradient flow: the modified flow f - (lr/2) J_f f follows gradient descent to second order in lr.

Runs the experiment ``modified_flow`` (gradient descent on the real networks against the plain and the modified
flow, and the drift of the invariants), then shows the API on one mode: the exact GD map, the plain flow and the
modified flow at one learning rate.

Usage: python modified_flow.py OUT_FOLDER [--size quick|full]
"""
import derivations
import dynamics
from _common import run_example

if __name__ == "__main__":
    run_example("modified_flow", __doc__)
    model, lr, steps = derivations.two_layer("bce"), 0.2, 30  # flow time 6
    start, parameters = [0.3, 0.3, 0.3, -0.3], {"n_1": 1.0, "n_2": 1.0, "p": 0.5}
    gd = dynamics.iterate_mode_map(model, start, eta=lr, steps=steps, parameters=parameters).logits["class_1"][-1, 0]
    times = [0.0, lr * steps]
    plain = dynamics.integrate(model, start, times, parameters=parameters).logits["class_1"][-1, 0]
    modified = dynamics.modified_flow(model, start, times, lr=lr, parameters=parameters).logits["class_1"][-1, 0]
    print(f"class 1's logit at t = {times[-1]:g} with lr = {lr:g}: gradient descent {gd:.8f}, plain flow {plain:.8f} "
          f"(off by {abs(plain - gd) / gd:.2e}), modified flow {modified:.8f} (off by {abs(modified - gd) / gd:.2e})")
    drift = dynamics.invariant_drift(model, [0.5, 0.1, 0.5, -0.1], times, lr=lr, parameters=parameters)
    print(f"predicted drift of y_1^2 - z_1^2 over that time: {float(drift.first_order['class_1'][-1, 0]):.3e} "
          f"(first order in lr)")
