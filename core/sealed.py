"""Files sealed with AES-256-GCM before they reach the upload store (ASVS V6.1.2).

Evidence that candidates and registrants send — reasonable-adjustment evidence (often medical),
appeal evidence (often mitigating circumstances) and CPD evidence — is health or otherwise personal
data. The volume it lives on should be encrypted by the operator as well; sealing it in the
application means a copy of the upload folder, a misconfigured bucket or a backup of the media store
alone reveals nothing without the keys, which live in their own folder (``EVIDENCE_KEY_FOLDER``,
by default ``instance/evidence-keys``, to be kept on another volume or mounted as a secret).

The format of a sealed file is ``MAGIC`` (8 bytes), the key's number (4 bytes, big-endian), a fresh
96-bit nonce and the ciphertext with its 128-bit tag. The file's name (the SHA-256 of the plain
content) is the associated data, so a sealed file moved under another name no longer opens.

Keys are 32 random bytes, one file each (``key-0001.bin``, kept by ``core.keyfiles``), made on first
need; ``rotate`` adds a new one that seals from then on while the older ones still open what they sealed. A file
stored before sealing began has no ``MAGIC`` and is read as it is.

No Flask, no SQLAlchemy: the folder is passed in.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from core.files import store_once, write_whole
from core.keyfiles import KeyFolder

MAGIC = b"COPSEAL\x01"
_NONCE_BYTES = 12
_HEADER = len(MAGIC) + 4 + _NONCE_BYTES


class SealBroken(Exception):
    """A sealed file that does not open: its key is missing, or it was altered or renamed."""


@dataclass(frozen=True)
class SealCheck:
    """What ``Sealer.check`` found: files looked at, how many were sealed, with which keys, and the
    problems (a key that is not here, a key that does not open what names it)."""
    files: int
    sealed: int
    keys: tuple[int, ...]
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.problems


class Sealer:
    def __init__(self, key_folder: str | Path) -> None:
        self.folder = Path(key_folder)
        self._files = KeyFolder(self.folder, "bin")

    def _key(self, number: int) -> bytes:
        path = self._files.path(number)
        try:
            key = path.read_bytes()
        except FileNotFoundError:
            raise SealBroken(f"the evidence key {number} is not in {self.folder}") from None
        if len(key) != 32:
            raise SealBroken(f"{path} is not a 256-bit key")
        return key

    def _create(self, number: int) -> int:
        self._files.create(number, secrets.token_bytes(32))  # made by another process first: theirs serves
        return number

    def current(self) -> int:
        """The number of the key that seals new files: the newest, made when there is none."""
        numbers = self._files.numbers()
        return numbers[-1] if numbers else self._create(1)

    def rotate(self) -> int:
        """A new key, which seals from now on; the older ones stay so their files still open."""
        numbers = self._files.numbers()
        return self._create((numbers[-1] if numbers else 0) + 1)

    def seal(self, data: bytes, name: str) -> bytes:
        number = self.current()
        nonce = secrets.token_bytes(_NONCE_BYTES)
        sealed = AESGCM(self._key(number)).encrypt(nonce, data, name.encode())
        return MAGIC + number.to_bytes(4, "big") + nonce + sealed

    def open(self, blob: bytes, name: str) -> bytes:
        """The plain content of a stored file; a file from before sealing began is returned as it is."""
        if not blob.startswith(MAGIC):
            return blob
        if len(blob) < _HEADER + 16:
            raise SealBroken(f"{name} is cut short")
        number = int.from_bytes(blob[len(MAGIC):len(MAGIC) + 4], "big")
        nonce = blob[len(MAGIC) + 4:_HEADER]
        try:
            return AESGCM(self._key(number)).decrypt(nonce, blob[_HEADER:], name.encode())
        except InvalidTag:
            raise SealBroken(f"{name} does not open with key {number}: altered, renamed or the wrong key") from None

    def store(self, path: Path, data: bytes) -> None:
        """Seal ``data`` and keep it at ``path`` (named by the plain content's hash) unless it is there."""
        store_once(path, self.seal(data, path.name))

    def seal_in_place(self, path: Path) -> bool:
        """Seal a file stored before sealing began (True), or leave a sealed one alone (False). The
        sealed copy replaces the plain one in one rename, so a reader sees one or the other whole."""
        blob = path.read_bytes()
        if blob.startswith(MAGIC):
            return False
        write_whole(path, self.seal(blob, path.name))
        return True

    def check(self, files: Iterable[tuple[Path, str]]) -> SealCheck:
        """Whether these keys open these files: ``files`` gives each file with the name it was sealed
        under. Every sealed file's key must be here, and the first file of each key must open with it,
        which proves the key is the one that sealed (a key file of the right number but other bytes
        opens nothing). Only headers are read beyond that first file, so a whole media store is
        checked in seconds; a single damaged file is found when it is opened."""
        count = sealed = 0
        first: dict[int, tuple[Path, str]] = {}
        users: dict[int, int] = {}
        for path, name in files:
            count += 1
            with path.open("rb") as handle:
                header = handle.read(len(MAGIC) + 4)
            if not header.startswith(MAGIC) or len(header) < len(MAGIC) + 4:
                continue  # stored before sealing began: read as it is
            sealed += 1
            number = int.from_bytes(header[len(MAGIC):], "big")
            first.setdefault(number, (path, name))
            users[number] = users.get(number, 0) + 1
        problems = []
        for number, (path, name) in sorted(first.items()):
            try:
                self.open(path.read_bytes(), name)
            except SealBroken as error:
                problems.append(f"{users[number]} file{'' if users[number] == 1 else 's'} sealed with evidence key "
                                f"{number}: {error}")
        return SealCheck(count, sealed, tuple(sorted(first)), tuple(problems))

    def read(self, path: Path) -> bytes | None:
        """The plain content of the file at ``path``, or None when there is no such file."""
        try:
            blob = path.read_bytes()
        except FileNotFoundError:
            return None
        return self.open(blob, path.name)


def sealer_of(config) -> Sealer:
    """The sealer an app's configuration names (``EVIDENCE_KEY_FOLDER``)."""
    return Sealer(config["EVIDENCE_KEY_FOLDER"])
