"""The check-in fold (pure): where a check-in stands from its log rows, and the veto's sentence."""
from __future__ import annotations

import datetime as dt
import itertools

from proctoring.checkin import rules
from proctoring.checkin.rules import CheckinStatus, Entry, Step
from proctoring.rules import LogKind

T0 = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
_ids = itertools.count(1)


def entry(kind: LogKind, minute: int = 0, *, media: bool = False, reason: str = "", **payload) -> Entry:
    return Entry(id=next(_ids), kind=kind.value, at=T0 + dt.timedelta(minutes=minute), reason=reason,
                 payload=payload, has_media=media)


def complete(start: int = 0) -> list[Entry]:
    return [entry(LogKind.CHECKIN_PHOTO, start, media=True), entry(LogKind.CHECKIN_ID_PHOTO, start + 1, media=True),
            *(entry(LogKind.CHECKIN_ROOM_SCAN, start + 2, media=True) for _ in range(3)),
            entry(LogKind.CHECKIN_RULES_ACKNOWLEDGED, start + 3)]


def test_nothing_is_not_started_and_may_not_start():
    state = rules.fold([])
    assert state.status is CheckinStatus.NOT_STARTED and state.consent is None
    assert "read the privacy notice and give your consent" in rules.start_refusal(state)


def test_consent_then_steps_is_in_progress_and_lists_what_is_missing():
    state = rules.fold([entry(LogKind.CONSENT_GIVEN), entry(LogKind.CHECKIN_PHOTO, 1, media=True),
                        entry(LogKind.CHECKIN_ROOM_SCAN, 2, media=True)])
    assert state.status is CheckinStatus.IN_PROGRESS and state.consent is True
    assert state.step_done(Step.PHOTO) and not state.step_done(Step.ROOM_SCAN)
    assert [field for field, _ in state.missing()] == ["id_photo", "room_scan", "rules"]
    assert rules.start_refusal(state).startswith("Complete the identity and room check")


def test_complete_then_submitted_then_the_latest_decision_counts():
    rows = [entry(LogKind.CONSENT_GIVEN), *complete(1), entry(LogKind.CHECKIN_SUBMITTED, 10)]
    submitted = rules.fold(rows)
    assert submitted.status is CheckinStatus.SUBMITTED and submitted.missing() == []
    assert submitted.submitted_at == T0 + dt.timedelta(minutes=10)
    assert rules.waiting_seconds(submitted, T0 + dt.timedelta(minutes=13)) == 180
    assert "waiting for an invigilator" in rules.start_refusal(submitted)
    approved = rules.fold([*rows, entry(LogKind.CHECKIN_APPROVED, 12)])
    assert approved.status is CheckinStatus.APPROVED and approved.status.lets_start
    assert rules.start_refusal(approved) is None


def test_a_rejection_is_shown_and_the_steps_start_again():
    rows = [entry(LogKind.CONSENT_GIVEN), *complete(1), entry(LogKind.CHECKIN_SUBMITTED, 10),
            entry(LogKind.CHECKIN_REJECTED, 12, reason="The ID photo is blurred")]
    rejected = rules.fold(rows)
    assert rejected.status is CheckinStatus.REJECTED and rejected.status.is_editable
    assert rejected.photo_id is None and rejected.room_scan_ids == () and not rejected.rules_acknowledged
    assert rules.start_refusal(rejected).endswith("The ID photo is blurred.")
    again = rules.fold([*rows, entry(LogKind.CHECKIN_ID_PHOTO, 15, media=True)])
    assert again.status is CheckinStatus.IN_PROGRESS and again.id_photo_id is not None
    assert again.rejection_reason == "The ID photo is blurred"  # still there for the candidate to read


def test_a_waiver_lets_the_start_happen_without_any_step():
    state = rules.fold([entry(LogKind.CHECKIN_WAIVED, reason="Checked by video call", reason_code="adjustment")])
    assert state.status is CheckinStatus.WAIVED and rules.start_refusal(state) is None
    assert state.waiver_reason == "Checked by video call"


def test_withdrawn_consent_refuses_even_an_approved_check_in():
    rows = [entry(LogKind.CONSENT_GIVEN), *complete(1), entry(LogKind.CHECKIN_SUBMITTED, 10),
            entry(LogKind.CHECKIN_APPROVED, 11), entry(LogKind.CONSENT_WITHDRAWN, 12)]
    state = rules.fold(rows)
    assert state.consent is False and state.status is CheckinStatus.APPROVED
    assert "withdrawn your consent" in rules.start_refusal(state)
    assert "in-person or adjusted sitting" in rules.start_refusal(state)


def test_asking_for_help_counts_as_the_step_for_submitting_and_is_kept():
    rows = [entry(LogKind.CONSENT_GIVEN), entry(LogKind.CHECKIN_PHOTO, 1, media=True),
            entry(LogKind.CHECKIN_ID_PHOTO, 2, media=True),
            entry(LogKind.CHECKIN_ROOM_SCAN, 3, needs_help=True, note="I am blind"),
            entry(LogKind.CHECKIN_RULES_ACKNOWLEDGED, 4)]
    state = rules.fold(rows)
    assert state.needs_help and state.help_steps == (Step.ROOM_SCAN,) and state.help_notes == ("I am blind",)
    assert state.missing() == [] and state.room_scan_ids == ()


def test_a_picture_row_without_media_is_not_a_photo():
    state = rules.fold([entry(LogKind.CHECKIN_PHOTO)])
    assert state.photo_id is None and not state.step_done(Step.PHOTO)


def test_two_frames_are_not_a_room_scan_three_are():
    two = rules.fold([entry(LogKind.CHECKIN_ROOM_SCAN, media=True) for _ in range(2)])
    three = rules.fold([entry(LogKind.CHECKIN_ROOM_SCAN, media=True) for _ in range(rules.ROOM_SCAN_FRAMES)])
    assert not two.step_done(Step.ROOM_SCAN) and three.step_done(Step.ROOM_SCAN)

