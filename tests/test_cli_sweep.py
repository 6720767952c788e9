"""The command line's sweeps: ``sweep phase-diagram`` and ``reproduce --workers``, identical on any executor."""
import json

import numpy as np
import pytest

from dynamics.cli import main


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err and len(captured.err.strip().splitlines()) <= 1, captured.err
    return code, captured.out, captured.err


def test_sweep_phase_diagram_is_the_same_on_two_processes_and_matches_the_regions_by_hand(tmp_path, capsys):
    """Two norms on a 21 x 21 grid: serial and a 2-process pool write identical arrays; the theory codes are
    Sec. 3.3's rule worked here by hand (frozen y0 <= 0; success y0 > -||x|| z0; dies below the line), GD agrees
    with it away from the boundaries, and the JSON beside the .npz holds every parameter."""
    grid, norms = 21, (0.5, 0.7)
    assert cli(capsys, "sweep", "phase-diagram", "--grid", grid, "--norms", *norms, "--quiet",
               "--out", tmp_path / "serial.npz")[0] == 0
    code, out, _ = cli(capsys, "sweep", "phase-diagram", "--grid", grid, "--norms", *norms, "--quiet",
                       "--workers", 2, "--out", tmp_path / "pool.npz")
    assert code == 0 and "processes(2)" in out and f"{len(norms) * grid ** 2:,} initializations" in out
    with np.load(tmp_path / "serial.npz") as a, np.load(tmp_path / "pool.npz") as b:
        assert a.files == b.files and all(np.array_equal(a[k], b[k]) for k in a.files)
        z0, y0 = np.meshgrid(a["z0"], a["y0"])
        for k, norm in enumerate(norms):
            gap = y0 + norm * z0
            hand = np.where(y0 <= 0, 0, np.where(gap > 0, 1, 3))
            on_line = (np.abs(gap) < 1e-9) & (y0 > 0)  # the stalling line itself: success or stalls, to rounding
            assert np.array_equal(a["theory"][k][~on_line], hand[~on_line]) and np.all(a["theory"][k][on_line] <= 2)
            away = (np.abs(y0) > 0.05) & (np.abs(y0 + norm * z0) / np.hypot(1, norm) > 0.05)
            assert np.array_equal(a["measured"][k][away], hand[away]) and a["agreement"][k] == 1.0
    meta = json.loads((tmp_path / "pool.json").read_text())
    assert meta["parameters"] == {"kind": "phase-diagram", "grid": grid, "norms": list(norms), "extent": 1.0,
                                  "lr": 0.05, "horizon": 60.0, "workers": 2, "scheduler": None}
    assert meta["table_file"] == "pool.npz" and meta["regions"]["3"] == "dies"


def test_sweep_refuses_bad_requests_in_one_line(tmp_path, capsys):
    (tmp_path / "taken.npz").write_bytes(b"mine")
    for argv, flag in ((("--workers", 0), "--workers"), (("--grid", 1), "--grid"),
                       (("--out", tmp_path / "x.csv"), "--out"), (("--out", tmp_path / "taken.npz"), "--out")):
        args = ("--out", tmp_path / "new.npz", *argv) if argv[0] != "--out" else argv
        code, _, err = cli(capsys, "sweep", "phase-diagram", "--grid", 5, *args)
        assert code == 2 and flag in err, err
    assert (tmp_path / "taken.npz").read_bytes() == b"mine" and not (tmp_path / "new.npz").exists()


def test_reproduce_with_workers_gives_the_serial_report(tmp_path, capsys):
    """``--workers 2`` runs the sweeps on a process pool: every claim's numbers equal the serial run's."""
    runs = {}
    for name, extra in (("serial", ()), ("pool", ("--workers", 2))):
        assert cli(capsys, "reproduce", "--quick", "--quiet", "--only", "phase_diagram", *extra,
                   "--out", tmp_path / name)[0] == 0
        runs[name] = json.loads((tmp_path / name / "report.json").read_text())["claims"]
    assert runs["serial"] == runs["pool"] and runs["serial"]


@pytest.mark.parametrize("argv, flag", [(("--workers", "x"), "--workers"), (("--scheduler", ""), "--scheduler")])
def test_reproduce_refuses_a_bad_executor(tmp_path, capsys, argv, flag):
    code, _, err = cli(capsys, "reproduce", "--quick", "--only", "lemma31", *argv, "--out", tmp_path / "r")
    assert code == 2 and flag in err and not (tmp_path / "r").exists()
