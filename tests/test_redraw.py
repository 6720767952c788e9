"""A report keeps the data behind its figures, and a figure redrawn from that data is the original, pixel for pixel.

The original is the PNG ``reproduce`` rendered from the result in memory; the copy is rendered by
:func:`dynamics.report.redraw` from the result loaded from ``data/<experiment>.npz/.json``.  Both PNGs are read
back with ``matplotlib.image.imread`` and compared exactly.
"""
import json

import matplotlib.image
import numpy as np
import pytest

from dynamics import archive
from dynamics.experiments import registry
from dynamics.report import figure_index, redraw, reproduce

CHEAP = ("lemma31", "multiclass")  # quick sizes in well under a second each


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    folder = tmp_path_factory.mktemp("reports") / "report"
    reproduce(folder, quick=True, quiet=True, only=CHEAP)
    return folder


def test_report_json_names_each_figure_s_experiment_files_and_data(report):
    payload = json.loads((report / "report.json").read_text())
    index = payload["figure_data"]
    expected = {stem: e.name for e in map(registry.get, CHEAP) for stem in e.figures(e.result("quick"))}
    assert {stem: entry["experiment"] for stem, entry in index.items()} == expected
    assert sorted(f for entry in index.values() for f in entry["files"]) == sorted(payload["figures"])
    for entry in index.values():
        assert entry["data"] == f"data/{entry['experiment']}.json" and (report / entry["data"]).is_file()
        meta = archive.read_metadata(report / entry["data"])
        assert meta["parameters"]["experiment"] == entry["experiment"] and meta["parameters"]["size"] == "quick"
    assert payload["parameters"]["seed"] is None
    assert payload["parameters"]["experiment_seeds"] == {"lemma31": None, "multiclass": 3}  # the built-in seeds


def test_the_saved_data_is_the_result_the_report_was_drawn_from(report):
    from test_archive import assert_identical
    for name in CHEAP:
        assert_identical(archive.load(report / "data" / name), registry.get(name).result("quick"))


def test_a_redrawn_figure_matches_the_original_pixel_for_pixel(report, tmp_path):
    drawn = redraw(report, "multiclass", out=tmp_path)  # by experiment name: all of its figures
    assert set(drawn) == {s for s, e in figure_index(report).items() if e["experiment"] == "multiclass"}
    stem, = drawn
    original = matplotlib.image.imread(report / "figures" / f"{stem}.png")
    again = matplotlib.image.imread(tmp_path / f"{stem}.png")
    assert original.shape == again.shape and np.array_equal(original, again)
    # and by the figure's stem, for the other experiment
    stem = next(s for s, e in figure_index(report).items() if e["experiment"] == "lemma31")
    assert list(redraw(report, stem, out=tmp_path / "b")) == [stem]
    assert np.array_equal(matplotlib.image.imread(report / "figures" / f"{stem}.png"),
                          matplotlib.image.imread(tmp_path / "b" / f"{stem}.png"))


def test_the_pixel_comparison_can_fail(report, tmp_path):
    """The same figure with one line moved is not pixel-equal: the check above can fail."""
    stem, fig = next(iter(redraw(report, "multiclass").items()))
    line = fig.axes[0].lines[0]
    line.set_ydata(np.asarray(line.get_ydata()) * 0.9)
    fig.savefig(tmp_path / "moved.png", dpi=150, bbox_inches="tight")
    moved = matplotlib.image.imread(tmp_path / "moved.png")
    original = matplotlib.image.imread(report / "figures" / f"{stem}.png")
    assert moved.shape != original.shape or not np.array_equal(moved, original)


def test_a_stem_that_is_neither_a_figure_nor_an_experiment_lists_both(report):
    with pytest.raises(ValueError, match=r"'fig99' is neither a figure nor an experiment .*experiments: lemma31, "
                                         r"multiclass"):
        redraw(report, "fig99")
    with pytest.raises(TypeError, match="stem must be"):
        redraw(report, 3)


def test_a_report_without_figure_data_or_with_a_data_path_outside_it_is_refused(report, tmp_path):
    with pytest.raises(FileNotFoundError, match="report_dir must be a report folder"):
        redraw(tmp_path, "multiclass")
    payload = json.loads((report / "report.json").read_text())
    old = tmp_path / "old"
    old.mkdir()
    (old / "report.json").write_text(json.dumps({k: v for k, v in payload.items() if k != "figure_data"}))
    with pytest.raises(ValueError, match="lists no figure data"):
        redraw(old, "multiclass")
    stem = next(iter(payload["figure_data"]))
    payload["figure_data"][stem]["data"] = "../elsewhere.json"
    (old / "report.json").write_text(json.dumps(payload))
    with pytest.raises(ValueError, match="no data path inside the report"):
        redraw(old, stem)


def test_the_redraw_command_draws_into_a_new_folder_and_refuses_what_it_must(report, tmp_path, capsys):
    """``learning-dynamics redraw REPORT FIGURE... --out DIR``: the same pixels as the report's figure; an unknown
    figure, a damaged or edited data file, the report itself or an existing file as --out are one-line usage
    errors (exit 2) that write nothing; an existing figure in --out is never replaced."""
    import shutil

    from dynamics.cli import main

    def cli(*argv):
        code = main([str(a) for a in argv])
        err = capsys.readouterr().err.strip()
        assert "Traceback" not in err and len(err.splitlines()) <= 1, err
        return code, err

    stem = next(s for s, e in figure_index(report).items() if e["experiment"] == "multiclass")
    assert cli("redraw", report, "multiclass", "--out", tmp_path / "new")[0] == 0
    assert np.array_equal(matplotlib.image.imread(report / "figures" / f"{stem}.png"),
                          matplotlib.image.imread(tmp_path / "new" / f"{stem}.png"))
    before = (tmp_path / "new" / f"{stem}.png").read_bytes()
    code, err = cli("redraw", report, stem, "--out", tmp_path / "new")
    assert code == 2 and "exists" in err and (tmp_path / "new" / f"{stem}.png").read_bytes() == before
    code, err = cli("redraw", report, "nosuch", "--out", tmp_path / "x")
    assert code == 2 and "FIGURE" in err and "multiclass" in err and not (tmp_path / "x").exists()
    assert cli("redraw", report, "multiclass", "--out", report)[0] == 2
    (tmp_path / "file").write_text("mine")
    assert cli("redraw", report, "multiclass", "--out", tmp_path / "file")[0] == 2
    assert cli("redraw", tmp_path, "multiclass", "--out", tmp_path / "y")[0] == 2  # not a report
    damaged = tmp_path / "damaged"
    shutil.copytree(report, damaged)
    document = json.loads((damaged / "data" / "multiclass.json").read_text())
    document["structure"]["qualname"] = "Other"
    (damaged / "data" / "multiclass.json").write_text(json.dumps(document))
    code, err = cli("redraw", damaged, "multiclass", "--out", tmp_path / "z")
    assert code == 2 and "REPORT" in err and "changed" in err and not (tmp_path / "z").exists()
    (damaged / "data" / "lemma31.npz").write_bytes(b"garbage")
    code, err = cli("redraw", damaged, "lemma31", "--out", tmp_path / "z")
    assert code == 2 and "SHA-256" in err and not (tmp_path / "z").exists()
