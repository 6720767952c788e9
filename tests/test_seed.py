"""Seeds: ``reproduce(seed=None)`` keeps every built-in seed; an int seeds each experiment from a SeedSequence keyed
by its name, the same in every selection; every claim still passes under other seeds."""
import json

import numpy as np
import pytest

from dynamics import archive
from dynamics.experiments import registry
from dynamics.experiments.registry import MAX_REDRAWS, Experiment, check_seed, experiment_seed, redraw
from dynamics.groundtruth.assumptions import AssumptionError
from dynamics.report import reproduce

from test_archive import assert_identical

#: Experiments whose quick size runs in well under a second (the default suite runs these; the rest is slow).
CHEAP_SEEDED = ("lemma31", "multiclass", "shortcut")
#: Experiments whose seed draws only the directions of orthogonal features: the network sees inner products only,
#: so their numbers do not depend on the seed (bit for bit or up to rounding); the others draw real noise.
ROTATION_INVARIANT = ("multiclass", "starvation", "lr_order", "sigmoidal", "corollary_ratio", "lr_threshold")


def test_an_experiment_seed_is_a_seed_sequence_of_the_seed_and_the_name():
    # worked by hand from numpy's documented SeedSequence: entropy [seed, *utf-8 bytes of the name]
    expected = int(np.random.SeedSequence([5, 104, 105, 110, 103, 101]).generate_state(1, np.uint64)[0])
    assert experiment_seed("hinge", 5) == expected == 15797536246657645753  # stable across versions and machines
    assert experiment_seed("hinge", 5) != experiment_seed("hinge", 6) != experiment_seed("depth", 6)


@pytest.mark.parametrize("bad, error, message", [
    (-1, ValueError, "seed must be an int >= 0 or None, got -1"),
    (1.5, TypeError, r"seed must be an int >= 0 or None, got 1.5 \(float\)"),
    (True, TypeError, r"got True \(bool\)"),
    ("3", TypeError, r"got '3' \(str\)"),
])
def test_a_bad_seed_is_refused_naming_it(bad, error, message):
    with pytest.raises(error, match=message):
        check_seed(bad)
    with pytest.raises(error, match=message):
        registry.get("lemma31").result("quick", seed=bad)
    with pytest.raises(error, match=message):
        reproduce("never-written", quick=True, quiet=True, only=["lemma31"], seed=bad)


def _probe(run):
    return Experiment(name="probe", title="a probe", order=0, sizes={"quick": {"points": 2}, "full": {"points": 3}},
                      run=run, figures=lambda r: {}, claims=lambda r: [])


def test_results_are_cached_per_size_and_seed_and_the_seed_reaches_run():
    calls = []

    def run(*, points: int = 3, seed: int = 0):
        calls.append((points, seed))
        return np.random.default_rng(seed).random(points)

    probe = _probe(run)
    assert probe.seeded and probe.result("quick") is probe.result("quick", seed=None)
    seeded = probe.result("quick", seed=7)
    assert seeded is probe.result("quick", seed=7) and calls == [(2, 0), (2, experiment_seed("probe", 7))]
    assert not np.array_equal(seeded, probe.result("quick"))


def test_an_experiment_that_draws_nothing_gives_its_one_result_under_any_seed():
    calls = []
    probe = _probe(lambda *, points=3: calls.append(points) or points)
    assert not probe.seeded and probe.run_seed(4) is None
    assert probe.result("full", seed=4) == probe.result("full") == 3 and calls == [3]


def test_a_size_cannot_set_the_seed():
    with pytest.raises(ValueError, match="a size sets 'seed'"):
        Experiment(name="probe", title="", order=0, sizes={"quick": {"seed": 1}, "full": {}},
                   run=lambda *, seed=0: seed, figures=dict, claims=list)


def test_redraw_keeps_the_first_usable_draw_of_the_stream_and_gives_up_clearly():
    rng = np.random.default_rng(2)
    values = rng.random(10)  # the same stream, read ahead
    kept = redraw(np.random.default_rng(2).random, lambda x: x > 0.7, what="a number above 0.7")
    assert kept == values[np.flatnonzero(values > 0.7)[0]]
    calls = []
    with pytest.raises(RuntimeError, match=f"no usable draw of a miracle in {MAX_REDRAWS} attempts"):
        redraw(lambda: calls.append(1), lambda x: False, what="a miracle")
    assert len(calls) == MAX_REDRAWS


def test_lemma31_redraws_data_breaking_h1_h3_under_a_seed_and_refuses_it_without_one():
    from dynamics.experiments.lemma31 import run
    with pytest.raises(AssumptionError, match="H2 fails"):
        run(datasets=1, init_noise=0.3, steps=1)  # the built-in seed 0: refused, as before
    result = run(datasets=3, init_noise=0.3, steps=1, seed=4)  # some draws break H2: drawn again
    assert result.satisfying.assumptions_hold.tolist() == [True, True, True]


@pytest.mark.parametrize("name", CHEAP_SEEDED)
def test_a_seeded_cheap_experiment_differs_from_the_default_repeats_and_passes(name):
    experiment = registry.get(name)
    seeded = experiment.result("quick", seed=1)
    default = experiment.result("quick")
    if name not in ROTATION_INVARIANT:
        with pytest.raises(AssertionError):
            assert_identical(seeded, default)
    fresh = experiment.run(**experiment.sizes["quick"], seed=experiment.run_seed(1))  # not from the cache
    from dynamics.experiments.registry import freeze
    assert_identical(freeze(fresh), seeded)
    assert [c.id for c in experiment.claims(seeded) if not c.passed] == []


def test_reproduce_records_the_seed_and_seeds_an_experiment_alike_in_any_selection(tmp_path, monkeypatch):
    from dynamics.report import reproduction
    monkeypatch.setattr(reproduction, "save_figure", lambda fig, stem: [])  # figures are test_redraw.py's
    reproduce(tmp_path / "one", quick=True, quiet=True, only=["lemma31"], seed=2)
    reproduce(tmp_path / "two", quick=True, quiet=True, only=["multiclass", "lemma31"], seed=2)
    one, two = (json.loads((tmp_path / f / "report.json").read_text())["parameters"] for f in ("one", "two"))
    assert one["seed"] == two["seed"] == 2
    assert one["experiment_seeds"]["lemma31"] == two["experiment_seeds"]["lemma31"] == experiment_seed("lemma31", 2)
    assert two["experiment_seeds"]["multiclass"] == experiment_seed("multiclass", 2)
    assert_identical(archive.load(tmp_path / "one" / "data" / "lemma31"),
                     archive.load(tmp_path / "two" / "data" / "lemma31"))
    assert archive.read_metadata(tmp_path / "one" / "data" / "lemma31")["seed"] == experiment_seed("lemma31", 2)


#: Claims known to fail under some seeds, by (experiment, seed): found by this test, reported, not hidden.
#: (violation_exact_flow_first_order failed for seeds 1 and 9 with one 6% tolerance for every kind; its
#: cross-class kind, with ~30 activation switches, now has its own measured tolerance: see HALVING_TOLERANCES.)
KNOWN_SEED_FAILURES: dict = {}


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("name", [e.name for e in registry.all_experiments() if e.seeded])
def test_every_seeded_experiment_passes_its_claims_under_other_seeds(name, seed):
    experiment = registry.get(name)
    result = experiment.result("quick", seed=seed)
    failed = [c.id for c in experiment.claims(result) if not c.passed]
    assert failed == KNOWN_SEED_FAILURES.get((name, seed), [])
    if name not in ROTATION_INVARIANT:
        with pytest.raises(AssertionError):
            assert_identical(result, experiment.result("quick"))
