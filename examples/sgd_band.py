"""Minibatch SGD predicted: the linear-noise band of each class's logit against seeded SGD runs.

Runs the ``sgd_band`` experiment (SGD ensembles with and without replacement at several batch sizes on the
real two-layer network, against :func:`dynamics.sgd_moments`), then asks the theory directly how the band's
width at a fixed flow time depends on the learning rate and the batch size (variance ~ lr / b).

Usage: python sgd_band.py OUT_FOLDER [--size quick|full]
"""
import derivations
import dynamics
from _common import run_example

if __name__ == "__main__":
    run_example("sgd_band", __doc__)
    model = derivations.two_layer("bce")
    initial = [0.2, 0.25, 0.3, -0.3]  # (y_1, z_1, y_2, z_2): class 1 active on unit 1, class 2 on unit 2
    for lr in (0.05, 0.1):
        for b in (1, 4):
            pred = dynamics.sgd_moments(model, initial, lr=lr, batch_size=b, dataset_size=10, groups={"p": 3},
                                        steps=int(round(4 / lr)), parameters={"n_1": 0.7, "n_2": 1.3})
            print(f"lr {lr:g}, b {b}: class-1 logit at t = 4: {pred.logits['class_1'][-1, 0]:.4f} "
                  f"+- {pred.logit_std['class_1'][-1, 0]:.4f} (LNA bias estimate "
                  f"{pred.logit_bias['class_1'][-1, 0]:+.1e})")
