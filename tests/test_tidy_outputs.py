"""``simulate`` and ``compare`` write tidy tables: one row per (recorded step, point), with the point's class (1, 2),
its label as the data file spells it, the logit and the true class's probability (or, for losses without one,
the signed margin); every parameter in the JSON; ``.npz`` holds 2-D arrays.

Values are checked against numbers worked by hand (the balanced start u0 / v0, sigmoid by ``math``), the
closed-form time t(u) of Theorem 3.2 evaluated with mpmath, and the data file itself.
"""
import csv
import json
import math
from pathlib import Path
from types import SimpleNamespace

import mpmath
import numpy as np
import pytest

from dynamics.cli import NPZ_ARRAYS, TABLE_COLUMNS, main

ROOT = Path(__file__).resolve().parents[1]
TWO_GROUPS = ROOT / "examples" / "data" / "two_groups.csv"


@pytest.fixture
def run(capsys):
    def invoke(*args):
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)
    return invoke


def _rows(text):
    return list(csv.DictReader(text.splitlines()))


def test_simulate_csv_has_one_row_per_step_and_point_with_class_probability_and_a_parameter_sidecar(tmp_path, run):
    out = tmp_path / "run.csv"
    done = run("simulate", "--steps", "20", "--record-every", "10", "--u0", "0.3", "--v0", "-0.2", "--out", out)
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    assert not text.startswith("#")  # no comment lines: the parameters are in the sidecar
    rows = _rows(text)
    assert list(rows[0]) == ["step", "t", "point", "class", "label", "logit", "p_true_class", "mean_loss"]
    assert len(rows) == 3 * 10  # 3 records (steps 0, 10, 20) x 10 points
    assert [r["step"] for r in rows[::10]] == ["0", "10", "20"] and [r["t"] for r in rows[::10]] == ["0.0", "0.5",
                                                                                                   "1.0"]
    assert [r["point"] for r in rows[:10]] == [str(i) for i in range(10)]
    for r in rows[:10]:  # the balanced start: every class-1 point has logit u0, every class-2 point v0
        k = int(r["class"])
        assert r["label"] == r["class"] and k in (1, 2)
        u, s = (0.3, 1.0) if k == 1 else (-0.2, -1.0)
        assert float(r["logit"]) == pytest.approx(u, rel=1e-12)
        assert float(r["p_true_class"]) == pytest.approx(1.0 / (1.0 + math.exp(-s * u)), rel=1e-12)
    for r in rows:  # sigma(s u) on every row, with s from the class column
        s = 1.0 if r["class"] == "1" else -1.0
        assert float(r["p_true_class"]) == pytest.approx(1.0 / (1.0 + math.exp(-s * float(r["logit"]))), rel=1e-12)
    side = json.loads((tmp_path / "run.json").read_text())
    assert side["parameters"] == {"loss": "bce", "norms": [1.0, 1.0], "p": 0.5, "u0": 0.3, "v0": -0.2, "lr": 0.05,
                                  "steps": 20, "record_every": 10, "n_points": 10, "dimension": 5, "seed": 0,
                                  "data": side["parameters"]["data"]}
    assert side["table_file"] == "run.csv" and set(side["columns"]) == set(rows[0])
    assert {"learning-dynamics", "numpy", "python"} <= set(side["software"])


def test_simulate_npz_holds_two_d_arrays_that_match_the_csv(tmp_path, run):
    assert run("simulate", "--steps", "30", "--record-every", "10", "--out", tmp_path / "a.csv").returncode == 0
    assert run("simulate", "--steps", "30", "--record-every", "10", "--format", "npz",
               "--out", tmp_path / "b.npz").returncode == 0  # its own name: a.npz's parameters would be a.csv's
    with np.load(tmp_path / "b.npz", allow_pickle=False) as arrays:
        got = {name: arrays[name] for name in arrays.files}
    assert set(got) <= set(NPZ_ARRAYS) and got["logits"].shape == got["p_true_class"].shape == (4, 10)
    assert got["time"].shape == got["step"].shape == got["mean_loss"].shape == (4,)
    assert got["classes"].shape == got["labels"].shape == (10,) and got["X"].shape == (10, 5)
    rows = _rows((tmp_path / "a.csv").read_text())
    assert np.array_equal(np.array([float(r["logit"]) for r in rows]).reshape(4, 10), got["logits"])  # bit-equal
    assert np.array_equal(got["time"], [0.0, 0.5, 1.0, 1.5]) and np.array_equal(got["step"], [0, 10, 20, 30])
    # the logits are the network's: u = Z0 . relu(W0 x) at step 0, computed here from the saved weights and data
    assert got["logits"][0] == pytest.approx(np.maximum(got["X"] @ got["W0"].T, 0.0) @ got["Z0"], rel=1e-12)
    side = json.loads((tmp_path / "b.json").read_text())
    assert set(side["arrays"]) == set(got) and side["table_file"] == "b.npz"


def test_hinge_reports_a_signed_margin_not_a_probability(run):
    rows = _rows(run("simulate", "--loss", "hinge", "--steps", "10", "--record-every", "10", "--u0", "2",
                     "--v0", "-0.5").stdout)
    assert "p_true_class" not in rows[0] and "signed_margin" in rows[0]
    first = {r["class"]: float(r["signed_margin"]) for r in rows[:10]}
    assert first == {"1": pytest.approx(2.0, rel=1e-12), "2": pytest.approx(0.5, rel=1e-12)}  # s u at the start
    for r in rows:
        s = 1.0 if r["class"] == "1" else -1.0
        assert float(r["signed_margin"]) == s * float(r["logit"])


def test_data_run_keeps_the_users_labels_and_every_parameter(tmp_path, run):
    done = run("simulate", "--data", TWO_GROUPS, "--steps", "10", "--record-every", "10", "--format", "json")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    table = payload["table"]
    file_labels = [line.rsplit(",", 1)[1] for line in TWO_GROUPS.read_text().split()[1:]]
    n = len(file_labels)
    assert table["label"][:n] == file_labels and table["label"][n:] == file_labels  # as the file spells them
    assert table["class"][:n] == [1 if label == "A" else 2 for label in file_labels]
    assert set(payload["columns"]) == set(table) and set(table) <= set(TABLE_COLUMNS)
    parameters = payload["parameters"]
    assert parameters["data"] == str(TWO_GROUPS) and parameters["labels"] == "labels 'A' -> class 1, 'B' -> class 2"
    assert parameters["init"]["scheme"] == "class_mean" and parameters["lr"] == 0.05 and parameters["seed"] == 0
    npz = tmp_path / "r.npz"
    assert run("simulate", "--data", TWO_GROUPS, "--steps", "10", "--format", "npz", "--out", npz).returncode == 0
    with np.load(npz, allow_pickle=False) as arrays:  # text labels load without pickle
        assert arrays["labels"].tolist() == file_labels and arrays["classes"].tolist() == table["class"][:n]


def test_compare_table_pairs_theory_and_gradient_descent_per_point(tmp_path, run):
    done = run("compare", "--steps", "40", "--record-every", "10", "--figure", tmp_path / "f")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    table = payload["table"]
    assert list(table) == ["step", "t", "point", "class", "label", "logit_gd", "logit_theory", "p_true_class_gd",
                           "p_true_class_theory"]
    assert len(table["t"]) == 5 * 10 and set(payload["columns"]) == set(table)
    # the theory is the closed form of Theorem 3.2: t(u) = (log(u/u0) + Ei(u) - Ei(u0)) / (2 ||x|| p) with
    # ||x|| = 1, p = 0.5, here evaluated with mpmath at each row's theory logit (class 2 by symmetry: -u, -v0)
    for t, k, u in zip(table["t"], table["class"], table["logit_theory"]):
        u, start = (u, 0.1) if k == 1 else (-u, 0.1)
        expected = (mpmath.log(u / start) + mpmath.ei(u) - mpmath.ei(start)) / (2 * 1.0 * 0.5)
        assert float(expected) == pytest.approx(t, abs=1e-9)
    gaps = np.abs(np.subtract(table["p_true_class_gd"], table["p_true_class_theory"]))
    assert gaps.max() == pytest.approx(payload["verdict"]["max_abs_confidence_error"], rel=1e-12)


def test_compare_data_table_has_the_users_labels(tmp_path, run):
    done = run("compare", "--data", TWO_GROUPS, "--loss", "hinge", "--steps", "20", "--record-every", "10",
               "--figure", tmp_path / "f")
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    table = payload["table"]
    assert "signed_margin_gd" in table and "p_true_class_gd" not in table  # the hinge has no probability
    assert set(table["label"]) == {"A", "B"} and payload["parameters"]["seed"] == 0
    gaps = np.abs(np.subtract(table["logit_gd"], table["logit_theory"]))
    assert gaps.max() == pytest.approx(payload["agreement"]["max_abs_logit"], rel=1e-12)


def test_a_table_whose_sidecar_would_be_itself_is_refused(tmp_path, run):
    """A CSV named x.json would have its parameters written over it (x.json): refused (its suffix names another
    format), nothing written."""
    same = run("simulate", "--steps", "2", "--out", tmp_path / "x.json", "--format", "csv")
    assert same.returncode == 2 and "names a .json file" in same.stderr and not (tmp_path / "x.json").exists()
    assert run("simulate", "--steps", "2", "--out", tmp_path / "x.json", "--format", "json").returncode == 0
