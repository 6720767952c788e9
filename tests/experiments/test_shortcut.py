"""The synthetic shortcut (Table 2 analogue): the shared quick result, its claim and its figure."""
import pytest
from matplotlib.figure import Figure

from dynamics.experiments import shortcut


@pytest.fixture(scope="module")
def result():
    return shortcut.EXPERIMENT.result("quick")


def test_the_rare_feature_is_starved(result):
    assert result.train_accuracy == 1.0
    assert result.frequent_only_confidence > 0.95 and result.rare_only_confidence < shortcut.RARE_ONLY_CEILING
    assert abs(result.rare_only_confidence - result.theory_confidence) < 0.05
    assert result.init == (0.05, 0.05, 0.05)  # the theory runs from the GD's own class-1 unit
    assert result.trajectory_min_confidence[-1] >= 0.99 > result.trajectory_min_confidence[-2]  # first step reached
    # bound (7) worked by hand at lambda = 0.1, 1 - delta = 0.99: sigma(0.1 log 99)
    assert result.bound_7 == pytest.approx(1 / (1 + 99 ** -0.1), rel=1e-12)
    assert result.probe_rare.shape == result.probe_easy.shape == (shortcut.PROBES,)


def test_claim_passes_at_quick_size(result):
    (record,) = shortcut.claims(result)
    assert record.id == "shortcut_synthetic" and record.passed, record.error
    assert f"< {shortcut.RARE_ONLY_CEILING:g}" in record.criterion


def test_a_learned_rare_feature_fails_the_claim(result):
    import dataclasses
    learned = dataclasses.replace(result, rare_only_confidence=shortcut.RARE_ONLY_CEILING + 0.01,
                                  theory_confidence=shortcut.RARE_ONLY_CEILING + 0.01)
    assert not shortcut.claims(learned)[0].passed


def test_figures_draw_without_changing_the_backend(result, draw):
    figs = draw(shortcut.figures, result)
    assert list(figs) == ["table2_shortcut"]
    fig = figs["table2_shortcut"]
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert fig.axes[0].lines and fig.axes[1].patches


@pytest.mark.parametrize("kwargs, match", [({"lr": -1.0}, "lr"), ({"hidden": 1}, "hidden")])
def test_bad_arguments_name_the_parameter(kwargs, match):
    with pytest.raises(ValueError, match=match):
        shortcut.run(**kwargs)


def test_figure_probability_labels_are_mathtext(result, draw):
    fig = draw(shortcut.figures, result)["table2_shortcut"]
    assert fig.axes[0].get_ylabel() == r"$P(\mathrm{true\ class})$"
    assert fig.axes[1].get_xlabel().startswith(r"$P(\mathrm{class}\ 1)$")
    assert r"$\lambda=" in fig.axes[1].get_title()
    fig.canvas.draw()  # the mathtext parses
