"""A user's own data: reading labelled files (io.load_labelled) and the commands check / compare --data."""
import json
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
    assert data.X.tolist() == [[1.0, 0.5], [2.0, 0.0], [-1.0, 2.0]] and data.labels.tolist() == [1, 1, 2]


def test_zero_one_labels_and_strings_are_mapped_and_said(tmp_path):
    data = load_labelled(_write(tmp_path, "d.csv", "1,0\n2,1\n3,0\n"))
    assert data.labels.tolist() == [1, 2, 1] and data.classes == (0, 1)
    assert data.mapping == "labels 0 -> class 1, 1 -> class 2"
    text = load_labelled(_write(tmp_path, "s.csv", "f,label\n1,spam\n2,eggs\n3,spam\n"))
    assert text.labels.tolist() == [2, 1, 2] and text.classes == ("eggs", "spam")  # sorted: eggs first
    assert text.mapping == "labels 'eggs' -> class 1, 'spam' -> class 2"
    headerless = load_labelled(_write(tmp_path, "h.csv", "1,2,cat\n3,4,dog\n"))  # string labels, no header
    assert headerless.X.tolist() == [[1.0, 2.0], [3.0, 4.0]] and headerless.classes == ("cat", "dog")
    negative = load_labelled(_write(tmp_path, "n.csv", "1,1\n2,-1\n"))
    assert negative.labels.tolist() == [2, 1] and negative.classes == (-1, 1)


def test_npz_with_numbers_or_strings(tmp_path):
    np.savez(tmp_path / "a.npz", X=np.eye(3), labels=np.array([1, 2, 2]))
    data = load_labelled(tmp_path / "a.npz")
    assert data.X.tolist() == np.eye(3).tolist() and data.labels.tolist() == [1, 2, 2] and data.classes == (1, 2)
    np.savez(tmp_path / "b.npz", X=np.eye(2), labels=np.array(["up", "down"]))
    assert load_labelled(tmp_path / "b.npz").labels.tolist() == [2, 1]
    np.savez(tmp_path / "c.npz", X=np.eye(2), labels=np.array([0.0, 1.0]))
    assert load_labelled(tmp_path / "c.npz").mapping == "labels 0 -> class 1, 1 -> class 2"


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
