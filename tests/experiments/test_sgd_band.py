"""Minibatch SGD band: the quick result's claims, wrong predictions that fail them, the figure."""
import dataclasses

import numpy as np
import pytest
from matplotlib.figure import Figure

import derivations
from dynamics.experiments.sgd_band import (COVERAGE_RANGE, DATA, EXPERIMENT, LR, claims, coverage_fractions, figures,
                                           mean_bound, run, _setup)
from dynamics.theory.sgd import sgd_moments


@pytest.fixture(scope="module")
def result():
    return EXPERIMENT.result("quick")


def test_claims_pass_with_200_runs_at_two_batch_sizes_both_schemes(result):
    assert result.runs >= 200
    assert sorted(set(result.batch_sizes.tolist())) == [2, 5] and set(result.replace.tolist()) == {True, False}
    by_id = {c.id: c for c in claims(result)}
    assert set(by_id) == {"sgd_band_coverage", "sgd_mean", "sgd_spread", "sgd_derived"}
    assert all(c.passed for c in by_id.values()), {k: (c.error, c.measured) for k, c in by_id.items()}
    fractions = coverage_fractions(result)
    assert fractions.shape == (4, len(result.shown), 2)
    assert np.all((fractions >= COVERAGE_RANGE[0]) & (fractions <= COVERAGE_RANGE[1]))


def test_noise_is_resolved_and_without_replacement_is_narrower(result):
    """The band is not vacuous (the spread grows well past rounding) and the finite-population factor shows:
    at b = 5 of N = 10 points, sampling without replacement has (N - b)/(N - 1) = 5/9 of the variance with
    replacement (predicted exactly; the ensembles' variances agree to their sampling error)."""
    var_with, var_without = result.std[2, -1] ** 2, result.std[3, -1] ** 2  # b = 5, with / without
    assert np.allclose(var_without / var_with, 5 / 9, rtol=1e-9)
    measured = result.logits[:, -1].std(axis=1)
    assert np.allclose(measured[3] ** 2 / measured[2] ** 2, 5 / 9, rtol=0.3)
    assert np.all(measured > 1e-3)
    assert measured[3, 0] < measured[2, 0]


@pytest.mark.parametrize("scale", [0.7, 1.5])
def test_a_wrong_width_fails_the_coverage_claim(result, scale):
    wrong = dataclasses.replace(result, std=result.std * scale)
    assert not {c.id: c for c in claims(wrong)}["sgd_band_coverage"].passed


def test_a_shifted_mean_fails_the_mean_claim(result):
    distance, allowed = mean_bound(result)
    shift = 2 * allowed.max()
    wrong = dataclasses.replace(result, mean=result.mean + shift)
    assert not {c.id: c for c in claims(wrong)}["sgd_mean"].passed


def _passed(result, claim_id):
    return {c.id: c for c in claims(result)}[claim_id].passed


def test_the_plain_flow_as_mean_fails_the_mean_claim(result):
    """The gradient flow (the map at a 20 times smaller learning rate, 20 times the steps: the mean does not
    depend on the batches) instead of the GD map plus its drift: off by 1-6 standard errors per check in
    class 2, so the pooled z is far past 2.81 (12 at seed 5, 9.5-9.8 at seeds 1-3)."""
    _, _, initial = _setup(5)
    fine = 20
    pred = sgd_moments(derivations.two_layer("bce"), initial, lr=LR / fine, batch_size=2, dataset_size=10,
                       groups={"p": 3}, steps=fine * (len(result.t) - 1), record_every=fine,
                       parameters={"n_1": DATA["norms"][0], "n_2": DATA["norms"][1]})
    flow = np.stack([pred.logits[k][:, 0] for k in ("class_1", "class_2")], axis=-1)
    flow = np.broadcast_to(flow, result.mean.shape)
    wrong = dataclasses.replace(result, mean=flow, bias=np.zeros_like(result.bias))
    assert _passed(result, "sgd_mean") and not _passed(wrong, "sgd_mean")


@pytest.mark.parametrize("scale", [0.9, 1.1])
def test_sigma_ten_percent_off_fails_the_spread_claim(result, scale):
    assert _passed(result, "sgd_spread")
    assert not _passed(dataclasses.replace(result, std=result.std * scale), "sgd_spread")


@pytest.mark.slow
def test_at_the_full_size_the_uncorrected_map_fails_the_mean_claim():
    """4000 runs with b = 1 resolve the mean's second-order drift delta_u: the GD map alone is off by 5.7
    pooled standard errors in class 1 (the bias-corrected mean by 0.7); the variance is 2% above the LNA's."""
    full = EXPERIMENT.result("full")
    by_id = {c.id: c for c in claims(full)}
    assert all(c.passed for c in by_id.values()), {k: (c.error, c.measured) for k, c in by_id.items()}
    assert not _passed(dataclasses.replace(full, bias=np.zeros_like(full.bias)), "sgd_mean")


def test_the_missing_finite_population_factor_fails_the_spread_claim(result):
    """Predicting the without-replacement ensembles with the with-replacement variance (no (N - b)/(N - 1))."""
    std = result.std.copy()
    for c in np.flatnonzero(~result.replace):
        twin = np.flatnonzero(result.replace & (result.batch_sizes == result.batch_sizes[c]))[0]
        std[c] = result.std[twin]
    assert not _passed(dataclasses.replace(result, std=std), "sgd_spread")


def test_result_survives_the_archive(tmp_path):
    from dynamics import archive
    small = run(batch_sizes=(3,), runs=2, steps=3, shown=(3,))
    archive.save(small, tmp_path / "sgd")
    again = archive.load(tmp_path / "sgd")
    assert type(again) is type(small) and again.lr == small.lr and again.dataset_size == small.dataset_size
    for field in ("batch_sizes", "replace", "t", "shown", "logits", "mean", "std", "bias"):
        assert np.array_equal(getattr(again, field), getattr(small, field))


def test_bad_input():
    with pytest.raises(ValueError, match="runs must be an integer >= 2"):
        run(batch_sizes=(2,), runs=1, steps=4, shown=(4,))
    with pytest.raises(ValueError, match="shown must be steps in \\[1, steps = 4\\]"):
        run(batch_sizes=(2,), runs=2, steps=4, shown=(5,))


def test_figure_draws_a_band_per_configuration_and_class(result, draw):
    figs = draw(figures, result)
    assert set(figs) == {"sgd_band"}
    fig = figs["sgd_band"]
    assert isinstance(fig, Figure) and len(fig.axes) == 2 * len(result.batch_sizes)
    for ax in fig.axes:
        assert ax.collections  # the band
        markers = [line for line in ax.lines if line.get_linestyle() == "None"]
        assert markers and all(line.get_markerfacecolor() == "none" for line in markers)


def test_figure_legend_explains_both_band_markers(result, draw):
    fig = draw(figures, result)["sgd_band"]
    for ax in (fig.axes[0], fig.axes[len(result.batch_sizes)]):  # the two panels with a legend
        legend = ax.get_legend()
        entries = {t.get_text(): h for t, h in zip(legend.get_texts(), legend.legend_handles)}
        assert entries[r"SGD mean $+\,2$ s.d."].get_marker() == "^"
        assert entries[r"SGD mean $-\,2$ s.d."].get_marker() == "v"
