"""A user's own data: reading labelled files (io.load_labelled) and the commands check / compare --data."""
import json
import os
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from dynamics.cli import main
from dynamics.io import load_labelled


# --------------------------------------------------------------------------- io.load_labelled, hand-written files

def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("text", [
    "1.5,-2,1\n0,3,2\n",                              # no header
    "x1,x2,label\n1.5,-2,1\n0,3,2\n",                 # a header
    ",x1,x2,label\n0,1.5,-2,1\n1,0,3,2\n",            # pandas' default to_csv: header and an unnamed index column
    "# a comment\n\n1.5,-2,1\n\n0,3,2\n",            # comments and blank lines skipped
])
def test_csv_with_or_without_a_header(tmp_path, text):
    data = load_labelled(_write(tmp_path, "d.csv", text))
    assert data.X.tolist() == [[1.5, -2.0], [0.0, 3.0]] and data.labels.tolist() == [1, 2]
    assert data.classes == (1, 2) and data.mapping == "labels 1 -> class 1, 2 -> class 2 (kept)"
    assert not data.X.flags.writeable and not data.labels.flags.writeable


def test_the_file_pandas_writes_by_default(tmp_path):
    # pd.DataFrame({"a": [1.0, 2.0, -1.0], "b": [0.5, 0.0, 2.0], "y": [0, 0, 1]}).to_csv(path), byte for byte
    data = load_labelled(_write(tmp_path, "p.csv", ",a,b,y\n0,1.0,0.5,0\n1,2.0,0.0,0\n2,-1.0,2.0,1\n"))
    assert data.X.tolist() == [[1.0, 0.5], [2.0, 0.0], [-1.0, 2.0]] and data.labels.tolist() == [2, 2, 1]


def test_zero_one_labels_and_strings_are_mapped_and_said(tmp_path):
    data = load_labelled(_write(tmp_path, "d.csv", "1,0\n2,1\n3,0\n"))
    assert data.labels.tolist() == [2, 1, 2] and data.classes == (1, 0)  # a label 1 is class 1
    assert data.mapping == "labels 1 -> class 1, 0 -> class 2"
    text = load_labelled(_write(tmp_path, "s.csv", "f,label\n1,spam\n2,eggs\n3,spam\n"))
    assert text.labels.tolist() == [2, 1, 2] and text.classes == ("eggs", "spam")  # sorted: eggs first
    assert text.mapping == "labels 'eggs' -> class 1, 'spam' -> class 2"
    headerless = load_labelled(_write(tmp_path, "h.csv", "1,2,cat\n3,4,dog\n"))  # string labels, no header
    assert headerless.X.tolist() == [[1.0, 2.0], [3.0, 4.0]] and headerless.classes == ("cat", "dog")
    negative = load_labelled(_write(tmp_path, "n.csv", "1,1\n2,-1\n"))
    assert negative.labels.tolist() == [1, 2] and negative.classes == (1, -1)  # +1/-1: the sign is the label


def test_npz_with_numbers_or_strings(tmp_path):
    np.savez(tmp_path / "a.npz", X=np.eye(3), labels=np.array([1, 2, 2]))
    data = load_labelled(tmp_path / "a.npz")
    assert data.X.tolist() == np.eye(3).tolist() and data.labels.tolist() == [1, 2, 2] and data.classes == (1, 2)
    np.savez(tmp_path / "b.npz", X=np.eye(2), labels=np.array(["up", "down"]))
    assert load_labelled(tmp_path / "b.npz").labels.tolist() == [2, 1]
    np.savez(tmp_path / "c.npz", X=np.eye(2), labels=np.array([0.0, 1.0]))
    assert load_labelled(tmp_path / "c.npz").mapping == "labels 1 -> class 1, 0 -> class 2"


@pytest.mark.parametrize("name, content, words", [
    ("three.csv", "1,1\n2,2\n3,3\n", ["3 distinct values", "1, 2, 3"]),
    ("one.csv", "1,3\n2,3\n", ["one distinct value, 3"]),
    ("one_class.csv", "1,1\n2,1\n", ["class 2 has no points"]),
    ("strings.csv", "1,a\n2,b\n3,c\n", ["3 distinct values", "'a', 'b', 'c'"]),
    ("nan.csv", "1,nan\n2,1\n", ["finite"]),
    ("ragged.csv", "1,2,1\n2,2\n", ["row 2 has 2 fields"]),
    ("feature.csv", "x,y\n1,2\nfoo,1\n", ["row 3", "'foo'", "not a number"]),
    ("header_only.csv", "x,y\n", ["only a header"]),
    ("nolabel.csv", "1,2\n3,\n", ["row 2 has no label"]),
    ("empty.csv", "", ["no data points"]),
    ("one_column.csv", "5\n", ["at least one feature"]),
    ("data.txt", "1,0,1\n", [".npz or .csv"]),
])
def test_bad_files_are_refused_by_name(tmp_path, name, content, words):
    path = _write(tmp_path, name, content)
    with pytest.raises(ValueError) as info:
        load_labelled(path)
    for word in words:
        assert word in str(info.value)
    assert str(path) in str(info.value)


def test_the_bad_files_load_dataset_refuses_are_still_refused(tmp_path):
    (tmp_path / "empty.npz").write_bytes(b"")
    np.savez(tmp_path / "no_labels.npz", X=np.eye(2))
    (tmp_path / "folder").mkdir()
    with pytest.raises(FileNotFoundError, match="does not exist"):
        load_labelled(tmp_path / "missing.csv")
    for name, words in (("empty.npz", "empty"), ("no_labels.npz", "'X' and 'labels'"), ("folder", "is a folder")):
        with pytest.raises(ValueError, match=words):
            load_labelled(tmp_path / name)
    with pytest.raises(ValueError, match="device"):
        load_labelled("/dev/null")


# --------------------------------------------------------------------------- the commands on a user's data

@pytest.fixture
def run(capsys):
    """``run(*args)`` -> ``returncode``, ``stdout``, ``stderr`` of the command, run in-process."""
    def invoke(*args):
        code = main([str(a) for a in args])
        captured = capsys.readouterr()
        return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)
    return invoke


#: H1 holds: inner products positive within each class, negative across (several points, different norms).
GOOD_X = np.array([[1.0, 0.2, 0.0], [0.8, 0.5, 0.1], [1.5, 0.1, 0.3], [-1.0, -0.1, 0.0], [-0.5, -0.6, 0.2]])
GOOD_LABELS = np.array([1, 1, 1, 0, 0])  # a label 1 is class 1
#: H1 fails: point 0 (class 1) and point 2 (class 2) have the inner product 1*0.3 + 0.2*(-1) = 0.1 > 0.
BAD_X = np.array([[1.0, 0.2], [0.6, 0.8], [0.3, -1.0], [-1.0, -0.5]])
BAD_LABELS = np.array(["yes", "yes", "no", "no"])  # sorted: "no" is class 1


@pytest.fixture
def files(tmp_path):
    np.savez(tmp_path / "good.npz", X=GOOD_X, labels=GOOD_LABELS)
    rows = "\n".join(",".join([*map(repr, x), label]) for x, label in zip(BAD_X.tolist(), BAD_LABELS))
    (tmp_path / "bad.csv").write_text("a,b,answer\n" + rows + "\n")
    return SimpleNamespace(good=tmp_path / "good.npz", bad=tmp_path / "bad.csv", folder=tmp_path)


def test_check_reports_the_assumptions_as_json(files, run):
    out = run("check", "--data", files.good, "--format", "json")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["holds"] is True and set(payload["assumptions"]) == {"H1", "H2", "H3"}
    for entry in payload["assumptions"].values():
        assert {"holds", "margin", "violations"} <= set(entry) and entry["holds"] is True
    assert payload["data"]["labels"] == "labels 1 -> class 1, 0 -> class 2" and payload["data"]["n"] == 5
    assert payload["init"]["scheme"] == "class_mean"


def test_check_says_when_h1_fails_and_strict_fails_the_exit_status(files, run):
    out = run("check", "--data", files.bad)
    assert out.returncode == 0, out.stderr
    text = out.stdout
    assert "H1: FAILS" in text and "labels 'no' -> class 1, 'yes' -> class 2" in text
    assert "data-coordinate flow" in text
    payload = json.loads(run("check", "--data", files.bad, "--format", "json").stdout)
    assert payload["holds"] is False and payload["assumptions"]["H1"]["holds"] is False
    assert payload["assumptions"]["H1"]["violations"]
    assert run("check", "--data", files.bad, "--strict").returncode == 1
    assert run("check", "--data", files.good, "--strict").returncode == 0


def test_compare_on_the_users_data_records_everything(files, run):
    stem = files.folder / "fig"
    out = run("compare", "--data", files.good, "--lr", "0.05", "--steps", "200", "--record-every", "20",
              "--figure", stem, "--out", files.folder / "a.json")
    assert out.returncode == 0, out.stderr
    payload = json.loads((files.folder / "a.json").read_text())
    parameters = payload["parameters"]
    assert parameters["data"] == str(files.good) and parameters["labels"].startswith("labels 1 -> class 1")
    assert parameters["loss"] == "bce" and parameters["loss_formula"] == "log(1 + exp(-m))"
    assert parameters["init"]["scheme"] == "class_mean" and parameters["lr"] == 0.05 and parameters["steps"] == 200
    assert parameters["seed"] == 0 and payload["holds"] is True and payload["theory"] in ("modes", "closed form")
    agreement = payload["agreement"]
    assert {"max_abs_logit", "max_rel_logit", "first_pattern_change"} <= set(agreement)
    assert agreement["max_rel_logit"] < 0.05 and agreement["first_pattern_change"] is None
    assert payload["verdict"]["agrees"] is True
    assert (files.folder / "fig.png").stat().st_size > 1000 and (files.folder / "fig.pdf").exists()


def test_compare_outside_the_assumptions_uses_the_data_flow(files, run):
    out = run("compare", "--data", files.bad, "--lr", "0.05", "--steps", "200", "--record-every", "20",
              "--figure", files.folder / "bad")
    assert out.returncode == 0, out.stderr
    payload = json.loads(out.stdout)
    assert payload["holds"] is False and payload["assumptions"]["H1"]["holds"] is False
    assert payload["theory"] == "data-coordinate flow" and payload["agreement"]["max_rel_logit"] < 0.05
    assert payload["agreement"]["decoupled_modes"]["available"] is True  # how far the paper's theory would be off


def test_simulate_data_default_is_the_class_mean_start_on_the_mean_loss(files, run):
    """The default --data start is unchanged: one unit per class along its class mean (length 0.1, output weights
    +-0.1); the first recorded loss is the mean BCE of those logits, computed here by hand."""
    out = run("simulate", "--data", files.good, "--steps", "10", "--record-every", "10", "--format", "json")
    assert out.returncode == 0, out.stderr
    table = json.loads(out.stdout)["table"]  # rows in time order, then point order: the first 5 are step 0
    means = [GOOD_X[GOOD_LABELS == k].mean(axis=0) for k in (1, 0)]
    W0 = np.array([0.1 * mean / np.linalg.norm(mean) for mean in means])
    u = np.maximum(GOOD_X @ W0.T, 0.0) @ np.array([0.1, -0.1])
    signs = np.where(GOOD_LABELS == 1, 1.0, -1.0)
    assert table["logit"][:5] == pytest.approx(u.tolist(), rel=1e-14)
    assert table["mean_loss"][0] == pytest.approx(np.mean(np.log1p(np.exp(-signs * u))), rel=1e-14)
    relabelled = files.folder / "relabelled.npz"
    np.savez(relabelled, X=GOOD_X, labels=2 - GOOD_LABELS)  # the same data labelled 1/2: the same run, bit for bit
    again = run("simulate", "--data", relabelled, "--steps", "10", "--record-every", "10", "--format", "json")
    retold = json.loads(again.stdout)["table"]
    assert retold.pop("label") == [2 - label for label in table.pop("label")]  # each as its file spells it
    assert retold == table


@pytest.mark.parametrize("formula, expected", [("exp(-m)", "exp(-m)"),
                                               ("2*log(1+exp(-m/2))", "2*log(1 + exp(-m/2))"),
                                               ("max(0, 1-m)", "Max(0, 1 - m)")])
def test_compare_trains_and_predicts_a_loss_formula(files, run, formula, expected):
    """Gradient descent on the real network meets the theory of the typed loss as lr -> 0: five times smaller a
    learning rate over the same flow time (0 to 10) gives about five times smaller a logit error."""
    errors = []
    for lr, steps in ((0.05, 200), (0.01, 1000)):
        out = run("compare", "--data", files.good, "--loss", formula, "--lr", lr, "--steps", steps,
                  "--record-every", steps // 10, "--figure", files.folder / f"f{lr}")
        assert out.returncode == 0, out.stderr
        payload = json.loads(out.stdout)
        assert payload["parameters"]["loss"] == formula and payload["parameters"]["loss_formula"] == expected
        assert payload["theory"] == "modes"
        errors.append(payload["agreement"]["max_abs_logit"])
    assert 3.5 < errors[0] / errors[1] < 7 and errors[1] < 0.02, errors  # measured 4.9-5.0; 0.004-0.013


def test_simulate_honours_the_balanced_initialization_and_a_weights_file(files, run):
    out = run("simulate", "--data", files.good, "--init", "balanced", "--u0", "0.2", "--v0", "-0.3",
              "--steps", "10", "--record-every", "10", "--format", "json")
    assert out.returncode == 0, out.stderr
    table = json.loads(out.stdout)["table"]
    u = np.array(table["logit"][:5])
    # the balanced initialization aims the mean initial logit of each class at --u0 / --v0
    assert u[:3].mean() == pytest.approx(0.2, rel=1e-12) and u[3:].mean() == pytest.approx(-0.3, rel=1e-12)
    W0, Z0 = np.array([[0.1, 0.2, 0.0], [-0.2, -0.1, 0.1]]), np.array([0.5, -0.4])
    np.savez(files.folder / "w.npz", W0=W0, Z0=Z0)
    out = run("simulate", "--data", files.good, "--weights", files.folder / "w.npz", "--steps", "10",
              "--record-every", "10", "--format", "json")
    assert out.returncode == 0, out.stderr
    table = json.loads(out.stdout)["table"]
    by_hand = np.maximum(GOOD_X @ W0.T, 0.0) @ Z0  # u_i = sum_j z_j relu(w_j . x_i)
    assert table["logit"][:5] == pytest.approx(by_hand.tolist(), rel=1e-14)


@pytest.mark.parametrize("args, words", [
    (("simulate", "--data", "{good}", "--norms", "1", "1"), ["--norms", "generated data only"]),
    (("simulate", "--data", "{good}", "--p", "0.3"), ["--p", "generated data only"]),
    (("simulate", "--data", "{good}", "--n-points", "4"), ["--n-points", "generated data only"]),
    (("compare", "--data", "{good}", "--dimension", "4"), ["--dimension", "generated data only"]),
    (("simulate", "--data", "{good}", "--u0", "0.3"), ["--u0", "--init balanced"]),
    (("compare", "--data", "{good}", "--init", "random", "--v0", "-0.3"), ["--v0", "--init balanced"]),
    (("check", "--data", "{good}", "--hidden", "3"), ["--hidden", "class_mean"]),
    (("check", "--data", "{good}", "--weights", "{good}", "--init", "balanced"), ["--init", "not with --weights"]),
    (("check", "--data", "{good}", "--weights", "{folder}/none.npz"), ["--weights", "does not exist"]),
    (("check", "--data", "{good}", "--weights", "{good}"), ["--weights", "'W0' and 'Z0'"]),
    (("check", "--data", "{good}", "--init", "balanced", "--u0", "-0.1"), ["--u0", "> 0"]),
    (("simulate", "--init", "random"), ["--init", "--data runs only"]),
    (("compare", "--hidden", "2"), ["--hidden", "--data runs only"]),
    (("compare", "--batch-size", "2"), ["--batch-size", "--data runs only"]),
    (("compare", "--loss", "exp(-m)"), ["--loss", "invalid choice", "need --data"]),
    (("compare", "--data", "{good}", "--loss", "__import__('os').getcwd()"), ["--loss", ".getcwd"]),
    (("simulate", "--data", "{good}", "--loss", "m**1000"), ["--loss", "exponent"]),
    (("compare", "--data", "{folder}/three.csv"), ["--data", "3 distinct values"]),
    (("compare", "--data", "{folder}/zero_mean.npz", "--init", "balanced"), ["--init balanced", "average to zero"]),
    (("check", "--data", "{good}", "--weights", "{folder}/wide.npz"), ["--weights", "W0 must have shape (h, d=3)"]),
    (("check",), ["--data", "required"]),
    (("check", "--data", "{good}", "--format", "yaml"), ["--format", "invalid choice"]),
])
def test_bad_input_is_one_line_and_writes_nothing(files, run, args, words):
    (files.folder / "three.csv").write_text("1,0,1\n0,1,2\n1,1,3\n")
    np.savez(files.folder / "zero_mean.npz", X=np.array([[2.0, 0.0], [-2.0, 0.0], [0.0, -1.0]]), labels=[1, 1, 2])
    np.savez(files.folder / "wide.npz", W0=np.ones((2, 5)), Z0=np.array([0.1, -0.1]))
    before = sorted(files.folder.iterdir())
    argv = [a.format(good=files.good, folder=files.folder) for a in args]
    if argv[0] == "compare":
        argv += ["--figure", str(files.folder / "never")]  # nothing may be written there either
    out = run(*argv)
    lines = out.stderr.strip().splitlines()
    assert out.returncode == 2 and len(lines) == 1 and out.stdout == "", out.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert sorted(files.folder.iterdir()) == before


def test_derive_sizes_the_data_coordinate_models(run):
    """--neurons / --points size data_flow and class_mode: the flow has one dY/dt per unit and point, one dZ/dt per
    unit (counted in the printed equations)."""
    out = run("derive", "data_flow", "--neurons", "2", "--points", "3")
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert sum(line.strip().startswith("dY_") for line in lines) == 6
    assert sum(line.strip().startswith("dZ_") for line in lines) == 2
    mode = run("derive", "class_mode", "--points", "2")
    assert mode.returncode == 0 and sum(line.strip().startswith("dY_") for line in mode.stdout.splitlines()) == 2
    refused = run("derive", "two_layer", "--points", "3")
    assert refused.returncode == 2 and "'data_flow'" in refused.stderr and "'two_layer'" in refused.stderr


def test_simulate_trains_a_loss_formula_and_the_shipped_example_checks(files, run):
    out = run("simulate", "--data", files.good, "--loss", "exp(-m)", "--steps", "10", "--record-every", "10",
              "--format", "json")
    assert out.returncode == 0, out.stderr
    table = json.loads(out.stdout)["table"]
    u = np.array(table["logit"][:5])
    signs = np.where(GOOD_LABELS == 1, 1.0, -1.0)
    assert table["mean_loss"][0] == pytest.approx(np.mean(np.exp(-signs * u)), rel=1e-14)  # the typed loss, by hand
    example = Path(__file__).resolve().parents[1] / "examples" / "data" / "two_groups.csv"
    checked = run("check", "--data", example)
    assert checked.returncode == 0 and "labels 'A' -> class 1, 'B' -> class 2" in checked.stdout


def test_derive_takes_a_loss_formula(run):
    out = run("derive", "two_layer", "--loss", "exp(-m)")
    assert out.returncode == 0, out.stderr
    assert "exp(-y_1*z_1)" in out.stdout  # -l'(m) = exp(-m) at the class-1 margin y_1 z_1
    refused = run("derive", "two_layer", "--loss", "__import__('os')")
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1 and not refused.stdout


def test_an_output_that_is_an_input_or_another_output_is_refused(files, run):
    data = files.folder / "copy.npz"
    data.write_bytes(files.good.read_bytes())
    before = data.read_bytes()
    for args in (("compare", "--data", data, "--steps", "10", "--out", data),
                 ("simulate", "--data", data, "--steps", "10", "--format", "npz", "--out", data),
                 ("compare", "--data", data, "--steps", "10", "--out", files.folder / "x.png",
                  "--figure", files.folder / "x")):
        out = run(*args)
        assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1, out.stderr
        assert "replace" in out.stderr
    assert data.read_bytes() == before and not (files.folder / "x.png").exists()


def test_the_verdict_judges_the_logits_not_the_saturated_probabilities(files, run):
    """At lr 5 the exponential loss's logits are 3% off the flow while sigmoid(u) agrees to 0.002 (it saturates):
    the verdict must say no."""
    out = run("compare", "--data", files.good, "--loss", "exp(-m)", "--lr", "5", "--steps", "100",
              "--figure", files.folder / "big_lr")
    assert out.returncode == 0, out.stderr
    verdict = json.loads(out.stdout)["verdict"]
    assert verdict["max_abs_confidence_error"] < 0.01 < verdict["max_rel_logit"]
    assert verdict["agrees"] is False


def test_a_hard_link_to_the_data_is_the_data(files, run):
    data = files.folder / "linked.npz"
    data.write_bytes(files.good.read_bytes())
    os.link(data, files.folder / "other_name.npz")
    out = run("compare", "--data", files.folder / "other_name.npz", "--steps", "10", "--out", data)
    assert out.returncode == 2 and "replace" in out.stderr
    assert data.read_bytes() == files.good.read_bytes()


def test_a_plain_npy_named_npz_and_too_many_units_are_usage_errors(files, run):
    np.save(files.folder / "plain.npy", np.zeros(3))
    (files.folder / "plain.npz").write_bytes((files.folder / "plain.npy").read_bytes())
    for args, flag in ((("check", "--data", files.folder / "plain.npz"), "--data"),
                       (("check", "--data", files.good, "--init", "balanced", "--hidden", "100000000"), "--hidden")):
        out = run(*args)
        assert out.returncode == 2 and len(out.stderr.strip().splitlines()) == 1 and flag in out.stderr, out.stderr
