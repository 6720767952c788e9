"""Every example script runs at quick size and writes its output into the folder it is given.

The examples run in-process (``runpy``, as ``__main__``, with ``sys.argv`` set): each one calls
``examples/_common.run_example``, which takes ``registry.get(name).result("quick")``, the quick result computed
once per session and shared with the experiment tests and ``reproduce``, so an example costs only its drawing.
Rendering every figure to PNG and PDF is checked once, by the ``reproduce`` test in test_cli.py.
"""
import re
import runpy
import sys
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).resolve().parents[1] / "examples"
EXAMPLES = sorted(p for p in EXAMPLES_DIR.glob("*.py") if not p.name.startswith("_"))
#: Smallest PNG a figure may be (pixels): anything smaller is an empty or collapsed figure.
MIN_PNG_SIZE = (400, 200)
#: Smallest PDF a figure may be (bytes): an empty page with fonts is smaller.
MIN_PDF_BYTES = 5_000


def run_script(script, out, monkeypatch, capsys):
    """Run ``script OUT --size quick`` as ``__main__`` in this process; return what it printed."""
    monkeypatch.syspath_prepend(str(EXAMPLES_DIR))
    monkeypatch.setattr(sys, "argv", [str(script), str(out), "--size", "quick"])
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exc:  # argparse refused the arguments
        if exc.code not in (None, 0):
            pytest.fail(f"{Path(script).name} exited with {exc.code}: {capsys.readouterr().err[-2000:]}")
    return capsys.readouterr().out


def check_output(stdout, folder):
    """What an example that writes files must leave: printed lines without NaN/inf, and readable figures
    (PNG size, PDF header and size) or LaTeX."""
    assert stdout.strip(), "the example printed nothing"
    assert not re.search(r"\b(nan|inf)\b", stdout, re.IGNORECASE), stdout[-2000:]  # no silent NaN/inf
    written = list(folder.iterdir())
    assert any(p.suffix in (".png", ".tex") for p in written), "the example wrote no figure or LaTeX"
    for path in written:
        assert path.stat().st_size > 0, f"{path.name} is empty"
        if path.suffix == ".png":
            from PIL import Image  # matplotlib depends on pillow
            with Image.open(path) as im:
                assert im.size[0] > MIN_PNG_SIZE[0] and im.size[1] > MIN_PNG_SIZE[1], (path.name, im.size)
        if path.suffix == ".pdf":
            assert path.read_bytes()[:5] == b"%PDF-" and path.stat().st_size > MIN_PDF_BYTES, path.name
    assert sorted(p.stem for p in written if p.suffix == ".pdf") == sorted(p.stem for p in written
                                                                         if p.suffix == ".png")


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script, tmp_path, monkeypatch, capsys):
    """Each example runs end to end and hands every figure of its experiment to ``save_figure``.

    The figures are checked as drawn (a Figure with data) but not rendered here: rendering and writing every
    experiment's figures (PNG size, PDF header and size) is checked once, by ``reproduce`` in test_cli.py, and
    the example's own saving path by the stand-in test below, which writes real files.
    """
    from matplotlib.figure import Figure

    monkeypatch.syspath_prepend(str(EXAMPLES_DIR))
    import _common

    saved = []

    def record(fig, stem):
        assert isinstance(fig, Figure) and any(ax.has_data() for ax in fig.axes), stem
        saved.append(Path(stem))
        return [str(Path(stem).with_suffix(f".{ext}")) for ext in ("png", "pdf")]

    monkeypatch.setattr(_common, "save_figure", record)
    stdout = run_script(script, tmp_path, monkeypatch, capsys)
    if "run_example(" in script.read_text():
        from dynamics.experiments import registry
        name = script.read_text().split('run_example("')[1].split('"')[0]
        experiment = registry.get(name)
        assert stdout.strip() and not re.search(r"\b(nan|inf)\b", stdout, re.IGNORECASE), stdout[-2000:]
        printed = [line.split(":")[0] for line in stdout.splitlines() if ": passed" in line or ": FAILED" in line]
        assert printed == [c.id for c in experiment.claims(experiment.result("quick"))]  # every claim, in order
        assert ": FAILED" not in stdout
        assert sorted(saved) == sorted(tmp_path / stem for stem in experiment.figures(experiment.result("quick")))
    else:
        check_output(stdout, tmp_path)


def test_an_example_reuses_the_sessions_quick_result(tmp_path, monkeypatch, capsys):
    """The mechanism, on a stand-in experiment: two runs of an example compute its quick result once, with the
    quick size's parameters, and each run only draws and saves."""
    from dynamics.experiments import registry
    from dynamics.experiments.claims import ClaimRecord
    from dynamics.experiments.style import new_figure

    calls = []

    def run(points):
        calls.append(points)
        return points

    def figures(points):
        fig, ax = new_figure()
        ax.plot(range(points), [i * i for i in range(points)])
        return {"stand_in": fig}

    def claims(points):
        return [ClaimRecord(id="stand_in", section="test", statement="a stand-in", theory=1.0, measured=1.0,
                            error=0.0, passed=True, kind="measured", tolerance=0.0, criterion="a stand-in")]

    stand_in = registry.Experiment(name="stand_in", title="a stand-in", order=0,
                                   sizes={"quick": {"points": 5}, "full": {"points": 500}},
                                   run=run, figures=figures, claims=claims)
    real_get = registry.get
    monkeypatch.setattr(registry, "get", lambda name: stand_in if name == "stand_in" else real_get(name))
    script = tmp_path / "stand_in_example.py"
    script.write_text('"""A stand-in example."""\nfrom _common import run_example\n\n'
                      'if __name__ == "__main__":\n    run_example("stand_in", __doc__)\n')
    for out in (tmp_path / "first", tmp_path / "second"):
        stdout = run_script(script, out, monkeypatch, capsys)
        check_output(stdout, out)
        assert "stand_in: passed" in stdout and sorted(p.name for p in out.iterdir()) == ["stand_in.pdf",
                                                                                       "stand_in.png"]
    assert calls == [5]
