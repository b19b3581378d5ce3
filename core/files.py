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


def write_whole(path: Path, data: bytes) -> None:
    """Put ``data`` at ``path`` so that a reader sees no file or the whole file, and so that once this
    returns the file outlives a crash: the bytes reach the disk before the name does, and the name
    reaches the disk before the caller commits a row that points to it (DESIGN.md: nothing
    acknowledged that is not kept). The folder is made if it is missing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=path.parent, prefix=f".{path.name}.", suffix=".part", delete=False)
    try:
        with handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())  # the bytes first: a rename may reach the disk before them
        os.replace(handle.name, path)  # atomic: a reader sees no file or the whole file
    except BaseException:
        Path(handle.name).unlink(missing_ok=True)
        raise
    _sync_folder(path.parent)


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable: the new name lives in the folder's own entries."""
    descriptor = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


def store_once(path: Path, data: bytes) -> None:
    """Put ``data`` at ``path`` unless a file is already there. The name is the content's hash, so
    whoever renames last writes the same bytes as whoever renamed first."""
    if path.exists():
        return
    write_whole(path, data)
