"""The signer process (``cop signer serve``) run for real, as a subprocess on a Unix socket, and the
app configured to use it (``CERTIFICATE_SIGNER = "socket:…"``) with a key folder that does not exist:
credentials it signs verify against the DID document, a rotation through the app signs with the new
key while the old one still verifies, a signer that is down is a clear 503 (and one CLI line) with
nothing written, bad requests get error replies while the server keeps serving, and the socket is
mode 0660."""
from __future__ import annotations

import base64
import json
import os
import signal
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

from assessment.results.certificates import services, signing
from assessment.results.certificates.models import Certificate
from core.roles import Role
from tests.assessment.results.certificates.conftest import BASE_URL, NOW
from tests.assessment.results.certificates.factories import make_release
from tests.assessment.results.certificates.verifier import unb64, verify_credential, verify_jws
from tests.cop_testing import mark_reauthenticated

REPO = Path(__file__).resolve().parents[4]
UNAVAILABLE = "Certificates cannot be signed just now"


class SignerProcess:
    """``cop signer serve`` in a subprocess of its own, run from this checkout."""

    def __init__(self, keys: Path, socket_path: Path, log: Path) -> None:
        self.keys, self.socket_path, self.log = keys, socket_path, log
        self.process: subprocess.Popen | None = None

    def command(self) -> list[str]:
        return [sys.executable, "-c", "import sys; from assessment.cli import main; sys.argv[0] = 'cop'; main()",
                "signer", "serve", "--keys", str(self.keys), "--socket", str(self.socket_path)]

    def environment(self) -> dict:
        env = {k: v for k, v in os.environ.items() if not k.startswith("COP_")}
        env["PYTHONPATH"] = str(REPO)
        # Were the app ever built in the signer, this setting would stop it with a configuration
        # error: the signer must start without the app, its configuration or its database.
        env["COP_MARKING_ROUNDING"] = "not-a-rounding"
        return env

    def start(self) -> "SignerProcess":
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(self.command(), cwd=REPO, env=self.environment(),
                                            stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60  # a readiness wait, not a timing assertion: a loaded machine is slow
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the signer exited: {self.log.read_text()}")
            if self.socket_path.exists():
                try:
                    signing.SocketSigner(str(self.socket_path)).current_name()
                    return self
                except signing.SignerUnavailable:
                    pass
            time.sleep(0.05)
        raise AssertionError(f"the signer did not start: {self.log.read_text()}")

    def stop(self) -> int:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode if self.process is not None else 0


@pytest.fixture
def signer_paths(tmp_path):
    # A Unix socket's path must fit in about 100 bytes, which pytest's tmp_path may not: a short folder.
    folder = Path(tempfile.mkdtemp(prefix="cop-signer-", dir="/tmp"))
    yield {"keys": tmp_path / "signer-keys", "socket": folder / "s.sock", "log": tmp_path / "signer.log"}
    for child in folder.iterdir():
        child.unlink()
    folder.rmdir()


@pytest.fixture
def signer(signer_paths):
    process = SignerProcess(signer_paths["keys"], signer_paths["socket"], signer_paths["log"]).start()
    yield process
    process.stop()


@pytest.fixture
def socket_app(app, tmp_path, signer_paths):
    """The app configured for the signer process, with a key folder it must never open."""
    app.config["BASE_URL"] = BASE_URL
    app.config["CERTIFICATE_SIGNER"] = f"socket:{signer_paths['socket']}"
    app.config["CERTIFICATE_KEY_FOLDER"] = str(tmp_path / "no-such-folder")
    return app


@pytest.fixture
def fetch(client):
    def get(url: str) -> str:
        assert url.startswith(BASE_URL + "/")
        response = client.get(url[len(BASE_URL):])
        assert response.status_code == 200, (url, response.status_code)
        return response.get_data(as_text=True)

    return get


def _credential(client, code: str) -> str:
    response = client.get(f"/verify/{code}/credential")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def _kid(token: str) -> str:
    return json.loads(unb64(token.split(".")[0]))["kid"]


def test_certificates_issued_through_the_signer_process_verify_and_the_app_holds_no_key(
        socket_app, signer, db, client, release, people, fetch, tmp_path):
    issuer = services.issuer_from_config(socket_app.config)
    assert isinstance(issuer.signer, signing.SocketSigner)
    issued = services.issue_for_release(db, release, people["examiner"].actor, NOW, issuer=issuer)
    assert len(issued) == 2
    for certificate in issued:
        token = _credential(client, certificate.code)
        assert _kid(token) == "did:web:register.example.org#key-1"
        assert verify_credential(token, fetch)["credentialSubject"]["identifier"][0]["identityHash"] \
            == certificate.candidate_name
    # The key is the signer's, in its folder; the app's configured folder was never even made.
    assert [p.name for p in signer.keys.iterdir()] == ["key-0001.pem"]
    assert not (tmp_path / "no-such-folder").exists()
    document = client.get("/.well-known/did.json").get_json()
    [method] = document["verificationMethod"]
    assert set(method["publicKeyJwk"]) == {"kty", "crv", "x"}  # the public half only
    # The status list is signed through the signer as well.
    verify_jws(fetch(BASE_URL + "/credentials/status/1"), document)


def test_a_rotation_through_the_app_signs_with_the_new_key_and_the_old_still_verifies(
        socket_app, signer, db, client, runner, issued_by_socket, people, make_user, fetch):
    earlier = _credential(client, issued_by_socket[0].code)
    result = runner.invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "did:web:register.example.org#key-2" in result.output
    assert sorted(p.name for p in signer.keys.iterdir()) == ["key-0001.pem", "key-0002.pem"]

    later_release = make_release(db, people["examiner"], [make_user(name="Dee Later")], ["pass"])
    [later] = services.issue_for_release(db, later_release, people["examiner"].actor, NOW,
                                         issuer=services.issuer_from_config(socket_app.config))
    token = _credential(client, later.code)
    assert _kid(token) == "did:web:register.example.org#key-2"
    verify_credential(token, fetch)
    verify_credential(earlier, fetch)  # key-1 is still published
    document = json.loads(fetch(BASE_URL + "/.well-known/did.json"))
    assert [m["id"].rsplit("#", 1)[1] for m in document["verificationMethod"]] == ["key-1", "key-2"]
    # The retired key cannot sign any more, even when asked by name.
    with pytest.raises(signing.SigningRefused, match="not the current signing key"):
        signing.SocketSigner(str(signer.socket_path)).sign("key-1", b"header.payload")


@pytest.fixture
def issued_by_socket(socket_app, db, release, people):
    return services.issue_for_release(db, release, people["examiner"].actor, NOW,
                                      issuer=services.issuer_from_config(socket_app.config))


def test_a_signer_that_is_down_is_a_typed_error_and_no_certificate_is_added(socket_app, signer, db, release,
                                                                           people):
    assert signer.stop() == 0
    assert not signer.socket_path.exists()  # removed on SIGTERM
    with pytest.raises(signing.SignerUnavailable) as raised:
        services.issue_for_release(db, release, people["examiner"].actor, NOW,
                                   issuer=services.issuer_from_config(socket_app.config))
    assert raised.value.http_status == 503 and raised.value.message.startswith(UNAVAILABLE)
    assert db.scalar(select(func.count()).select_from(Certificate)) == 0


def test_a_signer_that_is_down_is_a_503_page_and_the_release_is_not_half_written(
        app, client, db, scored, signer_paths, tmp_path):
    from assessment.results.models import CandidateResult, ResultRelease

    # No signer was ever started on this socket.
    app.config["CERTIFICATE_SIGNER"] = f"socket:{signer_paths['socket']}"
    app.config["CERTIFICATE_KEY_FOLDER"] = str(tmp_path / "no-such-folder")
    with client.session_transaction() as flask_session:
        flask_session["_user_id"] = scored.examiner.get_id()
        flask_session["_fresh"] = True
        mark_reauthenticated(flask_session, scored.examiner)
    form = {"run": scored.run.id, "decision": scored.decision.id, "reasons": "", "confirmed": "yes"}
    page = client.post(f"/results/board/{scored.sitting.id}/release", data=form)
    assert page.status_code == 503
    assert UNAVAILABLE in page.get_data(as_text=True)
    # The release, its results and its certificates are one transaction: none of it was kept.
    assert db.scalar(select(func.count()).select_from(ResultRelease)) == 0
    assert db.scalar(select(func.count()).select_from(CandidateResult)) == 0
    assert db.scalar(select(func.count()).select_from(Certificate)) == 0
    # The public documents that need the signer say the same, as JSON to a client that asks for it.
    for path in ("/credentials/status/1", "/.well-known/did.json"):
        response = client.get(path, headers={"Accept": "application/json"})
        assert response.status_code == 503 and response.get_json()["error"].startswith(UNAVAILABLE)
    assert not (tmp_path / "no-such-folder").exists()


def test_a_signer_that_is_down_is_one_line_at_the_command_line(socket_app, runner, signer_paths):
    result = runner.invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 1
    [line] = result.output.strip().splitlines()
    assert line.startswith(f"Error: {UNAVAILABLE}")


def _raw(path: Path, payload: bytes, *, length: int | None = None) -> dict:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(10)
        conn.connect(str(path))
        conn.sendall(struct.pack(">I", len(payload) if length is None else length) + payload)
        return signing.read_message(conn)


def test_bad_requests_get_error_replies_and_the_server_keeps_serving(signer):
    path = signer.socket_path
    good_input = base64.b64encode(b"x").decode()
    cases = {
        b"not json at all": "not JSON",
        b"\xff\xfe": "not JSON",
        b"[1, 2]": "not a JSON object",
        b"{}": "no op",
        b'{"op": "format_disk"}': "unknown op",
        b'{"op": "sign", "input": "eA=="}': "needs the key name",
        json.dumps({"op": "sign", "key": "key-1", "input": "%%%"}).encode(): "invalid base64",
        json.dumps({"op": "sign", "key": "key-1", "input": 5}).encode(): "base64 text expected",
        json.dumps({"op": "sign", "key": "key-99", "input": good_input}).encode(): "not the current signing key",
    }
    for payload, expected in cases.items():
        reply = _raw(path, payload)
        assert reply["ok"] is False and expected in reply["error"], (payload, reply)
    # A message over the size limit is refused before it is read, and that connection is closed.
    reply = _raw(path, b"", length=signing.MAX_MESSAGE + 1)
    assert reply["ok"] is False and "over the limit" in reply["error"]
    # Connections that give up half way, or say nothing at all, harm no one.
    for fragment in (b"", b"\x00\x00", struct.pack(">I", 100) + b'{"op":'):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.connect(str(path))
            conn.sendall(fragment)
    # Several requests on one connection, after all that: the server still answers.
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
        conn.settimeout(10)
        conn.connect(str(path))
        for _ in range(2):
            conn.sendall(signing.encode({"op": "current_name"}))
            assert signing.read_message(conn) == {"ok": True, "name": "key-1"}
    client = signing.SocketSigner(str(path))
    signature = client.sign("key-1", b"header.payload")
    [(name, jwk)] = client.public_keys()
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    Ed25519PublicKey.from_public_bytes(unb64(jwk["x"])).verify(signature, b"header.payload")
    assert name == "key-1" and "d" not in jwk
    assert signer.process.poll() is None


def test_the_socket_is_for_its_owner_and_group_only(signer):
    mode = os.stat(signer.socket_path).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o660


def test_a_second_signer_on_a_live_socket_refuses_in_one_line(signer, signer_paths):
    other = SignerProcess(signer_paths["keys"], signer_paths["socket"], signer_paths["log"])
    result = subprocess.run(other.command(), cwd=REPO, env=other.environment(), capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: another signer is already serving on {signer_paths['socket']}"
    assert signing.SocketSigner(str(signer.socket_path)).current_name() == "key-1"  # the first is untouched


def test_a_socket_left_by_a_dead_signer_is_replaced(signer_paths):
    first = SignerProcess(signer_paths["keys"], signer_paths["socket"], signer_paths["log"]).start()
    first.process.kill()  # no chance to clean up: the socket file stays
    first.process.wait()
    assert signer_paths["socket"].exists()
    second = SignerProcess(signer_paths["keys"], signer_paths["socket"], signer_paths["log"]).start()
    try:
        assert signing.SocketSigner(str(signer_paths["socket"])).current_name() == "key-1"
    finally:
        second.stop()


def test_the_in_process_signer_also_refuses_a_key_that_is_not_current(tmp_path):
    from assessment.results.certificates.keys import Keyring

    signer = signing.KeyringSigner(Keyring(tmp_path / "keys"))
    first = signer.current_name()
    assert signer.rotate() == "key-2" and first == "key-1"
    with pytest.raises(signing.SigningRefused):
        signer.sign("key-1", b"data")
    assert len(signer.sign("key-2", b"data")) == 64


@pytest.mark.parametrize("setting", ["socket:", "socket:relative/path.sock", "vault", "", "FOLDER"])
def test_a_wrong_signer_setting_is_a_configuration_error(tmp_path, setting):
    from assessment.config import ConfigError, load_config

    with pytest.raises(ConfigError, match="CERTIFICATE_SIGNER must be"):
        load_config(tmp_path / "instance", environ={"COP_CERTIFICATE_SIGNER": setting})


def test_the_signer_setting_comes_from_the_environment_and_defaults_to_the_folder(tmp_path):
    from assessment.config import load_config

    assert load_config(tmp_path / "a", environ={})["CERTIFICATE_SIGNER"] == "folder"
    config = load_config(tmp_path / "b", environ={"COP_CERTIFICATE_SIGNER": "socket:/run/cop-signer/signer.sock"})
    assert config["CERTIFICATE_SIGNER"] == "socket:/run/cop-signer/signer.sock"
    assert isinstance(services.issuer_from_config({**config, "BASE_URL": BASE_URL}).signer, signing.SocketSigner)
