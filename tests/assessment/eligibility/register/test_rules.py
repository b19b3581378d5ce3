"""The register's pure rules: CPD met, renewal opening, the reminder schedule, the lapse date, the
Certificate deadline, resit required, and what the public register lists."""
import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assessment.eligibility.register import rules

D = dt.date
DUE = D(2027, 11, 23)


def test_the_cpd_year_runs_from_the_day_after_a_year_before_to_the_due_date():
    assert rules.cpd_year(DUE) == (D(2026, 11, 24), DUE)
    assert rules.cpd_year(D(2028, 2, 29)) == (D(2027, 3, 1), D(2028, 2, 29))


def test_only_activities_of_the_year_not_withdrawn_count():
    activities = [rules.Activity(D(2026, 11, 23), 10),  # the day before the year: not counted
                  rules.Activity(D(2026, 11, 24), 7.5),  # its first day
                  rules.Activity(DUE, 5),  # its last day
                  rules.Activity(D(2027, 3, 1), 8, withdrawn=True),
                  rules.Activity(D(2027, 11, 24), 3)]  # the next year
    assert rules.cpd_hours(activities, DUE) == 12.5


@pytest.mark.parametrize("hours, required, met", [(30, 30, True), (29.75, 30, False), (45, 30, True), (0, 0, True)])
def test_cpd_is_met_at_the_required_hours(hours, required, met):
    assert rules.cpd_met(hours, required) is met


def test_renewal_opens_at_the_largest_reminder():
    assert rules.renewal_opens_on(DUE, (60, 30, 7)) == DUE - dt.timedelta(days=60)


@pytest.mark.parametrize("today, hours, registered, fragment", [
    (DUE - dt.timedelta(days=61), 30, True, "Renewal opens on 24 September 2027"),
    (DUE - dt.timedelta(days=60), 30, True, None),
    (DUE, 30, True, None),
    (DUE - dt.timedelta(days=10), 12.5, True, "declare 17.5 hours more"),
    (DUE - dt.timedelta(days=10), 30, False, "Only a current registration"),
])
def test_renewal_problem(today, hours, registered, fragment):
    problem = rules.renewal_problem(today=today, due_on=DUE, reminder_days=(60, 30, 7), hours=hours, required=30,
                                    is_registered=registered)
    assert (problem is None) if fragment is None else (fragment in problem)


def test_reminders_at_each_threshold_once():
    sent: set[int] = set()
    schedule = []
    day = DUE - dt.timedelta(days=90)
    while day <= DUE + dt.timedelta(days=5):
        due = rules.reminder_due(today=day, due_on=DUE, reminder_days=(60, 30, 7), sent=sent)
        if due is not None:
            sent.add(due)
            schedule.append(((DUE - day).days, due))
        day += dt.timedelta(days=1)
    assert schedule == [(60, 60), (30, 30), (7, 7)]


def test_a_threshold_missed_while_the_job_did_not_run_is_not_sent_late():
    # First run 20 days before: the 30-day reminder goes (the nearest reached), never the 60-day one.
    assert rules.reminder_due(today=DUE - dt.timedelta(days=20), due_on=DUE, reminder_days=(60, 30, 7),
                              sent=set()) == 30
    assert rules.reminder_due(today=DUE - dt.timedelta(days=19), due_on=DUE, reminder_days=(60, 30, 7),
                              sent={30}) is None


def test_no_reminder_after_the_due_date():
    assert rules.reminder_due(today=DUE + dt.timedelta(days=1), due_on=DUE, reminder_days=(7,), sent=set()) is None


@pytest.mark.parametrize("grace, today, due", [(0, DUE, False), (0, DUE + dt.timedelta(days=1), True),
                                               (14, DUE + dt.timedelta(days=14), False),
                                               (14, DUE + dt.timedelta(days=15), True)])
def test_a_registration_lapses_the_day_after_the_due_date_and_the_grace(grace, today, due):
    assert rules.lapses_on(DUE, grace) == DUE + dt.timedelta(days=grace + 1)
    assert rules.is_lapse_due(today=today, due_on=DUE, grace_days=grace) is due


def test_the_certificate_deadline():
    deadline = D(2029, 8, 31)
    assert not rules.certificate_deadline_missed(today=deadline, certificate_due_on=deadline, passed=False)
    assert rules.certificate_deadline_missed(today=D(2029, 9, 1), certificate_due_on=deadline, passed=False)
    assert not rules.certificate_deadline_missed(today=D(2029, 9, 1), certificate_due_on=deadline, passed=True)
    assert not rules.certificate_deadline_missed(today=D(2029, 9, 1), certificate_due_on=None, passed=False)


class TestResitRequired:
    today = D(2029, 6, 1)

    def required(self, lapses=(), ftp=(), passes=(), days=365):
        return rules.resit_required_since(lapses=lapses, fitness_to_practise_resits=ftp, pass_dates=passes,
                                          today=self.today, resit_after_lapse_days=days)

    def test_nothing_happened(self):
        assert self.required() is None

    def test_a_short_lapse_needs_no_resit(self):
        assert self.required([rules.Lapse(D(2028, 1, 1), D(2028, 12, 31))]) is None  # 365 days: not longer

    def test_a_long_lapse_needs_one(self):
        assert self.required([rules.Lapse(D(2028, 1, 1), D(2029, 1, 1))]) == D(2028, 1, 1)  # 366 days

    def test_a_lapse_still_running_counts_to_today(self):
        assert self.required([rules.Lapse(D(2028, 5, 31), None)]) == D(2028, 5, 31)
        assert self.required([rules.Lapse(D(2028, 6, 1), None)]) is None

    def test_a_pass_after_the_event_meets_it_but_not_one_before(self):
        lapse = [rules.Lapse(D(2027, 1, 1), None)]
        assert self.required(lapse, passes=[D(2026, 6, 1)]) == D(2027, 1, 1)
        assert self.required(lapse, passes=[D(2027, 1, 1)]) == D(2027, 1, 1)  # the same day is not after
        assert self.required(lapse, passes=[D(2026, 6, 1), D(2029, 3, 1)]) is None

    def test_a_fitness_to_practise_outcome_that_says_so(self):
        assert self.required(ftp=[D(2029, 5, 1)]) == D(2029, 5, 1)
        assert self.required(ftp=[D(2029, 5, 1)], passes=[D(2029, 5, 20)]) is None

    def test_the_latest_event_decides(self):
        assert self.required([rules.Lapse(D(2026, 1, 1), D(2027, 6, 1))], ftp=[D(2029, 5, 1)],
                             passes=[D(2028, 1, 1)]) == D(2029, 5, 1)


@pytest.mark.parametrize("status, age, listed", [("registered", 5000, True), ("lapsed", 5000, True),
                                                 ("suspended", 10, True), ("removed", 730, True),
                                                 ("removed", 731, False)])
def test_what_the_public_register_lists(status, age, listed):
    today = D(2029, 1, 1)
    assert rules.is_listed(status=status, status_since=today - dt.timedelta(days=age), today=today) is listed


@pytest.mark.parametrize("typed, stored", [("CM-000012", "CM-000012"), ("cm-000012", "CM-000012"),
                                           ("cm000012", "CM-000012"), ("12", "CM-000012"), (" CM-12 ", "CM-000012"),
                                           ("Smith", None), ("CM-1234567", None), ("", None)])
def test_a_registration_number_as_typed(typed, stored):
    assert rules.normalised_number(typed) == stored


@pytest.mark.parametrize("query, problem", [("", "Enter a name"), ("a", "at least 2"), ("5", None), ("Jo", None),
                                            ("x" * 101, "100 characters")])
def test_query_problem(query, problem):
    found = rules.query_problem(query)
    assert (found is None) if problem is None else (problem in found)


def test_like_wildcards_match_themselves():
    assert rules.escape_like("50%_a\\b") == "50\\%\\_a\\\\b"


def test_parse_days_and_categories():
    assert rules.parse_days("7, 60,30,30") == (60, 30, 7)
    assert rules.parse_list("clinical, other,") == ("clinical", "other")
    with pytest.raises(ValueError):
        rules.parse_days("30,0")


@pytest.mark.parametrize("changes, field, fragment", [
    ({"activity_on": None}, "activity_on", "Enter the date"),
    ({"activity_on": D(2027, 1, 2)}, "activity_on", "today or in the past"),
    ({"activity_on": D(2026, 11, 23)}, "activity_on", "on or after 24 November 2026"),
    ({"category": "gardening"}, "category", "Choose the category"),
    ({"hours": None}, "hours", "Enter the hours"),
    ({"hours": 0}, "hours", "more than 0"),
    ({"hours": 101}, "hours", "at most 100"),
    ({"hours": 1.1}, "hours", "quarter of an hour"),
    ({"description": "  "}, "description", "Say what the activity was"),
])
def test_activity_problems(changes, field, fragment):
    values = {"activity_on": D(2027, 1, 1), "hours": 1.5, "category": "clinical", "description": "A course"}
    values.update(changes)
    problems = rules.activity_problems(**values, categories=("clinical",), today=D(2027, 1, 1), due_on=DUE)
    assert list(problems) == [field] and fragment in problems[field]


@given(st.lists(st.tuples(st.integers(-400, 400), st.sampled_from([0.25, 1.0, 7.5]), st.booleans()), max_size=20),
       st.integers(-400, 400), st.sampled_from([0.25, 2.0]))
def test_declaring_more_never_lowers_the_hours(activities, offset, hours):
    listed = [rules.Activity(DUE + dt.timedelta(days=d), h, w) for d, h, w in activities]
    more = listed + [rules.Activity(DUE + dt.timedelta(days=offset), hours)]
    assert rules.cpd_hours(more, DUE) >= rules.cpd_hours(listed, DUE)


def test_words():
    assert rules.format_hours(1) == "1 hour"
    assert rules.format_hours(7.5) == "7.5 hours"
    assert rules.long_date(D(2027, 3, 4)) == "4 March 2027"
    assert rules.event_detail("reminded", {"days": 30, "due_on": "2027-11-23"}) == "30 days before 23 November 2027"
