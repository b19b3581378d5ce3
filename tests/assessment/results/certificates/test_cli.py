"""``cop certificates list / render / revoke / rotate-key``."""
from __future__ import annotations

import json

from sqlalchemy import select

from assessment.results.certificates import queries
from assessment.results.certificates.models import CertificateDocument
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
    assert [p.name for p in sorted(issuer.signer.keyring.folder.iterdir())] == ["key-0001.pem", "key-0002.pem"]


def test_render_pending_makes_each_missing_pdf_once(runner, db, issued, client):
    client.get(f"/verify/{issued[0].code}")  # the first showing made this one
    first = db.scalar(select(CertificateDocument))
    result = runner.invoke(args=["certificates", "render", "--pending"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "1 certificate PDF made."
    documents = db.scalars(select(CertificateDocument).order_by(CertificateDocument.id)).all()
    assert [d.certificate_id for d in documents] == [issued[0].id, issued[1].id] and documents[0].pdf == first.pdf
    assert queries.pending_documents(db) == []
    assert runner.invoke(args=["certificates", "render", "--pending"]).output.strip() == "0 certificate PDFs made."
    listed = json.loads(runner.invoke(args=["certificates", "list", "--json"]).output)
    assert {r["code"]: r["pdf_sha256"] for r in listed} == {issued[0].code: documents[0].pdf_sha256,
                                                          issued[1].code: documents[1].pdf_sha256}


def test_render_by_code_and_bad_input(runner, db, issued):
    result = runner.invoke(args=["certificates", "render", issued[1].code.lower()])
    assert result.exit_code == 0 and result.output.strip() == "1 certificate PDF made."
    assert [d.certificate_id for d in db.scalars(select(CertificateDocument))] == [issued[1].id]
    wrong = runner.invoke(args=["certificates", "render", "COP-0000-0000-0001"])
    assert wrong.exit_code == 1 and wrong.output.strip() == "Error: No certificate has this code."
    neither = runner.invoke(args=["certificates", "render"])
    assert neither.exit_code == 2 and "Name certificate codes, or give --pending" in neither.output
