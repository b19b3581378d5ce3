"""An independent verifier of our credentials, written from the specifications (RFC 7515 compact
JWS, RFC 8037 EdDSA/Ed25519 JWKs, did:web, W3C Bitstring Status List) and not from our code: it
uses only base64, gzip, json and ``cryptography``'s Ed25519 primitive."""
from __future__ import annotations

import base64
import gzip
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey


class NotVerified(Exception):
    pass


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def verify_jws(token: str, did_document: dict) -> tuple[dict, dict]:
    """Header and payload of a compact JWS whose EdDSA signature checks against the key its
    ``kid`` names in the DID document; NotVerified otherwise."""
    try:
        header_b64, payload_b64, signature_b64 = token.split(".")
    except ValueError:
        raise NotVerified("not three parts") from None
    header = json.loads(unb64(header_b64))
    if header.get("alg") != "EdDSA":
        raise NotVerified(f"alg {header.get('alg')}")
    methods = {m["id"]: m for m in did_document["verificationMethod"]}
    if header.get("kid") not in methods or header["kid"] not in did_document.get("assertionMethod", []):
        raise NotVerified(f"kid {header.get('kid')} not in the DID document's assertion methods")
    if not header["kid"].startswith(did_document["id"] + "#"):
        raise NotVerified("kid of another DID")
    jwk = methods[header["kid"]]["publicKeyJwk"]
    if (jwk.get("kty"), jwk.get("crv")) != ("OKP", "Ed25519") or "d" in jwk:
        raise NotVerified("not an Ed25519 public JWK")
    key = Ed25519PublicKey.from_public_bytes(unb64(jwk["x"]))
    try:
        key.verify(unb64(signature_b64), f"{header_b64}.{payload_b64}".encode("ascii"))
    except InvalidSignature:
        raise NotVerified("bad signature") from None
    return header, json.loads(unb64(payload_b64))


def revoked_bit(status_list_payload: dict, index: int) -> bool:
    encoded = status_list_payload["credentialSubject"]["encodedList"]
    assert encoded[0] == "u", "multibase base64url"
    bits = gzip.decompress(unb64(encoded[1:]))
    assert len(bits) * 8 >= 131_072
    return bool((bits[index // 8] >> (7 - index % 8)) & 1)


def verify_credential(token: str, fetch) -> dict:
    """Verify a certificate credential end to end; ``fetch(url)`` returns a URL's body as text.
    Returns the credential; NotVerified when the signature fails or the credential is revoked."""
    header = json.loads(unb64(token.split(".")[0]))
    did = header["kid"].split("#")[0]
    assert did.startswith("did:web:")
    host = did[len("did:web:"):].replace("%3A", ":")
    did_document = json.loads(fetch(f"https://{host}/.well-known/did.json"))
    _header, credential = verify_jws(token, did_document)
    if credential["issuer"]["id"] != did:
        raise NotVerified("issuer is not the signer")
    status = credential["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry" and status["statusPurpose"] == "revocation"
    _h, status_list = verify_jws(fetch(status["statusListCredential"]), did_document)
    if status_list["issuer"] != did or "BitstringStatusListCredential" not in status_list["type"]:
        raise NotVerified("status list of another issuer")
    if revoked_bit(status_list, int(status["statusListIndex"])):
        raise NotVerified("revoked")
    return credential
