"""Atomic output files and report folders that never mix two runs."""
from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

__all__ = ["write_text_atomic", "write_json_atomic", "prepare_output_dir", "RUN_MARKER"]

#: File that marks a folder as a learning-dynamics output folder.
RUN_MARKER = ".learning-dynamics-run"


def write_text_atomic(path, text: str) -> Path:
    """Write ``text`` to ``path`` through a temporary file and a rename."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def write_json_atomic(path, payload) -> Path:
    """Atomically write ``payload`` as indented JSON."""
    return write_text_atomic(path, json.dumps(payload, indent=2, sort_keys=False) + "\n")


def prepare_output_dir(path, *, force: bool, run_id: str) -> Path:
    """Create ``path`` for a new run, refusing to mix it with another run's files.

    An empty or missing folder is used as is.  A non-empty folder is refused
    unless ``force`` is true, in which case the files of the previous
    learning-dynamics run (and only a folder marked as such) are replaced.

    Raises
    ------
    FileExistsError
        The folder holds files of another run (or unrelated files) and
        ``force`` is false.
    """
    path = Path(path)
    if path.exists() and not path.is_dir():
        raise FileExistsError(f"--out {path} is a file, not a folder; choose another --out")
    if path.is_dir() and any(path.iterdir()):
        marked = (path / RUN_MARKER).exists()
        if not force:
            what = "another learning-dynamics run" if marked else "files that are not a learning-dynamics report"
            raise FileExistsError(f"output folder {path} already holds {what}; pass --force to replace it "
                                  "or choose another --out")
        if not marked:
            raise FileExistsError(f"output folder {path} holds files that are not a learning-dynamics report; "
                                  "refusing to overwrite them even with --force; choose another --out")
        for child in path.iterdir():
            if child.is_file():
                child.unlink()
            elif child.is_dir():
                for sub in sorted(child.rglob("*"), reverse=True):
                    sub.unlink() if sub.is_file() else sub.rmdir()
                child.rmdir()
    path.mkdir(parents=True, exist_ok=True)
    write_text_atomic(path / RUN_MARKER, run_id + "\n")
    return path
