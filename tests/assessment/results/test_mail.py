"""The mail outbox: messages queued with a release are delivered by ``cop mail send`` to a real SMTP
server on localhost (aiosmtpd) when one is configured, else written as .eml files to the instance
folder; a failed delivery stays pending with its error."""
import datetime as dt
import email
import socket
from email import policy

import pytest
from sqlalchemy import select

from core import mail
from core.mail import MailMessage

NOW = dt.datetime(2026, 12, 13, 9, 0, tzinfo=dt.timezone.utc)


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.messages.append((envelope.rcpt_tos, email.message_from_bytes(envelope.content, policy=policy.default)))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp_server():
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, inbox
    finally:
        controller.stop()


def test_queue_refuses_a_header_injection_and_a_list_of_addresses(db):
    with pytest.raises(ValueError):
        mail.queue(db, to="a@example.org", subject="Hi\nBcc: b@example.org", body="x", now=NOW)
    with pytest.raises(ValueError):
        mail.queue(db, to="a@example.org, b@example.org", subject="Hi", body="x", now=NOW)


def test_smtp_sender_delivers_to_a_real_server_and_marks_the_message_sent(db, smtp_server):
    controller, inbox = smtp_server
    message = mail.queue(db, to="casey@example.org", subject="Your result is ready: Autumn", body="Sign in.\n", now=NOW)
    sender = mail.SmtpSender(host="127.0.0.1", port=controller.port, starttls=False)
    outcome = mail.send_pending(db, sender, sender_address="Register <no-reply@example.org>", now=NOW)
    assert (outcome.sent, outcome.failed) == (1, 0)
    [(recipients, received)] = inbox.messages
    assert recipients == ["casey@example.org"]
    assert received["Subject"] == "Your result is ready: Autumn" and received["From"] == "Register <no-reply@example.org>"
    assert received.get_content().strip() == "Sign in."
    assert message.sent_at == NOW and message.tries == 1
    assert mail.send_pending(db, sender, sender_address="x@example.org", now=NOW).sent == 0  # never twice


def test_a_failed_delivery_stays_pending_with_its_error(db):
    message = mail.queue(db, to="casey@example.org", subject="Hello", body="Body", now=NOW)
    sender = mail.SmtpSender(host="127.0.0.1", port=_free_port(), starttls=False, timeout_s=5)  # nobody listens
    outcome = mail.send_pending(db, sender, sender_address="x@example.org", now=NOW)
    assert (outcome.sent, outcome.failed) == (0, 1)
    assert message.sent_at is None and message.tries == 1 and "ConnectionRefusedError" in message.last_error
    message.tries = mail.MAX_TRIES
    assert mail.pending(db) == [] and mail.pending(db, retry_failed=True) == [message]


def test_without_smtp_the_default_writes_eml_files(db, tmp_path):
    sender = mail.sender_from_config({"SMTP_HOST": None, "MAIL_FOLDER": None}, tmp_path)
    assert isinstance(sender, mail.FileSender) and sender.folder == tmp_path / "mail"
    message = mail.queue(db, to="casey@example.org", subject="Your result is ready", body="Sign in to read it.", now=NOW)
    assert mail.send_pending(db, sender, sender_address="no-reply@example.org", now=NOW).sent == 1
    written = email.message_from_bytes((tmp_path / "mail" / f"message-{message.id:06d}.eml").read_bytes(),
                                       policy=policy.default)
    assert written["To"] == "casey@example.org" and "Sign in to read it." in written.get_content()


def test_configuration_chooses_smtp_when_a_host_is_set(tmp_path):
    sender = mail.sender_from_config({"SMTP_HOST": "mail.example.org", "SMTP_PORT": 2525, "SMTP_USER": "u",
                                      "SMTP_PASSWORD": "p", "SMTP_TLS": False}, tmp_path)
    assert sender == mail.SmtpSender(host="mail.example.org", port=2525, user="u", password="p", starttls=False)


def test_a_release_then_cop_mail_send_delivers_to_each_candidate_by_smtp(app, db, scored, runner, smtp_server):
    from assessment.results import services
    from tests.assessment.results.conftest import RELEASED_AT, issuer_for_tests

    controller, inbox = smtp_server
    services.release_results(db, actor=scored.examiner.actor, sitting_id=scored.sitting.id, run_id=scored.run.id,
                             decision_id=scored.decision.id, now=RELEASED_AT, base_url="https://exam.example.org",
                             issuer=issuer_for_tests())
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=controller.port, SMTP_TLS=False)
    try:
        result = runner.invoke(args=["mail", "send"])
    finally:
        app.config.update(SMTP_HOST=None, SMTP_PORT=587, SMTP_TLS=True)
    assert result.exit_code == 0, result.output
    assert "Sent 12 messages (SMTP 127.0.0.1:" in result.output
    delivered = {tuple(to)[0]: message for to, message in inbox.messages}
    assert set(delivered) == {candidate.email for candidate, _attempt in scored.people}
    one = delivered[scored.people[0][0].email]
    assert one["Subject"] == f"Your result is ready: {scored.sitting.title}"
    assert f"https://exam.example.org/results/sittings/{scored.sitting.id}" in one.get_content()
    assert db.scalar(select(MailMessage.id).where(MailMessage.sent_at.is_(None))) is None


def test_cop_mail_send_without_smtp_writes_files_to_the_configured_folder(app, db, runner, tmp_path):
    mail.queue(db, to="casey@example.org", subject="Hello", body="Body", now=NOW)
    app.config.update(MAIL_FOLDER=str(tmp_path / "outbox"))
    try:
        result = runner.invoke(args=["mail", "send"])
    finally:
        app.config.update(MAIL_FOLDER=None)
    assert result.exit_code == 0, result.output
    assert f"Sent 1 message (files in {tmp_path / 'outbox'})" in result.output
    assert len(list((tmp_path / "outbox").glob("*.eml"))) == 1
