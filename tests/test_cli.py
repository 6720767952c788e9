"""The command line, driven as a user would (subprocess)."""
import json
import subprocess
import sys

import pytest


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "dynamics.cli", *args], capture_output=True, text=True, cwd=cwd,
                          env={"CI": "1", "PATH": "/usr/bin:/bin",
                               "PYTHONPATH": str(__import__("pathlib").Path(__file__).resolve().parents[1])})


def test_help_and_version():
    assert run("--help").returncode == 0
    for sub in ("derive", "reproduce"):
        out = run(sub, "--help")
        assert out.returncode == 0 and "usage" in out.stdout
    assert "learning-dynamics" in run("--version").stdout


def test_derive_text_latex_and_check():
    out = run("derive", "two_layer", "--loss", "hinge", "--check")
    assert out.returncode == 0
    assert "u(t) = u_0*exp(2*n_1*p*t)" in out.stdout and "FAILED" not in out.stdout
    tex = run("derive", "deep", "--depth", "4", "--latex")
    assert tex.returncode == 0 and tex.stdout.startswith("\\begin{align*}")


@pytest.mark.parametrize("args, words", [
    (("derive", "nonsense"), "invalid choice"),
    (("derive", "deep", "--depth", "1"), "depth must be at least 2"),
    (("derive", "deep", "--depth", "x"), "invalid int value"),
    (("derive", "two_layer", "--loss", "l1"), "invalid choice"),
    (("frobnicate",), "invalid choice"),
])
def test_bad_arguments_exit_2_with_one_line(args, words):
    out = run(*args)
    assert out.returncode == 2
    assert words in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1
    assert "Traceback" not in out.stderr


def test_reproduce_quick_writes_the_report_and_refuses_to_mix(tmp_path):
    target = tmp_path / "report"
    out = run("reproduce", "--quick", "--out", str(target))
    assert out.returncode == 0, out.stderr
    payload = json.loads((target / "report.json").read_text())
    assert isinstance(payload["version"], str) and payload["claims"]
    for claim in payload["claims"]:
        assert set(claim) >= {"id", "section", "statement", "theory", "measured", "error", "passed"}
        assert claim["passed"] is True
    assert (target / "report.md").read_text().startswith("# learning-dynamics")
    again = run("reproduce", "--quick", "--out", str(target))
    assert again.returncode == 2 and "--force" in again.stderr
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    refused = run("reproduce", "--quick", "--force", "--out", str(tmp_path / "other"))
    assert refused.returncode == 2 and (tmp_path / "other" / "notes.txt").read_text() == "mine"
