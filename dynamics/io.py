"""Every file the toolkit reads or writes goes through here: data files, atomic files, and report folders.

Output files
    :func:`write_text_atomic` / :func:`write_bytes_atomic` write a regular file
    through a uniquely named temporary sibling and one ``os.replace``, so a
    reader (or an interruption) sees the old content or the new one, never
    half of it.  What the path already is decides what happens
    (:func:`output_target`):

    * missing or a regular file: atomic replacement (the file keeps its
      permission bits; a new one gets the usual ``0o666 & ~umask``);
    * a FIFO or a character device (a pipe, a terminal, ``/dev/stdout``,
      ``/dev/null``, ``/dev/full``): written through, never replaced; a write
      error such as "no space left on device" is a clean :class:`OSError`;
    * the same file as this process's standard output: written to ``sys.stdout``;
    * a symbolic link: written through when it points at a FIFO or a character
      device, **refused** otherwise (a link is never replaced by a file, and a
      regular file is never written behind a link: pass the target itself);
    * a folder, a block device, a socket: refused.

Report folders
    :func:`report_folder` builds a new report in a temporary sibling folder and
    moves it into place only when it is complete.  The report records what it
    wrote in a manifest (:data:`RUN_MARKER`); replacing a previous report
    (``force=True``) removes only the entries that manifest lists, unchanged,
    and refuses — naming them — when the folder holds anything else.  Links
    are never followed; nothing is deleted recursively.  An interruption
    leaves the previous state intact and no temporary folder behind.

Data files
    :func:`load_labelled` reads a user's X and labels (CSV with or without a
    header row, or ``.npz``), maps any two distinct labels to the classes 1 and
    2 and says how; :func:`load_dataset` (its older sibling, labels as they
    are) stays for its callers.  Errors name the file, the row and the fix.
    :func:`table_text` and :func:`write_table` write tables of results.
"""
from __future__ import annotations

import contextlib
import csv
import errno
import hashlib
import io
import json
import math
import os
import shutil
import signal
import stat
import sys
import tempfile
import warnings
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["write_text_atomic", "write_bytes_atomic", "write_json_atomic", "output_target", "OutputTargetError",
           "OutputFolderError", "report_folder", "check_report_folder", "scratch_folder", "RUN_MARKER",
           "MANIFEST_FORMAT", "load_dataset", "load_labelled", "LabelledData", "binary_classes", "load_weights",
           "table_text", "write_table"]

#: File that marks a folder as a learning-dynamics report; it holds the manifest of the report's own files.
RUN_MARKER = ".learning-dynamics-run"

#: Version of the manifest written into :data:`RUN_MARKER`.
MANIFEST_FORMAT = 1

#: How many offending entries an error message names before summarising the rest.
NAMED_IN_MESSAGE = 5

#: Signals held back while the report folder is swapped or a temporary folder removed (a few milliseconds).
_HELD_SIGNALS = {signal.SIGINT, signal.SIGTERM}


class OutputTargetError(ValueError):
    """An output path that is refused (a folder, a link to a file, a block device, ...)."""


class OutputFolderError(FileExistsError):
    """A report folder that cannot be used or replaced.

    Attributes
    ----------
    path : Path
        The folder.
    problem : str
        What is wrong, without the remedy.
    needs_force : bool
        True when passing ``force=True`` would replace the folder.
    """

    def __init__(self, path, problem: str, *, needs_force: bool = False):
        self.path, self.problem, self.needs_force = Path(path), problem, needs_force
        remedy = "; pass force=True to replace it or choose another folder" if needs_force else ""
        super().__init__(problem + remedy)


# --------------------------------------------------------------------------- output files

def output_target(path: str | os.PathLike) -> str:
    """Tell what writing ``path`` would do: ``"stdout"``, ``"file"`` (atomic) or ``"stream"`` (write-through).

    Nothing is written; the path is only examined (links are examined, not followed blindly).

    Parameters
    ----------
    path : str or path-like
        The output path.

    Returns
    -------
    str
        ``"stdout"`` when ``path`` is this process's standard output, ``"stream"``
        for a FIFO or a character device (or a link to one), ``"file"`` for a
        missing path or a regular file.

    Raises
    ------
    OutputTargetError
        The path is refused (see the module docstring for the rules).

    Examples
    --------
    >>> output_target("/dev/null")
    'stream'
    """
    path = Path(path)
    if str(path) == "":
        raise OutputTargetError("output path is empty; pass a file name")
    try:
        link = path.lstat()
    except FileNotFoundError:
        return "file"
    except OSError as exc:
        raise OutputTargetError(f"output path {path} cannot be examined: {exc.strerror}") from None
    try:
        target = path.stat()
    except OSError:
        raise OutputTargetError(f"output path {path} is a symbolic link to a missing file; pass the file "
                                "you mean (never a link to it)") from None
    if _same_as_stdout(target):
        return "stdout"
    if stat.S_ISFIFO(target.st_mode) or stat.S_ISCHR(target.st_mode):
        return "stream"
    if stat.S_ISLNK(link.st_mode):
        kind = "a folder" if stat.S_ISDIR(target.st_mode) else "a file"
        raise OutputTargetError(f"output path {path} is a symbolic link to {kind} ({os.path.realpath(path)}); "
                                "refusing to write behind a link: pass the target path itself")
    if stat.S_ISREG(target.st_mode):
        return "file"
    if stat.S_ISDIR(target.st_mode):
        raise OutputTargetError(f"output path {path} is a folder; pass a file name")
    raise OutputTargetError(f"output path {path} is {_kind(target.st_mode)}; pass a regular file, a pipe or "
                            "a character device")


def _kind(mode) -> str:
    for test, name in ((stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"), (stat.S_ISDIR, "a folder"),
                       (stat.S_ISLNK, "a symbolic link"), (stat.S_ISFIFO, "a FIFO"),
                       (stat.S_ISCHR, "a character device"), (stat.S_ISREG, "a regular file")):
        if test(mode):
            return name
    return "not a regular file"


def _same_as_stdout(target: os.stat_result) -> bool:
    try:
        fd = sys.stdout.fileno()
        mine = os.fstat(fd)
    except (AttributeError, OSError, ValueError):
        return False
    return os.path.samestat(target, mine)


def write_bytes_atomic(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to ``path`` (atomically for a regular file; see :func:`output_target`).

    Parameters
    ----------
    path : str or path-like
        Output path: a missing path or a regular file (replaced atomically), a
        pipe or character device (written through), or standard output.
    data : bytes
        The content.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputTargetError
        The path is refused (a folder, a link to a file, a block device, ...).
    OSError
        The write fails (e.g. no space left on device).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     written = write_bytes_atomic(Path(folder) / "a.bin", b"ab")
    ...     written.read_bytes()
    b'ab'
    """
    path = Path(path)
    kind = output_target(path)
    if kind == "stdout":
        sys.stdout.flush()
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    elif kind == "stream":
        _write_through(path, data)
    else:
        _replace_file(path, data)
    return path


def write_text_atomic(path: str | os.PathLike, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` (atomically for a regular file; see :func:`output_target`).

    Parameters
    ----------
    path : str or path-like
        Output path, as for :func:`write_bytes_atomic`.
    text : str
        The content, encoded as UTF-8.

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    OutputTargetError
        The path is refused (a folder, a link to a file, a block device, ...).
    OSError
        The write fails.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     write_text_atomic(Path(folder) / "a.txt", "héllo").read_text(encoding="utf-8")
    'héllo'
    """
    return write_bytes_atomic(path, text.encode("utf-8"))


def write_json_atomic(path: str | os.PathLike, payload: Any, *, nonfinite: str = "refuse") -> Path:
    """Write ``payload`` as indented JSON; NaN and infinities are never written as bare (invalid JSON) tokens.

    Parameters
    ----------
    path : str or path-like
        Output path, as for :func:`write_bytes_atomic`.
    payload : object
        Anything :func:`json.dumps` accepts (dicts, lists, str, numbers, bool, None).
    nonfinite : {"refuse", "string"}
        What to do with a non-finite float: refuse the write, or write it as
        the string ``"nan"``, ``"inf"`` or ``"-inf"`` (a visible flag).

    Returns
    -------
    Path
        ``path``.

    Raises
    ------
    ValueError
        ``nonfinite`` is not one of the two choices, or ``payload`` holds a
        non-finite number and ``nonfinite`` is ``"refuse"``.
    OutputTargetError
        The path is refused.

    Examples
    --------
    >>> _flag_nonfinite({"a": [1.0, float("inf")]})
    {'a': [1.0, 'inf']}
    """
    if nonfinite not in ("refuse", "string"):
        raise ValueError(f"nonfinite must be 'refuse' or 'string', got {nonfinite!r}")
    if nonfinite == "string":
        payload = _flag_nonfinite(payload)
    try:
        text = json.dumps(payload, indent=2, allow_nan=False)
    except ValueError:
        raise ValueError(f"refusing to write {path}: the result holds NaN or an infinity, which JSON cannot "
                         "represent") from None
    return write_text_atomic(path, text + "\n")


def _flag_nonfinite(value):
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if isinstance(value, dict):
        return {k: _flag_nonfinite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_flag_nonfinite(v) for v in value]
    return value


def _write_through(path: Path, data: bytes) -> None:
    # No O_CREAT: the device or FIFO exists; if it vanished meanwhile, fail rather than create a file.
    fd = os.open(path, os.O_WRONLY | getattr(os, "O_NOCTTY", 0))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:
        raise OSError(exc.errno, f"cannot write to {path}: {exc.strerror}") from None
    finally:
        os.close(fd)


def _new_file_mode(path: Path) -> int:
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mask = os.umask(0)
        os.umask(mask)
        return 0o666 & ~mask


def _new_folder_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


def _replace_file(path: Path, data: bytes) -> None:
    created = _make_parents(path.parent)
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
            os.fchmod(handle.fileno(), _new_file_mode(path))
        os.replace(tmp, path)
        tmp = None
    except BaseException:
        with _signals_held():
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            _remove_empty(created)
        raise


def _make_parents(folder: Path) -> list:
    """Create ``folder`` and its missing ancestors; return the ones created (deepest first)."""
    missing = []
    for candidate in (folder, *folder.parents):
        if os.path.lexists(candidate):
            break
        missing.append(candidate)
    for candidate in reversed(missing):
        candidate.mkdir()
    return missing


def _remove_empty(folders) -> None:
    for folder in folders:
        with contextlib.suppress(OSError):
            os.rmdir(folder)


@contextlib.contextmanager
def _signals_held():
    """Hold back SIGINT/SIGTERM (delivered on exit) so a short critical section runs to its end."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - not POSIX
        yield
        return
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _HELD_SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


# --------------------------------------------------------------------------- report folders

def _digest(path: Path) -> str:
    sha = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            sha.update(block)
    return sha.hexdigest()


def _walk(folder: Path, prefix: str = ""):
    """``(relative path, lstat)`` of every entry below ``folder``, parents first; links are not followed."""
    with os.scandir(folder) as entries:
        for entry in sorted(entries, key=lambda e: e.name):
            rel = f"{prefix}{entry.name}"
            info = entry.stat(follow_symlinks=False)
            yield rel, info
            if stat.S_ISDIR(info.st_mode):
                yield from _walk(Path(entry.path), rel + "/")


def _manifest(folder: Path, run_id: str) -> dict:
    entries = {}
    for rel, info in _walk(folder):
        if stat.S_ISDIR(info.st_mode):
            entries[rel] = {"type": "folder"}
        elif stat.S_ISREG(info.st_mode):
            entries[rel] = {"type": "file", "size": info.st_size, "sha256": _digest(folder / rel)}
        else:
            raise OSError(f"the new report holds {rel}, which is {_kind(info.st_mode)}; only files and folders "
                          "are recorded")
    return {"learning-dynamics report": MANIFEST_FORMAT, "run": run_id, "entries": entries}


def _recorded(folder: Path) -> dict:
    """The entries (relative path -> record) the report in ``folder`` says it wrote.

    A report written before manifests existed has a one-line marker; its own
    files are then the marker, ``report.json``, ``report.md`` and the figures
    ``report.json`` lists (types only, no checksums).
    """
    text = (folder / RUN_MARKER).read_text(encoding="utf-8", errors="replace")
    try:
        manifest = json.loads(text)
        entries = dict(manifest["entries"])
    except (ValueError, KeyError, TypeError):
        entries = {"report.json": {"type": "file"}, "report.md": {"type": "file"}}
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            for figure in json.loads((folder / "report.json").read_text(encoding="utf-8"))["figures"]:
                parts = Path(figure).parts
                if Path(figure).is_absolute() or ".." in parts:
                    continue
                for depth in range(1, len(parts)):
                    entries["/".join(parts[:depth])] = {"type": "folder"}
                entries["/".join(parts)] = {"type": "file"}
    entries[RUN_MARKER] = {"type": "file"}
    return {rel: record for rel, record in entries.items() if _inside(rel) and isinstance(record, dict)}


def _inside(rel) -> bool:
    """True for a plain relative path below the folder (no '..', not absolute, no empty part)."""
    return isinstance(rel, str) and rel != "" and not rel.startswith("/") and all(
        part not in ("", ".", "..") for part in rel.split("/"))


def _foreign(folder: Path) -> dict:
    """Entries of ``folder`` its report did not record, or that changed since: relative path -> description."""
    recorded = _recorded(folder)
    out = {}
    for rel, info in _walk(folder):
        record = recorded.get(rel)
        is_dir, is_file = stat.S_ISDIR(info.st_mode), stat.S_ISREG(info.st_mode)
        if record is None:
            out[rel] = rel + ("/" if is_dir else "")
        elif (record.get("type") == "folder") != is_dir or (record.get("type") == "file") != is_file:
            out[rel] = f"{rel} (now {_kind(info.st_mode)})"
        elif is_file and "sha256" in record and (info.st_size != record.get("size")
                                                  or _digest(folder / rel) != record["sha256"]):
            out[rel] = f"{rel} (changed since the report wrote it)"
    return out


def _name_some(items) -> str:
    shown = ", ".join(items[:NAMED_IN_MESSAGE])
    return shown + (f" and {len(items) - NAMED_IN_MESSAGE} more" if len(items) > NAMED_IN_MESSAGE else "")


def check_report_folder(path: str | os.PathLike, *, force: bool) -> bool:
    """Refuse a report folder that cannot be used; True when it holds a previous report to replace.

    Parameters
    ----------
    path : str or path-like
        The report folder (need not exist).
    force : bool
        Whether a previous report in ``path`` may be replaced.

    Returns
    -------
    bool
        False when ``path`` is missing or an empty folder; True when it holds a
        previous report that ``force`` allows to replace.

    Raises
    ------
    OutputFolderError
        ``path`` is the current folder or the root; a link or not a folder; it
        holds files that are not a report; it holds a report and ``force`` is
        false; or, with ``force``, the report folder holds entries its manifest
        does not list (named).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     check_report_folder(Path(folder) / "report", force=False)
    False
    """
    path = Path(os.path.abspath(path))
    if path == Path.cwd() or path == path.parent:
        raise OutputFolderError(path, f"output folder {path} is the current folder or the root; the report "
                                      "replaces its folder as a whole: pass a folder inside it")
    try:
        info = path.lstat()
    except FileNotFoundError:
        return False
    if stat.S_ISLNK(info.st_mode):
        raise OutputFolderError(path, f"output folder {path} is a symbolic link; refusing to write behind it "
                                      "or replace it: pass the folder it points to, or another folder")
    if not stat.S_ISDIR(info.st_mode):
        raise OutputFolderError(path, f"output folder {path} is {_kind(info.st_mode)}, not a folder; "
                                      "choose another folder")
    if not any(path.iterdir()):
        return False
    marker = path / RUN_MARKER
    if not (os.path.lexists(marker) and stat.S_ISREG(marker.lstat().st_mode)):
        raise OutputFolderError(path, f"output folder {path} holds files that are not a learning-dynamics report; "
                                      "refusing to replace them (even with force); choose another folder")
    if not force:
        raise OutputFolderError(path, f"output folder {path} already holds a learning-dynamics report",
                                needs_force=True)
    foreign = _foreign(path)
    if foreign:
        raise OutputFolderError(path, f"output folder {path} holds entries the previous report did not write: "
                                      f"{_name_some(list(foreign.values()))}; refusing to replace it (even with "
                                      "force): move them out first, or choose another folder")
    return True


def _remove_recorded(folder: Path) -> list:
    """Delete the entries the report in ``folder`` recorded (deepest first, links never followed).

    Only entries found by walking ``folder`` without following links are
    candidates, so nothing outside it can be reached whatever the manifest says.
    Returns the entries left in place (anything not recorded, or changed).
    """
    recorded, foreign = _recorded(folder), _foreign(folder)
    found = [(rel, info) for rel, info in _walk(folder) if rel in recorded and rel not in foreign]
    for rel, info in sorted(found, key=lambda item: item[0].count("/"), reverse=True):
        if stat.S_ISREG(info.st_mode):
            os.unlink(folder / rel)
        elif stat.S_ISDIR(info.st_mode):
            with contextlib.suppress(OSError):
                os.rmdir(folder / rel)  # only when empty: a folder is never removed with contents
    return [rel for rel, _ in _walk(folder)]


def _remove_own_temporary(folder: Path) -> None:
    """Remove a temporary folder this process created and filled (no links followed, nothing outside it).

    ``shutil.rmtree`` removes a link inside the folder as a link, never what it points to (and on POSIX uses
    the file-descriptor based walk that is safe against links swapped in during the removal).
    """
    if not os.path.lexists(folder) or stat.S_ISLNK(folder.lstat().st_mode):
        return
    shutil.rmtree(folder)


@contextlib.contextmanager
def scratch_folder() -> Iterator[Path]:
    """Give a private temporary folder, removed on exit (no links followed; nothing outside it is touched).

    Returns
    -------
    contextmanager of Path
        Use as ``with scratch_folder() as folder:``; ``folder`` exists inside the block only.

    Examples
    --------
    >>> with scratch_folder() as folder:
    ...     inside = folder.is_dir()
    >>> inside, folder.exists()
    (True, False)
    """
    folder = Path(tempfile.mkdtemp(prefix="learning-dynamics-"))
    try:
        yield folder
    finally:
        with _signals_held():
            _remove_own_temporary(folder)


@contextlib.contextmanager
def report_folder(path: str | os.PathLike, *, force: bool, run_id: str) -> Iterator[Path]:
    """Build a report in a temporary sibling of ``path``; move it into place when the block ends normally.

    Yields the temporary folder to write into.  On normal exit the manifest is
    written, the previous report (checked again) is swapped out and its
    recorded files removed.  On any exception, including
    :class:`KeyboardInterrupt`, the temporary folder is removed and ``path``
    is left exactly as it was.

    Parameters
    ----------
    path : str or path-like
        The report folder (see :func:`check_report_folder`); missing parents are created.
    force : bool
        Replace a previous report in ``path``.
    run_id : str
        Identifies the run in the manifest (:data:`RUN_MARKER`).

    Returns
    -------
    contextmanager of Path
        Use as ``with report_folder(path, ...) as build:``; write the report into ``build``.

    Raises
    ------
    OutputFolderError
        See :func:`check_report_folder` (checked before and after the build).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as parent:
    ...     with report_folder(Path(parent) / "report", force=False, run_id="example") as build:
    ...         _ = write_text_atomic(build / "notes.txt", "a report")
    ...     sorted(entry.name for entry in (Path(parent) / "report").iterdir())
    ['.learning-dynamics-run', 'notes.txt']
    """
    path = Path(os.path.abspath(path))
    check_report_folder(path, force=force)
    created = _make_parents(path.parent)
    build = None
    try:
        build = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.building-"))
        os.chmod(build, _new_folder_mode())  # mkdtemp makes it owner-only; a report folder follows the umask
        yield build
        manifest = _manifest(build, run_id)
        (build / RUN_MARKER).write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
        with _signals_held():
            _swap_in(build, path, force=force)
        build = None
    finally:
        if build is not None:
            with _signals_held():
                _remove_own_temporary(build)
                _remove_empty(created)


def _swap_in(build: Path, path: Path, *, force: bool) -> None:
    previous = check_report_folder(path, force=force)
    if not previous:
        try:
            os.rename(build, path)  # onto a missing or empty folder: atomic
        except OSError as exc:
            if exc.errno in (errno.ENOTEMPTY, errno.EEXIST):
                raise OutputFolderError(path, f"output folder {path} was filled by something else during the "
                                              "run; the new report was not written") from None
            raise
        return
    old = Path(tempfile.mkdtemp(dir=path.parent, prefix=f".{path.name}.previous-"))
    os.rename(path, old)  # replaces the empty placeholder
    try:
        os.rename(build, path)
    except BaseException:
        os.rename(old, path)
        raise
    left = _remove_recorded(old)
    if left:
        warnings.warn(f"kept the previous report's folder as {old}: it holds {_name_some(left)}, which the "
                      "previous report did not write", stacklevel=3)
    else:
        os.rmdir(old)


# ---- data files -------------------------------------------------------------------------------------
def _describe_unreadable(path: Path) -> str | None:
    """Why ``path`` cannot be a data file (missing, a folder, a device, ...), or None when it is a regular file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return "does not exist"
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if stat.S_ISREG(info.st_mode):
        return None
    if stat.S_ISDIR(info.st_mode):
        return "is a folder, not a file"
    return "is a device or special file, not a regular file"


def load_dataset(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read ``(X, labels)`` from ``.npz`` (arrays ``X`` and ``labels``) or ``.csv`` (features, then a label column).

    Parameters
    ----------
    path : str or path-like
        A regular file ending in ``.npz`` or ``.csv`` (comma-separated numbers, one point per row).

    Returns
    -------
    X : ndarray, shape (n, d)
        The points, as floats (``n, d >= 1``).
    labels : ndarray, shape (n,)
        The labels: whole numbers (floats in the file are converted to int; their
        values are not checked here).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        ``path`` is empty, a folder or a device; unknown extension; malformed
        or empty content (no data points); labels that are not real whole
        numbers; with what to fix.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = write_text_atomic(Path(folder) / "d.csv", "0.5,1.0,1\\n-1.0,2.0,2\\n")
    ...     X, labels = load_dataset(Path(folder) / "d.csv")
    >>> X.shape, labels.tolist()
    ((2, 2), [1, 2])
    """
    path = _readable_data_file(path)
    if path.suffix == ".npz":
        X, labels = _load_npz(path)
    elif path.suffix == ".csv":
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data": reported below
            try:
                table = np.loadtxt(path, delimiter=",", ndmin=2)
            except (ValueError, UnicodeDecodeError) as exc:
                raise ValueError(f"data file {path} is not a numeric CSV (features..., label per row): "
                                 f"{exc}") from None
        if table.size == 0:
            raise ValueError(f"data file {path} holds no data points; it needs at least one row "
                             "(features..., label)")
        if table.shape[1] < 2:
            raise ValueError(f"data file {path} needs at least one feature column and a label column")
        X, labels = table[:, :-1], table[:, -1]
    else:
        raise ValueError(f"data file {path} must end in .npz or .csv")
    _check_shapes(path, X, labels)
    if not np.issubdtype(labels.dtype, np.number) or np.issubdtype(labels.dtype, np.complexfloating):
        raise ValueError(f"labels in {path} must be numbers 1 or 2, got dtype {labels.dtype}")
    if np.issubdtype(labels.dtype, np.floating):
        if not np.all(labels == np.round(labels)):
            raise ValueError(f"labels in {path} must be whole numbers 1 or 2")
        labels = labels.astype(int)
    return X, labels


def _readable_data_file(path, what: str = "data", kinds: str = ".npz or .csv") -> Path:
    """``path`` as a Path when it is a regular file; else the error that names what it is."""
    if str(path) == "":
        raise ValueError(f"{what} path is empty; pass a {kinds} file")
    path = Path(path)
    problem = _describe_unreadable(path)
    if problem == "does not exist":
        raise FileNotFoundError(f"{what} file {path} does not exist; pass an existing {kinds} file")
    if problem is not None:
        raise ValueError(f"{what} file {path} {problem}; pass a {kinds} file")
    return path


def _check_shapes(path: Path, X: np.ndarray, labels: np.ndarray) -> None:
    if X.ndim != 2 or labels.shape != (X.shape[0],):
        raise ValueError(f"data file {path}: X must be (n, d) and labels (n,), got {X.shape} and {labels.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"data file {path} holds no data points (X has shape {X.shape}); it needs at least "
                         "one point with at least one feature")


def _npz_arrays(path: Path, kind: str, names: tuple) -> tuple:
    """The arrays ``names`` of the ``.npz`` archive ``path`` (a ``kind`` file: "data", "weights"), or a
    ValueError naming the file and what is wrong (not an archive, unreadable, empty, an array missing)."""
    wanted = " and ".join(repr(name) for name in names)
    try:
        archive = np.load(path, allow_pickle=False)
        if not hasattr(archive, "files"):  # a plain .npy array (np.load gives the array itself)
            raise ValueError(f"{kind} file {path} is a single .npy array, not an .npz archive with arrays "
                             f"{wanted}")
        with archive:
            if any(name not in archive for name in names):
                raise ValueError(f"{kind} file {path} must hold arrays named {wanted} (found {sorted(archive.files)})")
            return tuple(archive[name] for name in names)
    except ValueError as exc:
        if str(exc).startswith(f"{kind} file {path}"):
            raise
        raise ValueError(f"{kind} file {path} is not a readable .npz archive ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        reason = "it is empty" if isinstance(exc, EOFError) else str(exc) or type(exc).__name__
        raise ValueError(f"{kind} file {path} is not a readable .npz archive ({reason})") from None


def _load_npz(path: Path):
    X, labels = _npz_arrays(path, "data", ("X", "labels"))
    if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
        raise ValueError(f"data file {path}: X must hold real numbers, got dtype {X.dtype}")
    return np.asarray(X, float), np.asarray(labels)


@dataclass(frozen=True)
class LabelledData:
    """A user's points with their labels mapped to the classes 1 and 2 (what :func:`load_labelled` returns).

    Attributes
    ----------
    X : ndarray, shape (n, d)
        The points, as floats (read-only).
    labels : ndarray, shape (n,)
        The class of each point, 1 or 2, as ints (read-only).
    classes : tuple
        ``(value of class 1, value of class 2)``: the labels as the file spelt them (int, float or str).
    mapping : str
        How they were mapped, e.g. ``"labels 1 -> class 1, 0 -> class 2"``.
    """

    X: np.ndarray
    labels: np.ndarray
    classes: tuple
    mapping: str


def load_labelled(path: str | os.PathLike) -> LabelledData:
    """Read a user's points and labels and map the labels to the classes 1 and 2.

    Files
        ``.npz`` with arrays ``X`` (n, d) and ``labels`` (n,) (numbers or
        strings); or ``.csv``, one point per row, features then the label.  A
        CSV may start with a header row, detected as follows: the first row is
        a header when one of its feature fields (any field but the last) is not
        a number, or when only its last field is not a number while the label
        of every other row is one (a header ``x1,x2,label`` over numeric
        labels).  A header whose first field is empty is what pandas'
        ``DataFrame.to_csv`` writes with its default ``index=True``: that first
        column is the row index, not a feature, and is dropped.  Blank lines
        and lines starting with ``#`` are skipped.
    Labels
        Exactly two distinct values, mapped by :func:`binary_classes`: a label 1
        is class 1 (1/2 kept; 0/1 and -1/+1 map 1 to class 1); any other two
        values (numbers, or strings in a CSV or ``.npz``) are sorted and the
        first becomes class 1.  :attr:`LabelledData.mapping` says which way.

    Parameters
    ----------
    path : str or path-like
        A regular file ending in ``.npz`` or ``.csv``.

    Returns
    -------
    LabelledData
        ``X`` (n, d) floats, ``labels`` (n,) of 1/2, ``classes`` and ``mapping``.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        ``path`` is empty, a folder or a device; unknown extension; malformed
        or empty content; a feature that is not a number; rows of different
        lengths; labels that are missing or NaN, of one distinct value only, or
        of more than two (named in the message).

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     _ = write_text_atomic(Path(folder) / "d.csv", ",x1,x2,y\\n0,0.5,1.0,cat\\n1,-1.0,2.0,dog\\n")
    ...     data = load_labelled(Path(folder) / "d.csv")
    >>> data.X.tolist(), data.labels.tolist(), data.mapping
    ([[0.5, 1.0], [-1.0, 2.0]], [1, 2], "labels 'cat' -> class 1, 'dog' -> class 2")
    """
    path = _readable_data_file(path)
    if path.suffix == ".npz":
        X, raw = _load_npz(path)
    elif path.suffix == ".csv":
        X, raw = _read_labelled_csv(path)
    else:
        raise ValueError(f"data file {path} must end in .npz or .csv")
    _check_shapes(path, X, raw)
    labels, classes, mapping = binary_classes(raw, what=f"labels in {path}")
    X, labels = np.array(X, dtype=float), np.array(labels, dtype=int)
    X.flags.writeable = False
    labels.flags.writeable = False
    return LabelledData(X=X, labels=labels, classes=classes, mapping=mapping)


def _is_number(field: str) -> bool:
    try:
        float(field)
    except ValueError:
        return False
    return True


def _read_labelled_csv(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """Features (floats) and raw labels (floats when every label is a number, else strings) of a CSV file."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            rows = [(number, [field.strip() for field in row])
                    for number, row in enumerate(csv.reader(handle), start=1)]
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ValueError(f"data file {path} is not a numeric CSV (features..., label per row): {exc}") from None
    rows = [(number, row) for number, row in rows
            if any(row) and not row[0].startswith("#")]
    if not rows:
        raise ValueError(f"data file {path} holds no data points; it needs at least one row (features..., label)")
    first = rows[0][1]
    labels_below = [row[-1] for _, row in rows[1:]]
    header = (not all(_is_number(field) for field in first[:-1])
              or (not _is_number(first[-1]) and bool(labels_below) and all(map(_is_number, labels_below))))
    index_column = header and first[0] == ""
    if header:
        rows = rows[1:]
    if index_column:
        rows = [(number, row[1:]) for number, row in rows]
    if not rows:
        raise ValueError(f"data file {path} holds no data points (only a header row); it needs at least one row "
                         "(features..., label)")
    width = len(rows[0][1])
    if width < 2:
        raise ValueError(f"data file {path} needs at least one feature column and a label column")
    for number, row in rows:
        if len(row) != width:
            raise ValueError(f"data file {path} is not a numeric CSV (features..., label per row): row {number} "
                             f"has {len(row)} fields, the first data row {width}")
    features = []
    for number, row in rows:
        try:
            features.append([float(field) for field in row[:-1]])
        except ValueError:
            bad = next(field for field in row[:-1] if not _is_number(field))
            raise ValueError(f"data file {path} is not a numeric CSV (features..., label per row): row {number} "
                             f"has the feature {bad!r}, not a number") from None
    raw = [row[-1] for _, row in rows]
    if "" in raw:
        number = rows[raw.index("")][0]
        raise ValueError(f"data file {path}: row {number} has no label (its last field is empty)")
    labels = np.array([float(v) for v in raw]) if all(map(_is_number, raw)) else np.array(raw, dtype=str)
    return np.array(features, dtype=float).reshape(len(rows), width - 1), labels


def binary_classes(raw: ArrayLike, *, what: str = "labels") -> tuple[np.ndarray, tuple, str]:
    """Map labels of exactly two distinct values to the classes 1 and 2, and say how.

    A label 1 (or True) is class 1, whose logits the network drives positive: 1/2 are kept, 0/1 and -1/+1 map
    1 to class 1 (so with -1/+1 labels the sign ``s`` of the margin ``s u`` is the label itself).  Any other
    two values (numbers, or strings) are sorted (numbers by value, strings alphabetically) and the first becomes
    class 1.

    Parameters
    ----------
    raw : array_like (n,)
        The labels: numbers or strings.
    what : str
        How error messages name them (``"labels in data.csv"``).

    Returns
    -------
    (ndarray, tuple, str)
        The labels as ints 1/2, ``(value of class 1, value of class 2)`` and the mapping in words.

    Raises
    ------
    ValueError
        Not one-dimensional, not numbers or strings, NaN or infinite, or not exactly two distinct values.

    Examples
    --------
    >>> labels, classes, mapping = binary_classes([0, 1, 1])
    >>> labels.tolist(), classes, mapping
    ([2, 1, 1], (1, 0), 'labels 1 -> class 1, 0 -> class 2')
    >>> binary_classes(["dog", "cat"])[2]
    "labels 'cat' -> class 1, 'dog' -> class 2"
    """
    raw = np.asarray(raw)
    if raw.ndim != 1 or raw.size == 0:
        raise ValueError(f"{what} must be a non-empty one-dimensional array, got shape {raw.shape}")
    if raw.dtype.kind in "biuf":
        values = raw.astype(float)
        if not np.all(np.isfinite(values)):
            raise ValueError(f"{what} must be finite; they hold NaN or an infinity")
        distinct = [_plain_number(v) for v in np.unique(values)]
    elif raw.dtype.kind == "U":
        values = raw
        distinct = sorted({str(v) for v in raw})
    else:
        raise ValueError(f"{what} must be numbers or strings, got dtype {raw.dtype}")
    if len(distinct) != 2:
        named = ", ".join(repr(v) for v in distinct[:NAMED_IN_MESSAGE]) + (", ..." if len(distinct) >
                                                                             NAMED_IN_MESSAGE else "")
        if len(distinct) == 1:
            other = {1: " (class 2 has no points)", 2: " (class 1 has no points)"}.get(distinct[0], "")
            raise ValueError(f"{what} hold one distinct value, {named}{other}; binary classification "
                             "needs points of two classes")
        raise ValueError(f"{what} hold {len(distinct)} distinct values ({named}); binary classification "
                         "needs exactly two")
    classes = tuple(distinct)  # sorted: the smaller (first) is class 1 ...
    if raw.dtype.kind != "U" and 1 in classes:  # ... except that a label 1 (or True) is always class 1
        classes = (1, classes[0] if classes[1] == 1 else classes[1])
    labels = np.where(values == (classes[0] if raw.dtype.kind == "U" else float(classes[0])), 1, 2)
    kept = " (kept)" if classes == (1, 2) else ""
    return labels, classes, f"labels {classes[0]!r} -> class 1, {classes[1]!r} -> class 2{kept}"


def _plain_number(value: float) -> int | float:
    """A label value as the file meant it: an int when whole, else the float."""
    return int(value) if float(value).is_integer() else float(value)


def load_weights(path: str | os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read a two-layer network's initial weights: an ``.npz`` file with arrays ``W0`` (h, d) and ``Z0`` (h,).

    Parameters
    ----------
    path : str or path-like
        A regular ``.npz`` file (as written by ``numpy.savez(path, W0=W0, Z0=Z0)``).

    Returns
    -------
    W0 : ndarray, shape (h, d)
        First-layer weights, floats (one row per hidden unit).
    Z0 : ndarray, shape (h,)
        Output weights, floats.

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        Not a readable ``.npz`` file; ``W0`` or ``Z0`` missing, of the wrong
        shape, not real numbers, or not finite.

    Examples
    --------
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     np.savez(Path(folder) / "w.npz", W0=np.eye(2), Z0=np.array([0.1, -0.1]))
    ...     W0, Z0 = load_weights(Path(folder) / "w.npz")
    >>> W0.shape, Z0.tolist()
    ((2, 2), [0.1, -0.1])
    """
    path = _readable_data_file(path, "weights", ".npz")
    if path.suffix != ".npz":
        raise ValueError(f"weights file {path} must end in .npz (arrays W0 and Z0)")
    W0, Z0 = _npz_arrays(path, "weights", ("W0", "Z0"))
    for name, array in (("W0", W0), ("Z0", Z0)):
        if array.dtype.kind not in "iuf":
            raise ValueError(f"weights file {path}: {name} must hold real numbers, got dtype {array.dtype}")
    if W0.ndim != 2 or Z0.shape != (W0.shape[0],) or W0.size == 0:
        raise ValueError(f"weights file {path}: W0 must be (h, d) and Z0 (h,) with h, d >= 1, got {W0.shape} and "
                         f"{Z0.shape}")
    W0, Z0 = W0.astype(float), Z0.astype(float)
    if not (np.all(np.isfinite(W0)) and np.all(np.isfinite(Z0))):
        raise ValueError(f"weights file {path}: W0 and Z0 must be finite; they hold NaN or an infinity")
    return W0, Z0


def table_text(columns: Mapping[str, ArrayLike], fmt: str) -> str:
    """Format columns (name -> 1-d array of equal length) as CSV or JSON text.

    Parameters
    ----------
    columns : mapping of str to array_like
        The table, one 1-d column per name.  A column of floats is written as ``repr(float(x))`` (every digit,
        so that the text reads back to the same number), a column of integers or booleans as integers, any
        other column (labels spelt as text) as ``str(x)``.
    fmt : str
        ``"json"`` for a JSON object of lists; any other value gives CSV (a
        header row, then one row per index; rows end in ``\\r\\n``, the :mod:`csv` default).

    Returns
    -------
    str
        The text, ending in a newline.

    Raises
    ------
    ValueError
        A numeric column holds NaN or an infinity (never written).

    Examples
    --------
    >>> table_text({"t": [0.0, 1.0], "u": [0.5, 2.0]}, "csv").splitlines()
    ['t,u', '0.0,0.5', '1.0,2.0']
    >>> table_text({"point": [0, 1], "label": ["cat", "dog"]}, "csv").splitlines()
    ['point,label', '0,cat', '1,dog']
    """
    arrays = {name: np.asarray(values) for name, values in columns.items()}
    _refuse_nonfinite(arrays)
    if fmt == "json":
        return json.dumps({k: v.tolist() for k, v in arrays.items()}, indent=1) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(arrays)
    cells = [_cells(values) for values in arrays.values()]
    writer.writerows(zip(*cells))
    return buffer.getvalue()


def _cells(values: np.ndarray) -> list:
    """The CSV cells of one column: floats with every digit, integers as integers, anything else as text."""
    if values.dtype.kind == "f":
        return [repr(float(x)) for x in values]
    if values.dtype.kind in "iub":
        return [str(int(x)) for x in values]
    return [str(x) for x in values]


def _refuse_nonfinite(arrays: Mapping[str, np.ndarray]) -> None:
    for name, values in arrays.items():
        if np.issubdtype(values.dtype, np.number) and not np.all(np.isfinite(values)):
            raise ValueError(f"refusing to write the table: column {name!r} holds NaN or an infinity")


def write_table(columns: Mapping[str, ArrayLike], fmt: str, out: str | os.PathLike | None) -> None:
    """Write a table to ``out`` (through :mod:`dynamics.io`), or print it when ``out`` is None or '-'.

    Parameters
    ----------
    columns : mapping of str to array_like
        The table, one 1-d column per name.
    fmt : str
        ``"npz"`` (numpy archive, one array per column), ``"json"``, or CSV for
        any other value (see :func:`table_text`).
    out : str, path-like or None
        Output path (see :func:`write_bytes_atomic`); None or ``"-"`` prints to standard output.

    Returns
    -------
    None

    Raises
    ------
    ValueError
        A column holds NaN or an infinity (never written), or ``npz`` without ``out``.
    OutputTargetError
        ``out`` is refused.

    Examples
    --------
    >>> write_table({"t": [0.0], "u": [1.5]}, "csv", None)  # doctest: +NORMALIZE_WHITESPACE
    t,u
    0.0,1.5
    """
    _refuse_nonfinite({name: np.asarray(values) for name, values in columns.items()})
    if fmt == "npz":
        if out in (None, "-"):
            raise ValueError("format npz needs an output file (binary output cannot go to the terminal)")
        buffer = io.BytesIO()
        np.savez(buffer, **{k: np.asarray(v) for k, v in columns.items()})
        write_bytes_atomic(out, buffer.getvalue())
        return
    text = table_text(columns, fmt)
    if out in (None, "-"):
        print(text, end="")
    else:
        write_text_atomic(out, text)
