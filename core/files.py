"""Uploaded files kept under their content's SHA-256 in a folder that several app processes, or
several hosts on a shared volume, write at once.

Each writer needs a temporary name of its own: with one fixed name (``<sha>.part``) a second writer
truncates the file the first is about to rename, so the stored file can be seen half written and the
second rename fails because its temporary file has already gone.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def store_once(path: Path, data: bytes) -> None:
    """Put ``data`` at ``path`` unless a file is already there. The name is the content's hash, so
    whoever renames last writes the same bytes as whoever renamed first."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # on a network volume the bytes must be there before the name is
        os.replace(handle.name, path)  # atomic: a reader sees no file or the whole file
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
