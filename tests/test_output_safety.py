"""No user file is ever deleted or replaced: atomic outputs, report folders, links, devices, interruptions.

In-process through :func:`dynamics.cli.main`, real signals included (sent to this process while ``main``
runs); a real process only for a pipe closed early by its reader (``/dev/stdout`` into a file is checked by
the smoke test of the command in test_cli.py).
"""
import hashlib
import json
import os
import signal
import stat
import subprocess
import sys
import threading
import time
from dataclasses import MISSING, fields
from pathlib import Path

import pytest

from dynamics import io as files
from dynamics.cli import main
from dynamics.experiments.claims import ClaimRecord
from dynamics.experiments.registry import Experiment
from dynamics.report import reproduction

ROOT = Path(__file__).resolve().parents[1]


def snapshot(folder: Path) -> dict:
    """Every entry below ``folder`` (links not followed): type and content hash."""
    out = {}
    for path in sorted(folder.rglob("*")):
        info = path.lstat()
        if stat.S_ISLNK(info.st_mode):
            out[str(path.relative_to(folder))] = ("link", os.readlink(path))
        elif stat.S_ISDIR(info.st_mode):
            out[str(path.relative_to(folder))] = ("dir",)
        else:
            out[str(path.relative_to(folder))] = ("file", hashlib.sha256(path.read_bytes()).hexdigest())
    return out


def fake_experiment(name="fake", run=lambda: "a stand-in result"):
    """A stand-in experiment: one claim and one figure (saved by :func:`fake_save`), in milliseconds."""
    known = {"id": name, "section": "test", "statement": "a stand-in", "theory": 1.0, "measured": 1.0,
             "error": 0.0, "passed": True, "kind": "measured", "tolerance": 0.0, "criterion": "a stand-in"}
    record = ClaimRecord(**{f.name: known.get(f.name) for f in fields(ClaimRecord)
                            if f.name in known or f.default is MISSING})
    return Experiment(name=name, title="a stand-in", order=0, sizes={"quick": {}, "full": {}}, run=run,
                      figures=lambda result: {name: "a stand-in figure"}, claims=lambda result: [record])


def fake_save(fig, stem):
    """Stands in for ``save_figure``: ``stem.png`` and ``stem.pdf`` holding known bytes, written atomically."""
    paths = []
    for ext in ("png", "pdf"):
        target = Path(stem).with_suffix(f".{ext}")
        target.parent.mkdir(parents=True, exist_ok=True)
        files.write_bytes_atomic(target, b"figure ." + ext.encode())
        paths.append(str(target))
    return paths


def use_experiments(monkeypatch, *experiments):
    """Make ``reproduce`` run these experiments (and save their figures with :func:`fake_save`)."""
    monkeypatch.setattr(reproduction, "all_experiments", lambda: experiments)
    monkeypatch.setattr(reproduction, "save_figure", fake_save)


@pytest.fixture
def fast_reproduce(monkeypatch):
    use_experiments(monkeypatch, fake_experiment())


@pytest.fixture
def real_sigint():
    """Ctrl-C as in a terminal: SIGINT raises KeyboardInterrupt (a run started in the background by a
    non-interactive shell inherits SIGINT ignored); restored afterwards."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


def cli(capsys, *argv):
    code = main([str(a) for a in argv])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


# --------------------------------------------------------------------------- output files

def test_atomic_file_is_new_or_keeps_its_mode_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "sub" / "out.csv"
    files.write_text_atomic(target, "a\n")
    mask = os.umask(0)
    os.umask(mask)
    assert target.read_text() == "a\n" and stat.S_IMODE(target.stat().st_mode) == 0o666 & ~mask
    target.chmod(0o640)
    files.write_text_atomic(target, "b\n")
    assert target.read_text() == "b\n" and stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(p.name for p in target.parent.iterdir()) == ["out.csv"]


def test_nonfinite_json_is_refused_or_flagged(tmp_path):
    with pytest.raises(ValueError, match="NaN or an infinity"):
        files.write_json_atomic(tmp_path / "a.json", {"rms_abs": float("inf")})
    assert not (tmp_path / "a.json").exists()
    files.write_json_atomic(tmp_path / "b.json", {"x": [float("nan"), 1.0]}, nonfinite="string")
    assert json.loads((tmp_path / "b.json").read_text()) == {"x": ["nan", 1.0]}


def test_link_to_a_regular_file_is_refused_and_untouched(tmp_path, capsys):
    victim = tmp_path / "victim.csv"
    victim.write_text("precious\n")
    link = tmp_path / "link.csv"
    link.symlink_to(victim)
    code, out, err = cli(capsys, "predict", "--points", "3", "--out", link)
    assert code == 2 and "--out" in one_line(err) and "symbolic link" in err
    assert link.is_symlink() and os.readlink(link) == str(victim) and victim.read_text() == "precious\n"
    dangling = tmp_path / "dangling.csv"
    dangling.symlink_to(tmp_path / "missing.csv")
    code, _, err = cli(capsys, "predict", "--points", "3", "--out", dangling)
    assert code == 2 and "missing" in one_line(err) and not (tmp_path / "missing.csv").exists()


def test_dev_full_gives_one_line_and_stays_a_device(capsys):
    code, out, err = cli(capsys, "predict", "--points", "3", "--out", "/dev/full")
    assert code == 1 and "No space left" in one_line(err) and "--out" in err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_fifo_is_written_through(tmp_path, capsys):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_text()))
    reader.start()
    code, _, err = cli(capsys, "predict", "--points", "3", "--t-max", "10", "--out", fifo)
    reader.join(timeout=20)
    assert code == 0 and err == ""
    assert received[0].splitlines()[0] == "t,u,confidence" and len(received[0].splitlines()) == 4
    assert stat.S_ISFIFO(fifo.lstat().st_mode)


def test_link_to_dev_null_is_written_through(tmp_path, capsys):
    link = tmp_path / "null"
    link.symlink_to("/dev/null")
    code, _, err = cli(capsys, "predict", "--points", "3", "--out", link)
    assert code == 0 and err == "" and link.is_symlink() and stat.S_ISCHR(os.stat("/dev/null").st_mode)


# --------------------------------------------------------------------------- report folders

def test_reproduce_writes_a_manifest_of_its_files(tmp_path, fast_reproduce):
    out = tmp_path / "report"
    reproduction.reproduce(out, quiet=True)
    manifest = json.loads((out / files.RUN_MARKER).read_text())
    assert set(manifest["entries"]) == {"report.json", "report.md", "figures", "figures/fake.png",
                                        "figures/fake.pdf", "data", "data/fake.npz", "data/fake.json"}
    figure = manifest["entries"]["figures/fake.png"]
    assert figure["sha256"] == hashlib.sha256(b"figure .png").hexdigest()
    assert json.loads((out / "report.json").read_text())["figures"] == ["figures/fake.png", "figures/fake.pdf"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]  # no temporary sibling left


def test_force_replaces_only_a_clean_previous_report(tmp_path, fast_reproduce, capsys):
    out = tmp_path / "report"
    reproduction.reproduce(out, quiet=True)
    with pytest.raises(files.OutputFolderError, match="force=True"):
        reproduction.reproduce(out, quiet=True)
    code, _, err = cli(capsys, "reproduce", "--quiet", "--out", out)
    assert code == 2 and "--force" in one_line(err) and "force=True" not in err
    before = (out / "report.json").stat().st_ino
    assert cli(capsys, "reproduce", "--quiet", "--force", "--out", out)[0] == 0
    assert (out / "report.json").stat().st_ino != before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


@pytest.mark.parametrize("intruder", ["notes", "folder", "link_to_victim", "figure_replaced_by_link", "edited"])
def test_force_refuses_a_report_holding_anything_else_and_deletes_nothing(tmp_path, fast_reproduce, capsys,
                                                                          intruder):
    out, victim = tmp_path / "r1", tmp_path / "victim"
    victim.mkdir()
    (victim / "thesis.tex").write_text("years of work")
    reproduction.reproduce(out, quiet=True)
    if intruder == "notes":
        (out / "notes.txt").write_text("mine")
        named = "notes.txt"
    elif intruder == "folder":
        (out / "extra").mkdir()
        (out / "extra" / "data.csv").write_text("1,2")
        named = "extra/"
    elif intruder == "link_to_victim":
        (out / "linked_dir").symlink_to(victim)
        named = "linked_dir"
    elif intruder == "figure_replaced_by_link":
        for child in (out / "figures").iterdir():
            child.unlink()
        (out / "figures").rmdir()
        (out / "figures").symlink_to(victim)
        named = "figures (now a symbolic link)"
    else:
        (out / "report.md").write_text("my annotations")
        named = "report.md (changed"
    report_before, victim_before = snapshot(out), snapshot(victim)
    code, _, err = cli(capsys, "reproduce", "--quiet", "--force", "--out", out)
    assert code == 2 and named in one_line(err) and "--force" in err
    assert snapshot(out) == report_before and snapshot(victim) == victim_before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r1", "victim"]


def test_a_manifest_naming_files_outside_its_folder_cannot_delete_them(tmp_path, fast_reproduce):
    out, victim = tmp_path / "report", tmp_path / "victim.txt"
    victim.write_text("mine")
    reproduction.reproduce(out, quiet=True)
    manifest = json.loads((out / files.RUN_MARKER).read_text())
    manifest["entries"]["../victim.txt"] = {"type": "file"}
    manifest["entries"]["/etc/hostname"] = {"type": "file"}
    (out / files.RUN_MARKER).write_text(json.dumps(manifest))
    reproduction.reproduce(out, quiet=True, force=True)
    assert victim.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["report", "victim.txt"]


def test_an_empty_folder_is_used(tmp_path, fast_reproduce):
    (tmp_path / "empty").mkdir()
    reproduction.reproduce(tmp_path / "empty", quiet=True)
    assert (tmp_path / "empty" / "report.json").is_file()


def test_a_folder_of_other_files_and_links_are_refused(tmp_path, fast_reproduce, capsys):
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("mine")
    code, _, err = cli(capsys, "reproduce", "--quiet", "--force", "--out", other)
    assert code == 2 and "not a learning-dynamics report" in one_line(err)
    assert (other / "notes.txt").read_text() == "mine"
    link = tmp_path / "link"
    link.symlink_to(other)
    code, _, err = cli(capsys, "reproduce", "--quiet", "--force", "--out", link)
    assert code == 2 and "symbolic link" in one_line(err) and link.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "other"]


def test_a_report_written_before_manifests_is_replaced_by_its_known_files(tmp_path, fast_reproduce):
    out = tmp_path / "old"
    (out / "figures").mkdir(parents=True)
    (out / files.RUN_MARKER).write_text("learning-dynamics 0.1.0 at 2026-01-01T00:00:00\n")
    (out / "report.md").write_text("# old")
    (out / "figures" / "a.png").write_bytes(b"png")
    (out / "report.json").write_text(json.dumps({"figures": ["figures/a.png"]}))
    reproduction.reproduce(out, quiet=True, force=True)
    assert sorted(snapshot(out)) == [files.RUN_MARKER, "data", "data/fake.json", "data/fake.npz", "figures",
                                     "figures/fake.pdf", "figures/fake.png", "report.json", "report.md"]


@pytest.mark.parametrize("failure", [KeyboardInterrupt, RuntimeError])
def test_a_failed_or_interrupted_run_leaves_the_previous_report_and_no_temporary(tmp_path, monkeypatch, failure):
    out = tmp_path / "report"
    use_experiments(monkeypatch, fake_experiment())
    reproduction.reproduce(out, quiet=True)
    before = snapshot(out)

    def breaks():
        raise failure()

    use_experiments(monkeypatch, fake_experiment(), fake_experiment("breaks", run=breaks))
    with pytest.raises(failure):
        reproduction.reproduce(out, quiet=True, force=True)
    assert snapshot(out) == before and sorted(p.name for p in tmp_path.iterdir()) == ["report"]
    fresh = tmp_path / "deep" / "new"
    with pytest.raises(failure):
        reproduction.reproduce(fresh, quiet=True)
    assert not (tmp_path / "deep").exists()  # not even the parent folder it created


# --------------------------------------------------------------------------- signals and processes

def test_ctrl_c_during_reproduce_force_keeps_the_previous_report(tmp_path, monkeypatch, capsys, real_sigint):
    """A real SIGINT, sent to this process by the second experiment while the new report is being built."""
    out = tmp_path / "report"
    use_experiments(monkeypatch, fake_experiment())
    reproduction.reproduce(out, quiet=True)  # a complete previous report (fast stand-in)
    before = snapshot(out)
    building = []

    def interrupted():
        building.extend(tmp_path.glob(".report.building-*"))  # the new report is being built
        os.kill(os.getpid(), signal.SIGINT)
        deadline = time.time() + 10
        while time.time() < deadline:  # the KeyboardInterrupt arrives here
            time.sleep(0.01)
        raise AssertionError("SIGINT was not delivered")

    use_experiments(monkeypatch, fake_experiment(), fake_experiment("interrupted", run=interrupted))
    code, _, err = cli(capsys, "reproduce", "--quick", "--quiet", "--force", "--out", out)
    assert building and code == 130 and one_line(err) == "learning-dynamics: interrupted"
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report"]


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_ctrl_c_or_kill_during_simulate_is_one_line_and_writes_nothing(tmp_path, monkeypatch, capsys, real_sigint,
                                                                       signum, status):
    """A real signal, sent to this process 0.2 s into a million-step gradient descent."""
    from dynamics.groundtruth import training

    target = tmp_path / "run.csv"
    train, timers = training.train, []

    def train_then_signal(*args, **kwargs):  # the CLI's handlers are installed by now
        timers.append(threading.Timer(0.2, os.kill, (os.getpid(), signum)))
        timers[0].start()
        return train(*args, **kwargs)

    monkeypatch.setattr(training, "train", train_then_signal)
    handler = signal.getsignal(signal.SIGTERM)
    started = time.time()
    code, _, err = cli(capsys, "simulate", "--steps", "1000000", "--out", target)
    timers[0].join()
    assert code == status and one_line(err) == "learning-dynamics: interrupted"
    assert time.time() - started < 20  # stopped, not run to the end (a million steps take about a minute)
    assert list(tmp_path.iterdir()) == [] and signal.getsignal(signal.SIGTERM) == handler


def spawn(*argv, **kwargs):
    env = {"CI": "1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, *argv], env=env, text=True, **kwargs)


def test_dev_stdout_to_a_reader_closing_the_pipe_early_ends_quietly():
    """A real process (the pipe's reader must go away): 10,000 rows fill the pipe, the reader takes one."""
    proc = spawn("-m", "dynamics.cli", "predict", "--points", "10000", "--out", "/dev/stdout",
                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().strip() == "t,u,confidence"
    proc.stdout.close()  # like '| head -1'
    stderr = proc.stderr.read()
    assert proc.wait(timeout=60) in (0, 141) and stderr == ""


# --------------------------------------------------------------------------- file modes, closed pipes, warnings

@pytest.fixture
def umask_022():
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def _modes(folder: Path) -> dict:
    return {str(p.relative_to(folder)): stat.S_IMODE(p.lstat().st_mode) for p in sorted(folder.rglob("*"))}


def test_under_umask_022_every_output_is_readable_by_others(tmp_path, capsys, umask_022, fast_reproduce):
    """CSV, JSON, NPZ, PNG, PDF and a report folder: files 0644, folders 0755, as ``open`` or ``mkdir`` would
    make them (the atomic writer's temporary file starts owner-only; the result must not)."""
    out = tmp_path / "out"
    for argv in (("simulate", "--steps", "2", "--out", out / "s.csv"),
                 ("simulate", "--steps", "2", "--format", "json", "--out", out / "j.json"),
                 ("simulate", "--steps", "2", "--format", "npz", "--out", out / "n.npz"),
                 ("compare", "--steps", "2", "--out", out / "c.json", "--figure", out / "figs" / "c"),
                 ("predict", "--points", "2", "--out", out / "p.csv")):
        assert cli(capsys, *argv)[0] == 0
    reproduction.reproduce(out / "report", quiet=True)
    modes = _modes(out)
    expected = {"s.csv", "s.json", "j.json", "n.npz", "n.json", "c.json", "figs/c.png", "figs/c.pdf", "p.csv",
                "report/report.json", "report/report.md", "report/figures/fake.png", "report/figures/fake.pdf"}
    assert expected <= set(modes)
    for name, mode in modes.items():
        assert mode == (0o755 if (out / name).is_dir() else 0o644), (name, oct(mode))


@pytest.mark.parametrize("argv, first", [
    (("derive", "wide", "--latex"), "\\begin{align*}"),
    (("simulate", "--steps", "5000", "--record-every", "1"), "step,t,point,class,label,logit,p_true_class,mean_loss"),
])
def test_a_reader_taking_one_line_ends_the_command_quietly(argv, first):
    """``... | head -1``: the reader goes away after one line; the command ends with 0 or 141 and says nothing
    (the simulate table is about 4 MB, far more than a pipe holds)."""
    proc = spawn("-m", "dynamics.cli", *argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdout.readline().strip() == first
    proc.stdout.close()
    stderr = proc.stderr.read()
    assert proc.wait(timeout=120) in (0, 141) and stderr == ""


def test_deep_logit_at_a_huge_time_is_silent_under_warnings_as_errors():
    """``dynamics.logit([0, 1e6], u0=1e-8, depth=3)`` once warned 'invalid value encountered in divide'; the
    value at t = 0 is u0, and the logit grows."""
    import warnings

    import numpy as np

    import dynamics

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        u = dynamics.logit([0, 1e6], u0=1e-8, depth=3)
    assert u[0] == 1e-8 and np.all(np.isfinite(u)) and u[1] > u[0]


def test_plots_is_the_figures_module_loaded_on_first_use():
    import dynamics
    import dynamics.report.figures as figures

    assert dynamics.plots is figures and callable(dynamics.plots.comparison_figure)
    assert "plots" in dynamics.__doc__  # documented where the package is described


def test_an_existing_output_is_never_replaced_without_force(tmp_path, capsys, monkeypatch):
    """A file that exists -- another run's results or one of the user's -- is refused (exit 2, one line, the file
    untouched), whether it is the named --out, the parameters JSON beside a table, or compare's default figure;
    --force replaces them."""
    monkeypatch.chdir(tmp_path)
    notes = tmp_path / "notes.json"
    notes.write_text("my notes")
    code, _, err = cli(capsys, "simulate", "--steps", "2", "--format", "npz", "--out", "notes.npz")
    assert code == 2 and "notes.json" in err and "--force" in err and notes.read_text() == "my notes"
    assert not (tmp_path / "notes.npz").exists()
    assert cli(capsys, "compare", "--steps", "2", "--out", "c.json")[0] == 0  # figure ./comparison.png, .pdf
    before = {p: p.read_bytes() for p in tmp_path.glob("comparison.*")}
    code, _, err = cli(capsys, "compare", "--steps", "3", "--out", "d.json")
    assert code == 2 and "comparison.png" in err and not (tmp_path / "d.json").exists()
    assert {p: p.read_bytes() for p in tmp_path.glob("comparison.*")} == before
    code, _, err = cli(capsys, "simulate", "--steps", "2", "--out", "c.csv")  # its parameters would be c.json
    assert code == 2 and "c.json" in err and json.loads((tmp_path / "c.json").read_text())["parameters"]["steps"] == 2
    assert not (tmp_path / "c.csv").exists()
    code, _, err = cli(capsys, "predict", "--out", "c.json", "--format", "json")
    assert code == 2 and "exists" in err
    assert cli(capsys, "simulate", "--steps", "2", "--format", "npz", "--out", "notes.npz", "--force")[0] == 0
    assert json.loads(notes.read_text())["table_file"] == "notes.npz"


def test_an_output_named_for_another_format_is_refused(tmp_path, capsys):
    """``--format npz --out x.csv`` would write a zip file named .csv: refused, naming both."""
    code, _, err = cli(capsys, "simulate", "--steps", "2", "--format", "npz", "--out", tmp_path / "x.csv")
    assert code == 2 and ".csv" in err and "npz" in err and not list(tmp_path.iterdir())
    code, _, err = cli(capsys, "predict", "--format", "csv", "--out", tmp_path / "x.json")
    assert code == 2 and not list(tmp_path.iterdir())
