"""Who holds the certificate signing keys, behind one small interface (``Signer``), so that the web
application can sign credentials without ever holding a private key (ASVS 4.0.3 V6.4.2).

Two signers:

- ``KeyringSigner``: the keys in a folder (``keys.Keyring``), used in process. The default
  (``CERTIFICATE_SIGNER = "folder"``), for development and tests. The signer process uses it too, on
  its side of the socket.
- ``SocketSigner``: a client of ``cop signer serve`` (``signer_server``), a separate process that runs
  as its own Unix user and alone can read the key folder (``CERTIFICATE_SIGNER = "socket:/path"``).
  The app only ever sees public keys and signatures.

A cloud KMS or an HSM (Ed25519 in AWS KMS, Google Cloud KMS, or a PKCS#11 token) would be a third
implementation of the same four methods (docs/deployment.md).

The wire format between ``SocketSigner`` and the server: each message is a 4-byte big-endian length
and then that many bytes of UTF-8 JSON. A request is ``{"op": "public_keys" | "current_name" |
"rotate" | "sign", ...}`` (``sign`` adds ``"key"`` and ``"input"``, standard base64); a reply is
``{"ok": true, ...}`` or ``{"ok": false, "error": "..."}``.

Pure: stdlib, ``cryptography`` (through ``keys`` and ``jose``) and ``core.errors``. No Flask, no database.
"""
from __future__ import annotations

import base64
import binascii
import json
import socket
import struct
from typing import Protocol

from assessment.results.certificates import jose
from assessment.results.certificates.keys import Keyring
from core.errors import DomainError

# Requests are tiny (a signing input is a JWS header and payload: a few kilobytes); anything much
# bigger is a mistake or an attack, and the server refuses it before reading it into memory.
MAX_MESSAGE = 256 * 1024
_LENGTH = struct.Struct(">I")
UNAVAILABLE_MESSAGE = ("Certificates cannot be signed just now: the signing service is not answering. "
                       "Nothing was changed. Try again in a few minutes, and tell the technical team if this continues.")


class SignerUnavailable(DomainError):
    """The signer could not be reached or gave no usable answer. Nothing was signed."""

    http_status = 503

    def __init__(self, detail: str = "") -> None:
        super().__init__(UNAVAILABLE_MESSAGE)
        self.detail = detail  # for logs and the CLI's operators; the page shows the message only


class SigningRefused(DomainError):
    """The signer answered but refused (an unknown or no longer current key, a malformed request)."""

    http_status = 503

    def __init__(self, reason: str) -> None:
        super().__init__(f"Certificates cannot be signed just now: the signing service refused ({reason}). "
                         "Nothing was changed.")
        self.reason = reason


class Signer(Protocol):
    def public_keys(self) -> list[tuple[str, dict]]:
        """Every key's name (``key-1``, …) and public JWK, oldest first: all of them stay published."""

    def current_name(self) -> str:
        """The name of the key that signs new credentials."""

    def sign(self, key_name: str, signing_input: bytes) -> bytes:
        """The Ed25519 signature of ``signing_input`` by the key ``key_name``, which must be current."""

    def rotate(self) -> str:
        """A new key, which signs from now on; returns its name. Earlier keys stay published."""


class KeyringSigner:
    """The keys of a folder, in this process."""

    def __init__(self, keyring: Keyring) -> None:
        self.keyring = keyring

    def public_keys(self) -> list[tuple[str, dict]]:
        return [(key.name, jose.public_jwk(key.private_key.public_key())) for key in self.keyring.keys()]

    def current_name(self) -> str:
        return self.keyring.current().name

    def sign(self, key_name: str, signing_input: bytes) -> bytes:
        current = self.keyring.current()
        # Only the current key signs: a retired key that signed again would make rotation meaningless.
        if key_name != current.name:
            raise SigningRefused(f"{key_name!r} is not the current signing key")
        return current.private_key.sign(signing_input)

    def rotate(self) -> str:
        return self.keyring.rotate().name


# --- the wire format, shared by the client and the server -------------------------------------------

class ProtocolError(Exception):
    """A message that breaks the wire format (too long, cut short, not a JSON object)."""


class MessageTooLong(ProtocolError):
    """A length over ``MAX_MESSAGE``: the body is left unread, so the stream cannot go on."""


def encode(message: dict) -> bytes:
    body = json.dumps(message, separators=(",", ":")).encode("utf-8")
    if len(body) > MAX_MESSAGE:
        raise ProtocolError(f"message of {len(body)} bytes is over the limit of {MAX_MESSAGE}")
    return _LENGTH.pack(len(body)) + body


def _read_exactly(conn: socket.socket, count: int) -> bytes:
    chunks, left = [], count
    while left:
        chunk = conn.recv(min(left, 65536))
        if not chunk:
            raise EOFError("the connection closed")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def read_message(conn: socket.socket) -> dict:
    """One message. ``EOFError`` when the peer closed cleanly between messages; ``ProtocolError`` for
    a message too long (its body is not read) or not a JSON object."""
    (length,) = _LENGTH.unpack(_read_exactly(conn, _LENGTH.size))
    if length > MAX_MESSAGE:
        raise MessageTooLong(f"message of {length} bytes is over the limit of {MAX_MESSAGE}")
    body = _read_exactly(conn, length)
    try:
        message = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise ProtocolError(f"not JSON: {error}") from None
    if not isinstance(message, dict):
        raise ProtocolError("not a JSON object")
    return message


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: object) -> bytes:
    if not isinstance(text, str):
        raise ProtocolError("base64 text expected")
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        raise ProtocolError("invalid base64") from None


# --- the client -----------------------------------------------------------------------------------

class SocketSigner:
    """The signer process, over its Unix domain socket: one short connection per request, so a
    restarted signer is picked up at once and no connection is shared between threads.

    Any failure to get an answer (no socket, refused, timed out, cut short, garbled) is
    ``SignerUnavailable``; an answer that says no is ``SigningRefused``."""

    def __init__(self, path: str, timeout: float = 3.0) -> None:
        self.path = path
        self.timeout = timeout  # short: a page waits on it, and the signer answers in milliseconds

    def _call(self, request: dict) -> dict:
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
                conn.settimeout(self.timeout)
                conn.connect(self.path)
                conn.sendall(encode(request))
                reply = read_message(conn)
        except (OSError, EOFError, ProtocolError) as error:  # socket.timeout is an OSError
            raise SignerUnavailable(f"{self.path}: {error}") from None
        if reply.get("ok") is True:
            return reply
        raise SigningRefused(str(reply.get("error") or "no reason given"))

    def public_keys(self) -> list[tuple[str, dict]]:
        keys = self._call({"op": "public_keys"}).get("keys")
        if not isinstance(keys, list) or not all(isinstance(k, dict) and isinstance(k.get("name"), str)
                                                 and isinstance(k.get("jwk"), dict) for k in keys):
            raise SignerUnavailable("the signer's list of keys is malformed")
        return [(k["name"], k["jwk"]) for k in keys]

    def current_name(self) -> str:
        return self._name(self._call({"op": "current_name"}))

    def sign(self, key_name: str, signing_input: bytes) -> bytes:
        reply = self._call({"op": "sign", "key": key_name, "input": b64(signing_input)})
        try:
            signature = unb64(reply.get("signature"))
        except ProtocolError as error:
            raise SignerUnavailable(f"the signer's signature is malformed: {error}") from None
        if len(signature) != 64:  # Ed25519 signatures are always 64 bytes
            raise SignerUnavailable("the signer's signature is not an Ed25519 signature")
        return signature

    def rotate(self) -> str:
        return self._name(self._call({"op": "rotate"}))

    @staticmethod
    def _name(reply: dict) -> str:
        name = reply.get("name")
        if not isinstance(name, str) or not name:
            raise SignerUnavailable("the signer's answer has no key name")
        return name


def signer_from_setting(setting: str, key_folder: str) -> Signer:
    """``"folder"``: the keys in ``key_folder``, in process. ``"socket:/path"``: the signer process
    (``key_folder`` is then never opened, nor even kept)."""
    if setting == "folder":
        return KeyringSigner(Keyring(key_folder))
    if setting.startswith("socket:") and setting[len("socket:"):]:
        return SocketSigner(setting[len("socket:"):])
    raise ValueError(f"CERTIFICATE_SIGNER must be 'folder' or 'socket:/path/to/socket', not {setting!r}")
