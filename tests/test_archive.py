"""dynamics.archive: results saved to .npz + .json and loaded back identical; bad files refused clearly.

"Identical" is checked by a walker written here (types equal at every level, arrays bit-equal with dtype, shape
and read-only flag), and the .npz is also read independently with ``numpy.load(allow_pickle=False)``.
"""
import dataclasses
import json
import os
import stat
from types import MappingProxyType

import numpy as np
import pytest

import dynamics
from dynamics import archive
from dynamics.experiments import registry


def assert_identical(a, b, where="obj"):
    """Same type everywhere, arrays bit-equal with the same dtype, shape and read-only flag."""
    assert type(a) is type(b), f"{where}: {type(a)} vs {type(b)}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        assert a.tobytes() == b.tobytes(), f"{where}: bits differ"
        assert a.flags.writeable == b.flags.writeable, f"{where}: read-only flag"
    elif isinstance(a, np.generic):
        assert a.dtype == b.dtype and a.tobytes() == b.tobytes(), where
    elif dataclasses.is_dataclass(a):
        for f in dataclasses.fields(a):
            assert_identical(getattr(a, f.name), getattr(b, f.name), f"{where}.{f.name}")
    elif isinstance(a, (tuple, list)):
        assert len(a) == len(b), where
        for i, (x, y) in enumerate(zip(a, b)):
            assert_identical(x, y, f"{where}[{i}]")
    elif hasattr(a, "items"):
        assert list(a) == list(b), f"{where}: keys or their order differ"
        for key in a:
            assert_identical(a[key], b[key], f"{where}[{key!r}]")
        if hasattr(a, "labelled_items"):
            assert [(k, lab) for k, lab, _ in a.labelled_items()] == [(k, lab) for k, lab, _ in b.labelled_items()]
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    else:
        assert a == b and repr(a) == repr(b), f"{where}: {a!r} vs {b!r}"  # repr tells -0.0 from 0.0


def _round_trip(obj, folder, **kwargs):
    written = archive.save(obj, folder / "thing", **kwargs)
    return written, archive.load(folder / "thing")


@pytest.mark.parametrize("name", ["lemma31", "multiclass", "identities"])
def test_an_experiment_result_saved_and_loaded_is_identical(name, tmp_path):
    result = registry.get(name).result("quick")
    written, again = _round_trip(result, tmp_path)
    assert written == [str(tmp_path / "thing.npz"), str(tmp_path / "thing.json")]
    assert_identical(result, again)
    # the .npz read on its own (no pickle) holds the result's arrays and numpy scalars, bit for bit, in walk order
    found = [np.asarray(v) for v in _walk(result) if isinstance(v, (np.ndarray, np.generic))]
    with np.load(tmp_path / "thing.npz", allow_pickle=False) as npz:
        stored = [npz[f"a{i}"] for i in range(len(npz.files))]
    assert [(a.dtype, a.shape, a.tobytes()) for a in found] == [(s.dtype, s.shape, s.tobytes()) for s in stored]


def _walk(value):
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            yield from _walk(getattr(value, f.name))
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _walk(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(key)
            yield from _walk(item)
    else:
        yield value


def test_a_training_run_a_trajectory_and_a_problem_comparison_round_trip(tmp_path):
    X = np.array([[1.0, 0.2], [0.9, -0.1], [-0.8, 0.3]])
    problem = dynamics.Problem(X, np.array([1, 1, 2]), u0=0.1)
    run = problem.train(lr=0.05, steps=40, record_every=4)
    for obj in (run, problem.predict(run.t), problem.compare(run)):
        _, again = _round_trip(obj, tmp_path, overwrite=True)
        assert_identical(obj, again)
    import derivations
    trajectory = dynamics.integrate(derivations.two_layer(), np.array([0.1, 0.2, -0.1, -0.3]),
                                    np.linspace(0, 1, 5), parameters={"n_1": 1.0, "n_2": 1.0, "p": 0.5})
    _, again = _round_trip(trajectory, tmp_path, overwrite=True)
    assert_identical(trajectory, again)  # Named logits keep their labels; MappingProxyType stays one


def test_every_kind_of_value_keeps_its_type_and_bits(tmp_path):
    from dynamics.agreement import ClassAgreement
    frozen = np.arange(6, dtype=np.int32).reshape(2, 3)
    frozen.flags.writeable = False
    value = ClassAgreement(
        time_map="x", t=np.array([0.0, -0.0, np.nan, np.inf]),
        theory_logits={(1.0, -2.5): frozen, (0.5, None): np.array(["a", "bc"]), 3: np.float32(1.5)},
        measured_logits={"n": [None, True, 2, -0.0, float("nan"), float("-inf"), 10 ** 30, ("t", [1])]},
        logits=MappingProxyType({"u": np.bool_(True), "v": np.int64(-7), "w": np.zeros((0, 3))}),
        confidences={})
    _, again = _round_trip(value, tmp_path)
    assert_identical(value, again)
    assert again.theory_logits[(1.0, -2.5)].flags.writeable is False and again.t.flags.writeable is True


def test_metadata_records_parameters_seed_versions_and_format(tmp_path):
    result = registry.get("lemma31").result("quick")
    archive.save(result, tmp_path / "r.json", parameters={"size": "quick", "seed": np.int64(12), "lrs": (0.1, 0.2)})
    meta = archive.read_metadata(tmp_path / "r")
    assert meta["parameters"] == {"size": "quick", "seed": 12, "lrs": [0.1, 0.2]} and meta["seed"] == 12
    assert meta["type"] == "dynamics.experiments.lemma31.Lemma31Result"
    assert meta["format"] == archive.FORMAT and meta["format_version"] == archive.FORMAT_VERSION
    assert meta["versions"]["numpy"] == np.__version__ and "structure" not in meta
    text = (tmp_path / "r.json").read_text()
    json.loads(text)  # strict JSON (no bare NaN)
    assert "NaN" not in text and "Infinity" not in text


def test_files_follow_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        written = archive.save({"a": np.ones(2)}, tmp_path / "sub" / "m")
    finally:
        os.umask(old)
    assert [stat.S_IMODE(os.stat(p).st_mode) for p in written] == [0o644, 0o644]


def _tamper(path, change, *, rehash=True):
    """Edit an archive's JSON; ``rehash`` recomputes its structure digest (as a deliberate forger would), so that
    the checks behind the digest are exercised too."""
    import hashlib

    document = json.loads(path.read_text())
    change(document)
    if rehash:
        text = json.dumps(document["structure"], sort_keys=True, separators=(",", ":"), ensure_ascii=True)
        document["structure_sha256"] = hashlib.sha256(text.encode()).hexdigest()
    path.write_text(json.dumps(document))


def test_a_hand_edited_value_is_refused_on_loading(tmp_path):
    """A value typed over in the JSON (a number made text) is refused at once, naming the file, rather than
    failing later inside whatever uses it."""
    archive.save(registry.get("lemma31").result("quick"), tmp_path / "r")
    _tamper(tmp_path / "r.json", lambda d: d["structure"]["fields"].update(lr={"kind": "str", "value": "oops"}),
            rehash=False)
    with pytest.raises(ValueError, match="r.json was changed after it was saved"):
        archive.load(tmp_path / "r")


@pytest.mark.parametrize("change, message", [
    (lambda d: d["structure"].update(module="os.path", qualname="join"), "outside dynamics, derivations"),
    (lambda d: d["structure"].update(module="dynamics.io", qualname="Path"), "is not a dataclass"),
    (lambda d: d["structure"].update(qualname="NoSuchResult"), "no type dynamics.experiments.lemma31.NoSuch"),
    (lambda d: d["structure"]["fields"].pop("lr"), r"has the fields .*'lr'"),
    (lambda d: d.update(format_version=99), "format version 99"),
    (lambda d: d.update(format="something else"), "not an archive of learning-dynamics"),
    (lambda d: d["structure"]["fields"]["t"].update(key="a999"), "the array 'a999' is not in the .npz"),
    (lambda d: d["structure"]["fields"].update(lr={"kind": "eval", "value": "1"}), "unknown node kind 'eval'"),
])
def test_a_tampered_json_is_a_clear_value_error(tmp_path, change, message):
    archive.save(registry.get("lemma31").result("quick"), tmp_path / "r")
    _tamper(tmp_path / "r.json", change)
    with pytest.raises(ValueError, match=message):
        archive.load(tmp_path / "r")


def test_an_npz_from_another_archive_or_changed_is_refused(tmp_path):
    archive.save({"a": np.ones(3)}, tmp_path / "one")
    archive.save({"a": np.zeros(3)}, tmp_path / "two")
    (tmp_path / "one.npz").write_bytes((tmp_path / "two.npz").read_bytes())
    with pytest.raises(ValueError, match="is not the .npz saved with"):
        archive.load(tmp_path / "one")
    (tmp_path / "two.npz").unlink()
    with pytest.raises(FileNotFoundError, match="has no two.npz beside it"):
        archive.load(tmp_path / "two.npz")
    (tmp_path / "x.json").write_text("{not json")
    with pytest.raises(ValueError, match="is not an archive"):
        archive.load(tmp_path / "x")


def test_what_an_archive_cannot_hold_is_a_type_error_saying_where(tmp_path):
    with pytest.raises(TypeError, match=r"obj\['f'\] is a builtins.function"):
        archive.save({"f": lambda: 0}, tmp_path / "a")
    with pytest.raises(TypeError, match=r"obj\[1\] is an array of Python objects"):
        archive.save((np.ones(1), np.array([None])), tmp_path / "a")
    problem = dynamics.Problem(np.array([[1.0, 0.0], [-1.0, 0.1]]), np.array([1, 2]))
    with pytest.raises(TypeError, match=r"obj.loss is a derivations.losses.Loss|obj.loss.expr is a sympy"):
        archive.save(problem, tmp_path / "a")
    with pytest.raises(TypeError, match=r"has the key"):
        archive.save({frozenset(): 1}, tmp_path / "a")
    with pytest.raises(TypeError, match="parameters must be a mapping"):
        archive.save({}, tmp_path / "a", parameters=[1])
    assert not list(tmp_path.iterdir())  # nothing written by a refused save


def test_an_existing_archive_is_replaced_only_on_request_and_other_files_never(tmp_path):
    archive.save({"a": 1}, tmp_path / "r")
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        archive.save({"a": 2}, tmp_path / "r")
    archive.save({"a": 2}, tmp_path / "r", overwrite=True)
    assert archive.load(tmp_path / "r") == {"a": 2}
    (tmp_path / "data.json").write_text('{"mine": 1}')
    (tmp_path / "lone.npz").write_bytes(b"x")
    for stem in ("data", "lone"):
        with pytest.raises(FileExistsError, match="is never replaced"):
            archive.save({"a": 3}, tmp_path / stem, overwrite=True)
    assert (tmp_path / "data.json").read_text() == '{"mine": 1}' and (tmp_path / "lone.npz").read_bytes() == b"x"


def test_the_package_exports_save_and_load():
    assert dynamics.save is archive.save and dynamics.load is archive.load
    assert {"save", "load"} <= set(dynamics.__all__)
