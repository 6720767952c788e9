"""dynamics.sweep: the same values on every executor, failures kept apart, bad input refused.

Every expected value is computed independently of the sweep: by hand (a polynomial of the setting) or by
drawing ``numpy.random.default_rng(SeedSequence(seed).spawn(n)[i])`` directly, setting by setting.  The
executors compared are the serial default, a process pool of 2 workers and a local Dask cluster of 2 worker
processes on the loopback interface (started once for the module; those tests are skipped, with the reason,
when Dask's ``distributed`` is not installed).
"""
import functools
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from dynamics import sweep as sweep_module
from dynamics.sweep import ChunkFailure, SweepError, executor, setting_seeds, sweep

#: Settings of the sweeps compared across executors: enough for several chunks at every chunk size below.
COUNT = 23
SEED = 20261130
#: Chunk sizes: one setting a chunk (very many tiny chunks), uneven chunks, and one chunk for everything.
CHUNK_SIZES = (1, 4, 7, COUNT)
#: Settings whose chunk raises, or whose worker process dies, in the failure tests.
BAD = 11.0
FATAL = 5.0


# --- module-level chunk functions (picklable: they run in worker processes)

def cubic(chunk, seeds):
    """``x**3 - 2x`` of each setting (an array chunk)."""
    x = np.asarray(chunk, dtype=float)
    return x ** 3 - 2.0 * x


def noisy(chunk, seeds, *, scale):
    """Each setting plus ``scale`` times two normal draws from its own seed: an array of shape (m, 2)."""
    return np.array([x + scale * np.random.default_rng(s).normal(size=2) for x, s in zip(chunk, seeds)])


def as_list(chunk, seeds):
    """A list of pairs (not an array): gathered into a tuple."""
    return [(int(x), int(x) * 10) for x in chunk]


def fails_at_bad(chunk, seeds):
    if BAD in list(chunk):
        raise ArithmeticError(f"cannot evaluate setting {BAD}")
    return np.asarray(chunk, dtype=float) * 2.0


def dies_at_fatal(chunk, seeds):
    if FATAL in list(chunk):
        os._exit(3)
    return np.asarray(chunk, dtype=float) * 2.0


def wrong_length(chunk, seeds):
    return np.zeros(len(chunk) + 1)


def scalar(chunk, seeds):
    return 1.0


def sleeps(chunk, seeds, *, seconds=30.0):
    time.sleep(seconds)
    return list(chunk)


def scheduler_tasks(dask_scheduler):
    return len(dask_scheduler.tasks)


def interrupt_main_after(seconds):
    """A timer that sends SIGINT (Ctrl-C) to the main thread after ``seconds``."""
    timer = threading.Timer(seconds, signal.pthread_kill, (threading.get_ident(), signal.SIGINT))
    timer.start()
    return timer


# --- independent expected values

SETTINGS = np.arange(COUNT, dtype=float)
CUBIC = np.array([x ** 3 - 2 * x for x in range(COUNT)], dtype=float)


def noisy_expected(scale):
    children = np.random.SeedSequence(SEED).spawn(COUNT)
    return np.array([i + scale * np.random.default_rng(children[i]).normal(size=2) for i in range(COUNT)])


# The fixtures `pool` and `dask_cluster` (started once per test session) are in tests/conftest.py.


@pytest.fixture(params=["serial", "processes", "dask"])
def where(request):
    if request.param == "serial":
        return None
    return request.getfixturevalue("pool" if request.param == "processes" else "dask_cluster")


# --- identical values on every executor

@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_a_hand_computed_function_is_gathered_in_order_on_every_executor(where, chunk_size):
    result = sweep(cubic, SETTINGS, chunk_size=chunk_size, executor=where)
    assert np.array_equal(result.values, CUBIC)
    assert result.ok and result.chunks == -(-COUNT // chunk_size)


@pytest.mark.parametrize("chunk_size", CHUNK_SIZES)
def test_each_setting_draws_from_its_own_spawned_seed_on_every_executor(where, chunk_size):
    """``functools.partial`` of a module-level function; values equal draws made setting by setting by hand."""
    result = sweep(functools.partial(noisy, scale=0.5), SETTINGS, chunk_size=chunk_size, executor=where, seed=SEED)
    assert result.values.shape == (COUNT, 2)
    assert np.array_equal(result.values, noisy_expected(0.5))


@pytest.mark.parametrize("workers", [1, 2])
def test_the_values_do_not_depend_on_the_number_of_worker_processes(workers):
    result = sweep(functools.partial(noisy, scale=1.0), SETTINGS, executor="processes", workers=workers, seed=SEED)
    assert result.executor == f"processes({workers})"
    assert np.array_equal(result.values, noisy_expected(1.0))


def test_setting_seeds_are_the_spawned_children_and_a_seed_sequence_is_not_advanced():
    expected = [c.generate_state(2).tolist() for c in np.random.SeedSequence(SEED).spawn(5)]
    assert [s.generate_state(2).tolist() for s in setting_seeds(SEED, 5)] == expected
    root = np.random.SeedSequence(SEED)
    assert [s.generate_state(2).tolist() for s in setting_seeds(root, 5)] == expected
    assert root.n_children_spawned == 0 and setting_seeds(None, 2) == [None, None]


def test_lists_are_gathered_into_a_tuple_in_order(where):
    result = sweep(as_list, list(range(7)), chunk_size=3, executor=where)
    assert result.values == tuple((i, 10 * i) for i in range(7))


def test_chunks_of_different_trailing_shapes_are_gathered_one_item_per_setting():
    result = sweep(lambda chunk, seeds: np.ones((len(chunk), int(chunk[0]) + 1)), [0, 1, 1], chunk_size=1)
    assert isinstance(result.values, tuple) and [v.shape for v in result.values] == [(1,), (2,), (2,)]


# --- failures

def test_a_raising_chunk_is_reported_with_its_settings_and_the_others_are_kept(where):
    with pytest.raises(SweepError, match=r"(?s)1 of 6 chunks .*\n  chunk 2 \(settings 8\.\.11: .*\): ArithmeticError: cannot evaluate setting 11\.0"):
        sweep(fails_at_bad, SETTINGS, chunk_size=4, executor=where)
    result = sweep(fails_at_bad, SETTINGS, chunk_size=4, executor=where, strict=False)
    (failure,) = result.failures
    assert isinstance(failure, ChunkFailure) and failure.chunk == 2 and failure.indices == (8, 9, 10, 11)
    assert "cannot evaluate setting 11.0" in failure.error and "ArithmeticError" in failure.traceback
    assert result.values[:8] == tuple(2.0 * SETTINGS[:8]) and result.values[12:] == tuple(2.0 * SETTINGS[12:])
    assert result.values[8:12] == (None,) * 4


def test_a_worker_process_that_dies_is_a_reported_failure_not_a_hang(pool):
    start = time.perf_counter()
    result = sweep(dies_at_fatal, SETTINGS, chunk_size=2, executor=pool, strict=False)
    (failure,) = result.failures
    assert failure.indices == (4, 5) and "ended abruptly" in failure.error
    kept = [i for i in range(COUNT) if i not in (4, 5)]
    assert [result.values[i] for i in kept] == [2.0 * i for i in kept]
    assert time.perf_counter() - start < 20.0
    # the shared pool was replaced: it still works
    assert np.array_equal(sweep(cubic, SETTINGS, executor=pool).values, CUBIC)


def worker_trim_threshold():
    return os.environ.get("MALLOC_TRIM_THRESHOLD_")


def test_the_local_dask_workers_keep_glibcs_own_malloc_trim_threshold(dask_cluster):
    """Dask's nanny would set MALLOC_TRIM_THRESHOLD_ (vectorised numpy chunks then ran 10-20 times slower)."""
    if "MALLOC_TRIM_THRESHOLD_" in os.environ:
        pytest.skip("MALLOC_TRIM_THRESHOLD_ is set in this environment, which the workers inherit")
    assert set(dask_cluster.client.run(worker_trim_threshold).values()) == {None}


def test_a_dask_worker_that_dies_is_a_reported_failure(dask_cluster):
    """The chunk whose worker dies is reported (KilledWorker); a chunk queued on the same worker may die with it
    (Dask counts it as suspicious too) and is then reported the same way; every other value is kept."""
    result = sweep(dies_at_fatal, SETTINGS, chunk_size=8, executor=dask_cluster, strict=False)
    assert result.failures[0].indices == tuple(range(8))
    assert all("KilledWorker" in failure.error for failure in result.failures)
    failed = {i for failure in result.failures for i in failure.indices}
    kept = [i for i in range(8, len(SETTINGS)) if i not in failed]
    assert kept and all(result.values[i] == 2.0 * SETTINGS[i] for i in kept)


@pytest.mark.parametrize("function, message", [(wrong_length, "returned 3 values for a chunk of 2"),
                                               (scalar, "returned a float, not one value per setting"),
                                               (lambda c, s: np.array(2.0), "returned a ndarray, not one value"),
                                               (lambda c, s: {0: 1, 1: 2}, "returned a dict, not one value")])
def test_a_chunk_returning_the_wrong_number_of_values_is_a_failure(function, message):
    result = sweep(function, [1, 2, 3], chunk_size=2, strict=False)
    assert len(result.failures) == 2 and message in result.failures[0].error


def test_ctrl_c_cancels_the_pending_chunks_and_leaves_no_worker_running():
    others = set(multiprocessing.active_children())  # the module's pool and cluster, if started
    start = time.perf_counter()
    timer = interrupt_main_after(0.5)
    try:
        with pytest.raises(KeyboardInterrupt):
            sweep(sleeps, list(range(8)), chunk_size=1, executor="processes", workers=2)
    finally:
        timer.cancel()
    assert time.perf_counter() - start < 10.0
    # (a Dask nanny of the module's cluster may be restarting a worker meanwhile: not the sweep's)
    # a worker the pool started just as it was being ended exits on its own within moments: poll, then judge
    deadline = time.perf_counter() + 5.0
    while True:
        left = [p for p in multiprocessing.active_children() if p not in others and "Dask" not in p.name]
        if not left or time.perf_counter() > deadline:
            break
        time.sleep(0.05)
    assert left == []


def _sigint_handler(chunk, seeds):
    import signal
    return [signal.getsignal(signal.SIGINT) is signal.SIG_IGN for _ in chunk]


def test_pool_workers_leave_ctrl_c_to_the_main_process():
    """A terminal sends Ctrl-C to the whole process group: a pool's workers ignore it (the main process ends
    them), so no worker prints a traceback of its own."""
    assert sweep(_sigint_handler, [0, 1], chunk_size=1, executor="processes", workers=2).values == (True, True)


DYING_SCRIPT = """
import os, sys
import numpy as np
from dynamics.sweep import SweepError, executor
from dynamics.experiments.sweeping import sweep_values

def chunk(settings, seeds):
    if 3 in list(settings):
        os._exit(9)  # the worker dies (as if killed by the out-of-memory killer)
    return np.asarray(settings) * 2

if __name__ == "__main__":
    with executor(workers=2) as ex:
        try:
            sweep_values(chunk, np.arange(6), chunk_size=2, executor=ex)
        except SweepError as error:
            print("SweepError", [f.indices for f in error.result.failures], error.result.values)
    print("the main process survived")
"""


def test_an_experiment_s_sweep_whose_worker_dies_reports_it_and_survives(tmp_path):
    """sweep_values re-runs a failed chunk here to raise its own error, but not a chunk whose worker died: that
    could end this process too. The failure is reported with its settings; the others' values are kept."""
    script = tmp_path / "dying.py"
    script.write_text(DYING_SCRIPT)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(__file__).parents[1]),
                                                        os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert "SweepError [(2, 3)]" in done.stdout and "the main process survived" in done.stdout
    assert "(np.int64(0), np.int64(2), None, None, np.int64(8), np.int64(10))" in done.stdout


def test_ctrl_c_on_dask_cancels_the_pending_chunks(dask_cluster):
    """Chunks of 0.5 s, Ctrl-C after 0.3 s: the scheduler forgets every chunk (running ones end on their own)."""
    timer = interrupt_main_after(0.3)
    try:
        with pytest.raises(KeyboardInterrupt):
            sweep(functools.partial(sleeps, seconds=0.5), list(range(8)), chunk_size=1, executor=dask_cluster)
    finally:
        timer.cancel()
    deadline = time.perf_counter() + 5.0
    while dask_cluster.client.run_on_scheduler(scheduler_tasks) and time.perf_counter() < deadline:
        time.sleep(0.05)
    assert dask_cluster.client.run_on_scheduler(scheduler_tasks) == 0


# --- bad input

def test_a_lambda_cannot_go_to_worker_processes_and_the_error_says_why():
    with pytest.raises(TypeError, match="function must be picklable.*module-level function"):
        sweep(lambda chunk, seeds: chunk, [1, 2], executor="processes", workers=1)


@pytest.mark.parametrize("kwargs, error, message", [
    ({"chunk_size": 0}, ValueError, r"chunk_size must be an integer >= 1 .*got 0"),
    ({"chunk_size": 2.5}, ValueError, r"chunk_size must be an integer >= 1 .*got 2\.5"),
    ({"chunk_size": True}, ValueError, r"chunk_size .*got True"),
    ({"seed": -1}, ValueError, r"seed must be an integer >= 0.*got -1"),
    ({"seed": 1.5}, ValueError, r"seed must be .*got 1\.5"),
    ({"executor": "dask"}, ValueError, r"executor must be None, 'serial', 'processes'.*got 'dask'"),
    ({"executor": 3}, TypeError, r"executor must be .*got 3"),
    ({"executor": "processes", "workers": 0}, ValueError, r"workers must be an integer in \[1, 256\], got 0"),
    ({"executor": "processes", "workers": 1000}, ValueError, r"workers must be an integer in \[1, 256\], got 1000"),
    ({"workers": 2}, ValueError, r"workers is used only with executor='processes' or 'local'.*executor=None"),
    ({"strict": "yes"}, TypeError, r"strict must be True or False, got 'yes'"),
])
def test_bad_arguments_are_refused_with_their_name_range_and_value(kwargs, error, message):
    with pytest.raises(error, match=message):
        sweep(cubic, SETTINGS, **kwargs)


@pytest.mark.parametrize("settings, error, message", [
    ([], ValueError, "settings must not be empty"),
    ("abc", TypeError, "settings must be a sequence .*got str"),
    ({1: 2}, TypeError, "settings must be a sequence .*got dict"),
    (np.float64(1.0), TypeError, "settings must be a sequence"),
    (np.array(1.0), TypeError, "0-d array"),
    ((x for x in range(3)), TypeError, "settings must be a sequence .*got generator"),
])
def test_bad_settings_are_refused(settings, error, message):
    with pytest.raises(error, match=message):
        sweep(cubic, settings)


@pytest.mark.parametrize("kwargs, message", [
    ({"workers": "tcp://127.0.0.1:8786"}, r"workers must be an integer .*scheduler=\.\.\."),
    ({"workers": -2}, r"workers must be an integer in \[1, 256\], got -2"),
    ({"scheduler": ""}, r"scheduler must be a Dask scheduler address .*got ''"),
    ({"scheduler": "tcp://127.0.0.1:8786", "timeout": 0}, r"timeout must be a number of seconds > 0, got 0"),
])
def test_bad_executor_arguments_are_refused(kwargs, message):
    with pytest.raises(ValueError, match=message):
        with executor(**kwargs):
            pass


def test_a_scheduler_address_where_none_listens_is_a_clear_error_within_the_timeout():
    pytest.importorskip("distributed", reason="Dask's 'distributed' is not installed")
    with socket.socket() as probe:  # a loopback port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    start = time.perf_counter()
    with pytest.raises(ConnectionError, match=rf"no Dask scheduler answered at 'tcp://127.0.0.1:{port}' within 1 s"):
        with executor(scheduler=f"tcp://127.0.0.1:{port}", timeout=1.0):
            pass
    assert time.perf_counter() - start < 5.0
    with pytest.raises(ValueError, match="workers must not be given with a scheduler address"):
        with executor(workers=2, scheduler=f"tcp://127.0.0.1:{port}"):
            pass


def test_without_distributed_a_scheduler_asks_for_the_extra(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "distributed", None)  # makes `import distributed` fail
    with pytest.raises(ImportError, match=r"pip install \"\.\[distributed\]\""):
        with executor(scheduler="local"):
            pass


def test_the_default_chunking_gives_several_chunks_per_worker():
    result = sweep(cubic, SETTINGS)
    assert result.chunks == sweep_module.DEFAULT_CHUNKS_PER_WORKER and result.executor == "serial"


def test_the_core_install_needs_no_dask_and_the_extra_names_it():
    """``install_requires`` holds no Dask; ``distributed`` is an extra; a serial sweep imports no Dask."""
    import configparser
    import subprocess
    import sys
    from pathlib import Path
    root = Path(__file__).resolve().parents[1]
    config = configparser.ConfigParser()
    config.read(root / "setup.cfg")
    assert "dask" not in config["options"]["install_requires"]
    assert config["options.extras_require"]["distributed"].split() == ["dask[distributed]>=2023.1"]
    assert "dask" not in config["options.extras_require"]["test"]
    code = ("import sys, numpy as np, dynamics.sweep as s; s.sweep(lambda c, k: np.asarray(c), np.arange(3)); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_progress_stays_quiet_when_not_on_a_terminal(capfd, pool):
    """Under pytest stderr is no terminal: ``quiet=False`` draws nothing (on a terminal a bar counts settings)."""
    assert np.array_equal(sweep(cubic, SETTINGS, chunk_size=2, executor=pool, quiet=False).values, CUBIC)
    captured = capfd.readouterr()
    assert captured.err == "" and captured.out == ""


def test_on_a_terminal_a_bar_counts_the_settings_done(capsys, monkeypatch):
    """``interactive()`` patched true (as on a terminal outside CI): a bar over the settings is drawn."""
    from dynamics import progress as progress_module
    monkeypatch.setattr(sweep_module, "interactive", lambda: True)
    monkeypatch.setattr(progress_module, "interactive", lambda: True)
    assert np.array_equal(sweep(cubic, SETTINGS, chunk_size=5, quiet=False, desc="cubes").values, CUBIC)
    err = capsys.readouterr().err
    assert "cubes:" in err and f"/{COUNT} [" in err and "setting/s" in err
