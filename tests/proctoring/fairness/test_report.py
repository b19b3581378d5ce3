"""The fairness report from the database, its page and its command."""
from __future__ import annotations

import datetime as dt
import json

import pytest

from core.errors import Forbidden, ValidationFailed
from core.roles import SYSTEM, Role
from proctoring.fairness.queries import fairness_report, sitting_choices
from proctoring.rules import FlagKind


def by_measure(report):
    return {c.measure.key: {r.group: r for r in c.rows} for c in report.comparisons}


def test_rates_of_one_sitting(db, fairness_data):
    report = fairness_report(db, SYSTEM, sitting_id=fairness_data.sitting.id, min_group=3)
    every, no_face, tab = report.overall
    assert (every.n_candidates, every.n_flags, every.n_flagged, every.n_confirmed, every.n_dismissed,
            every.n_unreviewed) == (12, 5, 5, 2, 2, 1)
    assert (no_face.kind, no_face.n_flags, no_face.n_dismissed, tab.kind, tab.n_confirmed) == \
        (FlagKind.NO_FACE, 4, 2, FlagKind.TAB_HIDDEN, 1)
    assert [s.title for s in report.per_sitting] == ["November sitting"] and report.comparisons == []


def test_groups_use_consented_answers_only_and_suppress_small_groups(db, fairness_data):
    report = fairness_report(db, SYSTEM, sitting_id=fairness_data.sitting.id, question="group", min_group=3)
    measures = by_measure(report)
    assert list(measures) == ["any", "dismissed", "no_face", "tab_hidden"]
    alpha, beta, gamma = measures["any"]["alpha"], measures["any"]["beta"], measures["any"]["gamma"]
    # Ten candidates have a group ("Prefer not to say" and the one without consent are left out):
    # Alpha 3 of 4 against 1 of 6, Beta 1 of 4 against 3 of 6 (see test_rules for the hand sums).
    assert (alpha.n_group, alpha.k_group, alpha.rate_rest) == (4, 3, pytest.approx(1 / 6))
    assert alpha.p_value == pytest.approx(40 / 210) and beta.p_value == pytest.approx(120 / 210)
    assert gamma.suppressed and gamma.n_group is None
    # Dismissed flags: Alpha 1 of 4, the rest 0 of 6 (p = 4/10: the flag fell in Alpha or not).
    dismissed = measures["dismissed"]["alpha"]
    assert (dismissed.k_group, dismissed.ratio, dismissed.p_value) == (1, None, pytest.approx(0.4))
    assert report.n_tests == 8 and "8 comparisons" in report.note
    assert report.as_json()["question"]["key"] == "group"
    # The question may be named by id too; an unknown one is refused.
    assert fairness_report(db, SYSTEM, question=str(fairness_data.question.id), min_group=3).question.key == "group"
    with pytest.raises(ValidationFailed):
        fairness_report(db, SYSTEM, question="nothing-like-this", min_group=3)


def test_a_withdrawn_consent_is_not_counted(db, fairness_data):
    from assessment.accounts.models import User
    from assessment.accounts.monitoring import services as monitoring

    a4 = db.get(User, fairness_data.units["a4"].candidate_id)
    monitoring.withdraw_consent(db, actor=a4.actor, now=dt.datetime(2026, 12, 1, tzinfo=dt.timezone.utc))
    report = fairness_report(db, SYSTEM, sitting_id=fairness_data.sitting.id, question="group", min_group=3)
    assert by_measure(report)["any"]["alpha"].n_group == 3


def test_every_sitting_and_the_separation_of_roles(db, make_user, fairness_data):
    from assessment.delivery.models import Booking

    report = fairness_report(db, SYSTEM, question="group", min_group=3)
    assert report.overall[0].n_candidates == 14
    assert [s.title for s in report.per_sitting] == ["Another sitting", "November sitting"]
    assert by_measure(report)["any"]["alpha"].n_group == 5
    # An examiner who is a candidate in the other sitting sees nothing of it.
    examiner = make_user(Role.EXAMINER, Role.CANDIDATE)
    db.add(Booking(sitting_id=fairness_data.other_sitting.id, candidate_id=examiner.id,
                   booked_at=dt.datetime(2026, 11, 1, tzinfo=dt.timezone.utc)))
    db.flush()
    assert fairness_report(db, examiner.actor, min_group=3).overall[0].n_candidates == 12
    assert [s.id for s in sitting_choices(db, examiner.actor)] == [fairness_data.sitting.id]
    with pytest.raises(Forbidden):
        fairness_report(db, examiner.actor, sitting_id=fairness_data.other_sitting.id, min_group=3)
    with pytest.raises(Forbidden):
        fairness_report(db, make_user(Role.INVIGILATOR).actor, min_group=3)


def test_the_page(app, client, login_as, fairness_data):
    app.config["DIF_MIN_GROUP"] = 3
    login_as(Role.EXAMINER)
    page = client.get(f"/invigilation/fairness?sitting={fairness_data.sitting.id}&question={fairness_data.question.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Flags of every kind, November sitting: 12 candidates</caption>" in html
    assert "Fewer than 3 candidates in this group or in the rest: not reported." in html
    assert "0.1905" in html and "3 (75.0%)" in html and "8 comparisons were tested at once" in html
    assert client.get("/invigilation/fairness").status_code == 200
    wrong = client.get("/invigilation/fairness?sitting=999999")
    assert wrong.status_code == 422 and "Choose a sitting from the list" in wrong.get_data(as_text=True)
    assert client.get("/invigilation/fairness?question=999999").status_code == 422
    assert client.get("/invigilation/fairness?question=99999999999999999999999").status_code == 400  # the edge guard
    assert client.get("/invigilation/fairness?sitting=not-a-number").status_code == 422


def test_the_command(app, runner, fairness_data):
    app.config["DIF_MIN_GROUP"] = 3
    result = runner.invoke(args=["invigilation", "fairness", "--sitting", str(fairness_data.sitting.id),
                                 "--question", "group", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["overall"][0]["candidates"] == 12 and data["tests"] == 8 and data["min_group"] == 3
    alpha = next(g for g in data["comparisons"][0]["groups"] if g["group"] == "alpha")
    assert alpha["p_value"] == pytest.approx(40 / 210)
    assert {"group": "gamma", "label": "Gamma", "suppressed": True} in data["comparisons"][0]["groups"]
    text = runner.invoke(args=["invigilation", "fairness", "--question", "group"])
    assert text.exit_code == 0 and "Flag rates, every sitting: 14 candidates" in text.output
    assert "Gamma: fewer than 3 candidates in this group or in the rest: not reported" in text.output
    assert runner.invoke(args=["invigilation", "fairness", "--sitting", "99999999999999"]).exit_code == 2
    missing = runner.invoke(args=["invigilation", "fairness", "--sitting", "999999"])
    assert missing.exit_code == 1 and "There is no such sitting." in missing.output
    wrong = runner.invoke(args=["invigilation", "fairness", "--question", "nothing-like-this"])
    assert wrong.exit_code == 1 and "There is no monitoring question 'nothing-like-this'" in wrong.output


def test_a_huge_question_number_is_no_question(db, fairness_data):
    with pytest.raises(ValidationFailed):
        fairness_report(db, SYSTEM, question="99999999999999999999999", min_group=3)
