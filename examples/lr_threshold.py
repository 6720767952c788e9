"""The largest learning rate at which gradient descent keeps Lemma 3.1's pattern, and GD on either side of it.

A class-1 unit whose output weight starts with the wrong sign (z0 < 0 < y0, above the stalling line of
Fig. 2 Left) is learned by the gradient flow, but a step that is too long kills it.  This script computes the
threshold from the derived map for a few starts (``dynamics.lr_threshold``), prints which coordinate binds, then
runs the experiment ``lr_threshold``: gradient descent on the real networks at multiples of each threshold.

Usage: python lr_threshold.py OUT_FOLDER [--size quick|full]
"""
import numpy as np

import derivations
import dynamics
from _common import run_example

if __name__ == "__main__":
    model = derivations.two_layer("bce")
    parameters = {"n_1": 0.7, "n_2": 1.3, "p": 0.3}
    starts = np.array([[0.5, z, 0.3, -0.25] for z in (-0.1, -0.4, -0.65)] + [[0.5, 0.2, 0.3, -0.25]])
    found = dynamics.lr_threshold(model, starts, parameters=parameters, steps=100)
    for start, eta, first, name, step in zip(starts, found.threshold, found.first_step_bound, found.binding,
                                             found.binding_step):
        label = f"(y0, z0) = ({start[0]:g}, {start[1]:g})"
        if np.isfinite(eta):
            print(f"{label}: threshold {eta:.6g} (first-step bound {first:.6g}), {name} crosses 0 at step {step}")
        else:
            print(f"{label}: no threshold: on Lemma 3.1's orthant no coordinate moves towards 0")
    run_example("lr_threshold", __doc__)
