"""The timeline's join (pure): order, heartbeats as spans and gaps, words, filters, pages, and where
a flag's evidence lands."""
from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from proctoring.review import rules
from proctoring.review import timeline as tl

T0 = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)


def at(s: float) -> dt.datetime:
    return T0 + dt.timedelta(seconds=s)


def beat(row_id: int, s: float) -> tl.LogRecord:
    return tl.LogRecord(row_id, row_id, "heartbeat", at(s))


def test_heartbeats_become_spans_and_gaps():
    beats = [beat(1, 0), beat(2, 15), beat(3, 30), beat(4, 100), beat(5, 115), beat(6, 400)]
    entries = tl.heartbeat_spans(beats, gap_after_s=30)
    assert [(e.kind, e.at, e.ends_at, e.covers) for e in entries] == [
        ("connected", at(0), at(30), (1, 2, 3)),
        ("heartbeat_gap", at(30), at(100), ()),
        ("connected", at(100), at(115), (4, 5)),
        ("heartbeat_gap", at(115), at(400), ()),
        ("connected", at(400), at(400), (6,)),
    ]
    assert entries[0].title == "Connected (heartbeats) for 30 s" and entries[1].title == "No heartbeat for 1 min 10 s"
    assert entries[4].title == "Connected (one heartbeat)"


def test_a_gap_of_exactly_the_threshold_is_still_connected():
    assert [e.kind for e in tl.heartbeat_spans([beat(1, 0), beat(2, 30)], gap_after_s=30)] == ["connected"]
    with pytest.raises(ValueError):
        tl.heartbeat_spans([beat(1, 0)], gap_after_s=0)


def test_everything_joins_in_time_order_with_the_sources_order_on_ties():
    entries = tl.build_timeline(
        events=[tl.AttemptEventRecord(1, "started", at(0), "Cara"),
                tl.AttemptEventRecord(2, "paused", at(50), "Ivo", reason="Fire alarm"),
                tl.AttemptEventRecord(3, "resumed", at(80), "Ivo"),
                tl.AttemptEventRecord(4, "time_extended", at(81), "Ivo", payload={"seconds": 600}),
                tl.AttemptEventRecord(5, "submitted", at(900), "Ivo", reason="Misconduct",
                                      payload={"ended_by_staff": True, "requested_by_id": 7}, requested_by="Ines")],
        steps=[tl.StepRecord(1, 3, at(20)), tl.StepRecord(2, 4, at(50))],
        log=[beat(10, 0), beat(11, 15), tl.LogRecord(12, 3, "message_sent", at(40), "Ivo", payload={"text": "Hello"}),
             tl.LogRecord(13, 4, "action_taken", at(50), "Ivo", "Fire alarm",
                          {"action": "pause", "reason_code": "environment_concern"})],
        flags=[tl.FlagRecord(20, "heartbeat_missing", "low", at(15), at(900), (10, 11), "No heartbeat",
                             (tl.ReviewRecord(20, "dismissed", "The fire alarm", "Rae", at(1000)),))],
        outcomes=[tl.OutcomeRecord(30, "no_concern", "Nothing happened", "Rae", at(1100))],
        heartbeat_interval_s=15)
    assert [(e.at, e.kind) for e in entries] == [
        (at(0), "started"), (at(0), "connected"), (at(15), "heartbeat_missing"), (at(20), "saved"),
        (at(40), "message_sent"), (at(50), "paused"), (at(50), "saved"), (at(50), "action_taken"),
        (at(80), "resumed"), (at(81), "time_extended"), (at(900), "submitted"), (at(1000), "flag_dismissed"),
        (at(1100), "outcome")]
    words = {e.kind: e for e in entries}
    assert words["saved"].title == "Answer saved to question 4"
    assert words["time_extended"].title == "Time added: 10 min"
    assert words["submitted"].title.startswith("Attempt ended by staff")
    assert words["submitted"].detail == "Asked for by Ines; confirmed by Ivo." and words["submitted"].reason == "Misconduct"
    assert words["action_taken"].title == "Paused the attempt"
    assert words["action_taken"].detail == "Concern about the room or surroundings"
    assert words["heartbeat_missing"].reason == "Dismissed" and words["heartbeat_missing"].evidence_ids == (10, 11)
    assert words["outcome"].title == "Outcome recorded: No concern" and words["outcome"].actor == "Rae"
    assert words["paused"].actor == "Ivo" and words["started"].actor == ""


def test_a_tab_hidden_spell_says_how_long_and_snapshots_carry_their_faces():
    entries = tl.build_timeline(log=[
        tl.LogRecord(1, 1, "tab_hidden", at(10)), tl.LogRecord(2, 2, "tab_visible", at(52)),
        tl.LogRecord(3, 3, "tab_hidden", at(100)),
        tl.LogRecord(4, 4, "snapshot", at(200), has_media=True, media_type="image/jpeg"),
        tl.LogRecord(5, 5, "faces_counted", at(201), payload={"snapshot_event_id": 4, "faces": 0, "is_dark": True}),
        tl.LogRecord(6, 6, "evidence_viewed", at(300), "Rae", payload={"event_id": 4, "seq": 4})])
    hidden = [e for e in entries if e.kind == "tab_hidden"]
    assert hidden[0].detail == "Back after 42 s." and hidden[1].detail.startswith("No return")
    snapshot = next(e for e in entries if e.kind == "snapshot")
    assert snapshot.media_event_id == 4 and snapshot.is_image and snapshot.category == "camera"
    faces = next(e for e in entries if e.kind == "faces_counted")
    assert faces.title == "Faces counted by the server: no face"
    assert faces.detail == "On the snapshot of 23 November 2026, 10:03:20. The picture was too dark to see."
    assert next(e for e in entries if e.kind == "evidence_viewed").category == "records"


def test_filters_pages_and_where_evidence_lands():
    entries = tl.build_timeline(log=[beat(i, i * 10) for i in range(1, 6)] +
                                [tl.LogRecord(10 + i, 10 + i, "copy", at(100 + i)) for i in range(5)])
    assert [e.kind for e in tl.select_categories(entries, ["connection"])] == ["connected"]
    assert len(tl.select_categories(entries, ["nonsense"])) == len(entries) == 6
    page = tl.paginate(entries, 2, per_page=4)
    assert (page.number, page.pages, page.total, page.first, len(page.entries)) == (2, 2, 6, 5, 2)
    assert tl.paginate(entries, 99, per_page=4).number == 2 and tl.paginate([], 1, 10).first == 0
    where = tl.locate(entries, per_page=4)
    assert where[3] == (1, "log-1")  # a heartbeat inside the span lands on the span
    assert where[14] == (2, "log-14")
    assert tl.category_counts(entries)["browser"] == 5


@pytest.mark.parametrize("seconds, words", [(0, "0 s"), (42, "42 s"), (60, "1 min"), (190, "3 min 10 s"),
                                            (3600, "1 h"), (3900, "1 h 5 min")])
def test_durations_in_words(seconds, words):
    assert tl.duration_words(seconds) == words


def test_times_are_shown_in_london():
    summer = dt.datetime(2026, 7, 1, 9, 0, 5, tzinfo=dt.timezone.utc)
    assert tl.london_time(summer) == "1 July 2026, 10:00:05" and tl.london_time(T0) == "23 November 2026, 10:00:00"


def test_notes_reasons_and_undecided_flags():
    assert rules.text_problem("", what="a note", minimum=10) == "Enter a note"
    assert rules.text_problem("short", what="the reasons", minimum=10) == "Write the reasons in at least 10 characters"
    assert rules.text_problem("long enough", what="a note", minimum=10) is None
    assert rules.undecided_problem(["confirmed", "dismissed"]) is None
    assert rules.undecided_problem([]) is None
    assert rules.undecided_problem([None, "confirmed"]).startswith("1 flag has no decision yet")


def test_an_acknowledgement_names_the_message():
    entries = tl.build_timeline(log=[tl.LogRecord(1, 1, "message_sent", at(60), "Ivo", payload={"text": "Hi"}),
                                     tl.LogRecord(2, 2, "message_acknowledged", at(75), "Cara",
                                                  payload={"message_event_id": 1})])
    assert entries[1].detail == "The message of 23 November 2026, 10:01:00."


@pytest.mark.parametrize(("queue", "named"), [("events", "(events)"), ("snapshots", "(snapshots)"),
                                              ("anything else", "(events)")])
def test_records_the_page_could_not_open_are_shown_as_such(queue, named):
    [entry] = tl.build_timeline(log=[tl.LogRecord(1, 1, "stored_unreadable", at(5), payload={"queue": queue})])
    assert entry.category == "browser" and entry.anchor == "log-1"
    assert entry.title == "Unsent invigilation records on this device could not be opened"
    assert named in entry.detail and "not in this log" in entry.detail


_KINDS = ["heartbeat", "tab_hidden", "tab_visible", "snapshot", "faces_counted", "message_sent", "copy",
          "network_offline", "checkin_approved", "evidence_viewed"]


@given(st.lists(st.tuples(st.sampled_from(_KINDS), st.integers(0, 3600)), max_size=60),
       st.lists(st.tuples(st.integers(0, 3600), st.integers(1, 20)), max_size=10))
def test_any_history_joins_in_time_order_and_covers_every_log_row_once(rows, saves):
    log = [tl.LogRecord(i + 1, i + 1, kind, at(s), has_media=kind == "snapshot", media_type="image/jpeg")
           for i, (kind, s) in enumerate(rows)]
    entries = tl.build_timeline(log=log, steps=[tl.StepRecord(n + 1, slot, at(s)) for n, (s, slot) in enumerate(saves)],
                                heartbeat_interval_s=15)
    assert [e.at for e in entries] == sorted(e.at for e in entries)
    covered = [row_id for e in entries for row_id in e.covers]
    assert sorted(covered) == [r.id for r in log]  # every row stands somewhere, once
    assert sum(1 for e in entries if e.category == "answers") == len(saves)
    assert all(e.ends_at is None or e.ends_at >= e.at for e in entries)
