"""Shared test configuration.

No matplotlib backend is selected here: the library must leave the backend alone (see
``tests/test_matplotlib_backend.py``), and its figures are drawn on ``matplotlib.figure.Figure`` directly,
which needs no backend; headless, matplotlib picks a non-interactive one by itself.
"""
import pytest


@pytest.fixture(scope="session")
def pool():
    """A process pool of 2 workers (what ``--workers 2`` asks for), shared by the sweep tests."""
    from dynamics.sweep import executor

    with executor(workers=2) as opened:
        yield opened


@pytest.fixture(scope="session")
def dask_cluster():
    """A local Dask cluster of 2 single-threaded worker processes on the loopback interface, started once per
    session (about 3 s); skipped, with the reason, without the 'distributed' extra."""
    pytest.importorskip("distributed", reason="Dask's 'distributed' is not installed: "
                                              "pip install \".[distributed]\" to run the Dask executor's tests")
    import dask

    from dynamics.sweep import executor

    # A chunk that kills its worker fails at once (Dask's default retries it on 3 more workers first).
    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            executor(workers=2, scheduler="local") as opened:
        yield opened

