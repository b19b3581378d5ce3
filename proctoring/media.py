"""Where invigilation media (check-in photos, snapshots, recorded chunks) are kept: never in a
database row, never under a public URL. A store is chosen by configuration
(``INVIGILATION_MEDIA_BACKEND``): ``local`` (a folder outside the web root, the default) or ``s3``
(any S3-compatible store). Keys are made by the server from the invigilation and the content's
SHA-256, never from anything the client names.

Every file is sealed (AES-256-GCM, ``core.sealed``) before it reaches either store, with the evidence
keys (``EVIDENCE_KEY_FOLDER``): photos of identity documents and of faces are regulated personal data
(ASVS V6.1.1), and a copied folder or a leaked bucket must reveal none of them. A key's SHA-256 is of
the plain file, as the invigilation log records it."""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from core.errors import DomainError
from core.files import write_whole
from core.sealed import Sealer

_KEY = re.compile(r"^[a-z0-9][a-z0-9/_.-]{0,199}$")


class MediaMissing(Exception):
    """The file is not in the store (purged, or never written)."""


class MediaUnavailable(DomainError):
    """The store would not take the file (full, read-only, unreachable): nothing was stored, and the
    caller writes nothing either. 503: the same file may be sent again later (docs/faults.md)."""

    http_status = 503
    retry_after_s = 30

    def __init__(self, message: str, cause: str) -> None:
        super().__init__(message)
        self.cause = cause  # what the store said, for the operators' log; never shown to a candidate


@dataclass(frozen=True)
class StoredMedia:
    key: str
    sha256: str
    size: int
    content_type: str


def media_key(invigilation_id: int, sha256: str, extension: str) -> str:
    """The key of one file: per invigilation, named by its content (so a retry stores nothing new)."""
    if not re.fullmatch(r"[0-9a-f]{64}", sha256) or not re.fullmatch(r"[a-z0-9]{1,8}", extension):
        raise ValueError("a media key needs a SHA-256 in hex and a short extension")
    return f"invigilation-{invigilation_id}/{sha256}.{extension}"


def _checked(key: str) -> str:
    if not _KEY.fullmatch(key) or ".." in key:
        raise ValueError(f"not a media key: {key!r}")
    return key


class MediaStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...
    def get(self, key: str) -> bytes: ...
    def delete(self, key: str) -> bool: ...   # True if something was deleted (idempotent)
    def exists(self, key: str) -> bool: ...


class LocalMediaStore:
    """Files under one folder; written to a temporary name, synced and renamed (``core.files``), so a
    reader never sees half a file and a crash never loses one the log names."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def _path(self, key: str) -> Path:
        return self.folder / _checked(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        # Synced before it returns: the log row that names the file is committed after this, so a
        # crash must not leave a committed row pointing at a file the disk never kept.
        write_whole(self._path(key), data)

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as missing:
            raise MediaMissing(key) from missing

    def delete(self, key: str) -> bool:
        try:
            self._path(key).unlink()
        except FileNotFoundError:
            return False
        return True

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class SealedMediaStore:
    """A store whose files are sealed on the way in and opened on the way out. The key of a file is
    its associated data, so a file copied under another key does not open."""

    def __init__(self, inner: MediaStore, sealer: Sealer):
        self.inner = inner
        self.sealer = sealer

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.inner.put(key, self.sealer.seal(data, _checked(key)), content_type)

    def get(self, key: str) -> bytes:
        return self.sealer.open(self.inner.get(key), _checked(key))

    def delete(self, key: str) -> bool:
        return self.inner.delete(key)

    def exists(self, key: str) -> bool:
        return self.inner.exists(key)


def store_media(store: MediaStore, *, invigilation_id: int, data: bytes, content_type: str,
                extension: str) -> StoredMedia:
    """Put one file in the store under its content's key and say what was stored."""
    digest = hashlib.sha256(data).hexdigest()
    key = media_key(invigilation_id, digest, extension)
    try:
        store.put(key, data, content_type)
    except Exception as error:  # noqa: BLE001 - OSError from a folder, botocore's errors from S3
        if not _is_store_failure(error):
            raise
        raise MediaUnavailable("The invigilation media store cannot take files just now.",
                               f"{type(error).__name__}: {error}") from error
    return StoredMedia(key=key, sha256=digest, size=len(data), content_type=content_type)


def _is_store_failure(error: Exception) -> bool:
    """A failure of the store itself (a full or read-only disk, a folder that is not one, S3 refusing
    or unreachable), as opposed to a bug in the caller."""
    if isinstance(error, OSError):
        return True
    return type(error).__module__.startswith(("botocore", "boto3"))


def store_from_config(config: dict, instance_path: str | Path) -> MediaStore:
    """The configured store (the app keeps one in ``app.extensions["cop.media"]``)."""
    sealer = Sealer(config.get("EVIDENCE_KEY_FOLDER") or Path(instance_path) / "evidence-keys")
    return SealedMediaStore(_plain_store(config, instance_path), sealer)


def _plain_store(config: dict, instance_path: str | Path) -> MediaStore:
    backend = config.get("INVIGILATION_MEDIA_BACKEND") or "local"
    if backend == "local":
        folder = config.get("INVIGILATION_MEDIA_FOLDER") or Path(instance_path) / "invigilation-media"
        return LocalMediaStore(Path(folder))
    if backend == "s3":
        from proctoring.s3 import S3MediaStore  # boto3 is loaded only when S3 is configured

        return S3MediaStore.from_config(config)
    raise ValueError(f"INVIGILATION_MEDIA_BACKEND must be 'local' or 's3', not {backend!r}")
