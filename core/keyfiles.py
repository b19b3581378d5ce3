"""A folder of numbered key files (``key-0001.pem``, ``key-0002.pem``, …): the certificate signing
keys and the evidence sealing keys both live in one.

The newest number is the key in use; older ones stay, so what they signed or sealed still checks or
opens. A file is created with mode 0600 in a 0700 folder and never overwritten: two processes making
the same number at once agree on whichever file was created first.

No Flask, no SQLAlchemy: the folder is passed in.
"""
from __future__ import annotations

import os
import re
from pathlib import Path


class KeyFolder:
    def __init__(self, folder: str | Path, suffix: str) -> None:
        self.folder = Path(folder)
        self.suffix = suffix
        self._file = re.compile(rf"^key-(\d{{4,}})\.{re.escape(suffix)}$")

    def numbers(self) -> list[int]:
        """The numbers of the keys there, oldest first."""
        if not self.folder.is_dir():
            return []
        return sorted(int(m.group(1)) for p in self.folder.iterdir() if (m := self._file.match(p.name)))

    def path(self, number: int) -> Path:
        return self.folder / f"key-{number:04d}.{self.suffix}"

    def create(self, number: int, content: bytes) -> bool:
        """Write key ``number``; False when another process made it first (theirs stands)."""
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        try:
            descriptor = os.open(self.path(number), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return False
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(content)
        return True
