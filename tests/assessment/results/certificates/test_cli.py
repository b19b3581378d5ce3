"""``cop certificates list / revoke / rotate-key``."""
from __future__ import annotations

import json

from assessment.results.certificates import queries
from assessment.results.certificates.rules import Status


def test_list_as_a_table_and_as_json(runner, issued):
    result = runner.invoke(args=["certificates", "list"])
    assert result.exit_code == 0
    assert issued[0].code in result.output and "Ada Lovelace" in result.output and "valid" in result.output
    rows = json.loads(runner.invoke(args=["certificates", "list", "--json"]).output)
    assert {(r["code"], r["candidate"], r["status"]) for r in rows} == {
        (issued[0].code, "Ada Lovelace", "valid"), (issued[1].code, "Cy O’Brien", "valid")}


def test_revoke_with_a_reason(runner, db, issued):
    result = runner.invoke(args=["certificates", "revoke", issued[1].code.lower(), "--reason", "Results voided"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Certificate {issued[1].code} revoked."
    view = queries.public_view(db, issued[1].code)
    assert view.status == Status.REVOKED and view.status_reason == "Results voided"
    assert json.loads(runner.invoke(args=["certificates", "list", "--json"]).output)[0]["status"] == "revoked"


def test_a_wrong_code_is_one_clear_line(runner, issued):
    result = runner.invoke(args=["certificates", "revoke", "COP-0000-0000-0001", "--reason", "Fraud"])
    assert result.exit_code == 1
    assert result.output.strip() == "Error: No certificate has this code."


def test_an_empty_reason_is_one_clear_line(runner, issued):
    result = runner.invoke(args=["certificates", "revoke", issued[0].code, "--reason", " "])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["Error: The certificate was not revoked: "
                                                  "Enter the reason for revoking the certificate"]


def test_rotate_key(runner, issuer, issued):
    result = runner.invoke(args=["certificates", "rotate-key"])
    assert result.exit_code == 0, result.output
    assert "did:web:register.example.org#key-2" in result.output
    assert [p.name for p in sorted(issuer.keyring.folder.iterdir())] == ["key-0001.pem", "key-0002.pem"]
