"""The register's signing keys: Ed25519, one PEM file each in a folder of the instance (by default
``instance/certificate-keys``, git-ignored with the rest of ``instance/``).

The first key is generated on first need. ``rotate`` adds a new key, which signs from then on; the
older keys stay in the folder, and their public halves stay in the ``did:web`` document, so every
credential signed earlier still verifies. Files are created with mode 0600 (read and write by the
owner only) and never overwritten: a new key gets the next number, and two processes racing to make
the same key agree on whichever file was created first.

Who reads this folder: the app itself only with ``CERTIFICATE_SIGNER = "folder"`` (development and
tests, through ``signing.KeyringSigner``); in production the signer process (``signer_server``),
running as its own user, is the only reader, and the app sees public keys and signatures only.

No Flask, no SQLAlchemy: the folder is passed in.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (Encoding, NoEncryption, PrivateFormat,
                                                          load_pem_private_key)

_FILE = re.compile(r"^key-(\d{4,})\.pem$")


@dataclass(frozen=True)
class SigningKey:
    number: int
    private_key: Ed25519PrivateKey

    @property
    def name(self) -> str:
        """The fragment of the key's id in the DID document: ``key-1``, ``key-2``, …"""
        return f"key-{self.number}"


class Keyring:
    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)

    def _numbers(self) -> list[int]:
        if not self.folder.is_dir():
            return []
        return sorted(int(m.group(1)) for p in self.folder.iterdir() if (m := _FILE.match(p.name)))

    def _path(self, number: int) -> Path:
        return self.folder / f"key-{number:04d}.pem"

    def _load(self, number: int) -> SigningKey:
        key = load_pem_private_key(self._path(number).read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{self._path(number)} is not an Ed25519 private key")
        return SigningKey(number, key)

    def _create(self, number: int) -> SigningKey:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        try:
            fd = os.open(self._path(number), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made this key first: use theirs
            return self._load(number)
        with os.fdopen(fd, "wb") as handle:
            handle.write(pem)
        return SigningKey(number, key)

    def keys(self) -> list[SigningKey]:
        """Every key, oldest first; the first is generated when there is none."""
        numbers = self._numbers()
        if not numbers:
            return [self._create(1)]
        return [self._load(n) for n in numbers]

    def current(self) -> SigningKey:
        """The key that signs new credentials: the newest."""
        numbers = self._numbers()
        return self._load(numbers[-1]) if numbers else self._create(1)

    def rotate(self) -> SigningKey:
        """A new key, which signs from now on. The old ones stay (their credentials keep verifying)."""
        numbers = self._numbers()
        return self._create((numbers[-1] if numbers else 0) + 1)
