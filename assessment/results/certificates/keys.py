"""The register's signing keys: Ed25519, one PEM file each in a folder of the instance (by default
``instance/certificate-keys``, git-ignored with the rest of ``instance/``).

The first key is generated on first need. ``rotate`` adds a new key, which signs from then on; the
older keys stay in the folder, and their public halves stay in the ``did:web`` document, so every
credential signed earlier still verifies. The files are kept by ``core.keyfiles`` (mode 0600, never
overwritten: two processes racing to make the same key agree on whichever file was created first).

Who reads this folder: the app itself only with ``CERTIFICATE_SIGNER = "folder"`` (development and
tests, through ``signing.KeyringSigner``); in production the signer process (``signer_server``),
running as its own user, is the only reader, and the app sees public keys and signatures only.

No Flask, no SQLAlchemy: the folder is passed in.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (Encoding, NoEncryption, PrivateFormat,
                                                          load_pem_private_key)

from core.keyfiles import KeyFolder


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
        self._files = KeyFolder(self.folder, "pem")

    def _numbers(self) -> list[int]:
        return self._files.numbers()

    def _load(self, number: int) -> SigningKey:
        path = self._files.path(number)
        key = load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return SigningKey(number, key)

    def _create(self, number: int) -> SigningKey:
        key = Ed25519PrivateKey.generate()
        if not self._files.create(number, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())):
            return self._load(number)  # another process made this key first: use theirs
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
