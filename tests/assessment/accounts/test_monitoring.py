"""Equality monitoring: the administrator's questions, a candidate's consent, answers and
withdrawal (services, then pages), and what scoring may read (only consented answers)."""
import datetime as dt
import re

import pytest
from sqlalchemy import func, select

from core.audit import AuditEntry
from core.errors import Conflict, Forbidden, ValidationFailed
from core.roles import Role
from assessment.accounts.monitoring import queries, rules, services
from assessment.accounts.monitoring.models import MonitoringAnswer, MonitoringConsent, MonitoringQuestion

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


@pytest.fixture
def questions(db):
    services.seed_default_questions(db, now=NOW)
    return {q.key: q for q in db.scalars(select(MonitoringQuestion))}


def option(question, value):
    return next(o.id for o in question.options if o.value == value)


def test_defaults_are_data_each_with_prefer_not_to_say_and_seeding_twice_adds_nothing(db, questions):
    assert set(questions) == {"age_band", "sex", "ethnic_group", "disability", "first_language_english"}
    for question in questions.values():
        assert question.is_asked and question.options[-1].value == rules.PREFER_NOT_TO_SAY
        assert question.options[-1].label == "Prefer not to say" and question.options[-1].is_prefer_not_to_say
        assert sum(o.is_prefer_not_to_say for o in question.options) == 1
    assert [o.label for o in questions["ethnic_group"].options][:5] == [
        "Asian or Asian British", "Black, Black British, Caribbean or African", "Mixed or multiple ethnic groups",
        "White", "Other ethnic group"]
    assert services.seed_default_questions(db, now=NOW) == 0


def test_consent_answers_and_withdrawal(db, questions, make_user):
    candidate = make_user(Role.CANDIDATE)
    sex = questions["sex"]
    with pytest.raises(Conflict, match="Give your consent first"):
        services.save_answers(db, actor=candidate.actor, now=NOW, answers={sex.id: option(sex, "female")})
    assert not queries.has_consent(db, candidate.id)

    given = services.give_consent(db, actor=candidate.actor, now=NOW)
    assert given.action == rules.ConsentAction.GIVEN and given.statement_version == rules.CONSENT_VERSION
    assert services.give_consent(db, actor=candidate.actor, now=NOW) is None  # no second row while consenting
    n = services.save_answers(db, actor=candidate.actor, now=NOW, answers={
        sex.id: option(sex, "female"), questions["age_band"].id: option(questions["age_band"], "35_44"),
        questions["disability"].id: None})
    assert n == 2
    # Changing an answer and clearing one.
    n = services.save_answers(db, actor=candidate.actor, now=NOW, answers={
        sex.id: option(sex, "male"), questions["age_band"].id: None})
    assert n == 1 and queries.my_monitoring(db, candidate.actor).answers == {sex.id: option(sex, "male")}

    later = NOW + dt.timedelta(days=3)
    assert services.withdraw_consent(db, actor=candidate.actor, now=later) == 1
    assert db.scalar(select(func.count()).select_from(MonitoringAnswer)
                     .where(MonitoringAnswer.candidate_id == candidate.id)) == 0
    history = list(db.scalars(select(MonitoringConsent).where(MonitoringConsent.candidate_id == candidate.id)
                              .order_by(MonitoringConsent.id)))
    assert [(c.action, c.occurred_at) for c in history] == [("given", NOW), ("withdrawn", later)]
    assert not queries.has_consent(db, candidate.id)
    with pytest.raises(Conflict, match="nothing to withdraw"):
        services.withdraw_consent(db, actor=candidate.actor, now=later)
    with pytest.raises(Conflict):
        services.save_answers(db, actor=candidate.actor, now=later, answers={sex.id: option(sex, "female")})
    # Consent can be given again; the evidence keeps all three events.
    services.give_consent(db, actor=candidate.actor, now=later + dt.timedelta(days=1))
    assert queries.has_consent(db, candidate.id) and len(queries.my_monitoring(db, candidate.actor).history) == 3


def test_answers_never_reach_the_audit_log(db, questions, make_user):
    candidate = make_user(Role.CANDIDATE)
    before = db.scalar(select(func.count()).select_from(AuditEntry))
    services.give_consent(db, actor=candidate.actor, now=NOW)
    services.save_answers(db, actor=candidate.actor, now=NOW,
                          answers={questions["ethnic_group"].id: option(questions["ethnic_group"], "black")})
    assert db.scalar(select(func.count()).select_from(AuditEntry)) == before


def test_bad_answers_and_wrong_roles_are_refused(db, questions, make_user):
    candidate = make_user(Role.CANDIDATE)
    services.give_consent(db, actor=candidate.actor, now=NOW)
    sex, age = questions["sex"], questions["age_band"]
    with pytest.raises(ValidationFailed) as refused:
        services.save_answers(db, actor=candidate.actor, now=NOW, answers={sex.id: option(age, "25_34")})
    assert refused.value.problems[0].field == f"q{sex.id}"
    admin = make_user(Role.ADMIN)
    services.set_asked(db, actor=admin.actor, now=NOW, question_id=age.id, is_asked=False)
    with pytest.raises(ValidationFailed, match="could not be saved"):
        services.save_answers(db, actor=candidate.actor, now=NOW, answers={age.id: option(age, "25_34")})
    assert db.scalar(select(func.count()).select_from(MonitoringAnswer)) == 0  # nothing half-written
    examiner = make_user(Role.EXAMINER)
    for call in (lambda: services.give_consent(db, actor=examiner.actor, now=NOW),
                 lambda: queries.my_monitoring(db, examiner.actor),
                 lambda: services.add_question(db, actor=candidate.actor, now=NOW, text="Q?", options_text="A\nB"),
                 lambda: services.set_asked(db, actor=examiner.actor, now=NOW, question_id=sex.id, is_asked=False),
                 lambda: queries.admin_questions(db, examiner.actor)):
        with pytest.raises(Forbidden):
            call()


def test_admin_adds_a_question_and_stops_asking_one(db, questions, make_user):
    admin = make_user(Role.ADMIN)
    question = services.add_question(db, actor=admin.actor, now=NOW, text="What is your religion or belief?",
                                     hint="", options_text="No religion\n Christian \n\nMuslim\nOther")
    assert question.key == "what_is_your_religion_or_belief" and question.is_asked
    assert [(o.value, o.label) for o in question.options] == [
        ("no_religion", "No religion"), ("christian", "Christian"), ("muslim", "Muslim"), ("other", "Other"),
        ("prefer_not_to_say", "Prefer not to say")]
    with pytest.raises(ValidationFailed) as refused:
        services.add_question(db, actor=admin.actor, now=NOW, text="What is your religion or belief?",
                              options_text="Yes\nPrefer not to say")
    assert {p.field for p in refused.value.problems} == {"text", "options"}
    services.set_asked(db, actor=admin.actor, now=NOW, question_id=questions["sex"].id, is_asked=False)
    rows = {r.question.key: r for r in queries.admin_questions(db, admin.actor)}
    assert not rows["sex"].question.is_asked and rows["what_is_your_religion_or_belief"].question.is_asked
    actions = set(db.scalars(select(AuditEntry.action).where(AuditEntry.action.like("monitoring.%"))))
    assert actions == {"monitoring.question_added", "monitoring.question_stopped"}


@pytest.mark.parametrize("text, message", [
    ("Only one", "at least two options"),
    ("A\nA", "given twice"),
    ("Yes\nPrefer not to say", "added to every question"),
    ("Yes\n???", "at least one letter or digit"),
])
def test_parse_options_refuses(text, message):
    with pytest.raises(ValueError, match=message):
        rules.parse_options(text)


def test_only_consented_answers_other_than_prefer_not_to_say_are_read(db, questions, make_user):
    sex = questions["sex"]
    people = [make_user(Role.CANDIDATE) for _ in range(5)]
    for person, value in zip(people, ["female", "male", "prefer_not_to_say", "female", "male"]):
        services.give_consent(db, actor=person.actor, now=NOW)
        services.save_answers(db, actor=person.actor, now=NOW, answers={sex.id: option(sex, value)})
    services.withdraw_consent(db, actor=people[3].actor, now=NOW)
    never = make_user(Role.CANDIDATE)  # never consented, so never answered
    ids = [p.id for p in people] + [never.id]
    assert queries.consented_groups(db, sex.id, ids) == {people[0].id: "female", people[1].id: "male",
                                                         people[4].id: "male"}
    assert queries.consented_groups(db, sex.id, ids[:2]) == {people[0].id: "female", people[1].id: "male"}


# ---------------------------------------------------------------- pages


def test_candidate_page_consent_answers_withdraw(client, db, questions, login_as, clock):
    candidate = login_as(Role.CANDIDATE)
    dashboard = client.get("/dashboard")
    assert 'href="/account/monitoring"' in dashboard.text
    page = client.get("/account/monitoring")
    assert page.status_code == 200 and "never affect your mark" in page.text
    assert 'name="q' not in page.text  # no question before consent

    refused = client.post("/account/monitoring/consent", data={})
    assert refused.status_code == 422 and "Tick the box to give your consent" in refused.text
    assert 'href="#agree"' in refused.text and not queries.has_consent(db, candidate.id)
    done = client.post("/account/monitoring/consent", data={"agree": "y"})
    assert done.status_code == 302 and queries.has_consent(db, candidate.id)

    page = client.get("/account/monitoring")
    sex = questions["sex"]
    assert f'name="q{sex.id}"' in page.text and "Prefer not to say" in page.text
    bad = client.post("/account/monitoring", data={f"q{sex.id}": "999999"})
    assert bad.status_code == 422 and f'href="#q{sex.id}"' in bad.text
    saved = client.post("/account/monitoring", data={f"q{sex.id}": str(option(sex, "female"))})
    assert saved.status_code == 302
    page = client.get("/account/monitoring")
    assert "1 question answered" in page.text
    checked = re.findall(r'<input checked[^>]*name="q(\d+)"[^>]*value="(\d+)"', page.text)
    assert checked == [(str(sex.id), str(option(sex, "female")))]

    withdrawn = client.post("/account/monitoring/withdraw")
    assert withdrawn.status_code == 302 and not queries.has_consent(db, candidate.id)
    page = client.get("/account/monitoring")
    assert "You withdrew your consent on" in page.text and 'name="q' not in page.text
    assert db.scalar(select(func.count()).select_from(MonitoringAnswer)
                     .where(MonitoringAnswer.candidate_id == candidate.id)) == 0


def test_admin_pages(client, db, questions, login_as, clock):
    login_as(Role.ADMIN)
    assert 'href="/admin/monitoring"' in client.get("/dashboard").text
    page = client.get("/admin/monitoring")
    assert page.status_code == 200 and "What is your ethnic group?" in page.text and "Stop asking" in page.text
    sex = questions["sex"]
    stopped = client.post(f"/admin/monitoring/{sex.id}/asked", data={"is_asked": "0"})
    db.expire_all()
    assert stopped.status_code == 302 and not db.get(MonitoringQuestion, sex.id).is_asked
    refused = client.post("/admin/monitoring/new", data={"text": "", "options": "Only"})
    assert refused.status_code == 422 and "Enter the question" in refused.text and "at least two options" in refused.text
    added = client.post("/admin/monitoring/new", data={"text": "Do you have caring responsibilities?",
                                                       "options": "Yes\nNo"})
    assert added.status_code == 302
    assert db.scalar(select(MonitoringQuestion).where(MonitoringQuestion.key == "do_you_have_caring_responsibilities"))
