"""Reading user data files (X and labels) and writing tables, with clear errors."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np

from .files import write_text_atomic

__all__ = ["load_dataset", "table_text", "write_table"]


def load_dataset(path):
    """``(X, labels)`` from ``.npz`` (arrays ``X`` and ``labels``) or ``.csv`` (features, then a label column).

    Raises
    ------
    FileNotFoundError, ValueError
        Missing file, unknown extension, or malformed content, with what to fix.
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"data file {path} does not exist; pass an existing .npz or .csv file")
    if path.suffix == ".npz":
        try:
            with np.load(path, allow_pickle=False) as archive:
                if "X" not in archive or "labels" not in archive:
                    raise ValueError(f"data file {path} must hold arrays named 'X' and 'labels' "
                                     f"(found {sorted(archive.files)})")
                X, labels = np.asarray(archive["X"], float), np.asarray(archive["labels"])
        except (OSError, ValueError) as exc:
            if "must hold" in str(exc):
                raise
            raise ValueError(f"data file {path} is not a readable .npz archive ({exc})") from None
    elif path.suffix == ".csv":
        try:
            table = np.loadtxt(path, delimiter=",", ndmin=2)
        except ValueError as exc:
            raise ValueError(f"data file {path} is not a numeric CSV (features..., label per row): {exc}") from None
        if table.shape[1] < 2:
            raise ValueError(f"data file {path} needs at least one feature column and a label column")
        X, labels = table[:, :-1], table[:, -1]
    else:
        raise ValueError(f"data file {path} must end in .npz or .csv")
    if np.issubdtype(labels.dtype, np.floating):
        if not np.all(labels == np.round(labels)):
            raise ValueError(f"labels in {path} must be whole numbers 1 or 2")
        labels = labels.astype(int)
    if X.ndim != 2 or labels.shape != (X.shape[0],):
        raise ValueError(f"data file {path}: X must be (n, d) and labels (n,), got {X.shape} and {labels.shape}")
    return X, labels


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
    """Write a table to ``out`` (atomically), or print it when ``out`` is None or '-'."""
    if fmt == "npz":
        if out in (None, "-"):
            raise ValueError("--format npz needs --out FILE (binary output cannot go to the terminal)")
        target = Path(out)
        tmp = target.with_name(f".{target.name}.tmp.npz")
        np.savez(tmp, **{k: np.asarray(v) for k, v in columns.items()})
        tmp.replace(target)
        return
    text = table_text(columns, fmt)
    if out in (None, "-"):
        print(text, end="")
    else:
        write_text_atomic(out, text)
