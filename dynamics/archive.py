"""Keep results: any frozen result of the toolkit saved to ``.npz`` + ``.json`` and loaded back identical.

:func:`save` writes two files beside each other:

``<stem>.npz``
    every numpy array (and numpy scalar) of the object, written without pickling
    (``allow_pickle=False`` reads it back);
``<stem>.json``
    the structure: which dataclass (by module and qualified name), which field holds
    what, tuples, lists, dicts, scalars and strings, each array's read-only flag, and
    the metadata: the caller's ``parameters``, the seed when the object or the
    parameters carry one, the package versions, the format version and a SHA-256 of
    the ``.npz`` (a ``.json`` paired with another ``.npz`` is refused).

:func:`load` rebuilds the object: types are resolved only among the dataclasses of
the :mod:`dynamics` and :mod:`derivations` packages (never unpickled, never
evaluated), and nothing is re-validated or converted, so ``load(path)`` is the saved
object: arrays bit-equal, with the same dtypes and read-only flags, the same types
throughout (tuples stay tuples, numpy scalars stay numpy scalars).

What can be saved: frozen (or plain) dataclasses of :mod:`dynamics` and
:mod:`derivations` (experiment results, :class:`~dynamics.TrainingRun`,
:class:`~dynamics.Prediction`, :class:`~dynamics.ProblemComparison`,
:class:`~dynamics.Trajectory`, ...), nested in any depth of numpy arrays (not of
dtype ``object``), numpy scalars, tuples, lists, dicts (keys: str, int, float, bool,
None or tuples of these), read-only mappings (``MappingProxyType``,
:class:`derivations.Named`), ``int``, ``float`` (NaN and infinities included),
``bool``, ``str`` and ``None``.  Anything else (a function, a sympy expression, a
:class:`~dynamics.Problem`, which holds its loss as a formula) is refused with a
:class:`TypeError` naming where it sits.

Both files are written atomically through :mod:`dynamics.io`; an existing archive is
replaced only with ``overwrite=True``, and a file that is not an archive never.

Examples
--------
>>> import tempfile
>>> from pathlib import Path
>>> from dynamics.agreement import Agreement
>>> result = Agreement(max_abs=0.5, rms_abs=0.25, max_rel=float("nan"), rms_rel=0.1, rel_excluded=2)
>>> with tempfile.TemporaryDirectory() as folder:
...     written = save(result, Path(folder) / "agreement", parameters={"seed": 3})
...     again = load(Path(folder) / "agreement")
...     seed = read_metadata(Path(folder) / "agreement")["seed"]
>>> [Path(p).name for p in written], seed
(['agreement.npz', 'agreement.json'], 3)
>>> again.max_abs, again.rel_excluded, type(again).__name__
(0.5, 2, 'Agreement')
"""
from __future__ import annotations

import dataclasses
import hashlib
import importlib
import io
import json
import math
import os
import platform
from importlib import metadata
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np

from .io import write_bytes_atomic, write_json_atomic

__all__ = ["save", "load", "read_metadata", "archive_paths", "package_versions", "FORMAT", "FORMAT_VERSION",
           "ALLOWED_PACKAGES"]

#: Name written into every archive's JSON, so a JSON file of another kind is never taken for one.
FORMAT = "learning-dynamics archive"
#: Version of the archive layout; :func:`load` refuses a version it does not know.
FORMAT_VERSION = 1
#: Types are resolved only inside these packages (and only to dataclasses).
ALLOWED_PACKAGES = ("dynamics", "derivations")
#: Packages whose versions every archive records.
_VERSIONED = ("learning-dynamics", "sympy", "scipy", "numpy", "matplotlib")
#: Suffixes of the two files; a path given with either one names the pair.
_SUFFIXES = (".npz", ".json")


def package_versions() -> dict[str, str]:
    """Versions of the packages a run depends on.

    Returns
    -------
    dict of str to str
        ``python`` and each of learning-dynamics, sympy, scipy, numpy and
        matplotlib, with ``"not installed"`` for a package not found.

    Examples
    --------
    >>> sorted(package_versions())
    ['learning-dynamics', 'matplotlib', 'numpy', 'python', 'scipy', 'sympy']
    """
    out = {"python": platform.python_version()}
    for name in _VERSIONED:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def archive_paths(path: str | os.PathLike) -> tuple[Path, Path]:
    """The ``.npz`` and ``.json`` files of the archive ``path`` (given with either suffix or none).

    Parameters
    ----------
    path : str or path-like
        ``stem``, ``stem.npz`` or ``stem.json``.

    Returns
    -------
    (Path, Path)
        ``stem.npz`` and ``stem.json``.

    Examples
    --------
    >>> [p.name for p in archive_paths("runs/first.json")]
    ['first.npz', 'first.json']
    >>> [p.name for p in archive_paths("runs/v1.2")]
    ['v1.2.npz', 'v1.2.json']
    """
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a path, got {type(path).__name__}")
    path = Path(path)
    stem = path.with_suffix("") if path.suffix in _SUFFIXES else path
    if not stem.name:
        raise ValueError(f"path must name a file, got {str(path)!r}")
    return stem.parent / (stem.name + ".npz"), stem.parent / (stem.name + ".json")


# ------------------------------------------------------------------------------------------------ encoding
class _Encoder:
    """Walks an object once: arrays go to :attr:`arrays`, the rest becomes a JSON tree of tagged nodes."""

    def __init__(self):
        self.arrays: dict[str, np.ndarray] = {}

    def _stash(self, array: np.ndarray) -> str:
        key = f"a{len(self.arrays)}"
        self.arrays[key] = array
        return key

    def encode(self, value: Any, where: str) -> Any:
        if value is None or type(value) in (bool, str):
            return value
        if type(value) is int:
            return value
        if type(value) is float:
            return value if math.isfinite(value) else {"kind": "float", "value": repr(value)}
        if type(value) is np.ndarray:
            if value.dtype.hasobject:
                raise TypeError(f"{where} is an array of Python objects (dtype {value.dtype}); an archive holds "
                                "numeric, boolean and string arrays only")
            return {"kind": "array", "key": self._stash(value), "writeable": bool(value.flags.writeable)}
        if isinstance(value, np.generic) and not isinstance(value, np.object_):
            return {"kind": "scalar", "key": self._stash(np.asarray(value))}
        if type(value) in (tuple, list):
            return {"kind": type(value).__name__,
                    "items": [self.encode(item, f"{where}[{i}]") for i, item in enumerate(value)]}
        if type(value) in (dict, MappingProxyType):
            items = []
            for key, item in value.items():
                self._check_key(key, where)
                items.append([self.encode(key, f"a key of {where}"), self.encode(item, f"{where}[{key!r}]")])
            return {"kind": "dict" if type(value) is dict else "mappingproxy", "items": items}
        if _is_named(value):
            return {"kind": "named", "of": value.kind,
                    "items": [[key, label, self.encode(item, f"{where}[{key!r}]")]
                              for key, label, item in value.labelled_items()]}
        if dataclasses.is_dataclass(value) and not isinstance(value, type):
            cls = type(value)
            _check_allowed(cls.__module__, cls.__qualname__, where)
            return {"kind": "dataclass", "module": cls.__module__, "qualname": cls.__qualname__,
                    "fields": {f.name: self.encode(getattr(value, f.name), f"{where}.{f.name}")
                               for f in dataclasses.fields(value)}}
        raise TypeError(f"{where} is a {type(value).__module__}.{type(value).__qualname__}, which an archive cannot "
                        "hold; it holds dataclasses of dynamics/derivations, numpy arrays and scalars, tuples, lists, "
                        "dicts, int, float, bool, str and None")

    @staticmethod
    def _check_key(key: Any, where: str) -> None:
        parts = key if type(key) is tuple else (key,)
        if not all(part is None or type(part) in (str, int, float, bool) for part in parts):
            raise TypeError(f"{where} has the key {key!r}; an archive's dict keys are str, int, float, bool, None "
                            "or tuples of these")


def _is_named(value: Any) -> bool:
    cls = type(value)
    return cls.__module__ == "derivations.named" and cls.__qualname__ == "Named"


def _check_allowed(module: str, qualname: str, where: str) -> None:
    if module.split(".")[0] not in ALLOWED_PACKAGES or "<locals>" in qualname:
        raise TypeError(f"{where} is a {module}.{qualname}; an archive holds dataclasses defined at the top of a "
                        f"module of {' or '.join(ALLOWED_PACKAGES)} only")


def _seed_of(obj: Any, parameters: Mapping) -> Any:
    seed = getattr(obj, "seed", None) if dataclasses.is_dataclass(obj) else None
    if seed is None:
        seed = parameters.get("seed")
    return _plain(seed, "the seed")


def _plain(value: Any, where: str) -> Any:
    """A JSON-ready copy of ``parameters``: numpy scalars to Python, tuples to lists, keys to str."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v, f"{where}[{k!r}]") for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v, f"{where}[{i}]") for i, v in enumerate(value)]
    if isinstance(value, np.ndarray) and value.dtype.kind in "biuf" and value.size <= _MAX_ARRAY_PARAMETER:
        return value.tolist()
    if isinstance(value, np.generic) and value.dtype.kind in "biuf":
        return value.item()
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    raise TypeError(f"{where} is a {type(value).__name__}; parameters hold numbers, strings, None, lists and dicts "
                    "(save arrays in the object itself)")


#: A parameter array longer than this belongs in the object, not in the JSON metadata.
_MAX_ARRAY_PARAMETER = 1000


# --------------------------------------------------------------------------------------------------- saving
def save(obj: Any, path: str | os.PathLike, *, parameters: Mapping | None = None,
         overwrite: bool = False) -> list[str]:
    """Save ``obj`` as ``<stem>.npz`` (its arrays) and ``<stem>.json`` (its structure and metadata).

    Parameters
    ----------
    obj : object
        A dataclass instance of :mod:`dynamics` or :mod:`derivations` (an experiment's result, a
        :class:`~dynamics.TrainingRun`, a :class:`~dynamics.Prediction`, ...), or any nesting of what
        the module docstring lists.
    path : str or path-like
        ``stem``, ``stem.npz`` or ``stem.json``; the folder is created if missing.
    parameters : mapping, optional
        What produced ``obj`` (sizes, learning rate, the seed, ...), recorded in the JSON as given
        (numbers, strings, None, lists, dicts; small numeric arrays as lists).  A ``"seed"`` entry
        is also recorded as the archive's seed when ``obj`` has no ``seed`` field.
    overwrite : bool
        Replace an existing archive at ``path``.  Files that are not an archive (a ``.json`` of
        another kind, an ``.npz`` without its ``.json``) are never replaced.

    Returns
    -------
    list of str
        The two files written: ``[<stem>.npz, <stem>.json]``.

    Raises
    ------
    TypeError
        ``obj`` (the message says where inside it) or ``parameters`` holds something an archive cannot.
    FileExistsError
        An archive exists at ``path`` and ``overwrite`` is false, or a file there is not an archive.
    dynamics.io.OutputTargetError
        A path is refused (a folder, a link to a file, ...).
    """
    npz_path, json_path = archive_paths(path)
    parameters = {} if parameters is None else parameters
    if not isinstance(parameters, Mapping):
        raise TypeError(f"parameters must be a mapping of names to values, got {type(parameters).__name__}")
    encoder = _Encoder()
    structure = encoder.encode(obj, "obj")
    meta = {"parameters": _plain(parameters, "parameters"), "seed": _seed_of(obj, parameters)}
    _check_replaceable(npz_path, json_path, overwrite=overwrite)
    buffer = io.BytesIO()
    np.savez(buffer, **encoder.arrays)
    data = buffer.getvalue()
    from . import __version__

    document = {"format": FORMAT, "format_version": FORMAT_VERSION, "dynamics_version": __version__,
                "type": _type_name(obj), **meta, "versions": package_versions(), "npz": npz_path.name,
                "npz_sha256": hashlib.sha256(data).hexdigest(), "structure_sha256": _structure_digest(structure),
                "structure": structure}
    npz_path.parent.mkdir(parents=True, exist_ok=True)
    write_bytes_atomic(npz_path, data)
    write_json_atomic(json_path, document)
    return [str(npz_path), str(json_path)]


def _structure_digest(structure: Any) -> str:
    """SHA-256 of the structure's canonical JSON: a hand-edited value (a parameter typed as text, a changed
    number) is refused on loading instead of failing later, far from its cause."""
    text = json.dumps(structure, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _type_name(obj: Any) -> str:
    return f"{type(obj).__module__}.{type(obj).__qualname__}"


def _check_replaceable(npz_path: Path, json_path: Path, *, overwrite: bool) -> None:
    present = [p for p in (npz_path, json_path) if os.path.lexists(p)]
    if not present:
        return
    if not os.path.lexists(json_path) or _read_document(json_path, check_only=True) is None:
        raise FileExistsError(f"{present[0]} exists and is not part of an archive written by dynamics.archive.save; "
                              "it is never replaced: choose another path")
    if not overwrite:
        raise FileExistsError(f"an archive already exists at {json_path}; pass overwrite=True to replace it, or "
                              "choose another path")


# -------------------------------------------------------------------------------------------------- loading
def _read_document(json_path: Path, *, check_only: bool = False) -> dict | None:
    try:
        document = json.loads(Path(json_path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        if check_only:
            return None
        if isinstance(exc, FileNotFoundError):
            raise FileNotFoundError(f"no archive at {json_path} (the .json file is missing)") from None
        raise ValueError(f"{json_path} is not an archive: {exc}") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        if check_only:
            return None
        raise ValueError(f"{json_path} is not an archive of learning-dynamics (no format {FORMAT!r})")
    return document


def read_metadata(path: str | os.PathLike) -> dict:
    """The metadata of the archive at ``path``: parameters, seed, versions, type, format (not the object).

    Parameters
    ----------
    path : str or path-like
        ``stem``, ``stem.npz`` or ``stem.json``.

    Returns
    -------
    dict
        Every entry of the JSON file except the object's structure.

    Raises
    ------
    FileNotFoundError
        No ``.json`` at ``path``.
    ValueError
        The ``.json`` is not an archive.
    """
    document = _read_document(archive_paths(path)[1])
    return {k: v for k, v in document.items() if k != "structure"}


def load(path: str | os.PathLike) -> Any:
    """The object saved by :func:`save` at ``path``, identical to the one saved.

    Parameters
    ----------
    path : str or path-like
        ``stem``, ``stem.npz`` or ``stem.json``.

    Returns
    -------
    object
        Same types, arrays bit-equal with the same dtypes, shapes and read-only flags.

    Raises
    ------
    FileNotFoundError
        The ``.json`` or the ``.npz`` is missing.
    ValueError
        A file is not an archive, was changed, belongs to another archive, is of a newer format,
        or names a type outside :data:`ALLOWED_PACKAGES` or one that is not a dataclass (or no longer
        has the saved fields).
    """
    npz_path, json_path = archive_paths(path)
    document = _read_document(json_path)
    version = document.get("format_version")
    if version != FORMAT_VERSION:
        raise ValueError(f"{json_path} is an archive of format version {version!r}; this version of "
                         f"learning-dynamics reads version {FORMAT_VERSION}")
    try:
        data = npz_path.read_bytes()
    except FileNotFoundError:
        raise FileNotFoundError(f"the archive {json_path} has no {npz_path.name} beside it") from None
    if hashlib.sha256(data).hexdigest() != document.get("npz_sha256"):
        raise ValueError(f"{npz_path} is not the .npz saved with {json_path} (its SHA-256 differs): it was changed "
                         "or belongs to another archive")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as npz:
            arrays = {key: npz[key] for key in npz.files}
    except (ValueError, OSError) as exc:
        raise ValueError(f"{npz_path} cannot be read as an archive's arrays: {exc}") from None
    if _structure_digest(document.get("structure")) != document.get("structure_sha256"):
        raise ValueError(f"{json_path} was changed after it was saved (the SHA-256 of its structure differs): "
                         "save the object again rather than editing the file")
    decoder = _Decoder(arrays, json_path)
    obj = decoder.decode(document.get("structure"), "obj")
    unused = sorted(set(arrays) - decoder.used)
    if unused:
        raise ValueError(f"{json_path} does not account for the arrays {', '.join(unused)} of {npz_path.name}")
    return obj


class _Decoder:
    """Rebuilds the object from the JSON tree and the arrays; every malformed node is a ValueError."""

    def __init__(self, arrays: dict, source: Path):
        self.arrays, self.source, self.used = arrays, source, set()

    def fail(self, where: str, problem: str) -> ValueError:
        return ValueError(f"{self.source} is damaged at {where}: {problem}")

    def decode(self, node: Any, where: str) -> Any:
        if node is None or type(node) in (bool, str, int, float):
            return node
        if not isinstance(node, dict) or not isinstance(node.get("kind"), str):
            raise self.fail(where, f"expected a tagged node, found {type(node).__name__}")
        kind = node["kind"]
        handler = getattr(self, f"_{kind}", None)
        if handler is None:
            raise self.fail(where, f"unknown node kind {kind!r}")
        return handler(node, where)

    def _array_at(self, node: dict, where: str) -> np.ndarray:
        key = node.get("key")
        if key not in self.arrays:
            raise self.fail(where, f"the array {key!r} is not in the .npz")
        if key in self.used:
            raise self.fail(where, f"the array {key!r} is used twice")
        self.used.add(key)
        return self.arrays[key]

    def _array(self, node: dict, where: str) -> np.ndarray:
        array = self._array_at(node, where)
        if not isinstance(node.get("writeable"), bool):
            raise self.fail(where, "an array without its read-only flag")
        array.flags.writeable = node["writeable"]
        return array

    def _scalar(self, node: dict, where: str) -> np.generic:
        array = self._array_at(node, where)
        if array.shape != ():
            raise self.fail(where, f"a numpy scalar stored with shape {array.shape}")
        return array[()]

    def _float(self, node: dict, where: str) -> float:
        value = node.get("value")
        if value not in ("nan", "inf", "-inf"):
            raise self.fail(where, f"a non-finite float must be 'nan', 'inf' or '-inf', found {value!r}")
        return float(value)

    def _items(self, node: dict, where: str) -> list:
        items = node.get("items")
        if not isinstance(items, list):
            raise self.fail(where, "a container without its items")
        return items

    def _tuple(self, node: dict, where: str) -> tuple:
        return tuple(self.decode(item, f"{where}[{i}]") for i, item in enumerate(self._items(node, where)))

    def _list(self, node: dict, where: str) -> list:
        return [self.decode(item, f"{where}[{i}]") for i, item in enumerate(self._items(node, where))]

    def _pairs(self, node: dict, where: str, width: int) -> list:
        items = self._items(node, where)
        if not all(isinstance(item, list) and len(item) == width for item in items):
            raise self.fail(where, f"mapping entries must be lists of {width}")
        return items

    def _dict(self, node: dict, where: str) -> dict:
        out = {}
        for key, value in self._pairs(node, where, 2):
            key = self.decode(key, f"a key of {where}")
            value = self.decode(value, f"{where}[{key!r}]")
            try:
                out[key] = value
            except TypeError:
                raise self.fail(where, f"the key {key!r} cannot be a dict key") from None
        return out

    def _mappingproxy(self, node: dict, where: str) -> MappingProxyType:
        return MappingProxyType(self._dict(node, where))

    def _named(self, node: dict, where: str) -> Any:
        from derivations.named import Named

        entries = [(key, label, self.decode(value, f"{where}[{key!r}]"))
                   for key, label, value in self._pairs(node, where, 3)]
        try:
            return Named(node.get("of"), entries)
        except (TypeError, ValueError) as exc:
            raise self.fail(where, str(exc)) from None

    def _dataclass(self, node: dict, where: str) -> Any:
        cls = self._resolve(node, where)
        fields = node.get("fields")
        names = {f.name for f in dataclasses.fields(cls)}
        if not isinstance(fields, dict) or set(fields) != names:
            found = sorted(fields) if isinstance(fields, dict) else fields
            raise self.fail(where, f"{cls.__qualname__} has the fields {sorted(names)}, the file holds {found}")
        obj = object.__new__(cls)  # the saved state itself: no __init__, so nothing is re-validated or converted
        for name in (f.name for f in dataclasses.fields(cls)):
            object.__setattr__(obj, name, self.decode(fields[name], f"{where}.{name}"))
        return obj

    def _resolve(self, node: dict, where: str) -> type:
        module, qualname = node.get("module"), node.get("qualname")
        if not isinstance(module, str) or not isinstance(qualname, str):
            raise self.fail(where, "a dataclass without its module and name")
        if module.split(".")[0] not in ALLOWED_PACKAGES or "<locals>" in qualname:
            raise self.fail(where, f"the type {module}.{qualname} is outside {', '.join(ALLOWED_PACKAGES)}; "
                                   "archives resolve types only there")
        try:
            target: Any = importlib.import_module(module)
            for part in qualname.split("."):
                target = getattr(target, part)
        except (ImportError, AttributeError):
            raise self.fail(where, f"no type {module}.{qualname} in this version of the package") from None
        if not (isinstance(target, type) and dataclasses.is_dataclass(target)):
            raise self.fail(where, f"{module}.{qualname} is not a dataclass")
        return target
