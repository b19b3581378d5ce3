"""The form's pure rules: a draft becomes the engine's facts (years from dates), what stops a
submission, dual roles, and the phased opening by years of case management experience."""
import datetime as dt
import math
from fractions import Fraction

import pytest

from assessment.eligibility.applications import rules
from tests.assessment.eligibility.applications.builders import BANDS, TODAY, complete_draft, role


def test_years_come_from_the_dates_and_a_current_role_runs_to_today():
    draft = complete_draft(roles=[role(role="cm", start="2020-01-01", end="2022-01-01", fte="0.5", country="UK"),
                                  role(role="cm_training", start="2025-11-23", current=True, fte="1",
                                       country="United Kingdom")])
    facts = rules.draft_to_facts(draft, today=TODAY, certificate_passed=False)
    assert facts["experience"] == [
        {"role": "cm", "years": 2.0, "fte": 0.5, "country": "UK"},
        {"role": "cm_training", "years": 1.0, "fte": 1.0, "country": "UK"},
    ]
    assert facts["current_role"] == "cm"
    assert facts["uk_share"] == 1.0 and facts["competent"] and facts["standards"]
    assert facts["member"] == "BABICM" and facts["certificate_passed"] is False


def test_uk_dates_are_understood_too():
    assert rules.parse_date("31/03/2015") == dt.date(2015, 3, 31)
    assert rules.parse_date("2015-03-31") == dt.date(2015, 3, 31)
    assert rules.parse_date("31/02/2015") is None
    assert rules.parse_date("March 2015") is None


def test_regulated_practice_abroad_carries_whether_a_uk_regulator_accepted_the_person():
    draft = complete_draft(roles=[
        role(role="regulated_profession", start="2010-01-01", end="2015-01-01", fte="1", country="Ireland",
             profession="nurse", regulator="NMC", registration_number="12A3456E", accepted_by_uk_regulator=True),
        role(role="regulated_profession", start="2015-01-01", end="2016-01-01", fte="1", country="UK",
             profession="nurse", regulator="NMC", registration_number="12A3456E")])
    abroad, home = rules.draft_to_facts(draft, today=TODAY, certificate_passed=False)["experience"]
    assert abroad == {"role": "regulated_profession", "years": 5.0, "fte": 1.0, "country": "Ireland",
                      "profession": "nurse", "regulator": "NMC", "accepted_by_uk_regulator": True}
    assert home["country"] == "UK" and home["accepted_by_uk_regulator"] is True


def test_an_unfinished_role_is_left_out_of_the_facts_and_named_in_the_problems():
    draft = complete_draft(roles=[role(role="cm", start="2010-01-01", current=True, fte="1"),
                                  role(role="cm", start="not a date", fte="2")])
    facts = rules.draft_to_facts(draft, today=TODAY, certificate_passed=True)
    assert len(facts["experience"]) == 1 and facts["certificate_passed"] is True
    fields = {p.field for p in rules.draft_problems(draft, today=TODAY)}
    assert {"roles-1-start", "roles-1-end", "roles-1-fte"} <= fields
    assert not any(f.startswith("roles-0-") for f in fields)


def test_a_complete_draft_has_no_problems():
    assert rules.draft_problems(complete_draft(), today=TODAY) == []


@pytest.mark.parametrize("change, field", [
    ({"current_role": ""}, "current_role"),
    ({"uk_share": "120"}, "uk_share"),
    ({"uk_share": ""}, "uk_share"),
    ({"competent": False}, "competent"),
    ({"standards": False}, "standards"),
    ({"uk_practice": False}, "uk_practice"),
    ({"member": "BMA"}, "member"),
    ({"roles": [role(role="cm", start="2030-01-01", current=True, fte="1")]}, "roles-0-start"),
    ({"roles": [role(role="cm", start="2020-01-01", end="2019-01-01", fte="1")]}, "roles-0-end"),
    ({"roles": [role(role="cm", start="2020-01-01", fte="1")]}, "roles-0-end"),
    ({"roles": [role(role="", start="2020-01-01", current=True, fte="1")]}, "roles-0-role"),
    ({"roles": [role(role="cm", start="2020-01-01", current=True, fte="0")]}, "roles-0-fte"),
    ({"roles": [role(role="cm", start="2020-01-01", current=True, fte="1", country=" ")]}, "roles-0-country"),
    ({"roles": [role(role="regulated_profession", start="2020-01-01", current=True, fte="1")]}, "roles-0-regulator"),
    ({"roles": [role(role="regulated_profession", start="2020-01-01", current=True, fte="1")]},
     "roles-0-registration_number"),
    ({"roles": []}, "roles-0-role"),
])
def test_each_missing_answer_is_named_beside_its_field(change, field):
    problems = rules.draft_problems(complete_draft(**change), today=TODAY)
    assert field in {p.field for p in problems}


def _dual(cm_fte="0.6", treat_fte="0.4", job_fte="1", note="3 days case management, 2 days treatment",
          treat_start="2015-01-01"):
    return [role(role="cm", start="2015-01-01", current=True, fte=cm_fte, job="Acme", job_fte=job_fte,
                 split_note=note),
            role(role="treatment", start=treat_start, current=True, fte=treat_fte, job="acme ", job_fte=job_fte,
                 split_note=note)]


def test_a_dual_role_split_that_adds_up_and_is_explained_is_complete():
    draft = complete_draft(roles=_dual())
    assert rules.draft_problems(draft, today=TODAY) == []
    assert "dual_role_split" in rules.own_evidence_needed(draft, rules="post_certificate")
    facts = rules.draft_to_facts(draft, today=TODAY, certificate_passed=False)
    assert [(e["role"], e["fte"], e["dual_role"]) for e in facts["experience"]] == [
        ("cm", 0.6, True), ("treatment", 0.4, True)]


@pytest.mark.parametrize("kwargs, field", [
    ({"cm_fte": "0.7"}, "roles-0-fte"),  # 0.7 + 0.4 is not the job's 1.0
    ({"note": ""}, "roles-0-split_note"),
    ({"treat_start": "2016-01-01"}, "roles-1-start"),  # one job, one set of dates
    ({"job_fte": ""}, "roles-0-job_fte"),
])
def test_a_dual_role_that_does_not_add_up_or_is_unexplained_is_not(kwargs, field):
    problems = rules.draft_problems(complete_draft(roles=_dual(**kwargs)), today=TODAY)
    assert field in {p.field for p in problems}


def test_a_dual_role_needs_its_other_part():
    problems = rules.draft_problems(complete_draft(roles=_dual()[:1]), today=TODAY)
    assert "roles-0-job" in {p.field for p in problems}


def test_own_evidence_asked_for_abroad_and_membership_only_while_membership_counts():
    draft = complete_draft(roles=[role(role="cm", start="2010-01-01", current=True, fte="1", country="France")])
    assert rules.own_evidence_needed(draft, rules="pre_certificate") == ["overseas_experience", "membership_evidence"]
    assert rules.own_evidence_needed(draft, rules="post_certificate") == ["overseas_experience"]
    assert rules.evidence_needed(["overseas_experience", "x"], ["overseas_experience"]) == ["overseas_experience", "x"]


def test_normalise_keeps_a_draft_as_typed_and_drops_what_it_does_not_know():
    kept = rules.normalise({"roles": [{"role": "cm", "fte": 0.5, "evil": "<x>"}, "junk"], "uk_share": 70,
                            "competent": "yes", "extra": 1})
    assert kept["roles"] == [{**rules.empty_role(), "role": "cm", "fte": "0.5"}]
    assert kept["uk_share"] == "70" and kept["competent"] is True and "extra" not in kept
    assert rules.normalise(None)["roles"] == [rules.empty_role()]


# --------------------------------------------------------------------------- phased opening

def test_bands_are_read_most_experienced_first_and_bad_ones_refused():
    assert [(b.min_years, b.opens_on) for b in BANDS] == [
        (15, dt.date(2026, 11, 1)), (10, dt.date(2027, 1, 4)), (5, dt.date(2027, 3, 1)), (0, dt.date(2027, 5, 4))]
    with pytest.raises(ValueError, match="min_years:YYYY-MM-DD"):
        rules.parse_bands("15:soon")
    with pytest.raises(ValueError, match="0 years"):
        rules.parse_bands("15:2026-11-01")


@pytest.mark.parametrize("years, min_years, is_open", [
    (16.0, 15, True), (15.0, 15, True), (14.99, 10, False), (10.0, 10, False), (7.5, 5, False), (0.0, 0, False),
])
def test_years_choose_the_band_and_its_date_whether_it_is_open(years, min_years, is_open):
    found = rules.opening_for(years, BANDS, today=TODAY)
    assert found.band.min_years == min_years and found.is_open is is_open


def test_every_band_is_open_once_its_date_has_come():
    assert rules.opening_for(0.0, BANDS, today=dt.date(2027, 5, 4)).is_open
    assert not rules.opening_for(0.0, BANDS, today=dt.date(2027, 5, 3)).is_open


def test_band_years_count_case_management_by_dates_whatever_the_fte_and_overlaps_once():
    draft = complete_draft(roles=[
        role(role="cm", start="2000-01-01", end="2010-01-01", fte="0.2"),  # ten calendar years, part time
        role(role="cm_training", start="2005-01-01", end="2012-01-01", fte="0.5"),  # overlaps: counted once
        role(role="treatment", start="1990-01-01", end="2000-01-01", fte="1"),  # does not count
        role(role="supervisor", start="2012-01-01", current=True, fte="1"),  # does not count
    ])
    assert rules.case_management_years(draft, today=TODAY) == 12.0
    assert rules.opening(draft, BANDS, today=TODAY).band.min_years == 10


def test_treatment_as_a_registered_professional_carries_its_regulator():
    draft = complete_draft(roles=[role(role="treatment", start="2010-01-01", end="2012-01-01", fte="1",
                                       profession="physiotherapist", regulator="HCPC", registration_number="PH1"),
                                  role(role="treatment", start="2012-01-01", end="2013-01-01", fte="1")])
    registered, unregistered = rules.draft_to_facts(draft, today=TODAY, certificate_passed=False)["experience"]
    assert registered["regulator"] == "HCPC" and registered["profession"] == "physiotherapist"
    assert "regulator" not in unregistered


def test_the_facts_are_in_the_engines_format():
    from assessment.eligibility import rules as engine

    draft = complete_draft(roles=[*_dual(), role(role="regulated_profession", start="2001-01-01",
                                                 end="2005-01-01", fte="0.8", country="Ireland", profession="nurse",
                                                 regulator="NMC", registration_number="X1")])
    facts = rules.draft_to_facts(draft, today=TODAY, certificate_passed=False)
    engine.parse_facts(facts)  # no FactsError
    decision = engine.check(facts, on=TODAY, certificate_available_from=dt.date(2027, 9, 1))
    assert decision["regulated_hours"] == 0  # abroad, and no UK regulator accepted the person
    years = Fraction(str(facts["experience"][0]["years"]))
    assert decision["cm_hours"] == math.floor(years * Fraction("0.6") * 1250)  # the cm half of the dual role
    assert "dual_role_split" in decision["evidence_requested"] or decision["eligible"] is False
