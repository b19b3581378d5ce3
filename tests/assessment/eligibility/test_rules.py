"""The eligibility engine against the register's FAQ (seeds/000), case by case, and its monotonic rules.

Each case's id names the FAQ section it is derived from (the question's heading, shortened):

- CRITERIA: "What are the eligibility criteria to become a registered case manager?" (numbered 1–6)
- HOURS: "How do I calculate my hours for IRCM eligibility"
- CM-DEFINED / TRAINEE-DEFINED: how IRCM defines a case manager / a case manager in training
- ASSISTANT: "Will my experience as an Assistant Case Manager count…?"
- QUALIFIED-ABROAD: "I qualified outside of the UK how does this impact on my ability to register?"
- BASED-ABROAD: "I am based outside of the UK but work in the UK, can I register?"
- CERT-CHANGE: "How will the eligibility criteria change once the Certificate of Proficiency is available?"
- CERT-WHAT: "What is the certificate of proficiency?"
- OPENING: "Will registration be open to everyone at the same time?" (membership in the initial period)
"""
from __future__ import annotations

import datetime as dt
import random

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from assessment.eligibility import rules
from assessment.eligibility.facts import CURRENT_ROLES, EXPERIENCE_ROLES
from assessment.eligibility.rules import FactsError, check, decide, parse_facts, rules_for

AVAILABLE = dt.date(2027, 9, 1)  # the Certificate becomes available on this day in these tests
BEFORE = dt.date(2026, 12, 6)
AFTER = dt.date(2027, 10, 1)


def period(role: str, years: float, fte: float = 1, country: str = "UK", **extra) -> dict:
    return {"role": role, "years": years, "fte": fte, "country": country, **extra}


def facts(*experience: dict, **overrides) -> dict:
    """An applicant who meets every condition but the hours (which the periods give)."""
    return {"current_role": "cm", "experience": list(experience), "uk_share": 0.8, "competent": True,
            "standards": True, "member": "BABICM", "certificate_passed": True, **overrides}


def case(raw: dict, *, outcome: str, route: str | None = None, cm: int, regulated: int = 0, unmet=(),
         evidence=(), on: dt.date = BEFORE, rules_named: str | None = None, id: str):
    return pytest.param(raw, on, rules_named, {
        "eligible": outcome == "eligible", "outcome": outcome, "route": route, "cm_hours": cm,
        "regulated_hours": regulated, "unmet": list(unmet), "evidence_requested": list(evidence)}, id=id)


CM4 = period("cm", 4)  # 5,000 hours: four full-time years
CASES = [
    # CRITERIA 2: "a minimum of 5,000 hours (4 years FTE)" as a case manager.
    case(facts(CM4), outcome="eligible", route="5000_cm_hours", cm=5000, id="CRITERIA-2-four-FTE-years-is-5000"),
    case(facts(period("cm", 3.9)), outcome="not_eligible", cm=4875, unmet=["hours"],
         id="CRITERIA-2-under-four-FTE-years-falls-short"),
    # CRITERIA 2(i): at least 2,500 as a case manager and 2,500 in a profession whose regulator the PSA oversees.
    case(facts(period("cm", 2), period("regulated_profession", 2, profession="nurse", regulator="NMC")),
         outcome="eligible", route="2500_cm_plus_regulated", cm=2500, regulated=2500,
         id="CRITERIA-2i-2500-cm-plus-2500-as-NMC-nurse"),
    case(facts(period("cm", 2), period("regulated_profession", 1.9, regulator="HCPC")),
         outcome="not_eligible", cm=2500, regulated=2375, unmet=["hours"],
         id="CRITERIA-2i-regulated-practice-short-of-2500"),
    case(facts(period("cm", 1.5), period("regulated_profession", 10, regulator="GMC")),
         outcome="not_eligible", cm=1875, regulated=12500, unmet=["hours"],
         id="CRITERIA-2i-regulated-practice-does-not-replace-the-2500-cm"),
    case(facts(period("cm", 2), period("regulated_profession", 3, profession="social worker", regulator="SSSC")),
         outcome="not_eligible", cm=2500, regulated=0, unmet=["hours"],
         id="CRITERIA-2i-regulator-not-overseen-by-the-PSA-does-not-count"),
    case(facts(period("cm", 2), period("regulated_profession", 3, regulator="Social Work England")),
         outcome="eligible", route="2500_cm_plus_regulated", cm=2500, regulated=3750,
         id="CRITERIA-2i-social-work-england-is-overseen-by-the-PSA"),
    # CRITERIA 2(ii): on the BASRAT accredited register and practising for 2,500 hours.
    case(facts(period("cm", 2), period("regulated_profession", 2, profession="sport rehabilitator",
                                       regulator="BASRAT")),
         outcome="eligible", route="2500_cm_plus_regulated", cm=2500, regulated=2500,
         id="CRITERIA-2ii-BASRAT-accredited-register-counts"),
    # HOURS: "Your eligible hours are those spent as either a case manager or a case manager in training."
    case(facts(period("cm_training", 4)), outcome="eligible", route="5000_cm_hours", cm=5000,
         id="HOURS-time-as-case-manager-in-training-counts"),
    case(facts(period("cm_training", 1.5), period("cm", 2.5)), outcome="eligible", route="5000_cm_hours", cm=5000,
         id="CRITERIA-1-hours-in-a-combination-of-the-two-roles"),
    # HOURS / ASSISTANT: time as an assistant does not count.
    case(facts(period("assistant", 10)), outcome="not_eligible", cm=0, unmet=["hours"],
         id="HOURS-assistant-time-does-not-count"),
    case(facts(period("cm", 3), period("assistant", 2)), outcome="not_eligible", cm=3750, unmet=["hours"],
         id="TRAINEE-DEFINED-allocated-aspects-only-is-an-assistant-not-a-trainee"),
    # HOURS: time as a supervisor or manager of case managers does not count.
    case(facts(period("cm", 3), period("supervisor", 6)), outcome="not_eligible", cm=3750, unmet=["hours"],
         id="HOURS-supervising-case-managers-does-not-count"),
    # HOURS: providing treatment does not count as case management ...
    case(facts(period("cm", 2), period("treatment", 5)), outcome="not_eligible", cm=2500, regulated=0,
         unmet=["hours"], id="HOURS-providing-treatment-is-not-case-management"),
    # ... but treatment given as a regulated professional is practice of that profession (issue 11).
    case(facts(period("cm", 2), period("treatment", 2, profession="physiotherapist", regulator="HCPC")),
         outcome="eligible", route="2500_cm_plus_regulated", cm=2500, regulated=2500,
         id="HOURS-treatment-as-an-HCPC-physiotherapist-is-regulated-practice"),
    case(facts(period("cm", 2), period("treatment", 2, regulator="gosc")), outcome="eligible",
         route="2500_cm_plus_regulated", cm=2500, regulated=2500, id="HOURS-osteopath-GOsC-in-any-casing"),
    # HOURS: "One year working full-time ... is equivalent to 1,250 case management hours"; the 0.5 FTE example.
    case(facts(period("cm", 2, fte=0.5)), outcome="not_eligible", cm=1250, unmet=["hours"],
         id="HOURS-half-time-for-two-years-is-1250"),
    case(facts(period("cm", 8, fte=0.5)), outcome="eligible", route="5000_cm_hours", cm=5000,
         id="HOURS-part-time-pro-rata-reaches-5000"),
    case(facts(period("cm", 2.5, fte=0.8), period("cm", 2.5, fte=0.8)), outcome="eligible", route="5000_cm_hours",
         cm=5000, id="HOURS-fractions-add-exactly-no-float-shortfall"),
    # Rounding down: 3.9999 FTE years is 4,999.875 hours, which is not 5,000.
    case(facts(period("cm", 3.9999)), outcome="not_eligible", cm=4999, unmet=["hours"],
         id="HOURS-rounded-down-never-up"),
    # HOURS: dual roles "would need to be separated and documented".
    case(facts(period("cm", 4, dual_role=True)), outcome="more_evidence_needed", route="5000_cm_hours", cm=5000,
         evidence=["dual_role_split"], id="HOURS-dual-role-split-needs-documenting"),
    case(facts(period("cm", 4), period("cm", 1, fte=0.5, dual_role=True)), outcome="eligible",
         route="5000_cm_hours", cm=5625, id="HOURS-dual-role-time-not-needed-asks-nothing"),
    # HOURS / QUALIFIED-ABROAD: experience outside the UK counts, and further information may be asked.
    case(facts(period("cm", 2), period("cm", 2, country="Australia")), outcome="more_evidence_needed",
         route="5000_cm_hours", cm=5000, evidence=["overseas_experience"],
         id="QUALIFIED-ABROAD-overseas-case-management-counts-with-evidence"),
    case(facts(period("cm", 5), period("cm", 3, country="Ireland")), outcome="eligible", route="5000_cm_hours",
         cm=10000, id="QUALIFIED-ABROAD-overseas-time-not-needed-asks-nothing"),
    case(facts(period("cm", 2, country="France", dual_role=True), period("cm", 2)),
         outcome="more_evidence_needed", route="5000_cm_hours", cm=5000,
         evidence=["overseas_experience", "dual_role_split"], id="HOURS-both-kinds-of-evidence-in-a-fixed-order"),
    # QUALIFIED-ABROAD: practice abroad in a profession counts when a PSA-overseen regulator accepted the person.
    case(facts(period("cm", 2), period("regulated_profession", 2, country="Philippines", profession="nurse",
                                       regulator="NMC", accepted_by_uk_regulator=True)),
         outcome="eligible", route="2500_cm_plus_regulated", cm=2500, regulated=2500,
         id="QUALIFIED-ABROAD-accepted-by-the-NMC-counts-as-UK-practice"),
    case(facts(period("cm", 2), period("regulated_profession", 4, country="India", regulator="NMC",
                                       accepted_by_uk_regulator=False)),
         outcome="not_eligible", cm=2500, regulated=0, unmet=["hours"],
         id="QUALIFIED-ABROAD-not-accepted-by-the-regulator-does-not-count"),
    case(facts(period("cm", 4), period("regulated_profession", 4, country="India", regulator="NMC")),
         outcome="eligible", route="5000_cm_hours", cm=5000, regulated=0,
         id="QUALIFIED-ABROAD-not-accepted-but-meets-the-higher-cm-hours"),
    # QUALIFIED-ABROAD / CRITERIA 3: "registration is only open to case managers working primarily in the UK".
    case(facts(CM4, uk_share=0.4), outcome="not_eligible", cm=5000, unmet=["uk"],
         id="CRITERIA-3-working-mostly-abroad-is-not-eligible"),
    case(facts(CM4, uk_share=0.5), outcome="not_eligible", cm=5000, unmet=["uk"],
         id="CRITERIA-3-exactly-half-is-not-primarily"),
    # BASED-ABROAD: "If a substantial portion of your work is within the UK" you may register from elsewhere.
    case(facts(CM4, uk_share=0.9), outcome="eligible", route="5000_cm_hours", cm=5000,
         id="BASED-ABROAD-based-elsewhere-working-mostly-in-the-UK"),
    # CRITERIA 1: the current role.
    case(facts(CM4, current_role="cm_training"), outcome="eligible", route="5000_cm_hours", cm=5000,
         id="CRITERIA-1-currently-a-case-manager-in-training"),
    case(facts(CM4, current_role="management"), outcome="eligible", route="5000_cm_hours", cm=5000,
         id="CRITERIA-1-broader-role-after-the-hours-are-met"),
    case(facts(period("cm", 2), current_role="teaching"), outcome="not_eligible", cm=2500,
         unmet=["role", "hours"], id="CRITERIA-1-broader-role-before-the-hours-are-met"),
    case(facts(CM4, current_role="research"), outcome="eligible", route="5000_cm_hours", cm=5000,
         id="CRITERIA-1-research-is-a-broader-role"),
    case(facts(CM4, current_role="other"), outcome="not_eligible", cm=5000, unmet=["role"],
         id="CM-DEFINED-not-delivering-case-management-now"),
    # CRITERIA 4 and 5.
    case(facts(CM4, competent=False), outcome="not_eligible", cm=5000, unmet=["competent_level"],
         id="CRITERIA-4-below-the-competent-level"),
    case(facts(CM4, standards=False), outcome="not_eligible", cm=5000, unmet=["standards"],
         id="CRITERIA-5-not-working-to-the-standards"),
    # CRITERIA 6 / OPENING: membership of BABICM, CMSUK or VRA in the initial period.
    case(facts(CM4, member=None), outcome="not_eligible", cm=5000, unmet=["membership"],
         id="CRITERIA-6-no-membership-in-the-initial-period"),
    case(facts(CM4, member="VRA", certificate_passed=False), outcome="eligible", route="5000_cm_hours", cm=5000,
         id="CRITERIA-6-VRA-member-and-no-certificate-needed-yet"),
    case(facts(period("cm", 2, country="Spain"), period("cm", 2), member=None), outcome="not_eligible", cm=5000,
         unmet=["membership"], evidence=["overseas_experience"],
         id="CRITERIA-6-an-unmet-condition-outweighs-evidence-to-come"),
    # CERT-CHANGE: at least 2,500 hours and a pass in the Certificate, once it is available.
    case(facts(period("cm", 2)), on=AFTER, outcome="eligible", route="2500_cm_plus_certificate", cm=2500,
         id="CERT-CHANGE-2500-cm-and-a-pass"),
    case(facts(period("cm", 6), certificate_passed=False), on=AFTER, outcome="not_eligible", cm=7500,
         unmet=["certificate"], id="CERT-WHAT-must-pass-before-registering-once-available"),
    case(facts(period("cm", 1.9)), on=AFTER, outcome="not_eligible", cm=2375, unmet=["hours"],
         id="CERT-CHANGE-short-of-2500-even-with-a-pass"),
    case(facts(period("cm", 1), period("regulated_profession", 6, regulator="NMC")), on=AFTER,
         outcome="not_eligible", cm=1250, regulated=7500, unmet=["hours"],
         id="CERT-CHANGE-regulated-practice-is-no-longer-a-route"),
    case(facts(period("cm", 2), member=None), on=AFTER, outcome="eligible", route="2500_cm_plus_certificate",
         cm=2500, id="CERT-CHANGE-membership-no-longer-required"),
    case(facts(period("cm", 2), current_role="other", uk_share=0.2), on=AFTER, outcome="not_eligible", cm=2500,
         unmet=["role", "uk"], id="CERT-CHANGE-role-and-UK-requirements-remain"),
    case(facts(period("cm", 2), current_role="supervision"), on=AFTER, outcome="eligible",
         route="2500_cm_plus_certificate", cm=2500, id="CERT-CHANGE-broader-role-once-2500-met"),
    case(facts(period("cm", 1, country="USA"), period("cm", 1)), on=AFTER, outcome="more_evidence_needed",
         route="2500_cm_plus_certificate", cm=2500, evidence=["overseas_experience"],
         id="CERT-CHANGE-overseas-time-still-needs-evidence"),
    # Which rule set: the date the Certificate became available, unless the facts name one.
    case(facts(period("cm", 2), member=None), on=AVAILABLE, outcome="eligible", route="2500_cm_plus_certificate",
         cm=2500, id="CERT-CHANGE-post-rules-from-the-day-it-is-available"),
    case(facts(period("cm", 2), member=None), on=AVAILABLE - dt.timedelta(days=1), outcome="not_eligible",
         cm=2500, unmet=["hours", "membership"], id="CRITERIA-the-day-before-the-old-rules-apply"),
    case(facts(CM4, rules="pre_certificate", certificate_passed=False), on=AFTER, outcome="eligible",
         route="5000_cm_hours", cm=5000, id="CRITERIA-rules-named-in-the-facts-win-over-the-date"),
    case(facts(CM4, certificate_passed=False), on=BEFORE, rules_named="post_certificate", outcome="not_eligible",
         cm=5000, unmet=["certificate"], id="CERT-CHANGE-rules-named-by-the-caller-win"),
    # Everything missing: every code, in the documented order.
    case(facts(period("assistant", 3), current_role="other", uk_share=0, competent=False, standards=False,
               member=None), outcome="not_eligible", cm=0,
         unmet=["role", "hours", "uk", "competent_level", "standards", "membership"],
         id="CRITERIA-1-to-6-every-condition-unmet-in-order"),
]


@pytest.mark.parametrize(("raw", "on", "rules_named", "expected"), CASES)
def test_faq_cases(raw, on, rules_named, expected):
    decision = check(raw, on=on, certificate_available_from=AVAILABLE, rules=rules_named)
    assert {key: decision[key] for key in expected} == expected
    assert len(decision["reasons"]) == 6
    assert all(reason.endswith(".") and "\n" not in reason for reason in decision["reasons"])


def test_there_are_at_least_thirty_cases():
    assert len(CASES) >= 30


def test_the_decision_has_exactly_the_documented_keys():
    decision = check(facts(CM4), on=BEFORE, certificate_available_from=AVAILABLE)
    assert list(decision) == ["eligible", "outcome", "route", "rules", "cm_hours", "regulated_hours", "unmet",
                              "evidence_requested", "reasons"]
    assert decision["rules"] == "pre_certificate"
    assert decision["reasons"] == [
        "The current role, case manager, meets the role condition.",
        "5,000 case-management hours meet the 5,000 required.",
        "80% of the work is in the UK, so the work is primarily in the UK.",
        "Works at the competent level of proficiency or above, as the competency framework sets it out.",
        "Works in line with the Standards of Proficiency.",
        "Is a member of BABICM, as the initial period requires.",
    ]


def test_reasons_say_why_a_condition_is_unmet():
    decision = check(facts(period("cm", 2), period("cm", 1, country="Canada"), current_role="teaching",
                           uk_share=0.505, member=None, competent=False),
                     on=BEFORE, certificate_available_from=AVAILABLE)
    role, hours, uk, competent, _standards, membership = decision["reasons"]
    assert "only once the hours are met" in role
    assert hours.startswith("3,750 case-management hours are fewer than the 5,000 required alone")
    assert uk.startswith("50.5% of the work is in the UK, so")
    assert "not declared" in competent
    assert "BABICM, CMSUK or VRA" in membership
    after = check(facts(period("cm", 1, country="Canada"), period("cm", 1)), on=AFTER,
                  certificate_available_from=AVAILABLE)
    assert after["reasons"][1] == ("2,500 case-management hours meet the 2,500 required with the Certificate, "
                                   "counting time outside the UK, on which more evidence is needed.")
    assert check(facts(period("cm", 1)), on=AFTER, certificate_available_from=AVAILABLE)["reasons"][1] == \
        "1,250 case-management hours are fewer than the 2,500 required."
    assert check(facts(period("cm", 1)), on=BEFORE, certificate_available_from=AVAILABLE)["reasons"][1] == (
        "1,250 case-management hours are fewer than both the 5,000 required alone and the 2,500 required beside "
        "practice in a regulated profession.")


def test_the_hours_reason_says_what_did_not_count_and_why():
    decision = check(facts(period("cm", 4.5), period("assistant", 2), period("supervisor", 1, fte=0.5),
                           period("assistant", 0.5), period("treatment", 1), period("regulated_profession", 1,
                                                                                    regulator="SSSC"),
                           period("regulated_profession", 2, country="Kenya", regulator="NMC")),
                     on=BEFORE, certificate_available_from=AVAILABLE)
    assert decision["outcome"] == "eligible" and decision["regulated_hours"] == 0
    assert decision["reasons"][1] == (
        "5,625 case-management hours meet the 5,000 required (not counted: 3,125 hours as an assistant, 625 hours "
        "supervising or managing case managers, 2,500 hours in treatment or practice not regulated by a "
        "PSA-overseen regulator or the BASRAT register and 2,500 hours practising outside the UK without a UK "
        "regulator's acceptance).")


def test_rules_for_follows_the_date_unless_named():
    assert rules_for(AVAILABLE - dt.timedelta(days=1), AVAILABLE) == "pre_certificate"
    assert rules_for(AVAILABLE, AVAILABLE) == "post_certificate"
    assert rules_for(AFTER, AVAILABLE, "pre_certificate") == "pre_certificate"
    assert rules_for(BEFORE, AVAILABLE, "post_certificate") == "post_certificate"
    with pytest.raises(FactsError, match="rules must be one of pre_certificate, post_certificate"):
        rules_for(BEFORE, AVAILABLE, "initial")


def test_uk_place_names_and_other_countries():
    for country in ("UK", "uk", " United Kingdom ", "England", "Scotland", "Wales", "Northern Ireland", "GB"):
        assert check(facts(period("cm", 4, country=country)), on=BEFORE,
                     certificate_available_from=AVAILABLE)["outcome"] == "eligible", country
    assert check(facts(period("cm", 4, country="Republic of Ireland")), on=BEFORE,
                 certificate_available_from=AVAILABLE)["evidence_requested"] == ["overseas_experience"]


def test_counting_regulators_are_the_ten_PSA_overseen_and_BASRAT():
    counted = {"GCC", "GDC", "GMC", "GOC", "GOsC", "GPhC", "HCPC", "NMC", "PSNI", "SWE", "BASRAT"}
    for regulator in counted | {"gphc", "Social Work England"}:
        decision = check(facts(period("regulated_profession", 2, regulator=regulator)), on=BEFORE,
                         certificate_available_from=AVAILABLE)
        assert decision["regulated_hours"] == 2500, regulator
    for regulator in ("SSSC", "NISCC", "Social Care Wales", "CQC", "UKCP", None):
        decision = check(facts(period("regulated_profession", 2, regulator=regulator)), on=BEFORE,
                         certificate_available_from=AVAILABLE)
        assert decision["regulated_hours"] == 0, regulator


def test_the_facts_round_trip_through_their_canonical_form():
    raw = facts(period("cm", 2.5, fte=0.8, dual_role=True),
                period("treatment", 3, country="Malta", profession="nurse", regulator="NMC",
                       accepted_by_uk_regulator=True), rules="post_certificate")
    parsed = parse_facts(raw)
    again = parse_facts(parsed.as_dict())
    assert again == parsed
    assert parsed.as_dict()["experience"][0] == {
        "role": "cm", "years": 2.5, "fte": 0.8, "country": "UK", "profession": None, "regulator": None,
        "accepted_by_uk_regulator": None, "dual_role": True}


# --- Bad facts: one line, naming the field --------------------------------------------------------

def _without(raw: dict, key: str) -> dict:
    return {k: v for k, v in raw.items() if k != key}


GOOD = facts(period("cm", 4))
BAD_FACTS = [
    (["not", "an", "object"], "The facts must be a JSON object, not a list"),
    ("facts", "The facts must be a JSON object, not text"),
    (None, "The facts must be a JSON object, not null"),
    ({**GOOD, "hours": 5000}, "hours is not a field of the facts"),
    ({**GOOD, "experience": [period("cm", 1, start="2020-01-01")]}, "experience[0].start is not a field"),
    (_without(GOOD, "current_role"), "current_role is missing"),
    (_without(GOOD, "experience"), "experience is missing"),
    (_without(GOOD, "uk_share"), "uk_share is missing"),
    (_without(GOOD, "competent"), "competent is missing"),
    (_without(GOOD, "standards"), "standards is missing"),
    ({**GOOD, "experience": [_without(period("cm", 1), "fte")]}, "experience[0].fte is missing"),
    ({**GOOD, "experience": [_without(period("cm", 1), "years")]}, "experience[0].years is missing"),
    ({**GOOD, "experience": [_without(period("cm", 1), "role")]}, "experience[0].role is missing"),
    ({**GOOD, "experience": [_without(period("cm", 1), "country")]}, "experience[0].country is missing"),
    ({**GOOD, "experience": {"role": "cm"}}, "experience must be a list of periods, not an object"),
    ({**GOOD, "experience": [period("cm", 1), 7]}, "experience[1] must be a JSON object, not a number"),
    ({**GOOD, "experience": [period("cm", -1)]}, "experience[0].years must not be negative"),
    ({**GOOD, "experience": [period("cm", "4")]}, "experience[0].years must be a number"),
    ({**GOOD, "experience": [period("cm", True)]}, "experience[0].years must be a number (got true)"),
    ({**GOOD, "experience": [period("cm", float("nan"))]}, "experience[0].years must be a finite number"),
    ({**GOOD, "experience": [period("cm", float("inf"))]}, "experience[0].years must be a finite number"),
    ({**GOOD, "experience": [period("cm", 81)]}, "experience[0].years must be at most 80"),
    ({**GOOD, "experience": [period("cm", 1, fte=0)]}, "experience[0].fte must be more than 0 and at most 1"),
    ({**GOOD, "experience": [period("cm", 1, fte=1.2)]}, "experience[0].fte must be more than 0 and at most 1"),
    ({**GOOD, "experience": [period("cm", 1, fte=-0.5)]}, "experience[0].fte must be more than 0"),
    ({**GOOD, "experience": [period("cm", 1, fte="full")]}, "experience[0].fte must be a number"),
    ({**GOOD, "experience": [period("nurse", 1)]}, "experience[0].role must be one of cm, cm_training"),
    ({**GOOD, "experience": [period("cm", 1, country="")]}, "experience[0].country must be a country's name"),
    ({**GOOD, "experience": [period("cm", 1, country=44)]}, "experience[0].country must be a country's name"),
    ({**GOOD, "experience": [period("cm", 1, profession=3)]}, "experience[0].profession must be text or null"),
    ({**GOOD, "experience": [period("cm", 1, regulator=["NMC"])]}, "experience[0].regulator must be text or null"),
    ({**GOOD, "experience": [period("cm", 1, accepted_by_uk_regulator="yes")]},
     "experience[0].accepted_by_uk_regulator must be true or false"),
    ({**GOOD, "experience": [period("cm", 1, dual_role=1)]}, "experience[0].dual_role must be true or false"),
    ({**GOOD, "current_role": "director"}, "current_role must be one of cm, cm_training, supervision"),
    ({**GOOD, "current_role": None}, "current_role must be one of"),
    ({**GOOD, "uk_share": 1.1}, "uk_share must be between 0 and 1"),
    ({**GOOD, "uk_share": -0.1}, "uk_share must be between 0 and 1"),
    ({**GOOD, "uk_share": "most"}, "uk_share must be a number"),
    ({**GOOD, "competent": "yes"}, "competent must be true or false (got \"yes\")"),
    ({**GOOD, "standards": 1}, "standards must be true or false (got 1)"),
    ({**GOOD, "certificate_passed": None}, "certificate_passed must be true or false (got null)"),
    ({**GOOD, "member": "BABCIM"}, "member must be one of BABICM, CMSUK, VRA, or null"),
    ({**GOOD, "rules": "initial"}, "rules must be one of pre_certificate, post_certificate, or null"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_FACTS, ids=[m[:48] for _raw, m in BAD_FACTS])
def test_bad_facts_are_rejected_with_one_line_naming_the_field(raw, message):
    with pytest.raises(FactsError) as raised:
        parse_facts(raw)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_optional_fields_may_be_left_out_or_null():
    minimal = {"current_role": "cm", "experience": [], "uk_share": 1, "competent": True, "standards": True}
    parsed = parse_facts(minimal)
    assert (parsed.member, parsed.certificate_passed, parsed.rules) == (None, False, None)
    assert parse_facts({**minimal, "member": None, "rules": None}) == parsed
    decision = check(minimal, on=BEFORE, certificate_available_from=AVAILABLE)
    assert decision["unmet"] == ["hours", "membership"] and decision["cm_hours"] == 0


# --- Properties -----------------------------------------------------------------------------------

tenths = st.integers(min_value=0, max_value=200).map(lambda n: n / 10)
fte = st.integers(min_value=1, max_value=100).map(lambda n: n / 100)
periods = st.builds(
    period,
    role=st.sampled_from(EXPERIENCE_ROLES),
    years=tenths, fte=fte,
    country=st.sampled_from(["UK", "Scotland", "France", "India"]),
    regulator=st.sampled_from([None, "NMC", "HCPC", "BASRAT", "SSSC"]),
    accepted_by_uk_regulator=st.sampled_from([None, True, False]),
    dual_role=st.booleans(),
)
any_facts = st.builds(
    lambda experience, **fields: {"experience": experience, **fields},
    experience=st.lists(periods, max_size=5),
    current_role=st.sampled_from(CURRENT_ROLES),
    uk_share=st.integers(min_value=0, max_value=100).map(lambda n: n / 100),
    competent=st.booleans(), standards=st.booleans(),
    member=st.sampled_from([None, "BABICM", "CMSUK", "VRA"]),
    certificate_passed=st.booleans(),
    rules=st.sampled_from([None, "pre_certificate", "post_certificate"]),
)
# Mostly-eligible applicants, so that the "stays eligible" properties see many eligible starts.
likely_eligible = st.builds(
    lambda base, experience: facts(*base, *experience),
    base=st.lists(st.builds(period, role=st.sampled_from(["cm", "cm_training"]),
                            years=st.integers(min_value=1, max_value=6).map(float), fte=st.just(1.0)),
                  min_size=1, max_size=3),
    experience=st.lists(periods, max_size=3),
)
either_facts = st.one_of(any_facts, likely_eligible)
dates = st.sampled_from([BEFORE, AVAILABLE, AFTER])


def decide_raw(raw: dict, on: dt.date) -> dict:
    return check(raw, on=on, certificate_available_from=AVAILABLE)


@given(raw=either_facts, extra=periods, on=dates)
def test_more_hours_never_make_an_eligible_person_ineligible(raw, extra, on):
    before = decide_raw(raw, on)
    after = decide_raw({**raw, "experience": raw["experience"] + [extra]}, on)
    if before["eligible"]:
        assert after["eligible"], (before, after)
    assert set(after["unmet"]) <= set(before["unmet"])
    assert after["cm_hours"] >= before["cm_hours"] and after["regulated_hours"] >= before["regulated_hours"]


@given(raw=either_facts, on=dates, data=st.data())
def test_longer_periods_never_make_an_eligible_person_ineligible(raw, on, data):
    assume(raw["experience"])
    index = data.draw(st.integers(min_value=0, max_value=len(raw["experience"]) - 1))
    more = data.draw(tenths)
    longer = [dict(p) for p in raw["experience"]]
    longer[index]["years"] = min(80, longer[index]["years"] + more)
    before, after = decide_raw(raw, on), decide_raw({**raw, "experience": longer}, on)
    if before["eligible"]:
        assert after["eligible"]
    assert set(after["unmet"]) <= set(before["unmet"])


@given(raw=either_facts, on=dates, data=st.data())
def test_more_fte_never_lowers_hours(raw, on, data):
    assume(raw["experience"])
    index = data.draw(st.integers(min_value=0, max_value=len(raw["experience"]) - 1))
    current = raw["experience"][index]["fte"]
    higher = data.draw(st.integers(min_value=round(current * 100), max_value=100).map(lambda n: n / 100))
    changed = [dict(p) for p in raw["experience"]]
    changed[index]["fte"] = higher
    before, after = decide_raw(raw, on), decide_raw({**raw, "experience": changed}, on)
    assert after["cm_hours"] >= before["cm_hours"]
    assert after["regulated_hours"] >= before["regulated_hours"]
    if before["eligible"]:
        assert after["eligible"]


@given(raw=either_facts, extra=periods, on=dates,
       role=st.sampled_from(["assistant", "supervisor", "treatment", "regulated_profession"]))
def test_a_non_case_management_period_never_changes_cm_hours(raw, extra, on, role):
    before = decide_raw(raw, on)
    after = decide_raw({**raw, "experience": raw["experience"] + [{**extra, "role": role}]}, on)
    assert after["cm_hours"] == before["cm_hours"]


@given(raw=either_facts, on=dates, seed=st.integers(min_value=0, max_value=10_000))
def test_the_decision_is_deterministic_and_ignores_the_order_of_periods(raw, on, seed):
    first = decide_raw(raw, on)
    assert decide_raw(raw, on) == first
    shuffled = list(raw["experience"])
    random.Random(seed).shuffle(shuffled)
    assert decide_raw({**raw, "experience": shuffled}, on) == first


@given(raw=either_facts, on=dates)
def test_the_decision_is_consistent_with_itself(raw, on):
    decision = decide(parse_facts(raw), on=on, certificate_available_from=AVAILABLE)
    assert decision.outcome in rules.OUTCOMES
    assert decision.eligible == (decision.outcome == "eligible")
    assert (decision.route is None) == bool(decision.unmet)
    assert set(decision.unmet) <= set(rules.CONDITIONS)
    assert set(decision.evidence_requested) <= set(rules.EVIDENCE_CODES)
    if decision.outcome == "more_evidence_needed":
        assert decision.evidence_requested and not decision.unmet
    assert len(decision.reasons) == 6
    assert decision.rules == rules_for(on, AVAILABLE, raw.get("rules"))
    if decision.route is not None:
        assert decision.route in rules.ROUTES
        assert (decision.route == "2500_cm_plus_certificate") == (decision.rules == "post_certificate")
    assert decision.cm_hours <= sum(p["years"] * p["fte"] * 1250 for p in raw["experience"]
                                    if p["role"] in ("cm", "cm_training")) + 1e-6
