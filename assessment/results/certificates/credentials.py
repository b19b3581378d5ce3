"""The certificate as an Open Badges 3.0 credential (a W3C Verifiable Credential, data model 2.0),
secured as a VC-JWT (VC-JOSE-COSE: the credential is the JWT's claims, ``typ`` vc+jwt); the
Bitstring Status List credential that publishes revocations; and the issuer's ``did:web`` document.

Anyone can check a credential without our code: fetch ``/.well-known/did.json`` from the issuer's
host, take the ``publicKeyJwk`` whose id is the JWT header's ``kid``, verify the EdDSA signature over
``header.payload``; then fetch ``credentialStatus.statusListCredential``, verify it the same way,
base64url-decode its ``encodedList`` (after the ``u``), gunzip it, and read the bit at
``statusListIndex`` (0: not revoked).

Signing goes through the issuer's ``signing.Signer``: in process over the key folder by default, or a
separate signer process, in which case no private key is ever in this process (ASVS V6.4.2).

Pure: no Flask, no SQLAlchemy. Addresses come from the configured base URL, never from a request.
"""
from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from assessment.results.certificates import jose, statuslist
from assessment.results.certificates.signing import Signer

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
MEDIA_TYPE = "application/vc+jwt"
ISSUER_NAME = "The register of case managers"
ACHIEVEMENT_NAME = "Certificate of Proficiency in case management"
ACHIEVEMENT_TEXT = ("Passed the register's Certificate of Proficiency examination, set against the "
                    "Standards of Proficiency for case managers.")


def did_web(base_url: str) -> str:
    """``did:web:<host>`` for a base URL (a port's colon is percent-encoded, as did:web requires).
    The base URL's path is not part of the DID: the document is served at the host's
    ``/.well-known/did.json``."""
    host = urlsplit(base_url).netloc
    if not host:
        raise ValueError(f"no host in the base URL {base_url!r}")
    return "did:web:" + quote(host.lower(), safe="")


@dataclass(frozen=True)
class Issuer:
    """Who signs, where things are published, and what signs for it."""

    base_url: str
    signer: Signer

    @property
    def did(self) -> str:
        return did_web(self.base_url)

    def url(self, path: str) -> str:
        return self.base_url.rstrip("/") + path

    def kid(self, key_name: str) -> str:
        return f"{self.did}#{key_name}"

    @property
    def status_list_url(self) -> str:
        return self.url("/credentials/status/1")

    def verify_url(self, code: str) -> str:
        return self.url(f"/verify/{code}")


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def did_document(issuer: Issuer) -> dict:
    """The DID document: every key ever used, so old credentials still verify after a rotation."""
    did = issuer.did
    methods = [{"id": issuer.kid(name), "type": "JsonWebKey2020", "controller": did, "publicKeyJwk": jwk}
               for name, jwk in issuer.signer.public_keys()]
    return {"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/suites/jws-2020/v1"],
            "id": did, "verificationMethod": methods,
            "assertionMethod": [m["id"] for m in methods]}


@dataclass(frozen=True)
class CertificateFacts:
    code: str
    candidate_name: str
    passed_on: dt.date
    issued_at: dt.datetime
    status_index: int


def certificate_credential(issuer: Issuer, facts: CertificateFacts) -> dict:
    """The unsecured credential (an ``OpenBadgeCredential``)."""
    verify_url = issuer.verify_url(facts.code)
    return {
        "@context": [VC_CONTEXT, OB3_CONTEXT],
        "id": verify_url + "/credential",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": ACHIEVEMENT_NAME,
        "issuer": {"id": issuer.did, "type": ["Profile"], "name": ISSUER_NAME, "url": issuer.url("/")},
        "validFrom": _iso(facts.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            # No DID for the candidate: the name, unhashed, as on the paper certificate.
            "identifier": [{"type": "IdentityObject", "identityType": "name", "hashed": False,
                            "identityHash": facts.candidate_name}],
            "achievement": {
                "id": issuer.url("/achievements/certificate-of-proficiency"),
                "type": ["Achievement"],
                "name": ACHIEVEMENT_NAME,
                "description": ACHIEVEMENT_TEXT,
                "criteria": {"narrative": ACHIEVEMENT_TEXT},
            },
            "activityEndDate": _iso(dt.datetime.combine(facts.passed_on, dt.time(12), dt.timezone.utc)),
        },
        "evidence": [{"id": verify_url, "type": ["Evidence"], "name": f"Certificate {facts.code}",
                      "description": "The public verification page of the certificate."}],
        "credentialStatus": {
            "id": f"{issuer.status_list_url}#{facts.status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(facts.status_index),
            "statusListCredential": issuer.status_list_url,
        },
    }


def status_list_credential(issuer: Issuer, revoked_indexes: set[int], now: dt.datetime) -> dict:
    return {
        "@context": [VC_CONTEXT],
        "id": issuer.status_list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.did,
        "validFrom": _iso(now),
        "credentialSubject": {
            "id": issuer.status_list_url + "#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": statuslist.encoded_list(revoked_indexes),
        },
    }


def signed(issuer: Issuer, credential: dict) -> str:
    """The credential as a VC-JWT, signed with the current key (by whatever holds it)."""
    name = issuer.signer.current_name()
    return jose.sign_compact(credential, functools.partial(issuer.signer.sign, name), kid=issuer.kid(name),
                             typ="vc+jwt", cty="vc")
