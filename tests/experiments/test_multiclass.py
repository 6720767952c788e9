"""Lemma A.1 on a real softmax network: the quick result, its claim, its figure, and the per-class gradient."""

import numpy as np
import pytest
from matplotlib.figure import Figure

from dynamics.experiments.multiclass import EXPERIMENT, _cross_class_update, claims, figures
from dynamics.groundtruth.data import multiclass_points
from dynamics.groundtruth.initialization import multiclass_init
from dynamics.groundtruth.training import train_softmax


@pytest.fixture(scope="module")
def result():
    return EXPERIMENT.result("quick")


def test_lemma_a1_holds_exactly_and_each_class_learns_as_alone(result):
    assert result.patterns_fixed and result.signs_preserved and result.rows_untouched
    assert result.max_cross_update == 0.0
    assert result.alone_vs_joint <= 1e-12  # rounding only: the same steps in a different order
    # not vacuous: every class starts near chance (1/C) and is learned, jointly and alone
    assert np.allclose(result.confidences[0], 1 / result.classes, atol=0.01)
    assert np.all(result.confidences[-1] > 0.99) and np.all(result.alone_confidences[-1] > 0.99)
    assert np.allclose(result.alone_confidences, result.confidences, atol=1e-12)


def test_claim_passes_at_quick_size(result):
    (claim,) = claims(result)
    assert claim.id == "multiclass_lemma_a1" and claim.passed and claim.kind == "measured"
    assert claim.error == result.alone_vs_joint <= claim.tolerance


def test_cross_class_gradient_matches_one_step_of_training_on_each_class():
    """The per-class gradient of the module against the training room's own update, one class at a time."""
    rng = np.random.default_rng(0)
    data = multiclass_points(rng, classes=3, per_class=(1, 2, 3), dimension=5, norm=(0.8, 1.0, 1.3))
    W, Z = 0.3 * rng.standard_normal((3, 5)), 0.3 * rng.standard_normal((3, 3))  # H5/H6 broken: rows mix
    expected = 0.0
    for k in range(3):
        sel = data.labels == k
        step = train_softmax(data.X[sel], data.labels[sel], W, Z, lr=1.0, steps=1)
        update = (W - step.W) * sel.sum()  # lr = 1 times the gradient of the mean over the class's points
        expected = max(expected, float(np.max(np.abs(np.delete(update, k, axis=0)))))
    measured = _cross_class_update(data.X, data.labels, W, Z)
    assert expected > 1e-3  # the rows do mix here
    assert measured == pytest.approx(expected, rel=1e-10)
    # under H5/H6 the other rows get exactly nothing, and one step of training leaves them bit for bit
    init = multiclass_init(data, diagonal=0.2, off_diagonal=-0.05)
    assert _cross_class_update(data.X, data.labels, init.W0, init.Z0) == 0.0
    for k in range(3):
        sel = data.labels == k
        alone = train_softmax(data.X[sel], data.labels[sel], init.W0, init.Z0, lr=1.0, steps=1)
        assert np.array_equal(np.delete(alone.W, k, axis=0), np.delete(init.W0, k, axis=0))


def test_figure_numbers_classes_from_one(result, tmp_path, draw):
    figs = draw(figures, result)
    assert set(figs) == {"lemma_a1_multiclass"}
    fig = figs["lemma_a1_multiclass"]
    assert isinstance(fig, Figure) and fig.axes and len(fig.axes[0].lines) == 2 * result.classes + 1  # and the chance level
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert [lab.split(":")[0] for lab in labels if lab.startswith("class")] == [
        f"class {k}" for k in range(1, result.classes + 1)]
    # rendered and checked (PNG size, PDF header and size) by the reproduce test in tests/test_cli.py

