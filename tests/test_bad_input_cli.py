"""Bad input on the command line: one line on stderr naming the flag, the documented exit status, no
traceback, and nothing written.  Driven in-process through :func:`dynamics.cli.main` (fast).

Exit status 2 is a usage error (bad argument, data file or output path); 1 is a valid request whose run
failed (gradient descent diverged; an output could not be written).
"""
import numpy as np
import pytest

from dynamics import cli
from dynamics.cli import main

USAGE, FAILED = 2, 1


def make_files(folder):
    """Bad data files and output targets, by name."""
    (folder / "empty.npz").write_bytes(b"")
    np.savez(folder / "empty_arrays.npz", X=np.zeros((0, 3)), labels=np.zeros(0, int))
    np.savez(folder / "no_labels.npz", X=np.eye(2))
    np.savez(folder / "huge.npz", X=np.array([[1e200, 0.0], [-1e200, 0.0]]), labels=np.array([1, 2]))
    np.savez(folder / "zeros.npz", X=np.zeros((3, 2)), labels=np.array([1, 2, 2]))
    np.savez(folder / "one_class.npz", X=np.array([[1.0, 0.0], [2.0, 0.0]]), labels=np.array([1, 1]))
    np.savez(folder / "nan.npz", X=np.array([[np.nan, 1.0], [0.0, -1.0]]), labels=np.array([1, 2]))
    np.savez(folder / "diverges.npz", X=1e3 * np.array([[1.0, 0.2], [0.8, -0.1], [-1, 0.1], [-0.9, -0.3]]),
             labels=np.array([1, 1, 2, 2]))
    (folder / "empty.csv").write_text("")
    (folder / "text.csv").write_text("1,2,1\n3,y,2\n")
    (folder / "label3.csv").write_text("1,2,3\n")
    (folder / "one_column.csv").write_text("5\n")
    (folder / "data.txt").write_text("1,0,1\n")
    (folder / "a_folder").mkdir()
    (folder / "a_file").write_text("mine")
    (folder / "target.csv").write_text("precious")
    (folder / "link.csv").symlink_to(folder / "target.csv")
    (folder / "link_dir").symlink_to(folder / "a_folder")
    (folder / "fig.png").symlink_to(folder / "target.csv")
    (folder / "foreign").mkdir()
    (folder / "foreign" / "notes.txt").write_text("mine")


def snapshot(folder):
    return {p.relative_to(folder): (p.read_bytes() if p.is_file() and not p.is_symlink() else None)
            for p in folder.rglob("*")}


# (arguments, exit status, words that must appear in the one stderr line); {d} is the folder of bad files,
# {out} an output file that must not be created.
ROWS = [
    # data files
    ("simulate --data {d}/empty.npz --out {out}", USAGE, ["--data", "empty"]),
    ("simulate --data {d}/empty_arrays.npz --out {out}", USAGE, ["--data", "no data points"]),
    ("simulate --data {d}/empty.csv --out {out}", USAGE, ["--data", "no data points"]),
    ("simulate --data {d}/no_labels.npz --out {out}", USAGE, ["--data", "'X' and 'labels'"]),
    ("simulate --data {d}/huge.npz --out {out}", USAGE, ["--data", "rescale"]),
    ("simulate --data {d}/zeros.npz --out {out}", USAGE, ["--data", "all zeros"]),
    ("simulate --data {d}/nan.npz --out {out}", USAGE, ["--data", "finite"]),
    ("simulate --data {d}/text.csv --out {out}", USAGE, ["--data", "not a numeric CSV"]),
    ("simulate --data {d}/label3.csv --out {out}", USAGE, ["--data", "one distinct value, 3"]),
    ("simulate --data {d}/one_column.csv --out {out}", USAGE, ["--data", "at least one feature"]),
    ("simulate --data {d}/data.txt --out {out}", USAGE, ["--data", ".npz or .csv"]),
    ("simulate --data {d}/missing.csv --out {out}", USAGE, ["--data", "does not exist"]),
    ("simulate --data {d}/a_folder --out {out}", USAGE, ["--data", "is a folder"]),
    ("simulate --data /dev/null --out {out}", USAGE, ["--data", "device"]),
    ("simulate --data= --out {out}", USAGE, ["--data", "empty"]),
    # numbers out of range or not finite
    ("simulate --norms 1e-300 1e-300 --out {out}", USAGE, ["--norms", "1e-300"]),
    ("compare --norms 1e-300 1 --out {out}", USAGE, ["--norms", "1e-300"]),
    ("simulate --norms 1e200 1 --out {out}", USAGE, ["--norms", "1e200"]),
    ("predict --norm 0 --out {out}", USAGE, ["--norm", "[1e-100, 1e+100]"]),
    ("predict --method ode --t-max 1e300 --out {out}", USAGE, ["--t-max", "1e+12"]),
    ("predict --depth 5 --t-max 1e300 --out {out}", USAGE, ["--t-max", "1e+12"]),
    ("predict --t-max 0 --out {out}", USAGE, ["--t-max", "> 0"]),
    ("predict --t-max nan --out {out}", USAGE, ["--t-max", "finite"]),
    ("compare --u0 1e300 --out {out}", USAGE, ["--u0", "1e+06"]),
    ("simulate --u0 nan --out {out}", USAGE, ["--u0", "finite"]),
    ("simulate --u0 -1e-300 --out {out}", USAGE, ["--u0", "> 0", "-1e-300"]),
    ("simulate --v0 0.5 --out {out}", USAGE, ["--v0", "< 0"]),
    ("predict --u0 0 --out {out}", USAGE, ["--u0", "non-zero"]),
    ("predict --u0 -inf --out {out}", USAGE, ["--u0", "finite"]),
    ("predict --p 2 --out {out}", USAGE, ["--p", "(0, 1]"]),
    ("predict --p 0 --out {out}", USAGE, ["--p", "(0, 1]"]),
    ("simulate --lr -1 --out {out}", USAGE, ["--lr", "> 0"]),
    ("simulate --lr inf --out {out}", USAGE, ["--lr", "finite"]),
    ("simulate --seed -1 --out {out}", USAGE, ["--seed", "at least 0"]),
    ("predict --depth 40 --out {out}", USAGE, ["--depth", "32"]),
    ("derive deep --depth 40", USAGE, ["--depth", "32"]),
    ("derive deep --depth 1", USAGE, ["--depth", "between 2 and 32"]),
    ("derive deep --depth x", USAGE, ["--depth", "invalid int value"]),
    # work limits (named, refused before any work)
    ("predict --points 100000000 --out {out}", USAGE, ["--points", "10,000"]),
    ("predict --points 1 --out {out}", USAGE, ["--points", "at least 2"]),
    ("simulate --steps 100000000 --out {out}", USAGE, ["--steps", "1,000,000"]),
    ("compare --steps 100000000 --out {out}", USAGE, ["--steps", "1,000,000"]),
    ("simulate --steps 1000000 --record-every 1 --out {out}", USAGE, ["--record-every", "1e+07"]),
    ("simulate --n-points 100000 --dimension 1000 --out {out}", USAGE, ["--n-points", "1e+07"]),
    ("simulate --n-points 10000 --dimension 1000 --steps 1000 --record-every 1000 --out {out}", USAGE,
     ["--steps", "1e+09"]),
    # output targets
    ("simulate --format npz", USAGE, ["--format npz", "--out"]),
    ("predict --out {d}/a_folder", USAGE, ["--out", "is a folder"]),
    ("predict --out {d}/link.csv", USAGE, ["--out", "symbolic link"]),
    ("predict --out=", USAGE, ["--out", "empty"]),
    ("compare --figure {d}/fig --out {out}", USAGE, ["--figure", "symbolic link"]),
    ("reproduce --out {d}/a_file", USAGE, ["--out", "not a folder"]),
    ("reproduce --out {d}/link_dir --force", USAGE, ["--out", "symbolic link"]),
    ("reproduce --out /", USAGE, ["--out", "the root"]),
    ("reproduce --out {d}/foreign --force", USAGE, ["--out", "not a learning-dynamics report", "--force"]),
    # valid requests whose run fails: exit 1
    ("simulate --data {d}/diverges.npz --loss squared --lr 10 --steps 50 --out {out}", FAILED,
     ["training diverged", "--lr"]),
    ("predict --points 3 --out /dev/full", FAILED, ["--out", "No space left on device"]),
    ("predict --depth 32 --points 10000 --out {out}", USAGE, ["--points", "1,000", "quadrature"]),
    ("simulate --data {d}/one_class.npz --out {out}", USAGE, ["--data", "class 2 has no points"]),
    ("compare --steps 50 --out /dev/full --figure {d}/../cmp", FAILED, ["--out", "No space left on device"]),
]


@pytest.mark.parametrize("command, status, words", ROWS, ids=[r[0].split(" --out")[0] for r in ROWS])
def test_bad_input_is_one_line_naming_the_flag_and_writes_nothing(tmp_path, capsys, command, status, words):
    folder = tmp_path / "d"
    folder.mkdir()
    make_files(folder)
    out = tmp_path / "out.csv"
    before = snapshot(tmp_path)
    code = main(command.format(d=folder, out=out).split(" "))
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert code == status, captured.err
    assert len(lines) == 1 and "Traceback" not in captured.err, captured.err
    for word in words:
        assert word in lines[0], lines[0]
    assert captured.out == ""
    assert not out.exists() and snapshot(tmp_path) == before


def test_the_table_is_long_enough():
    assert len(ROWS) >= 25


def test_negative_numbers_in_exponent_form_parse(capsys):
    assert main(["predict", "--u0", "-1e-3", "--points", "3", "--t-max", "1"]) == 0
    rows = [[float(x) for x in row.split(",")] for row in capsys.readouterr().out.splitlines()[1:]]
    assert rows[0][:2] == [0.0, -0.001] and rows[-1][1] < -1e-3  # a class-2 logit grows in size
    assert rows[0][2] == pytest.approx(1 / (1 + np.exp(-1e-3)), rel=1e-15)  # confidence of the true class


def test_derive_depth_limit_is_the_librarys(capsys):
    from derivations.validation import MAX_DEPTH, require_depth
    import dynamics.theory.balanced_logit as closed_forms

    assert closed_forms.require_depth is require_depth  # one check with one limit, not a copy
    assert main(["derive", "--help"]) == 0
    assert f"2..{MAX_DEPTH}" in " ".join(capsys.readouterr().out.split())
    assert main(["derive", "deep", "--depth", str(MAX_DEPTH + 1)]) == 2
    assert f"between 2 and {MAX_DEPTH}" in capsys.readouterr().err


def test_an_internal_error_is_one_line_exit_1_with_a_way_to_the_traceback(capsys, monkeypatch):
    def broken(args):
        return None + 1  # a bug, not a usage error: TypeError raised by an operation

    monkeypatch.setattr(cli, "_predict", broken)
    assert main(["predict"]) == 1
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "internal error: TypeError" in err and "--traceback" in err
    assert main(["--traceback", "predict"]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err
    monkeypatch.setenv(cli.TRACEBACK_ENV, "1")
    assert main(["predict"]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


def test_a_library_value_error_from_numpy_is_not_a_usage_error(capsys, monkeypatch):
    def broken(args):
        np.reshape(np.arange(3), (2, 2))  # ValueError raised inside numpy: a bug

    monkeypatch.setattr(cli, "_predict", broken)
    assert main(["predict"]) == 1
    assert "internal error: ValueError" in capsys.readouterr().err


def test_simulate_says_when_every_unit_of_a_class_died(tmp_path, capsys):
    """Squared loss at lr 100 overshoots: after step 1 every pre-activation of a class is negative (worked by
    hand by the ground-truth tests: dead_step == 2), so the logits stay 0; the command says so on stderr."""
    out = tmp_path / "run.csv"
    assert main(["simulate", "--loss", "squared", "--lr", "100", "--steps", "20", "--out", str(out)]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "from step 2 every unit of a class is inactive" in err[0] and "--lr" in err[0]
    import csv
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert all(float(v) == 0.0 for k, v in rows[-1].items() if k.startswith("u_"))


def test_compare_leaves_nothing_when_a_figure_cannot_be_written(tmp_path, capsys, monkeypatch):
    """The JSON is written first; when the figure then fails (a link to /dev/full), the JSON and the folders
    created for it are removed again, and nothing else is touched."""
    import os

    monkeypatch.chdir(tmp_path)
    os.symlink("/dev/full", tmp_path / "f.pdf")
    (tmp_path / "keep.txt").write_text("mine")
    before = sorted(p.name for p in tmp_path.iterdir())
    code = main(["compare", "--steps", "50", "--figure", "f", "--out", "nd/sub/j.json"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1 and len(err) == 1 and "--figure" in err[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no nd/, no f.png
    assert os.readlink(tmp_path / "f.pdf") == "/dev/full" and (tmp_path / "keep.txt").read_text() == "mine"


def test_a_library_consistency_guard_during_reproduce_is_an_internal_error(tmp_path, capsys, monkeypatch):
    """A ValueError that the library raises explicitly, but not about an argument the user gave (here the
    registry refusing an experiment that defines no 'full' size: a bug of the experiment), is exit 1 with
    the way to its traceback, not a usage error (exit 2) that would blame the command line."""
    from dynamics.experiments.registry import Experiment
    from dynamics.report import reproduction

    def broken_registry():
        return (Experiment(name="broken", title="", order=0, sizes={"quick": {}}, run=dict, figures=dict,
                           claims=list),)

    monkeypatch.setattr(reproduction, "all_experiments", broken_registry)
    code = main(["reproduce", "--quick", "--quiet", "--out", str(tmp_path / "report")])
    err = capsys.readouterr().err
    assert code == FAILED and len(err.strip().splitlines()) == 1, err
    assert "internal error: ValueError" in err and "defines no size 'full'" in err and "--traceback" in err
    assert list(tmp_path.iterdir()) == []


def test_a_nan_from_the_theory_is_an_internal_error_not_a_usage_error(tmp_path, capsys, monkeypatch):
    """Valid arguments whose theory comes out NaN (a bug): the table writer refuses it, and the command says
    so as an internal error (exit 1), writing nothing."""
    from dynamics.theory import balanced_logit

    monkeypatch.setattr(balanced_logit, "logit", lambda t, **kwargs: np.full_like(t, np.nan))
    out = tmp_path / "curve.csv"
    assert main(["predict", "--points", "3", "--out", str(out)]) == FAILED
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "internal error: ValueError" in err and "NaN" in err, err
    assert not out.exists()


def test_a_library_type_error_is_never_a_usage_error(capsys, monkeypatch):
    """argparse has typed every argument: a TypeError the library raises is the command's bug (exit 1).  Here
    the command is made to hand ``derivations.deep`` a float depth, which the library refuses explicitly."""
    import derivations

    deep = derivations.deep
    monkeypatch.setattr(derivations, "deep", lambda depth, loss="bce": deep(float(depth), loss))
    assert main(["derive", "deep", "--depth", "3"]) == FAILED
    err = capsys.readouterr().err
    assert "internal error: TypeError: depth must be an integer" in err and len(err.strip().splitlines()) == 1


def _library_strings():
    """Every string literal of dynamics and derivations outside the CLI (docstrings left out), with its place."""
    import ast
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    for path in sorted([*root.glob("dynamics/**/*.py"), *root.glob("derivations/**/*.py")]):
        if path.name == "cli.py":
            continue
        tree = ast.parse(path.read_text())
        docstrings = {id(node.body[0].value) for node in ast.walk(tree)
                      if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                      and node.body and isinstance(node.body[0], ast.Expr)
                      and isinstance(node.body[0].value, ast.Constant)}
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docstrings:
                yield f"{path.relative_to(root)}:{node.lineno}", node.value


def test_library_messages_name_no_command_line_flag():
    """Library messages speak the library's terms (``force=True``, ``lr``); only the CLI names flags."""
    import re

    strings = list(_library_strings())
    assert len(strings) > 500 and any("force=True" in text for _, text in strings)  # the scan sees the messages
    flags = [(where, text) for where, text in strings if re.search(r"(?<![\w-])--[A-Za-z]", text)]
    assert flags == []
    assert re.search(r"(?<![\w-])--[A-Za-z]", "pass --force to replace it")  # what it would catch


def test_a_lookup_bug_inside_the_library_is_internal_not_usage(capsys, monkeypatch):
    """A mistyped identifier inside the library (UnknownName, a ValueError raised by a library ``raise``) is a
    bug: exit 1 with the internal-error line, not a usage error naming no flag."""
    import derivations
    import dynamics.theory.balanced_logit as closed_forms

    def broken_logit(*args, **kwargs):
        return derivations.two_layer("hinge").quantity("stopping_tme")  # the typo a refactor could leave

    monkeypatch.setattr(closed_forms, "logit", broken_logit)
    assert main(["predict", "--loss", "hinge"]) == 1
    err = capsys.readouterr().err
    assert "internal error: UnknownName" in err and "--traceback" in err and len(err.strip().splitlines()) == 1


def test_traceback_flag_is_accepted_after_the_subcommand(capsys, monkeypatch):
    monkeypatch.setattr(cli, "_predict", lambda args: None + 1)
    assert main(["predict", "--traceback"]) == 1
    assert "Traceback (most recent call last)" in capsys.readouterr().err


@pytest.mark.parametrize("argv, flag", [
    (["derive", "multiclass", "--loss", "hinge"], "--loss"), (["derive", "multiclass", "--loss", "bce"], "--loss"),
    (["derive", "two_layer", "--classes", "5"], "--classes"), (["derive", "two_layer", "--depth", "5"], "--depth"),
    (["derive", "deep", "--neurons", "3"], "--neurons"), (["derive", "shared_neuron", "--points", "4"], "--points"),
])
def test_a_flag_that_does_not_apply_is_refused_not_ignored(capsys, argv, flag):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"learning-dynamics derive: error: argument {flag}:") and len(err.strip().splitlines()) == 1


def test_the_flags_that_apply_still_work(capsys):
    assert main(["derive", "multiclass", "--classes", "2"]) == 0
    assert main(["derive", "deep", "--depth", "4", "--loss", "hinge"]) == 0
    assert main(["derive", "wide", "--neurons", "3"]) == 0 and main(["derive", "two_layer"]) == 0


@pytest.mark.parametrize("argv", [["predict", "--u0", "abc"], ["predict", "--depth", "99"],
                                  ["simulate", "--data", "/nonexistent/file.npz"], ["predict", "--bogus"],
                                  ["derive", "no_such_model"]])
def test_every_usage_error_has_one_style(capsys, argv):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    # the subcommand's name, whoever refused (argparse or the library); an option no parser knows is reported by
    # the top-level parser, as argparse does
    expected = "learning-dynamics: error: " if argv[-1] == "--bogus" else f"learning-dynamics {argv[0]}: error: "
    assert err.startswith(expected), err
