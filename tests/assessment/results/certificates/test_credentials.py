"""The credential, checked by an independent verifier (verifier.py) through the app's public
addresses only: it verifies; it fails after revocation, after its payload or signature is changed;
a key rotation keeps earlier credentials verifying while new ones use the new key."""
from __future__ import annotations

import base64
import json

import pytest

from assessment.results.certificates import services
from core.roles import Role
from tests.assessment.results.certificates.conftest import BASE_URL, NOW
from tests.assessment.results.certificates.verifier import NotVerified, unb64, verify_credential, verify_jws


@pytest.fixture
def fetch(client, issuer):
    def get(url: str) -> str:
        assert url.startswith(BASE_URL + "/"), f"the verifier only fetches from the issuer's host, not {url}"
        response = client.get(url[len(BASE_URL):])
        assert response.status_code == 200, url
        return response.get_data(as_text=True)

    return get


def _credential(client, code: str) -> str:
    response = client.get(f"/verify/{code}/credential")
    assert response.status_code == 200
    assert response.mimetype == "application/vc+jwt"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    return response.get_data(as_text=True)


def test_a_credential_verifies_and_says_what_the_certificate_says(client, issued, fetch):
    certificate = issued[0]
    credential = verify_credential(_credential(client, certificate.code), fetch)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["issuer"]["id"] == "did:web:register.example.org"
    subject = credential["credentialSubject"]
    assert subject["identifier"][0]["identityHash"] == "Ada Lovelace"
    assert subject["achievement"]["type"] == ["Achievement"]
    assert credential["credentialStatus"]["statusListIndex"] == str(certificate.status_index)
    assert credential["credentialStatus"]["statusListCredential"] == BASE_URL + "/credentials/status/1"
    header = json.loads(unb64(_credential(client, certificate.code).split(".")[0]))
    assert header == {"alg": "EdDSA", "kid": "did:web:register.example.org#key-1", "typ": "vc+jwt", "cty": "vc"}


def test_the_did_document_holds_public_keys_only(client, issued):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200 and response.mimetype == "application/did+json"
    document = response.get_json()
    assert document["id"] == "did:web:register.example.org"
    [method] = document["verificationMethod"]
    assert method["id"] == "did:web:register.example.org#key-1" and method["controller"] == document["id"]
    assert set(method["publicKeyJwk"]) == {"kty", "crv", "x"}  # no private "d"
    assert document["assertionMethod"] == [method["id"]]


def test_a_revoked_credential_fails_and_the_others_still_verify(client, db, issued, fetch, people):
    revoked, kept = issued
    services.revoke(db, actor=people["examiner"].actor, code=revoked.code, reason="Obtained by impersonation",
                    now=NOW)
    with pytest.raises(NotVerified, match="revoked"):
        verify_credential(_credential(client, revoked.code), fetch)
    verify_credential(_credential(client, kept.code), fetch)


def test_the_status_list_sets_exactly_the_revoked_bits(client, db, issued, fetch, people):
    import gzip

    services.revoke(db, actor=people["examiner"].actor, code=issued[1].code, reason="Error in the results", now=NOW)
    document = json.loads(fetch(BASE_URL + "/.well-known/did.json"))
    _header, status_list = verify_jws(fetch(BASE_URL + "/credentials/status/1"), document)
    assert status_list["credentialSubject"]["type"] == "BitstringStatusList"
    assert status_list["credentialSubject"]["statusPurpose"] == "revocation"
    bits = gzip.decompress(unb64(status_list["credentialSubject"]["encodedList"][1:]))
    assert len(bits) == 131_072 // 8
    set_bits = [i for i in range(len(bits) * 8) if bits[i // 8] & (1 << (7 - i % 8))]
    assert set_bits == [issued[1].status_index]


def _tampered_payload(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(unb64(payload))
    claims["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory Impostor"
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def _tampered_signature(token: str) -> str:
    header, payload, signature = token.split(".")
    raw = bytearray(unb64(signature))
    raw[10] ^= 0x01
    return f"{header}.{payload}.{base64.urlsafe_b64encode(bytes(raw)).rstrip(b'=').decode()}"


@pytest.mark.parametrize("tamper", [_tampered_payload, _tampered_signature], ids=["payload", "signature"])
def test_a_tampered_credential_fails(client, issued, fetch, tamper):
    token = _credential(client, issued[0].code)
    verify_credential(token, fetch)
    with pytest.raises(NotVerified, match="bad signature"):
        verify_credential(tamper(token), fetch)


def test_a_key_rotation_keeps_earlier_credentials_verifying(client, db, issued, fetch, people, issuer, make_user):
    from tests.assessment.results.certificates.factories import make_release

    earlier = _credential(client, issued[0].code)
    kid = services.rotate_key(db, actor=make_user(Role.ADMIN).actor, now=NOW,
                              issuer=issuer)
    assert kid == "did:web:register.example.org#key-2"
    verify_credential(earlier, fetch)  # still verifies: key-1 stays in the DID document
    document = json.loads(fetch(BASE_URL + "/.well-known/did.json"))
    assert [m["id"].split("#")[1] for m in document["verificationMethod"]] == ["key-1", "key-2"]

    later_release = make_release(db, people["examiner"], [make_user(name="Dee Later")], ["pass"])
    [later] = services.issue_for_release(db, later_release, people["examiner"].actor, NOW, issuer=issuer)
    token = _credential(client, later.code)
    assert json.loads(unb64(token.split(".")[0]))["kid"] == kid
    verify_credential(token, fetch)
    # The status list, signed with the new key, still answers for the old credential.
    services.revoke(db, actor=people["examiner"].actor, code=issued[0].code, reason="Fraud", now=NOW)
    with pytest.raises(NotVerified, match="revoked"):
        verify_credential(earlier, fetch)


def test_keys_are_private_files_made_once(issuer, issued):
    import stat

    files = sorted(issuer.signer.keyring.folder.iterdir())
    assert [f.name for f in files] == ["key-0001.pem"]
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(issuer.signer.keyring.folder.stat().st_mode) == 0o700
    assert issuer.signer.keyring.current().number == 1  # not made again


def test_the_default_key_folder_is_in_the_git_ignored_instance_folder(tmp_path):
    from pathlib import Path

    from assessment.config import load_config

    config = load_config(tmp_path / "instance", environ={})
    assert Path(config["CERTIFICATE_KEY_FOLDER"]) == tmp_path / "instance" / "certificate-keys"
    ignored = (Path(__file__).resolve().parents[4] / ".gitignore").read_text(encoding="utf-8").split()
    assert "instance/*" in ignored


@pytest.mark.parametrize(("base_url", "did"), [
    ("https://register.example.org", "did:web:register.example.org"),
    ("http://localhost:5000", "did:web:localhost%3A5000"),
    ("https://Exam.Example.ORG/", "did:web:exam.example.org"),
])
def test_the_issuer_did_comes_from_the_configured_base_url(base_url, did):
    from assessment.results.certificates.credentials import did_web

    assert did_web(base_url) == did


def test_the_did_ignores_the_request_host(client, issued):
    document = client.get("/.well-known/did.json", headers={"Host": "evil.example.com"}).get_json()
    assert document["id"] == "did:web:register.example.org"


def test_the_status_list_is_signed_once_a_minute_unless_a_revocation_or_rotation_changes_it(client, db, issued,
                                                                                             people, make_user):
    from assessment.results.certificates.services import STATUS_LIST_REUSE, current_issuer, signed_status_list

    with client.application.test_request_context():
        issuer = current_issuer()
    first = signed_status_list(db, issuer, NOW)
    assert signed_status_list(db, issuer, NOW + STATUS_LIST_REUSE / 2) == first  # no trip to the signer
    after_a_minute = signed_status_list(db, issuer, NOW + STATUS_LIST_REUSE)
    assert after_a_minute != first
    services.revoke(db, actor=people["examiner"].actor, code=issued[0].code, reason="Issued in error", now=NOW)
    revoked = signed_status_list(db, issuer, NOW + STATUS_LIST_REUSE)
    assert revoked != after_a_minute  # a revocation shows at once
    services.rotate_key(db, actor=make_user(Role.ADMIN).actor, now=NOW, issuer=issuer)
    rotated = signed_status_list(db, issuer, NOW + STATUS_LIST_REUSE)
    assert json.loads(unb64(rotated.split(".")[0]))["kid"] != json.loads(unb64(revoked.split(".")[0]))["kid"]
