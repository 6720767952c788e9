"""Reading user data files (X and labels) and writing tables, with clear errors."""
from __future__ import annotations

import csv
import io
import json
import stat
import warnings
import zipfile
from pathlib import Path

import numpy as np

from .files import write_bytes_atomic, write_text_atomic

__all__ = ["load_dataset", "table_text", "write_table"]


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


def load_dataset(path):
    """``(X, labels)`` from ``.npz`` (arrays ``X`` and ``labels``) or ``.csv`` (features, then a label column).

    Raises
    ------
    FileNotFoundError
        ``path`` does not exist.
    ValueError
        ``path`` is empty, a folder or a device; unknown extension; malformed
        or empty content (no data points); with what to fix.
    """
    if str(path) == "":
        raise ValueError("data path is empty; pass a .npz or .csv file")
    path = Path(path)
    problem = _describe_unreadable(path)
    if problem == "does not exist":
        raise FileNotFoundError(f"data file {path} does not exist; pass an existing .npz or .csv file")
    if problem is not None:
        raise ValueError(f"data file {path} {problem}; pass a .npz or .csv file")
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
    if X.ndim != 2 or labels.shape != (X.shape[0],):
        raise ValueError(f"data file {path}: X must be (n, d) and labels (n,), got {X.shape} and {labels.shape}")
    if X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"data file {path} holds no data points (X has shape {X.shape}); it needs at least "
                         "one point with at least one feature")
    if not np.issubdtype(labels.dtype, np.number) or np.issubdtype(labels.dtype, np.complexfloating):
        raise ValueError(f"labels in {path} must be numbers 1 or 2, got dtype {labels.dtype}")
    if np.issubdtype(labels.dtype, np.floating):
        if not np.all(labels == np.round(labels)):
            raise ValueError(f"labels in {path} must be whole numbers 1 or 2")
        labels = labels.astype(int)
    return X, labels


def _load_npz(path: Path):
    try:
        with np.load(path, allow_pickle=False) as archive:
            if not hasattr(archive, "files"):
                raise ValueError(f"data file {path} is a single .npy array, not an .npz archive with arrays "
                                 "'X' and 'labels'")
            if "X" not in archive or "labels" not in archive:
                raise ValueError(f"data file {path} must hold arrays named 'X' and 'labels' "
                                 f"(found {sorted(archive.files)})")
            X, labels = archive["X"], archive["labels"]
            if not np.issubdtype(X.dtype, np.number) or np.issubdtype(X.dtype, np.complexfloating):
                raise ValueError(f"data file {path}: X must hold real numbers, got dtype {X.dtype}")
            return np.asarray(X, float), np.asarray(labels)
    except ValueError as exc:
        if str(exc).startswith(f"data file {path}"):
            raise
        raise ValueError(f"data file {path} is not a readable .npz archive ({exc})") from None
    except (OSError, EOFError, zipfile.BadZipFile) as exc:
        reason = "it is empty" if isinstance(exc, EOFError) else str(exc) or type(exc).__name__
        raise ValueError(f"data file {path} is not a readable .npz archive ({reason})") from None


def table_text(columns: dict, fmt: str) -> str:
    """Columns (name -> 1-d array of equal length) as CSV or JSON text."""
    if fmt == "json":
        return json.dumps({k: np.asarray(v).tolist() for k, v in columns.items()}, indent=1) + "\n"
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in zip(*(np.asarray(v) for v in columns.values())):
        writer.writerow([repr(float(x)) for x in row])
    return buffer.getvalue()


def write_table(columns: dict, fmt: str, out) -> None:
    """Write a table to ``out`` (through :mod:`dynamics.files`), or print it when ``out`` is None or '-'.

    Raises
    ------
    ValueError
        A column holds NaN or an infinity (never written), or ``npz`` without ``out``.
    """
    for name, values in columns.items():
        values = np.asarray(values)
        if np.issubdtype(values.dtype, np.number) and not np.all(np.isfinite(values)):
            raise ValueError(f"refusing to write the table: column {name!r} holds NaN or an infinity")
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
