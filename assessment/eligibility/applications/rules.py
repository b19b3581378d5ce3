"""The application form's own rules, pure (no Flask, no database): the shape of a draft, turning a
draft into the eligibility engine's facts (``docs/eligibility.md``), what is still missing before an
applicant may submit, and the phased opening of applications by years of experience.

A draft is what the applicant typed, kept as typed (strings) so that a half-finished form saves and
comes back exactly as it was left. Only ``draft_to_facts`` interprets it.

Decisions made here (and in ``docs/registration.md`` "Applying"):
- FTE is a fraction of full time (0 to 1). The page says how to work it out from hours a week:
  divide by 37.5 (17.5 hours a week is 0.47; the FAQ's example of 0.5 assumes a 35-hour week).
- Years in a role come from its dates: days from the start to the end (or to today, for a current
  role) divided by 365.25, to two decimal places.
- The band of the phased opening is chosen by calendar years spent as a case manager or a case
  manager in training, whatever the FTE, and overlapping periods counted once: the register speaks of
  "years of experience", and an applicant can check it against their CV without arithmetic. Hours
  (FTE-weighted) remain the engine's business.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

ROLE_LABELS = {
    "cm": "Case manager",
    "cm_training": "Case manager in training",
    "assistant": "Case manager's assistant",
    "supervisor": "Supervisor or manager of case managers",
    "treatment": "Providing treatment (for example as a therapist)",
    "regulated_profession": "Practising a regulated profession (for example nurse, occupational therapist)",
}
CURRENT_ROLE_LABELS = {
    "cm": "Case manager",
    "cm_training": "Case manager in training",
    "supervision": "Supervising case managers",
    "management": "Managing case managers or a case management service",
    "teaching": "Teaching case management",
    "research": "Research in case management",
    "other": "Something else",
}
# Regulators overseen by the Professional Standards Authority, and the BASRAT accredited register.
REGULATOR_LABELS = {
    "GMC": "General Medical Council (GMC)",
    "NMC": "Nursing and Midwifery Council (NMC)",
    "HCPC": "Health and Care Professions Council (HCPC)",
    "GDC": "General Dental Council (GDC)",
    "GOC": "General Optical Council (GOC)",
    "GOsC": "General Osteopathic Council (GOsC)",
    "GCC": "General Chiropractic Council (GCC)",
    "GPhC": "General Pharmaceutical Council (GPhC)",
    "PSNI": "Pharmaceutical Society of Northern Ireland (PSNI)",
    "SWE": "Social Work England",
    "BASRAT": "BASRAT accredited register (sports rehabilitators)",
}
MEMBER_LABELS = {"BABICM": "BABICM", "CMSUK": "CMSUK", "VRA": "VRA"}
EVIDENCE_LABELS = {
    "overseas_experience": "Evidence of experience outside the UK",
    "dual_role_split": "How the time in a dual role is split",
    "membership_evidence": "Evidence of membership (BABICM, CMSUK or VRA)",
    "regulated_practice": "Evidence of registration with a regulator",
    "other": "Something else",
}
UK_NAMES = {"uk", "u.k.", "united kingdom", "great britain", "gb", "britain", "england", "scotland", "wales",
            "northern ireland"}
HOURS_PER_FULL_TIME_WEEK = 37.5
DAYS_PER_YEAR = 365.25
MAX_ROLES = 20
TEXT_MAX = 200
NOTE_MAX = 1000
RESPONSE_MAX = 5000


@dataclass(frozen=True)
class Problem:
    field: str  # the form's field id, e.g. "roles-0-start"
    message: str


def empty_role() -> dict:
    return {"role": "", "title": "", "start": "", "end": "", "current": False, "fte": "", "country": "UK",
            "profession": "", "regulator": "", "registration_number": "", "accepted_by_uk_regulator": False,
            "job": "", "job_fte": "", "split_note": ""}


def empty_draft() -> dict:
    return {"roles": [empty_role()], "current_role": "", "uk_share": "", "member": "", "membership_number": "",
            "competent": False, "standards": False, "uk_practice": False}


def normalise(draft: object) -> dict:
    """A stored draft with every key present (older or partial drafts gain the defaults); unknown
    keys are dropped."""
    base = empty_draft()
    source = draft if isinstance(draft, dict) else {}
    for key, default in base.items():
        if key == "roles":
            continue
        value = source.get(key, default)
        base[key] = bool(value) if isinstance(default, bool) else str(value or "")[:NOTE_MAX]
    roles = []
    for raw in source.get("roles") or []:
        if not isinstance(raw, dict):
            continue
        role = empty_role()
        for key, default in role.items():
            value = raw.get(key, default)
            role[key] = bool(value) if isinstance(default, bool) else str(value or "")[:NOTE_MAX]
        roles.append(role)
    base["roles"] = roles[:MAX_ROLES] or [empty_role()]
    return base


def is_uk(country: str) -> bool:
    return country.strip().lower() in UK_NAMES


def parse_date(text: str) -> dt.date | None:
    """A date as 2015-03-31 or 31/03/2015 (UK order); anything else is None."""
    text = (text or "").strip()
    try:
        if "/" in text:
            day, month, year = (int(part) for part in text.split("/"))
            return dt.date(year, month, day) if year >= 1000 else None
        return dt.date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None


def parse_fraction(text: str) -> float | None:
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return value if value == value else None  # NaN is not a number a person typed


def years_between(start: dt.date, end: dt.date) -> float:
    return round(max((end - start).days, 0) / DAYS_PER_YEAR, 2)


def _period(role: dict, today: dt.date) -> tuple[dt.date, dt.date] | None:
    start = parse_date(role["start"])
    end = today if role["current"] else parse_date(role["end"])
    if start is None or end is None or end < start:
        return None
    return start, min(end, today)


def role_problems(role: dict, index: int, today: dt.date) -> list[Problem]:
    """What is missing or wrong in one role, each beside its field."""
    out: list[Problem] = []

    def add(name: str, message: str) -> None:
        out.append(Problem(f"roles-{index}-{name}", message))

    number = index + 1
    if role["role"] not in ROLE_LABELS:
        add("role", f"Role {number}: choose what kind of role it was")
    start, end = parse_date(role["start"]), parse_date(role["end"])
    if start is None:
        add("start", f"Role {number}: enter the start date as a real date")
    elif start > today:
        add("start", f"Role {number}: the start date must be today or in the past")
    if not role["current"]:
        if end is None:
            add("end", f"Role {number}: enter the end date, or tick that this is your current role")
        elif start is not None and end < start:
            add("end", f"Role {number}: the end date must be on or after the start date")
        elif end > today:
            add("end", f"Role {number}: the end date must be today or in the past (tick \"current\" if you still "
                       "work in it)")
    fte = parse_fraction(role["fte"])
    if fte is None or not 0 < fte <= 1:
        add("fte", f"Role {number}: enter the FTE as a number more than 0 and at most 1 (for example 0.8)")
    if not role["country"].strip():
        add("country", f"Role {number}: enter the country you worked in")
    if role["role"] == "regulated_profession":
        if not role["profession"].strip():
            add("profession", f"Role {number}: enter the profession you practised")
        if role["regulator"] not in REGULATOR_LABELS:
            add("regulator", f"Role {number}: choose the regulator or register you were on")
        if not role["registration_number"].strip():
            add("registration_number", f"Role {number}: enter your registration number with the regulator")
    if role["job"].strip():
        job_fte = parse_fraction(role["job_fte"])
        if job_fte is None or not 0 < job_fte <= 1:
            add("job_fte", f"Role {number}: enter the whole job's FTE, more than 0 and at most 1")
        if not role["split_note"].strip():
            add("split_note", f"Role {number}: say briefly how the time in this job is split between its roles")
    for name in ("title", "profession", "registration_number", "country", "job"):
        if len(role[name]) > TEXT_MAX:
            add(name, f"Role {number}: keep this to {TEXT_MAX} characters or fewer")
    if len(role["split_note"]) > NOTE_MAX:
        add("split_note", f"Role {number}: keep the note to {NOTE_MAX:,} characters or fewer")
    return out


def dual_role_problems(roles: list[dict]) -> list[Problem]:
    """A dual role is one job recorded as two or more entries with the same job name: the same dates,
    and shares (FTEs) that add up to the job's FTE."""
    out: list[Problem] = []
    jobs: dict[str, list[int]] = {}
    for index, role in enumerate(roles):
        if role["job"].strip():
            jobs.setdefault(role["job"].strip().lower(), []).append(index)
    for indices in jobs.values():
        first = indices[0]
        name = roles[first]["job"].strip()
        if len(indices) < 2:
            out.append(Problem(f"roles-{first}-job", f"Role {first + 1}: a dual role is recorded as two or more "
                                                     f"roles with the same job name; add the other part of "
                                                     f"\u201c{name}\u201d or clear the job name"))
            continue
        shares = [parse_fraction(roles[i]["fte"]) for i in indices]
        job_ftes = {parse_fraction(roles[i]["job_fte"]) for i in indices}
        periods = {(roles[i]["start"], roles[i]["end"], roles[i]["current"]) for i in indices}
        if len(periods) > 1:
            out.append(Problem(f"roles-{indices[1]}-start", f"The parts of \u201c{name}\u201d must have the same "
                                                            "dates: they are one job"))
        if None in shares or None in job_ftes:
            continue
        if len(job_ftes) > 1:
            out.append(Problem(f"roles-{indices[1]}-job_fte", f"The parts of \u201c{name}\u201d must give the "
                                                              "same FTE for the whole job"))
        elif abs(sum(shares) - job_ftes.pop()) > 0.005:
            out.append(Problem(f"roles-{indices[0]}-fte", f"The shares of \u201c{name}\u201d must add up to the "
                                                          "job's FTE"))
    return out


def draft_problems(draft: dict, *, today: dt.date) -> list[Problem]:
    """Everything that stops a submission, in the order of the page. (Documents are checked by the
    service: it knows which are uploaded.)"""
    draft = normalise(draft)
    out: list[Problem] = []
    roles = [r for r in draft["roles"] if any(v for k, v in r.items() if k != "country")]
    if not roles:
        out.append(Problem("roles-0-role", "Add at least one role you have worked in"))
    for index, role in enumerate(draft["roles"]):
        if role in roles:
            out.extend(role_problems(role, index, today))
    out.extend(dual_role_problems(draft["roles"]))
    if draft["current_role"] not in CURRENT_ROLE_LABELS:
        out.append(Problem("current_role", "Choose what your role is now"))
    share = parse_fraction(draft["uk_share"])
    if share is None or not 0 <= share <= 100:
        out.append(Problem("uk_share", "Enter the share of your work that is in the UK, as a percentage from 0 "
                                       "to 100"))
    if draft["member"] and draft["member"] not in MEMBER_LABELS:
        out.append(Problem("member", "Choose BABICM, CMSUK, VRA or none"))
    for name, message in (("competent", "Confirm that you work at the competent level of proficiency or above"),
                          ("standards", "Confirm that you work in line with the Standards of Proficiency"),
                          ("uk_practice", "Confirm that you work primarily in the UK")):
        if not draft[name]:
            out.append(Problem(name, message))
    return out


def draft_to_facts(draft: dict, *, today: dt.date, certificate_passed: bool) -> dict:
    """The facts the engine judges, in its documented format, from whatever the draft holds now. A
    role too incomplete to count (no kind, no usable dates or FTE) is left out; ``draft_problems``
    says why. The applicant never enters ``certificate_passed``: the caller reads it from this
    platform's released results."""
    draft = normalise(draft)
    experience = []
    for role in draft["roles"]:
        period = _period(role, today)
        fte = parse_fraction(role["fte"])
        if role["role"] not in ROLE_LABELS or period is None or fte is None or not 0 < fte <= 1:
            continue
        uk = is_uk(role["country"])
        entry = {"role": role["role"], "years": years_between(*period), "fte": round(fte, 3),
                 "country": "UK" if uk else role["country"].strip()[:TEXT_MAX]}
        # Treatment given as a registered professional is practice of that profession (the engine
        # decides whether the regulator counts), so a treatment role carries its regulator too.
        if role["role"] == "regulated_profession" or (role["role"] == "treatment" and role["regulator"]):
            entry["profession"] = role["profession"].strip()[:TEXT_MAX] or None
            entry["regulator"] = role["regulator"] if role["regulator"] in REGULATOR_LABELS else None
            entry["accepted_by_uk_regulator"] = True if uk else bool(role["accepted_by_uk_regulator"])
        if role["job"].strip():
            entry["dual_role"] = True  # the engine asks for the split to be documented
        experience.append(entry)
    share = parse_fraction(draft["uk_share"])
    share = min(max(share, 0.0), 100.0) / 100 if share is not None else 0.0
    return {
        "current_role": draft["current_role"] if draft["current_role"] in CURRENT_ROLE_LABELS else "other",
        "experience": experience,
        "uk_share": round(share, 3),
        "competent": bool(draft["competent"]),
        "standards": bool(draft["standards"]),
        "member": draft["member"] if draft["member"] in MEMBER_LABELS else None,
        "certificate_passed": bool(certificate_passed),
    }


def own_evidence_needed(draft: dict, *, rules: str) -> list[str]:
    """Evidence this form asks for whatever the engine says: a document explaining each dual-role split,
    one for experience outside the UK, and proof of membership while membership is a condition."""
    draft = normalise(draft)
    needed = []
    if any(r["job"].strip() for r in draft["roles"]):
        needed.append("dual_role_split")
    if any(r["role"] and not is_uk(r["country"]) for r in draft["roles"] if r["country"].strip()):
        needed.append("overseas_experience")
    if rules == "pre_certificate" and draft["member"] in MEMBER_LABELS:
        needed.append("membership_evidence")
    return needed


def evidence_needed(engine_requested: list[str], own: list[str]) -> list[str]:
    return list(dict.fromkeys([*engine_requested, *own]))


# ----------------------------------------------------------------------------- phased opening

@dataclass(frozen=True)
class Band:
    min_years: int
    opens_on: dt.date


@dataclass(frozen=True)
class Opening:
    years: float  # calendar years as a case manager or case manager in training
    band: Band
    is_open: bool


def parse_bands(text: str) -> list[Band]:
    """``"15:2026-11-01,10:2027-01-04,..."`` → bands, most experienced first. Raises ValueError with a
    readable message on anything else (the configuration is wrong)."""
    bands = []
    for part in (text or "").split(","):
        part = part.strip()
        if not part:
            continue
        years, _, date = part.partition(":")
        try:
            bands.append(Band(int(years), dt.date.fromisoformat(date.strip())))
        except ValueError:
            raise ValueError(f"ELIGIBILITY_BANDS: {part!r} is not min_years:YYYY-MM-DD") from None
    if not bands:
        raise ValueError("ELIGIBILITY_BANDS names no band")
    bands.sort(key=lambda b: -b.min_years)
    if bands[-1].min_years != 0:
        raise ValueError("ELIGIBILITY_BANDS needs a band from 0 years, so that everyone has one")
    return bands


def case_management_years(draft: dict, *, today: dt.date) -> float:
    """Calendar years as a case manager or case manager in training, by dates, FTE aside, with
    overlapping periods (two part-time case management jobs at once) counted once."""
    draft = normalise(draft)
    periods = sorted(p for r in draft["roles"] if r["role"] in ("cm", "cm_training")
                     for p in [_period(r, today)] if p is not None)
    days, current_start, current_end = 0, None, None
    for start, end in periods:
        if current_end is None or start > current_end:
            if current_end is not None:
                days += (current_end - current_start).days
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_end is not None:
        days += (current_end - current_start).days
    return round(days / DAYS_PER_YEAR, 2)


def opening_for(years: float, bands: list[Band], *, today: dt.date) -> Opening:
    band = next(b for b in bands if years >= b.min_years)
    return Opening(years, band, today >= band.opens_on)


def opening(draft: dict, bands: list[Band], *, today: dt.date) -> Opening:
    return opening_for(case_management_years(draft, today=today), bands, today=today)
