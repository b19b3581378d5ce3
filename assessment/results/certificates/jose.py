"""JOSE compact serialisation (RFC 7515) with EdDSA over Ed25519 (RFC 8037): sign a JSON payload,
and the public key as a JWK. Verification lives in the tests, written independently.

``sign_compact`` is given something that signs (bytes in, signature out), never a private key, so
this code works the same whether the key is in this process or in the signer process.

Pure: no Flask, no SQLAlchemy; ``cryptography`` makes the JWK.
"""
from __future__ import annotations

import base64
import json
from collections.abc import Callable

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _json_bytes(value: dict) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode("utf-8")


def public_jwk(public_key: Ed25519PublicKey) -> dict:
    """The public key as an OKP JWK (RFC 8037 §2)."""
    raw = public_key.public_bytes(Encoding.Raw, PublicFormat.Raw)
    return {"kty": "OKP", "crv": "Ed25519", "x": b64url(raw)}


def sign_compact(payload: dict, sign: Callable[[bytes], bytes], *, kid: str, typ: str, cty: str | None = None) -> str:
    """``header.payload.signature``, each base64url without padding; ``alg`` is EdDSA. ``sign`` returns
    the Ed25519 signature of the signing input by the key ``kid`` names."""
    header = {"alg": "EdDSA", "kid": kid, "typ": typ}
    if cty:
        header["cty"] = cty
    signing_input = b64url(_json_bytes(header)) + "." + b64url(_json_bytes(payload))
    signature = sign(signing_input.encode("ascii"))
    return signing_input + "." + b64url(signature)


def unverified_parts(token: str) -> tuple[dict, dict]:
    """The header and payload of a compact JWS, NOT verified (for showing, never for trusting)."""
    header, payload, _signature = token.split(".")
    return (json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4))),
            json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))
