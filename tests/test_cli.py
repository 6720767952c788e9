"""The command line, driven as a user would: in-process through ``main`` (fast), and one real process."""
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from dynamics.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def run(capsys):
    """``run(*args)`` -> an object with ``returncode``, ``stdout`` and ``stderr``, like ``subprocess.run``."""
    def invoke(*args):
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)
    return invoke


def _installed_command():
    """The ``learning-dynamics`` console script installed beside this interpreter (as CI installs it), or None.

    It runs with ``PYTHONPATH`` set to this tree, so it imports this tree's code either way.
    """
    script = Path(sys.executable).parent / "learning-dynamics"
    return [str(script)] if script.exists() else None


def run_process(*args, **kwargs):
    """The real command in its own process: the installed ``learning-dynamics`` script when there is one (CI),
    else ``python -m dynamics.cli``; either way on this tree's code."""
    env = {"CI": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    command = _installed_command() or [sys.executable, "-m", "dynamics.cli"]
    return subprocess.run([*command, *args], env=env, text=True, timeout=120, **({"capture_output": True} | kwargs))


def test_the_command_in_its_own_process(tmp_path):
    """The one smoke test of the real command (one process; ``--version`` is checked in-process below): a small
    ``predict`` writing through ``/dev/stdout`` into a file opened for appending (like ``>> log``), which keeps
    its earlier lines."""
    log = tmp_path / "log.txt"
    log.write_text("earlier lines\n")
    inode = log.stat().st_ino
    with open(log, "a") as handle:
        out = run_process("predict", "--points", "3", "--t-max", "10", "--out", "/dev/stdout", stdout=handle, stderr=subprocess.PIPE,
                          capture_output=False)
    assert out.returncode == 0 and out.stderr == ""
    lines = log.read_text().splitlines()
    assert log.stat().st_ino == inode and lines[:2] == ["earlier lines", "t,u,confidence"] and len(lines) == 5
    t, u, confidence = map(float, lines[-1].split(","))
    assert t == 10.0 and u == pytest.approx(3.5891793972127, abs=1e-9)  # the value predict's test checks in-process


def test_help_and_version(run):
    assert run("--help").returncode == 0
    for sub in ("derive", "reproduce"):
        out = run(sub, "--help")
        assert out.returncode == 0 and "usage" in out.stdout
    version = run("--version")
    assert version.returncode == 0 and version.stdout.split() == ["learning-dynamics", "0.1.0"]


def test_derive_text_latex_and_check(run):
    out = run("derive", "two_layer", "--loss", "hinge", "--check")
    assert out.returncode == 0
    assert "u(t) = u_0*exp(2*n_1*p*t)" in out.stdout and "FAILED" not in out.stdout
    tex = run("derive", "deep", "--depth", "4", "--latex")
    assert tex.returncode == 0 and tex.stdout.startswith("\\begin{align*}")


@pytest.mark.parametrize("args, words", [
    (("derive", "nonsense"), "invalid choice"),
    (("derive", "deep", "--depth", "1"), "depth must be between 2 and 32"),
    (("derive", "deep", "--depth", "x"), "invalid int value"),
    (("derive", "two_layer", "--loss", "l1"), "neither a built-in loss"),
    (("frobnicate",), "invalid choice"),
])
def test_bad_arguments_exit_2_with_one_line(run, args, words):
    out = run(*args)
    assert out.returncode == 2
    assert words in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_reproduce_quick_writes_the_report_and_refuses_to_mix(tmp_path, run):
    """In-process: the experiments' quick results are the ones computed once per session
    (``Experiment.result("quick")``), shared with the experiment tests and the examples."""
    target = tmp_path / "report"
    out = run("reproduce", "--quick", "--quiet", "--out", target)
    assert out.returncode == 0, out.stderr
    payload = json.loads((target / "report.json").read_text())
    assert isinstance(payload["version"], str) and payload["claims"]
    for claim in payload["claims"]:
        assert set(claim) >= {"id", "section", "statement", "theory", "measured", "error", "passed", "kind",
                              "tolerance", "criterion"}
        assert claim["passed"] is True
    figures = payload["figures"]
    from dynamics.experiments.registry import all_experiments
    stems = [f"figures/{stem}" for e in all_experiments() for stem in e.figures(e.result("quick"))]
    assert sorted(figures) == sorted(f"{stem}.{ext}" for stem in stems for ext in ("png", "pdf"))
    from PIL import Image  # matplotlib depends on pillow
    for f in figures:  # every experiment's figures, rendered: the one place they are (the examples only draw)
        path = target / f
        if path.suffix == ".png":
            with Image.open(path) as im:
                assert im.size[0] > 400 and im.size[1] > 200, (f, im.size)
        else:
            assert path.read_bytes()[:5] == b"%PDF-" and path.stat().st_size > 5_000, f
    markdown = (target / "report.md").read_text()
    assert markdown.startswith("# learning-dynamics")
    # every claim says where its theory is stated, and that anchor exists in docs/theory.md (read here)
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', (Path(__file__).parents[1] / "docs" / "theory.md").read_text()))
    cited = re.findall(r"\*Theory\*: `docs/theory\.md#([^`]+)`", markdown)
    assert len(cited) == len(payload["claims"]) and set(cited) <= anchors
    manifest = json.loads((target / ".learning-dynamics-run").read_text())["entries"]
    assert {"report.json", "report.md", *payload["figures"]} <= set(manifest)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no temporary folder left
    expected = [c.id for e in all_experiments() for c in e.claims(e.result("quick"))]  # the shared results
    assert [c["id"] for c in payload["claims"]] == expected
    again = run("reproduce", "--quick", "--out", str(target))
    assert again.returncode == 2 and "--force" in again.stderr
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    refused = run("reproduce", "--quick", "--force", "--out", str(tmp_path / "other"))
    assert refused.returncode == 2 and (tmp_path / "other" / "notes.txt").read_text() == "mine"


def test_predict_csv_and_json_parse_back(tmp_path, run):
    import csv
    out = run("predict", "--t-max", "10", "--points", "5", "--u0", "0.1")
    rows = list(csv.DictReader(out.stdout.splitlines()))
    assert len(rows) == 5 and abs(float(rows[-1]["u"]) - 3.5891793972127) < 1e-9
    target = tmp_path / "curve.json"
    assert run("predict", "--loss", "hinge", "--format", "json", "--out", str(target)).returncode == 0
    payload = json.loads(target.read_text())
    assert max(payload["u"]) == 1.0 and len(payload["t"]) == 101
    # the hinge has no probability: it reports its signed margin s u, under that name (a class-2 curve: -u)
    assert "confidence" not in payload and payload["margin"] == payload["u"]
    out = run("predict", "--loss", "hinge", "--u0", "-0.5", "--points", "3", "--t-max", "0.1")
    header, *rows = out.stdout.splitlines()
    assert header == "t,u,margin" and [float(r.split(",")[2]) for r in rows] == [-float(r.split(",")[1]) for r in rows]
    assert run("predict", "--points", "2").stdout.splitlines()[0] == "t,u,confidence"


def test_simulate_generated_and_from_files(tmp_path, run):
    import csv

    import numpy as np
    out = run("simulate", "--steps", "20", "--record-every", "10")
    rows = list(csv.DictReader(out.stdout.splitlines()))
    assert out.returncode == 0 and len(rows) == 3 * 10 and rows[-1]["point"] == "9"  # one row per (record, point)
    X = np.array([[1.0, 0.0], [0.9, 0.1], [-1.0, 0.0]])
    labels = np.array([1, 1, 2])
    np.savez(tmp_path / "d.npz", X=X, labels=labels)
    npz = tmp_path / "run.npz"
    assert run("simulate", "--data", str(tmp_path / "d.npz"), "--steps", "5", "--format", "npz",
               "--out", str(npz)).returncode == 0
    assert np.load(npz)["logits"].shape == (2, 3)  # (records, points)
    np.savetxt(tmp_path / "d.csv", np.column_stack([X, labels]), delimiter=",")
    assert run("simulate", "--data", str(tmp_path / "d.csv"), "--steps", "5", "--format", "json").returncode == 0


@pytest.mark.parametrize("content, words", [(None, "does not exist"), ("1,2,1\n3,y,2\n", "not a numeric CSV"),
                                            ("1,2,3\n", "one distinct value, 3"), ("5\n", "at least one feature")])
def test_bad_data_files_exit_2(tmp_path, run, content, words):
    path = tmp_path / "data.csv"
    if content is not None:
        path.write_text(content)
    out = run("simulate", "--data", str(path), "--steps", "2")
    assert out.returncode == 2 and words in out.stderr and len(out.stderr.strip().splitlines()) == 1


def test_compare_writes_agreement_and_figure(tmp_path, run):
    out = run("compare", "--steps", "100", "--figure", str(tmp_path / "cmp"), "--out", str(tmp_path / "a.json"))
    assert out.returncode == 0, out.stderr
    payload = json.loads((tmp_path / "a.json").read_text())
    assert payload["logits"]["class 1"]["max_abs"] < 0.01
    assert (tmp_path / "cmp.png").stat().st_size > 1000 and (tmp_path / "cmp.pdf").exists()
    # the run can be redone from the file: every parameter is recorded, with a verdict against a stated tolerance
    assert payload["parameters"] == {"loss": "bce", "norms": [1.0, 1.0], "p": 0.5, "u0": 0.1, "v0": -0.1,
                                     "lr": 0.05, "steps": 100, "record_every": 10, "n_points": 10, "dimension": 5,
                                     "seed": 0, "data": payload["parameters"]["data"]}
    worst = max(payload["confidences"][k]["max_abs"] for k in ("class 1", "class 2"))
    assert payload["verdict"]["max_abs_confidence_error"] == worst and payload["verdict"]["tolerance"] == 0.01
    assert payload["verdict"]["agrees"] is True and 1e-4 < worst < 0.01  # O(lr): about 1e-3 at lr 0.05


def test_compare_judges_the_hinge_on_its_signed_margin_not_a_probability(tmp_path, run):
    """The hinge has no probability: the verdict is the largest gap of the signed margin s*u (the logit's gap, as
    |s| = 1), recomputed here from the table's own columns, and no 'confidences' block is written."""
    out = run("compare", "--loss", "hinge", "--steps", "100", "--figure", str(tmp_path / "h"))
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    verdict = payload["verdict"]
    assert "confidences" not in payload and "max_abs_confidence_error" not in verdict
    table = payload["table"]
    gaps = [abs(a - b) for a, b in zip(table["signed_margin_gd"], table["signed_margin_theory"])]
    assert verdict["max_abs_margin_error"] == pytest.approx(max(gaps), rel=1e-12) and "s*u" in verdict["criterion"]
    assert verdict["max_abs_margin_error"] == max(payload["logits"][k]["max_abs"] for k in ("class 1", "class 2"))


def test_compare_verdict_follows_the_tolerance_and_the_learning_rate(tmp_path, run):
    strict = run("compare", "--steps", "100", "--tolerance", "1e-5", "--figure", str(tmp_path / "s"))
    assert strict.returncode == 0 and json.loads(strict.stdout)["verdict"]["agrees"] is False
    gaps = {}
    for lr, steps, every in ((0.5, 200, 5), (0.05, 2000, 50)):  # the same flow times: 0 to 100 by 2.5
        out = run("compare", "--lr", str(lr), "--steps", str(steps), "--record-every", str(every), "--figure",
                  str(tmp_path / f"c{lr}"))
        gaps[lr] = json.loads(out.stdout)["verdict"]["max_abs_confidence_error"]
    assert 5 < gaps[0.5] / gaps[0.05] < 20  # the gap is O(lr): ten times the learning rate, about ten times the gap
    refused = run("compare", "--tolerance", "0", "--figure", str(tmp_path / "r"))
    assert refused.returncode == 2 and "--tolerance" in refused.stderr


@pytest.mark.parametrize("args, words", [
    (("predict", "--p", "2"), "p is a class frequency"),
    (("predict", "--u0", "0"), "argument --u0: an initial logit must be non-zero"),
    (("predict", "--points", "1"), "--points: must be at least 2"),
    (("simulate", "--lr", "-1"), "--lr: must be > 0"),
    (("simulate", "--format", "npz"), "--format npz needs --out"),
    (("compare", "--loss", "squared"), "invalid choice"),
])
def test_bad_numbers_exit_2(run, args, words):
    out = run(*args)
    assert out.returncode == 2 and words in out.stderr and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_simulate_a_class_with_zero_mean_starts_with_a_live_unit(tmp_path, run):
    import numpy as np
    X = np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, -1.0]])  # class 1 has mean 0: its unit follows its first point
    np.savez(tmp_path / "d.npz", X=X, labels=np.array([1, 1, 2]))
    out = run("simulate", "--data", tmp_path / "d.npz", "--steps", "10", "--record-every", "10", "--format", "json")
    table = json.loads(out.stdout)["table"]
    u = [value for value, point in zip(table["logit"], table["point"]) if point == 0]
    # hand value at t = 0: Z0 = 0.1, W0 = 0.1 (1, 0), so u = 0.1 * relu(0.1 * 2) = 0.02
    assert out.returncode == 0 and u[0] == pytest.approx(0.02, rel=1e-15) and u[1] > u[0]


def test_reproduce_only_runs_the_named_experiments_in_report_order(tmp_path, run):
    from dynamics.experiments.registry import get
    target = tmp_path / "some"
    out = run("reproduce", "--quick", "--quiet", "--only", "multiclass,lemma31", "--out", target)  # or spaces
    assert out.returncode == 0, out.stderr
    payload = json.loads((target / "report.json").read_text())
    expected = [c.id for name in ("lemma31", "multiclass") for c in get(name).claims(get(name).result("quick"))]
    assert [c["id"] for c in payload["claims"]] == expected and payload["parameters"]["only"] == ["lemma31",
                                                                                                 "multiclass"]
    assert sorted(payload["figures"]) == sorted(f"figures/{s}.{e}" for s in ("lemma31_finite_lr", "lemma_a1_multiclass")
                                                for e in ("png", "pdf"))
    refused = run("reproduce", "--quick", "--only", "depth", "hinge,no_such", "--out", tmp_path / "never")
    assert refused.returncode == 2 and "argument --only: only contains 'no_such'" in refused.stderr
    assert "lr_order" in refused.stderr and not (tmp_path / "never").exists()  # lists them all; wrote nothing


def test_selected_experiments_refuses_one_string():
    import pytest
    from dynamics.report.reproduction import selected_experiments
    with pytest.raises(TypeError, match="only must be a sequence"):
        selected_experiments("depth")
    with pytest.raises(ValueError, match="only names no experiment"):
        selected_experiments([])


def test_compare_draws_the_theory_as_a_smooth_curve(tmp_path, monkeypatch, capsys):
    """The theory line is drawn on THEORY_CURVE_POINTS times, not only at the run's records (which made the
    hinge's exponential a polyline): here u0 e^{2 p n t} up to the margin 1 (p = 1/2, n = 1), worked by hand."""
    import numpy as np
    import dynamics.report.figures as figures_module
    from dynamics.cli import THEORY_CURVE_POINTS, main

    seen = {}
    original = figures_module.comparison_figure

    def spy(t_theory, theory, *args, **kwargs):
        seen["t"], seen["u"] = np.asarray(t_theory), np.asarray(theory[0])
        return original(t_theory, theory, *args, **kwargs)

    monkeypatch.setattr(figures_module, "comparison_figure", spy)
    assert main(["compare", "--loss", "hinge", "--steps", "200", "--record-every", "50",
                 "--figure", str(tmp_path / "f"), "--out", str(tmp_path / "a.json")]) == 0
    assert seen["t"].size == THEORY_CURVE_POINTS and seen["t"][-1] == 10.0
    assert np.allclose(seen["u"], np.minimum(0.1 * np.exp(seen["t"]), 1.0), rtol=1e-9, atol=1e-12)
