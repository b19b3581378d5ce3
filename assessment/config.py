"""Configuration: allow-listed defaults → instance/config.py → COP_* environment → overrides.

Unknown keys are errors, so a misspelt setting fails loudly instead of being ignored.
Nothing here reads configuration at import time; ``load_config`` runs inside ``create_app``.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

from core.alerts.rules import AlertSettings

DEFAULTS: dict[str, Any] = {
    "SECRET_KEY": None,
    "DATABASE_URL": None,  # default: SQLite in the instance folder
    # Connections one app process keeps to PostgreSQL (SQLAlchemy's pool; SQLite ignores them). A request
    # holds one at a time, so a gthread worker needs no more than its threads; across hosts they add up
    # to instances × workers × (size + overflow), which PostgreSQL's max_connections (or PgBouncer) must take.
    "DATABASE_POOL_SIZE": 10,
    "DATABASE_MAX_OVERFLOW": 20,
    # Test each pooled connection with a round trip before every request (SQLAlchemy's pre-ping). Off:
    # on the autosave path that ping was a fifth of a save's time. Without it, the first request on a
    # connection the server dropped (a restart, a failover) fails once — SQLAlchemy then discards the
    # whole pool — and the player's outbox resends the save; nothing acknowledged is lost.
    "DATABASE_PRE_PING": False,
    "TESTING": False,
    "DEBUG": False,
    "SERVER_NAME": None,
    # Links in e-mails and logs (password reset) start with this, never with the request's Host
    # header, which whoever sends the request chooses. Set COP_BASE_URL=https://exam.example.org.
    "BASE_URL": None,
    "PREFERRED_URL_SCHEME": "http",
    "WTF_CSRF_ENABLED": True,
    "WTF_CSRF_TIME_LIMIT": 8 * 3600,  # a long exam page must still be able to post
    "SESSION_COOKIE_SECURE": False,  # set True (COP_SESSION_COOKIE_SECURE=1) when served over HTTPS
    "PASSWORD_HASH_PROFILE": "standard",  # "fast" only for tests
    "PASSWORD_RESET_TTL_S": 3600,
    "LOGIN_THROTTLE": True,
    "TRUSTED_PROXIES": 0,  # how many reverse proxies set X-Forwarded-For
    "MAX_CONTENT_LENGTH": 20 * 1024 * 1024,
    "UPLOAD_FOLDER": None,  # default: instance/uploads (outside the web root)
    # The register's certificate signing keys (Ed25519 PEM files, mode 0600): default
    # instance/certificate-keys. The issuer's did:web and every published address come from BASE_URL.
    "CERTIFICATE_KEY_FOLDER": None,
    # Who signs certificates: "folder" (in this process, with the keys in CERTIFICATE_KEY_FOLDER) or
    # "socket:/run/cop-signer/signer.sock" (the separate `cop signer serve` process, running as its own
    # user; the app then never opens the key folder). docs/deployment.md, "The certificate signer".
    "CERTIFICATE_SIGNER": "folder",
    # The keys that seal evidence uploads (adjustment, appeal, CPD, application documents) with
    # AES-256-GCM (core/sealed.py): default instance/evidence-keys. Keep them on another volume than
    # UPLOAD_FOLDER, or mounted as a secret, and back them up apart from the uploads (docs/operations.md).
    "EVIDENCE_KEY_FOLDER": None,
    "VIRUS_SCAN_COMMAND": None,  # e.g. "clamdscan --fdpass --no-summary {path}"; None = no scan (docs/uploads.md)
    "DEMO_PASSWORD": None,
    # Double marking: two marks this far apart (or closer) agree, and their mean is rounded half up
    # to "whole" or "half" marks. Copied to a sitting when its marking opens.
    "MARKING_TOLERANCE": 1,
    "MARKING_ROUNDING": "whole",
    # DIF reports: each of the two groups compared needs at least this many consenting candidates,
    # so that no small group is exposed.
    "DIF_MIN_GROUP": 30,
    # Mail (core.mail): SMTP when SMTP_HOST is set (STARTTLS unless SMTP_TLS is false), else each
    # message is written as an .eml file to MAIL_FOLDER (default instance/mail). `cop mail send` delivers.
    "SMTP_HOST": None,
    "SMTP_PORT": 587,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_TLS": True,
    "MAIL_FROM": "Certificate of Proficiency <no-reply@localhost>",
    "MAIL_FOLDER": None,
    # Results: a candidate who fails may book a sitting again this many days after the release.
    "RESULTS_RESIT_INTERVAL_DAYS": 90,
    # Before release, a candidate's result page says results are expected this many days after the
    # sitting closes.
    "RESULTS_EXPECTED_WITHIN_DAYS": 42,
    # A candidate may appeal a released result for this many days after its release.
    "APPEAL_WINDOW_DAYS": 28,
    # Registration (assessment.eligibility). Dates are ISO (YYYY-MM-DD). The Certificate became (or
    # becomes) available on this date: the post-certificate rules apply to applications decided from it.
    "ELIGIBILITY_CERTIFICATE_AVAILABLE_FROM": "2027-09-01",
    # Until this date applications are decided by two assessors independently (a third settles a
    # disagreement); from it, by one assessor with a second review of every refusal.
    "ELIGIBILITY_INITIAL_PERIOD_ENDS": "2027-09-01",
    # Phased opening: "min_years:opens_on" pairs, widest band last (15+ years first).
    "ELIGIBILITY_BANDS": "15:2026-11-01,10:2027-01-04,5:2027-03-01,0:2027-05-04",
    # A refused applicant may appeal for this many days after the refusal.
    "REGISTRATION_APPEAL_WINDOW_DAYS": 28,
    # An assessor's decision is expected within this many days of submission (the clock pauses
    # while the applicant is asked for more information).
    "REGISTRATION_DECISION_TARGET_DAYS": 60,
    # Annual renewal: CPD hours a year, the categories (comma-separated), reminders this many days
    # before the renewal date (comma-separated), and the grace before a registration lapses.
    "RENEWAL_CPD_HOURS": 30,
    "RENEWAL_CPD_CATEGORIES": "clinical,case_management,leadership,legal_and_ethical,other",
    "RENEWAL_REMINDER_DAYS": "60,30,7",
    "RENEWAL_GRACE_DAYS": 0,
    # Case managers registered before the Certificate existed must pass it by this date.
    "CERTIFICATE_DEADLINE_FOR_EARLY_REGISTRANTS": "2029-08-31",
    # After a lapse longer than this many days, returning to the register needs a new pass.
    "RESIT_AFTER_LAPSE_DAYS": 365,
    # Remote invigilation (proctoring/, docs/invigilation.md). Media: "local" (a folder outside the
    # web root, default instance/invigilation-media) or "s3" (any S3-compatible store; credentials from
    # the usual AWS_* environment variables, never from this file).
    "INVIGILATION_MEDIA_BACKEND": "local",
    "INVIGILATION_MEDIA_FOLDER": None,
    "INVIGILATION_S3_BUCKET": None,
    "INVIGILATION_S3_ENDPOINT_URL": None,
    "INVIGILATION_S3_REGION": None,
    # The player's webcam snapshot and heartbeat intervals during an invigilated attempt.
    "INVIGILATION_SNAPSHOT_INTERVAL_S": 30,
    "INVIGILATION_HEARTBEAT_INTERVAL_S": 15,
    # Ingest bounds per attempt: events in one batch, bytes in one snapshot, events a minute.
    "INVIGILATION_MAX_BATCH_EVENTS": 100,
    "INVIGILATION_MAX_SNAPSHOT_BYTES": 256 * 1024,
    "INVIGILATION_MAX_EVENTS_PER_MINUTE": 240,
    # Automatic face matching of the check-in photo with the ID is off: a person compares them.
    # When an exam board turns it on it runs only with the candidate's explicit consent, and a
    # person still decides.
    "INVIGILATION_FACE_MATCHING": False,
    # One invigilator watches at most this many candidates (allocation).
    "INVIGILATION_CANDIDATES_PER_INVIGILATOR": 25,
    # Evidence is deleted this many days after the appeal window following a release closes,
    # unless an incident or an open appeal holds it.
    "INVIGILATION_RETENTION_DAYS_AFTER_APPEALS": 30,
    # Retention (docs/privacy.md, "Retention settings in one place", lists every RETENTION key with the code
    # that enforces it). `cop privacy sweep` deletes expired password reset links this long after expiry,
    # sent e-mail (and its .eml copies) and read notifications after these many days.
    "RETENTION_PASSWORD_RESET_HOURS_AFTER_EXPIRY": 24,
    "RETENTION_SENT_MAIL_DAYS": 90,
    "RETENTION_READ_NOTIFICATIONS_DAYS": 365,
    # Ended sign-ins (the list at /account/sessions: device and IP address) go this long after they end, as
    # the security-monitoring records of sign-in attempts would (docs/privacy.md).
    "RETENTION_ENDED_SIGN_INS_DAYS": 90,
    # The key an attempt's player seals its browser queues with goes this long after the attempt ended, so
    # that whatever a browser still holds of that exam can no longer be opened by anyone (docs/exam-player.md).
    "RETENTION_ENDED_ATTEMPT_STORAGE_KEYS_DAYS": 7,
    # Exam evidence, results, certificates, appeals, applications and register decisions (append-only): the
    # years the register keeps them. No code deletes them; erasure explains that they are kept for this long.
    "RETENTION_EVIDENCE_YEARS": 6,
    # The live dashboard's server-sent events: checked every CHECK_S seconds, each response ends after
    # STREAM_S (so a gthread worker is never held for ever) and the browser reconnects after RETRY_MS.
    "INVIGILATION_LIVE_CHECK_S": 2,
    "INVIGILATION_LIVE_STREAM_S": 55,
    "INVIGILATION_LIVE_RETRY_MS": 2000,
    # Security alerts (core/alerts, docs/operations.md "Alerts"). Every alert is a WARNING log line
    # starting "Security alert:"; it is also mailed (through the outbox, `cop mail send`) to each of
    # ALERT_EMAILS (comma-separated) and POSTed as JSON to ALERT_WEBHOOK_URL when those are set.
    "ALERT_EMAILS": "",
    "ALERT_WEBHOOK_URL": None,
    "ALERT_WEBHOOK_TIMEOUT_S": 5,
    # One alert of a kind about one subject (an account, an address) per this many minutes.
    "ALERT_REPEAT_MINUTES": 15,
    # Across all alerts: past this many mailed or posted in an hour, alerts are recorded and logged only.
    "ALERT_MAX_PER_HOUR": 30,
    # Password spraying: failed sign-ins to this many different accounts from one address in the window.
    "ALERT_SPRAY_ACCOUNTS": 10,
    "ALERT_SPRAY_WINDOW_MINUTES": 15,
    # Refused requests (401, 403, a failed CSRF check) from one address or one account in one window.
    "ALERT_REFUSALS": 30,
    "ALERT_REFUSALS_WINDOW_MINUTES": 5,
    # Kinds of alert not to raise at all (comma-separated, e.g. "recovery_code_used").
    "ALERT_SILENCED": "",
}

_BOOL_TRUE = {"1", "true", "yes", "on"}
_BOOL_FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ValueError):
    pass


def _coerce(key: str, raw: str) -> Any:
    default = DEFAULTS[key]
    if isinstance(default, bool):
        lowered = raw.strip().lower()
        if lowered in _BOOL_TRUE:
            return True
        if lowered in _BOOL_FALSE:
            return False
        raise ConfigError(f"COP_{key} must be true or false, not {raw!r}")
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"COP_{key} must be a whole number, not {raw!r}") from None
    return raw


def _from_instance_file(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {}
    namespace: dict[str, Any] = {"__file__": str(path)}
    exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # noqa: S102 - operator-owned file
    return {k: v for k, v in namespace.items() if k.isupper()}


def _from_environment(environ: dict[str, str]) -> dict[str, Any]:
    found = {}
    for name, raw in environ.items():
        if not name.startswith("COP_"):
            continue
        key = name[4:]
        if key in DEFAULTS:
            found[key] = _coerce(key, raw)
    return found


def _check_keys(source: str, values: dict[str, Any]) -> None:
    unknown = sorted(set(values) - set(DEFAULTS))
    if unknown:
        raise ConfigError(f"unknown setting(s) in {source}: {', '.join(unknown)}")


def load_config(instance_path: Path, overrides: dict[str, Any] | None = None, environ=None) -> dict[str, Any]:
    environ = os.environ if environ is None else environ
    config = dict(DEFAULTS)
    from_file = _from_instance_file(instance_path / "config.py")
    _check_keys("instance/config.py", from_file)
    config.update(from_file)
    config.update(_from_environment(dict(environ)))
    overrides = overrides or {}
    _check_keys("overrides", overrides)
    config.update(overrides)
    if not config["DATABASE_URL"]:
        config["DATABASE_URL"] = f"sqlite:///{instance_path / 'cop.sqlite3'}"
    if not config["BASE_URL"]:
        config["BASE_URL"] = "http://localhost:5000"
    if not str(config["BASE_URL"]).startswith(("http://", "https://")):
        raise ConfigError(f"BASE_URL must start with http:// or https://, not {config['BASE_URL']!r}")
    if config["MARKING_ROUNDING"] not in ("whole", "half"):
        raise ConfigError(f"MARKING_ROUNDING must be 'whole' or 'half', not {config['MARKING_ROUNDING']!r}")
    if isinstance(config["MARKING_TOLERANCE"], bool) or not isinstance(config["MARKING_TOLERANCE"], (int, float)) \
            or config["MARKING_TOLERANCE"] < 0:
        raise ConfigError(f"MARKING_TOLERANCE must be a number of marks, 0 or more, not {config['MARKING_TOLERANCE']!r}")
    if isinstance(config["APPEAL_WINDOW_DAYS"], bool) or not isinstance(config["APPEAL_WINDOW_DAYS"], int) \
            or config["APPEAL_WINDOW_DAYS"] < 1:
        raise ConfigError(f"APPEAL_WINDOW_DAYS must be a whole number of days, 1 or more, not "
                          f"{config['APPEAL_WINDOW_DAYS']!r}")
    for key, least in (("DATABASE_POOL_SIZE", 1), ("DATABASE_MAX_OVERFLOW", 0)):
        if isinstance(config[key], bool) or not isinstance(config[key], int) or config[key] < least:
            raise ConfigError(f"{key} must be a whole number, {least} or more, not {config[key]!r}")
    for key in [name for name in DEFAULTS if name.startswith("RETENTION_")]:
        if isinstance(config[key], bool) or not isinstance(config[key], int) or config[key] < 1:
            raise ConfigError(f"{key} must be a whole number, 1 or more, not {config[key]!r}")
    try:
        AlertSettings.from_config(config)
    except ValueError as error:
        raise ConfigError(str(error)) from None
    if config["INVIGILATION_FACE_MATCHING"]:
        raise ConfigError("INVIGILATION_FACE_MATCHING cannot be turned on: automatic face matching is not available "
                          "(a person checks each photo ID); set it to false")
    if not config["UPLOAD_FOLDER"]:
        config["UPLOAD_FOLDER"] = str(instance_path / "uploads")
    signer = config["CERTIFICATE_SIGNER"]
    if not isinstance(signer, str) or not (signer == "folder" or (signer.startswith("socket:/") and len(signer) > 8)):
        raise ConfigError(f"CERTIFICATE_SIGNER must be 'folder' or 'socket:' and the absolute path of the signer's "
                          f"socket, not {signer!r}")
    if not config["EVIDENCE_KEY_FOLDER"]:
        config["EVIDENCE_KEY_FOLDER"] = str(instance_path / "evidence-keys")
    if not config["CERTIFICATE_KEY_FOLDER"]:
        config["CERTIFICATE_KEY_FOLDER"] = str(instance_path / "certificate-keys")
    if not config["SECRET_KEY"]:
        if config["TESTING"]:
            config["SECRET_KEY"] = "testing-only-not-secret"
        else:
            config["SECRET_KEY"] = _instance_secret(instance_path)
    return config


def _instance_secret(instance_path: Path) -> str:
    """Generate the secret key once into the instance folder (never committed), then reuse it."""
    key_file = instance_path / "secret_key"
    if key_file.exists():
        return key_file.read_text(encoding="utf-8").strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another worker won the race: use its key
        return key_file.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key)
    return key
