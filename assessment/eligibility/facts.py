"""The facts of one applicant, as the eligibility engine reads them: parsed from the documented JSON
format (docs/eligibility.md, "The facts") and rejected with one readable line naming the field when
they are anything else. Pure: standard library only.

Numbers are kept exactly (``fractions.Fraction`` from the number's decimal text), so that 2.5 years at
0.8 FTE is exactly 2,500 hours and never 2,499.9999 after floating-point arithmetic.
"""
from __future__ import annotations

import dataclasses
import math
from fractions import Fraction

PRE_CERTIFICATE = "pre_certificate"
POST_CERTIFICATE = "post_certificate"
RULE_SETS = (PRE_CERTIFICATE, POST_CERTIFICATE)
FULL_TIME_YEAR_HOURS = 1250  # one full-time year as a case manager (the FAQ, "How do I calculate my hours")

# The role the applicant holds now (the FAQ's first condition).
CURRENT_ROLES = ("cm", "cm_training", "supervision", "management", "teaching", "research", "other")
DIRECT_ROLES = frozenset({"cm", "cm_training"})
BROADER_ROLES = frozenset({"supervision", "management", "teaching", "research"})

# A period of experience: its role.
EXPERIENCE_ROLES = ("cm", "cm_training", "assistant", "supervisor", "treatment", "regulated_profession")
CASE_MANAGEMENT_ROLES = frozenset({"cm", "cm_training"})
# Time in these roles may be practice of a regulated profession (when the regulator counts).
PROFESSION_ROLES = frozenset({"treatment", "regulated_profession"})

MEMBERSHIP_BODIES = ("BABICM", "CMSUK", "VRA")

# The ten statutory regulators the Professional Standards Authority oversees, and the BASRAT
# accredited register the FAQ names beside them. Compared without regard to case; the value is the
# register's own spelling.
COUNTING_REGULATORS = {
    "GCC": "GCC",  # General Chiropractic Council
    "GDC": "GDC",  # General Dental Council
    "GMC": "GMC",  # General Medical Council
    "GOC": "GOC",  # General Optical Council
    "GOSC": "GOsC",  # General Osteopathic Council
    "GPHC": "GPhC",  # General Pharmaceutical Council
    "HCPC": "HCPC",  # Health and Care Professions Council
    "NMC": "NMC",  # Nursing and Midwifery Council
    "PSNI": "PSNI",  # Pharmaceutical Society of Northern Ireland
    "SWE": "SWE",  # Social Work England
    "SOCIAL WORK ENGLAND": "SWE",
    "BASRAT": "BASRAT",  # British Association of Sport Rehabilitators and Trainers (accredited register)
}

# Country names read as "in the UK" (compared without regard to case or surrounding spaces).
UK_NAMES = frozenset({"uk", "gb", "united kingdom", "great britain", "england", "scotland", "wales",
                      "northern ireland"})

FACTS_KEYS = ("rules", "current_role", "experience", "uk_share", "competent", "standards", "member",
              "certificate_passed")
REQUIRED_FACTS_KEYS = ("current_role", "experience", "uk_share", "competent", "standards")
EXPERIENCE_KEYS = ("role", "years", "fte", "country", "profession", "regulator", "accepted_by_uk_regulator",
                   "dual_role")
REQUIRED_EXPERIENCE_KEYS = ("role", "years", "fte", "country")
MAX_YEARS = 80  # no working life is longer: a bigger number is a typing slip


class FactsError(ValueError):
    """The facts are not in the documented format. The message is one line naming the field."""


@dataclasses.dataclass(frozen=True)
class Experience:
    role: str
    years: Fraction
    fte: Fraction
    country: str
    profession: str | None = None
    regulator: str | None = None
    accepted_by_uk_regulator: bool | None = None
    dual_role: bool = False

    @property
    def in_uk(self) -> bool:
        return self.country.strip().lower() in UK_NAMES

    @property
    def counting_regulator(self) -> str | None:
        """The regulator in its register's spelling when it is one whose profession counts, else None."""
        if self.regulator is None:
            return None
        return COUNTING_REGULATORS.get(self.regulator.strip().upper())

    @property
    def exact_hours(self) -> Fraction:
        """Years × FTE × 1,250, exactly (not yet rounded)."""
        return self.years * self.fte * FULL_TIME_YEAR_HOURS

    def as_dict(self) -> dict:
        return {"role": self.role, "years": _number_out(self.years), "fte": _number_out(self.fte),
                "country": self.country, "profession": self.profession, "regulator": self.regulator,
                "accepted_by_uk_regulator": self.accepted_by_uk_regulator, "dual_role": self.dual_role}



@dataclasses.dataclass(frozen=True)
class Facts:
    current_role: str
    experience: tuple[Experience, ...]
    uk_share: Fraction
    competent: bool
    standards: bool
    member: str | None = None
    certificate_passed: bool = False
    rules: str | None = None

    def as_dict(self) -> dict:
        """The facts in the documented format, every key present (what an application freezes)."""
        return {"rules": self.rules, "current_role": self.current_role,
                "experience": [e.as_dict() for e in self.experience], "uk_share": _number_out(self.uk_share),
                "competent": self.competent, "standards": self.standards, "member": self.member,
                "certificate_passed": self.certificate_passed}


def parse_facts(raw: object) -> Facts:
    """The facts from their JSON form (a dict as ``json.loads`` gives it); FactsError otherwise."""
    if not isinstance(raw, dict):
        raise FactsError(f"The facts must be a JSON object, not {_json_type(raw)}.")
    _check_keys(raw, FACTS_KEYS, REQUIRED_FACTS_KEYS, where="")
    experience = raw["experience"]
    if not isinstance(experience, list):
        raise FactsError(f"experience must be a list of periods, not {_json_type(experience)}.")
    return Facts(
        rules=_choice_or_null(raw.get("rules"), RULE_SETS, "rules"),
        current_role=_choice(raw["current_role"], CURRENT_ROLES, "current_role"),
        experience=tuple(_parse_experience(entry, f"experience[{i}]") for i, entry in enumerate(experience)),
        uk_share=_share(raw["uk_share"]),
        competent=_boolean(raw["competent"], "competent"),
        standards=_boolean(raw["standards"], "standards"),
        member=_choice_or_null(raw.get("member"), MEMBERSHIP_BODIES, "member"),
        certificate_passed=_boolean(raw.get("certificate_passed", False), "certificate_passed"),
    )


def _parse_experience(raw: object, where: str) -> Experience:
    if not isinstance(raw, dict):
        raise FactsError(f"{where} must be a JSON object, not {_json_type(raw)}.")
    _check_keys(raw, EXPERIENCE_KEYS, REQUIRED_EXPERIENCE_KEYS, where=where + ".")
    years = _number(raw["years"], f"{where}.years")
    if years < 0:
        raise FactsError(f"{where}.years must not be negative (got {raw['years']}).")
    if years > MAX_YEARS:
        raise FactsError(f"{where}.years must be at most {MAX_YEARS} (got {raw['years']}).")
    fte = _number(raw["fte"], f"{where}.fte")
    if not 0 < fte <= 1:
        raise FactsError(f"{where}.fte must be more than 0 and at most 1 (got {raw['fte']}).")
    country = raw["country"]
    if not isinstance(country, str) or not country.strip():
        raise FactsError(f"{where}.country must be a country's name, such as \"UK\".")
    accepted = raw.get("accepted_by_uk_regulator")
    if accepted is not None:
        accepted = _boolean(accepted, f"{where}.accepted_by_uk_regulator")
    return Experience(
        role=_choice(raw["role"], EXPERIENCE_ROLES, f"{where}.role"),
        years=years, fte=fte, country=country.strip(),
        profession=_text_or_null(raw.get("profession"), f"{where}.profession"),
        regulator=_text_or_null(raw.get("regulator"), f"{where}.regulator"),
        accepted_by_uk_regulator=accepted,
        dual_role=_boolean(raw.get("dual_role", False), f"{where}.dual_role"),
    )


def _check_keys(raw: dict, allowed: tuple[str, ...], required: tuple[str, ...], *, where: str) -> None:
    for key in raw:
        if key not in allowed:
            raise FactsError(f"{where}{key} is not a field of the facts (expected one of: {', '.join(allowed)}).")
    for key in required:
        if key not in raw:
            raise FactsError(f"{where}{key} is missing.")


def _choice(value: object, allowed: tuple[str, ...], field: str) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise FactsError(f"{field} must be one of {', '.join(allowed)} (got {_shown(value)}).")
    return value


def _choice_or_null(value: object, allowed: tuple[str, ...], field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or value not in allowed:
        raise FactsError(f"{field} must be one of {', '.join(allowed)}, or null (got {_shown(value)}).")
    return value


def _boolean(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise FactsError(f"{field} must be true or false (got {_shown(value)}).")
    return value


def _number(value: object, field: str) -> Fraction:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise FactsError(f"{field} must be a number (got {_shown(value)}).")
    if isinstance(value, float) and not math.isfinite(value):
        raise FactsError(f"{field} must be a finite number (got {value}).")
    # repr gives the shortest decimal that reads back as the same float: 0.8 is 4/5, not 0.800000000000000044…
    return Fraction(repr(value)) if isinstance(value, float) else Fraction(value)


def _share(value: object) -> Fraction:
    share = _number(value, "uk_share")
    if not 0 <= share <= 1:
        raise FactsError(f"uk_share must be between 0 and 1 (got {value}).")
    return share


def _text_or_null(value: object, field: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FactsError(f"{field} must be text or null (got {_shown(value)}).")
    return value.strip() or None


def _number_out(value: Fraction) -> int | float:
    return int(value) if value.denominator == 1 else float(value)


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true or false"
    return {dict: "an object", list: "a list", str: "text", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__)


def _shown(value: object) -> str:
    if isinstance(value, str):
        return f'"{value[:40]}"'
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    return _json_type(value)
