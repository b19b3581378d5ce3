"""The register's eligibility rules, pure: from the facts of one applicant and a date, the decision
with its route, its hours, every condition met or unmet with a sentence saying why, and the evidence
still needed. docs/eligibility.md states every rule with the FAQ section it comes from; in short:

- **Hours** (FAQ, calculating hours): each period counts years × FTE × 1,250. Time as a case manager
  or a case manager in training is case-management time; time as an assistant or a supervisor does
  not count; time providing treatment, or in a regulated profession, is regulated-profession time
  when the regulator is one the PSA oversees or the BASRAT accredited register, and, outside the UK,
  only when such a UK regulator accepted the person. Each kind is summed exactly and rounded down to
  whole hours, so rounding never makes anyone eligible.
- **Firm and provisional hours**: case-management time outside the UK, and time declared as part
  of a dual role, count, but they rest on evidence the register will ask for. When the hours
  condition is met without them, no evidence is asked for; when it is met only with them, the
  codes ``overseas_experience`` / ``dual_role_split`` are requested.
- **Conditions**, in this order: role, hours, uk, competent_level, standards, and then membership
  (before the Certificate) or certificate (once it is available).
- **Outcome**: ``not_eligible`` when any condition is unmet; otherwise ``more_evidence_needed`` when
  evidence is requested; otherwise ``eligible``. ``eligible`` is true only for the last.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math
from fractions import Fraction

from assessment.eligibility.facts import (BROADER_ROLES, CASE_MANAGEMENT_ROLES, DIRECT_ROLES,
                                          FULL_TIME_YEAR_HOURS, POST_CERTIFICATE, PRE_CERTIFICATE,
                                          PROFESSION_ROLES, RULE_SETS, Experience, Facts, FactsError,
                                          parse_facts)

__all__ = [
    "PRE_CERTIFICATE", "POST_CERTIFICATE", "RULE_SETS", "FULL_TIME_YEAR_HOURS", "FactsError", "Facts",
    "Experience", "parse_facts", "rules_for", "decide", "Decision", "Hours", "count_hours", "check",
    "CONDITIONS", "ROUTES", "EVIDENCE_CODES", "OUTCOMES",
]

HOURS_NEEDED = 5000  # case-management hours alone, before the Certificate
PART_HOURS_NEEDED = 2500  # case-management hours with 2,500 regulated (before), or with the Certificate (after)

ROUTE_CM_ONLY = "5000_cm_hours"
ROUTE_CM_AND_REGULATED = "2500_cm_plus_regulated"
ROUTE_CM_AND_CERTIFICATE = "2500_cm_plus_certificate"
ROUTES = (ROUTE_CM_ONLY, ROUTE_CM_AND_REGULATED, ROUTE_CM_AND_CERTIFICATE)

CONDITIONS = ("role", "hours", "uk", "competent_level", "standards", "membership", "certificate")
OVERSEAS_EXPERIENCE = "overseas_experience"
DUAL_ROLE_SPLIT = "dual_role_split"
EVIDENCE_CODES = (OVERSEAS_EXPERIENCE, DUAL_ROLE_SPLIT)

ELIGIBLE = "eligible"
MORE_EVIDENCE_NEEDED = "more_evidence_needed"
NOT_ELIGIBLE = "not_eligible"
OUTCOMES = (ELIGIBLE, MORE_EVIDENCE_NEEDED, NOT_ELIGIBLE)

ROLE_WORDS = {"cm": "case manager", "cm_training": "case manager in training", "supervision": "supervision",
              "management": "management", "teaching": "teaching", "research": "research", "other": "another role"}


@dataclasses.dataclass(frozen=True)
class Hours:
    """Hours by kind, rounded down. ``*_firm`` leave out the time that rests on evidence still to come
    (case management outside the UK, and any time declared as part of a dual role)."""

    cm: int
    regulated: int
    cm_firm: int
    regulated_firm: int
    evidence: tuple[str, ...]  # the evidence the provisional (not firm) counted time would need
    not_counted: tuple[tuple[str, int], ...] = ()  # (why, hours rounded down) for time that counts nowhere


@dataclasses.dataclass(frozen=True)
class Decision:
    eligible: bool
    outcome: str
    route: str | None
    rules: str
    cm_hours: int
    regulated_hours: int
    unmet: tuple[str, ...]
    evidence_requested: tuple[str, ...]
    reasons: tuple[str, ...]

    def as_dict(self) -> dict:
        """The decision in the documented JSON format (what ``cop eligibility check`` prints)."""
        return {"eligible": self.eligible, "outcome": self.outcome, "route": self.route, "rules": self.rules,
                "cm_hours": self.cm_hours, "regulated_hours": self.regulated_hours, "unmet": list(self.unmet),
                "evidence_requested": list(self.evidence_requested), "reasons": list(self.reasons)}


def rules_for(on: dt.date, certificate_available_from: dt.date, named: str | None = None) -> str:
    """The rule set for a decision made ``on`` a date: the one named, if any; otherwise the
    post-certificate rules from the day the Certificate is available, the pre-certificate rules before."""
    if named is not None:
        if named not in RULE_SETS:
            raise FactsError(f"rules must be one of {', '.join(RULE_SETS)} (got \"{named}\").")
        return named
    return POST_CERTIFICATE if on >= certificate_available_from else PRE_CERTIFICATE


def counts_as_cm(period: Experience) -> bool:
    return period.role in CASE_MANAGEMENT_ROLES


def counts_as_regulated(period: Experience) -> bool:
    """Practice of a profession whose regulator the PSA oversees (or on the BASRAT register); providing
    treatment as such a professional is practice of that profession. Abroad, only when accepted by it."""
    if period.role not in PROFESSION_ROLES or period.counting_regulator is None:
        return False
    return period.in_uk or period.accepted_by_uk_regulator is True


NOT_COUNTED = {  # why a period counts nowhere, in the order the hours sentence lists them
    "assistant": "as an assistant",
    "supervisor": "supervising or managing case managers",
    "unregulated": "in treatment or practice not regulated by a PSA-overseen regulator or the BASRAT register",
    "not_accepted": "practising outside the UK without a UK regulator's acceptance",
}


def not_counted_because(period: Experience) -> str | None:
    """Which NOT_COUNTED reason keeps a period out of both kinds of hours (None: it counts)."""
    if counts_as_cm(period) or counts_as_regulated(period):
        return None
    if period.role in ("assistant", "supervisor"):
        return period.role
    return "unregulated" if period.counting_regulator is None else "not_accepted"


def count_hours(experience: tuple[Experience, ...] | list[Experience]) -> Hours:
    cm = regulated = cm_firm = regulated_firm = Fraction(0)
    evidence = set()
    excluded: dict[str, Fraction] = {}
    for period in experience:
        why = not_counted_because(period)
        if why is not None:
            excluded[why] = excluded.get(why, Fraction(0)) + period.exact_hours
            continue
        hours = period.exact_hours
        if counts_as_cm(period):
            cm += hours
            needs = ({OVERSEAS_EXPERIENCE} if not period.in_uk else set()) | (
                {DUAL_ROLE_SPLIT} if period.dual_role else set())
            if not needs:
                cm_firm += hours
            evidence |= needs
        elif counts_as_regulated(period):
            regulated += hours
            if period.dual_role:
                evidence.add(DUAL_ROLE_SPLIT)
            else:
                regulated_firm += hours
    return Hours(cm=math.floor(cm), regulated=math.floor(regulated), cm_firm=math.floor(cm_firm),
                 regulated_firm=math.floor(regulated_firm),
                 evidence=tuple(code for code in EVIDENCE_CODES if code in evidence),
                 not_counted=tuple((why, math.floor(excluded[why])) for why in NOT_COUNTED if why in excluded))


def hours_route(rules: str, cm: int, regulated: int) -> str | None:
    """The route by which these hours meet the hours condition (None: they do not). After the
    Certificate, the route's other half is the Certificate itself, checked as its own condition."""
    if rules == POST_CERTIFICATE:
        return ROUTE_CM_AND_CERTIFICATE if cm >= PART_HOURS_NEEDED else None
    if cm >= HOURS_NEEDED:
        return ROUTE_CM_ONLY
    if cm >= PART_HOURS_NEEDED and regulated >= PART_HOURS_NEEDED:
        return ROUTE_CM_AND_REGULATED
    return None


def decide(facts: Facts, *, on: dt.date, certificate_available_from: dt.date, rules: str | None = None) -> Decision:
    """The decision on ``facts`` on a date. The rule set is ``rules`` if given, else the facts' own
    ``rules``, else the one the date calls for (``rules_for``)."""
    rule_set = rules_for(on, certificate_available_from, rules if rules is not None else facts.rules)
    hours = count_hours(facts.experience)
    firm_route = hours_route(rule_set, hours.cm_firm, hours.regulated_firm)
    route = firm_route or hours_route(rule_set, hours.cm, hours.regulated)
    evidence = () if firm_route or not route else hours.evidence

    met: dict[str, bool] = {}
    reasons: list[str] = []

    def condition(code: str, ok: bool, reason: str) -> None:
        met[code] = ok
        reasons.append(reason)

    condition("role", *_role(facts.current_role, hours_met=route is not None))
    condition("hours", route is not None, _hours_reason(rule_set, hours, route, evidence))
    condition("uk", *_uk(facts.uk_share))
    condition("competent_level", facts.competent,
              "Works at the competent level of proficiency or above, as the competency framework sets it out."
              if facts.competent else
              "Working at the competent level of proficiency or above is not declared, and it is required.")
    condition("standards", facts.standards,
              "Works in line with the Standards of Proficiency." if facts.standards else
              "Working in line with the Standards of Proficiency is not declared, and it is required.")
    if rule_set == PRE_CERTIFICATE:
        condition("membership", facts.member is not None,
                  f"Is a member of {facts.member}, as the initial period requires." if facts.member else
                  "Until the Certificate of Proficiency is available, membership of BABICM, CMSUK or VRA is "
                  "required, and none is declared.")
    else:
        condition("certificate", facts.certificate_passed,
                  "Has passed the Certificate of Proficiency." if facts.certificate_passed else
                  "Now that the Certificate of Proficiency is available, a pass in it is required, and there "
                  "is none yet.")

    unmet = tuple(code for code in CONDITIONS if code in met and not met[code])
    outcome = NOT_ELIGIBLE if unmet else MORE_EVIDENCE_NEEDED if evidence else ELIGIBLE
    return Decision(eligible=outcome == ELIGIBLE, outcome=outcome, route=None if unmet else route,
                    rules=rule_set, cm_hours=hours.cm, regulated_hours=hours.regulated, unmet=unmet,
                    evidence_requested=tuple(evidence), reasons=tuple(reasons))


def check(raw: object, *, on: dt.date, certificate_available_from: dt.date, rules: str | None = None) -> dict:
    """Parse the facts, decide, and give the decision's JSON form. FactsError on bad facts."""
    return decide(parse_facts(raw), on=on, certificate_available_from=certificate_available_from,
                  rules=rules).as_dict()


def _role(current: str, *, hours_met: bool) -> tuple[bool, str]:
    words = ROLE_WORDS[current]
    if current in DIRECT_ROLES:
        return True, f"The current role, {words}, meets the role condition."
    if current in BROADER_ROLES:
        if hours_met:
            return True, (f"The current role, in {words}, is a broader role in case management, which counts "
                          "because the hours were already met.")
        return False, (f"The current role, in {words}, is a broader role in case management, which counts only "
                       "once the hours are met, and they are not.")
    return False, ("The current role is not case manager, case manager in training, or a broader role in case "
                   "management (supervision, management, teaching or research).")


def _hours_reason(rule_set: str, hours: Hours, route: str | None, evidence: tuple[str, ...]) -> str:
    sentence = _hours_sentence(rule_set, hours, route, evidence)
    if hours.not_counted:
        parts = [f"{n:,} hours {NOT_COUNTED[why]}" for why, n in hours.not_counted]
        listed = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]
        sentence = f"{sentence} (not counted: {listed})"
    return sentence + "."


def _hours_sentence(rule_set: str, hours: Hours, route: str | None, evidence: tuple[str, ...]) -> str:
    cm, regulated = f"{hours.cm:,}", f"{hours.regulated:,}"
    if route is not None:
        if route == ROUTE_CM_ONLY:
            sentence = f"{cm} case-management hours meet the {HOURS_NEEDED:,} required"
        elif route == ROUTE_CM_AND_REGULATED:
            sentence = (f"{cm} case-management hours and {regulated} hours practising a regulated profession "
                        f"meet the {PART_HOURS_NEEDED:,} of each required")
        else:
            sentence = f"{cm} case-management hours meet the {PART_HOURS_NEEDED:,} required with the Certificate"
        if evidence:
            what = " and ".join(filter(None, (
                "time outside the UK" if OVERSEAS_EXPERIENCE in evidence else "",
                "time in a dual role" if DUAL_ROLE_SPLIT in evidence else "")))
            sentence += f", counting {what}, on which more evidence is needed"
        return sentence
    if rule_set == POST_CERTIFICATE:
        return f"{cm} case-management hours are fewer than the {PART_HOURS_NEEDED:,} required"
    if hours.cm >= PART_HOURS_NEEDED:
        return (f"{cm} case-management hours are fewer than the {HOURS_NEEDED:,} required alone, and {regulated} "
                f"hours practising a regulated profession are fewer than the {PART_HOURS_NEEDED:,} required "
                "beside them")
    return (f"{cm} case-management hours are fewer than both the {HOURS_NEEDED:,} required alone and the "
            f"{PART_HOURS_NEEDED:,} required beside practice in a regulated profession")


def _uk(share: Fraction) -> tuple[bool, str]:
    percent = share * 100
    shown = f"{int(percent)}%" if percent.denominator == 1 else f"{float(percent):.1f}%"
    if share > Fraction(1, 2):
        return True, f"{shown} of the work is in the UK, so the work is primarily in the UK."
    return False, f"{shown} of the work is in the UK; more than half of it must be in the UK."
