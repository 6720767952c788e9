"""Sweeping experiments give the same results on every executor (the acceptance test of "Sweeps at scale").

A phase-diagram sweep and an SGD ensemble run serially, on a process pool of 2 workers and on a local Dask
cluster of 2 worker processes (loopback), for several chunk sizes: the results are identical, bit for bit.
The serial values are themselves checked against independent ones: the phase diagram against the regions
worked by hand at a few initializations, each SGD run against ``train`` (one network, its own loop) fed the
run's own generator.  The Dask tests are skipped, saying why, when Dask's ``distributed`` is not installed
(``pip install ".[distributed]"``); each executor is started once for the module.
"""
import numpy as np
import pytest

from dynamics.experiments import phase_diagram
from dynamics.experiments.phase_diagram import REGIONS, gd_regions, sweep_regions
from dynamics.experiments.registry import Experiment
from dynamics.experiments.sgd_band import ensemble
from dynamics.groundtruth.training import train

#: A small phase diagram: 15 x 15 initializations, 200 GD steps each (flow time 20 at lr 0.1).
PHASE = {"norm": 0.7, "grid": 15, "horizon": 20.0, "lr": 0.1}
#: Chunk sizes that cut the 225 initializations unevenly, evenly and not at all.
PHASE_CHUNKS = (16, 45, 225)
#: A small SGD ensemble on the real network: 12 runs of 10 steps of batches of 2 (of 4 points).
SGD = {"loss": "bce", "lr": 0.3, "steps": 10, "batch_size": 2, "runs": 12, "seed": 2024}
SGD_CHUNKS = (1, 5, 12)


def _sgd_problem():
    X = np.array([[1.0, 0.2, 0.0], [0.7, -0.1, 0.1], [0.0, 0.1, -0.9], [-0.2, 0.0, -1.2]])
    labels = np.array([1, 1, 2, 2])
    W0 = np.array([[0.3, 0.1, 0.0], [0.0, -0.1, -0.35]])
    Z0 = np.array([0.25, -0.3])
    return X, labels, W0, Z0


# The fixtures `pool` and `dask_cluster` (started once per test session) are in tests/conftest.py.


@pytest.fixture(scope="module")
def serial_phase():
    return sweep_regions(PHASE["norm"], PHASE["grid"], horizon=PHASE["horizon"], lr=PHASE["lr"])


@pytest.fixture(scope="module")
def serial_sgd():
    return ensemble(*_sgd_problem(), **SGD)


def test_serial_phase_diagram_against_regions_worked_by_hand(serial_phase):
    # ||x|| = 0.7: y0 <= 0 frozen; y0 > -0.7 z0 learns (success); y0 < -0.7 z0 dies -- far from the borders
    z0, y0 = serial_phase.z0, serial_phase.y0
    by_hand = {(1.0, 1.0): "success", (-1.0, 1.0): "success", (0.0, -1.0): "frozen", (1.0, -1.0): "frozen",
               (-1.0, 0.5): "dies", (-0.5, 0.2): "dies"}
    for (z, y), region in by_hand.items():
        i, j = int(np.argmin(np.abs(y0 - y))), int(np.argmin(np.abs(z0 - z)))
        assert REGIONS[serial_phase.measured[i, j]] == region, (z, y)
    assert serial_phase.agreement == 1.0 and serial_phase.measured.shape == (PHASE["grid"],) * 2


def test_serial_sgd_runs_are_train_fed_each_runs_own_generator(serial_sgd):
    # run r draws from default_rng(SeedSequence(seed).spawn(runs)[r]); with an even batch size its batches are
    # the ones ``train`` draws step by step from that generator (a separate, one-network implementation)
    X, labels, W0, Z0 = _sgd_problem()
    streams = np.random.SeedSequence(SGD["seed"]).spawn(SGD["runs"])
    for r in (0, 7, 11):
        reference = train(X, labels, W0, Z0, loss="bce", lr=SGD["lr"], steps=SGD["steps"],
                          batch_size=SGD["batch_size"], rng=np.random.default_rng(streams[r]))
        assert np.allclose(serial_sgd[:, r], reference.logits, rtol=1e-12, atol=1e-14)
    assert not np.array_equal(serial_sgd[-1, 0], serial_sgd[-1, 1])  # the runs differ


def _check_phase(serial, ex):
    for chunk_size in PHASE_CHUNKS:
        swept = sweep_regions(PHASE["norm"], PHASE["grid"], horizon=PHASE["horizon"], lr=PHASE["lr"],
                              executor=ex, chunk_size=chunk_size)
        assert np.array_equal(swept.measured, serial.measured), chunk_size
        assert swept.agreement == serial.agreement and swept.counted == serial.counted


def _check_sgd(serial, ex):
    for chunk_size in SGD_CHUNKS:
        assert np.array_equal(ensemble(*_sgd_problem(), **SGD, executor=ex, chunk_size=chunk_size), serial), \
            chunk_size


def test_phase_diagram_serial_chunks_agree(serial_phase):
    _check_phase(serial_phase, None)


def test_phase_diagram_on_a_process_pool_is_the_serial_one(serial_phase, pool):
    _check_phase(serial_phase, pool)


def test_phase_diagram_on_a_local_dask_cluster_is_the_serial_one(serial_phase, dask_cluster):
    _check_phase(serial_phase, dask_cluster)


def test_sgd_ensemble_serial_chunks_agree(serial_sgd):
    _check_sgd(serial_sgd, None)


def test_sgd_ensemble_on_a_process_pool_is_the_serial_one(serial_sgd, pool):
    _check_sgd(serial_sgd, pool)


def test_sgd_ensemble_on_a_local_dask_cluster_is_the_serial_one(serial_sgd, dask_cluster):
    _check_sgd(serial_sgd, dask_cluster)


def _fresh(experiment):
    """The same experiment with an empty cache (so that a result is computed, not shared)."""
    return Experiment(name=experiment.name, title=experiment.title, order=experiment.order,
                      sizes=experiment.sizes, run=experiment.run, figures=experiment.figures,
                      claims=experiment.claims)


def test_experiment_result_on_a_process_pool_is_the_serial_one(pool):
    serial = phase_diagram.EXPERIMENT.result("quick")
    pooled = _fresh(phase_diagram.EXPERIMENT).result("quick", executor=pool)
    assert pooled is not serial
    assert np.array_equal(pooled.measured, serial.measured) and np.array_equal(pooled.theory, serial.theory)
    assert pooled.agreement == serial.agreement and pooled.counted == serial.counted


def test_experiment_result_passes_the_executor_only_to_a_run_that_takes_it():
    seen = []

    def sweeping(*, grid: int = 3, executor=None):
        seen.append(executor)
        return {"grid": grid}

    def plain(*, grid: int = 3):
        return {"grid": grid}

    sizes = {"quick": {"grid": 2}, "full": {"grid": 3}}
    common = {"title": "t", "order": 0, "sizes": sizes, "figures": dict, "claims": list}
    one = Experiment(name="sweeping", run=sweeping, **common)
    first = one.result("quick", executor="marker")
    assert seen == ["marker"] and one.sweeps
    # the executor is not part of the cache's key: the results do not depend on it
    assert one.result("quick", executor="other") is first and one.result("quick") is first and seen == ["marker"]
    other = Experiment(name="plain", run=plain, **common)
    assert not other.sweeps and other.result("quick", executor="marker") == {"grid": 2}


def test_gd_regions_refuses_a_bad_chunk():
    with pytest.raises(ValueError, match=r"chunk must be an \(m, 2\) array.*shape \(3,\)"):
        gd_regions([0.1, 0.2, 0.3], norm=0.7, lr=0.1, steps=10)
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got -0.1"):
        gd_regions([[0.1, 0.2]], norm=0.7, lr=-0.1, steps=10)


@pytest.mark.parametrize("kwargs, message", [
    ({"norm": 0.0}, "norm must be a finite number > 0, got 0.0"),
    ({"grid": 1}, "grid must be an integer >= 2 .* got 1"),
    ({"horizon": float("nan")}, "horizon must be a finite number > 0, got nan"),
    ({"horizon": 0.01, "lr": 0.1}, "horizon / lr must round to at least one step"),
])
def test_sweep_regions_refuses_bad_input(kwargs, message):
    arguments = {"norm": 0.7, "grid": 5, **kwargs}
    with pytest.raises(ValueError, match=message):
        sweep_regions(arguments.pop("norm"), arguments.pop("grid"), **arguments)


def test_ensemble_refuses_bad_input():
    X, labels, W0, Z0 = _sgd_problem()
    with pytest.raises(ValueError, match="runs must be an integer >= 1, got 0"):
        ensemble(X, labels, W0, Z0, **{**SGD, "runs": 0})
    with pytest.raises(TypeError, match="seed must be an integer >= 0, got None"):
        ensemble(X, labels, W0, Z0, **{**SGD, "seed": None})
    with pytest.raises(ValueError, match="seed must be an integer >= 0, a numpy.random.SeedSequence or None, got -1"):
        ensemble(X, labels, W0, Z0, **{**SGD, "seed": -1})


def test_bad_input_raises_its_own_error_from_a_process_pool(pool):
    # the chunk fails in a worker process; the experiment raises the library's own error, not the sweep's report
    from dynamics.experiments import lemma31
    with pytest.raises(ValueError, match=r"half_angle must lie in \(0, pi/4\) for H1 to hold, got 1.2"):
        lemma31.run(datasets=1, half_angle=1.2, executor=pool)
