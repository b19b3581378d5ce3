"""``cop invigilation verify``: every chain recomputed, one line each; a row changed behind the
append-only guard's back is named (invigilation, seq, row id, reason) and the command fails."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from core.roles import Role
from proctoring import log
from proctoring.rules import LogKind
from tests.proctoring.telemetry.conftest import approve_checkin


def _beats(db, invigilation, attempt, now, n=3):
    return [log.append(db, invigilation_id=invigilation.id, kind=LogKind.HEARTBEAT, attempt_id=attempt.id,
                       now=now + dt.timedelta(seconds=15 * i), client_event_id=f"hb-{i}") for i in range(n)]


def _tamper(db, backend, row_id):
    """What someone holding the database's keys could do: drop the guard, edit a row."""
    if backend == "sqlite":
        db.execute(text("DROP TRIGGER invigilation_events_append_only_update"))
    else:
        db.execute(text("ALTER TABLE invigilation_events DISABLE TRIGGER invigilation_events_append_only"))
    db.execute(text("UPDATE invigilation_events SET payload = '{\"edited\": true}' WHERE id = :id"), {"id": row_id})
    db.expire_all()


def test_verify_one_attempt_and_all(db, runner, clock, invigilated_attempt, make_user):
    attempt = invigilated_attempt
    invigilation = log.invigilation_for(db, sitting_id=attempt.sitting_id, candidate_id=attempt.candidate_id,
                                        now=clock.now())
    _beats(db, invigilation, attempt, clock.now())
    other = approve_checkin(db, sitting=attempt.sitting, candidate=make_user(Role.CANDIDATE),
                            invigilator=make_user(Role.INVIGILATOR), now=clock.now())
    one = runner.invoke(args=["invigilation", "verify", str(attempt.id)])
    assert one.exit_code == 0, one.output
    assert one.output.splitlines() == [
        f"invigilation {invigilation.id} (sitting {attempt.sitting_id}, candidate {attempt.candidate_id}): "
        "5 rows, intact", "all 1 chain intact"]
    every = runner.invoke(args=["invigilation", "verify", "--all"])
    assert every.exit_code == 0, every.output
    lines = every.output.splitlines()
    assert lines[-1] == "all 2 chains intact" and len(lines) == 3
    assert lines[1].startswith(f"invigilation {other.id} ") and lines[1].endswith("2 rows, intact")


def test_a_tampered_row_is_named_and_the_command_fails(db, runner, clock, backend, invigilated_attempt):
    attempt = invigilated_attempt
    invigilation = log.invigilation_for(db, sitting_id=attempt.sitting_id, candidate_id=attempt.candidate_id,
                                        now=clock.now())
    beats = _beats(db, invigilation, attempt, clock.now())
    _tamper(db, backend, beats[1].id)
    result = runner.invoke(args=["invigilation", "verify", "--all"])
    assert result.exit_code == 1
    assert (f"invigilation {invigilation.id} (sitting {attempt.sitting_id}, candidate {attempt.candidate_id}): "
            f"TAMPERED at seq 4, row id {beats[1].id}: its content does not match its hash") in result.output
    assert (f"Error: 1 of 1 chains broken; the first tampered row: invigilation {invigilation.id}, seq 4, "
            f"row id {beats[1].id}: its content does not match its hash (the row was changed)") in result.output
    single = runner.invoke(args=["invigilation", "verify", str(attempt.id)])
    assert single.exit_code == 1 and f"row id {beats[1].id}" in single.output


def test_verify_says_plainly_what_is_wrong_with_its_arguments(db, runner, invigilated_attempt):
    assert "Name one attempt or give --all" in runner.invoke(args=["invigilation", "verify"]).output
    both = runner.invoke(args=["invigilation", "verify", str(invigilated_attempt.id), "--all"])
    assert both.exit_code == 1 and "not both" in both.output
    missing = runner.invoke(args=["invigilation", "verify", "999999"])
    assert missing.exit_code == 1 and missing.output.strip() == "Error: There is no attempt 999999."
