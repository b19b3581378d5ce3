"""The register's rules, pure: which CPD counts towards a renewal and whether it is enough, when
renewal opens, which reminder is due, when an unrenewed registration lapses, when an early
registrant's Certificate deadline has passed, whether returning needs a resit, and what the public
register shows. Dates here are UK calendar dates; the callers turn instants into them."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Iterable

# How long a removed entry stays on the public register, shown as removed, so that someone checking a
# person they knew to be registered learns why they no longer are. After that it is no longer listed.
REMOVED_SHOWN_DAYS = 730
PAGE_SIZE = 20
QUERY_MIN = 2
QUERY_MAX = 100
DESCRIPTION_MAX = 2000
REASON_MAX = 2000
HOURS_MAX = 100.0  # one declaration: more than this is a typing slip
NUMBER_PATTERN = re.compile(r"^CM-\d{6}$")

CATEGORY_LABELS = {
    "clinical": "Clinical practice",
    "case_management": "Case management",
    "leadership": "Leadership and supervision",
    "legal_and_ethical": "Legal and ethical",
    "research": "Research",
    "teaching": "Teaching",
    "other": "Other learning",
}


def category_label(code: str) -> str:
    return CATEGORY_LABELS.get(code, code.replace("_", " ").capitalize())


def parse_list(raw: str) -> tuple[str, ...]:
    """A comma-separated setting, e.g. ``RENEWAL_CPD_CATEGORIES``."""
    return tuple(part.strip() for part in str(raw).split(",") if part.strip())


def parse_days(raw: str | int) -> tuple[int, ...]:
    """``RENEWAL_REMINDER_DAYS`` ("60,30,7") as distinct positive whole days, largest first."""
    days = {int(part) for part in parse_list(str(raw))}
    if any(d <= 0 for d in days):
        raise ValueError("reminder days must be positive whole numbers")
    return tuple(sorted(days, reverse=True))


def one_year_before(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year - 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year - 1, day=28)


def one_year_after(day: dt.date) -> dt.date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


# ------------------------------------------------------------------------------------------ CPD

@dataclass(frozen=True)
class Activity:
    activity_on: dt.date
    hours: float
    withdrawn: bool = False


def cpd_year(due_on: dt.date) -> tuple[dt.date, dt.date]:
    """The renewal year a due date closes: from the day after the date a year before, to the date."""
    return one_year_before(due_on) + dt.timedelta(days=1), due_on


def cpd_hours(activities: Iterable[Activity], due_on: dt.date) -> float:
    """The hours that count towards the renewal due on ``due_on``: activities not withdrawn, dated
    within its renewal year."""
    start, end = cpd_year(due_on)
    return round(sum(a.hours for a in activities if not a.withdrawn and start <= a.activity_on <= end), 2)


def cpd_met(hours: float, required: float) -> bool:
    return hours >= required


def renewal_opens_on(due_on: dt.date, reminder_days: Iterable[int]) -> dt.date:
    """Renewal opens as early as the first reminder: the largest reminder before the due date."""
    return due_on - dt.timedelta(days=max(reminder_days, default=0))


def renewal_problem(*, today: dt.date, due_on: dt.date, reminder_days: Iterable[int], hours: float,
                    required: float, is_registered: bool) -> str | None:
    """Why the registrant cannot renew today, or None when they can."""
    if not is_registered:
        return "Only a current registration can be renewed."
    opens = renewal_opens_on(due_on, reminder_days)
    if today < opens:
        return f"Renewal opens on {long_date(opens)}, {(due_on - opens).days} days before your renewal date."
    if not cpd_met(hours, required):
        return (f"You have declared {format_hours(hours)} of the {format_hours(required)} of CPD this year needs: "
                f"declare {format_hours(required - hours)} more before you renew.")
    return None


def activity_problems(*, activity_on: dt.date | None, hours: float | None, category: str, categories: Iterable[str],
                      description: str, today: dt.date, due_on: dt.date) -> dict[str, str]:
    """The field problems of one CPD declaration, by field name."""
    problems: dict[str, str] = {}
    start, _end = cpd_year(due_on)
    if activity_on is None:
        problems["activity_on"] = "Enter the date of the activity"
    elif activity_on > today:
        problems["activity_on"] = "The date of the activity must be today or in the past"
    elif activity_on < start:
        problems["activity_on"] = (f"The activity must be in this renewal year: on or after {long_date(start)}")
    if category not in set(categories):
        problems["category"] = "Choose the category of the activity"
    if hours is None:
        problems["hours"] = "Enter the hours, for example 1.5"
    elif hours <= 0:
        problems["hours"] = "The hours must be more than 0"
    elif hours > HOURS_MAX:
        problems["hours"] = f"One activity can be at most {HOURS_MAX:g} hours: declare longer ones in parts"
    elif round(hours * 4) != hours * 4:
        problems["hours"] = "Enter the hours to the nearest quarter of an hour, for example 1.25"
    description = (description or "").strip()
    if not description:
        problems["description"] = "Say what the activity was and what you learnt"
    elif len(description) > DESCRIPTION_MAX:
        problems["description"] = f"The description must be {DESCRIPTION_MAX:,} characters or fewer"
    return problems


# ------------------------------------------------------------------------------ reminders and lapse

def reminder_due(*, today: dt.date, due_on: dt.date, reminder_days: Iterable[int], sent: Iterable[int]) -> int | None:
    """The reminder to send today, if any: the nearest threshold reached (``due_on - n <= today``)
    and not yet sent. A threshold passed over while the job did not run is not sent late when a
    nearer one is due; none is sent after the due date."""
    if today > due_on:
        return None
    reached = [n for n in reminder_days if due_on - dt.timedelta(days=n) <= today]
    if not reached:
        return None
    nearest = min(reached)
    return None if nearest in set(sent) else nearest


def lapses_on(due_on: dt.date, grace_days: int) -> dt.date:
    """The first day on which an unrenewed registration is lapsed: the day after the due date and
    the grace."""
    return due_on + dt.timedelta(days=grace_days + 1)


def is_lapse_due(*, today: dt.date, due_on: dt.date, grace_days: int) -> bool:
    return today >= lapses_on(due_on, grace_days)


def certificate_deadline_missed(*, today: dt.date, certificate_due_on: dt.date | None, passed: bool) -> bool:
    """An early registrant who has not passed the Certificate lapses the day after their deadline."""
    return certificate_due_on is not None and not passed and today > certificate_due_on


# ---------------------------------------------------------------------------------------- resit

@dataclass(frozen=True)
class Lapse:
    started_on: dt.date
    ended_on: dt.date | None  # None: still lapsed


def resit_required_since(*, lapses: Iterable[Lapse], fitness_to_practise_resits: Iterable[dt.date],
                         pass_dates: Iterable[dt.date], today: dt.date, resit_after_lapse_days: int) -> dt.date | None:
    """The date after which a Certificate pass is needed before the person may return to the
    register, or None when no resit is needed. A resit is needed after a lapse that lasted (or has
    lasted so far) longer than ``resit_after_lapse_days``, or after a fitness-to-practise outcome
    that says so; a pass dated after the latest such event meets it."""
    triggers = [lapse.started_on for lapse in lapses
                if ((lapse.ended_on or today) - lapse.started_on).days > resit_after_lapse_days]
    triggers.extend(fitness_to_practise_resits)
    if not triggers:
        return None
    since = max(triggers)
    return None if any(day > since for day in pass_dates) else since


# -------------------------------------------------------------------------------- public register

PUBLIC_STATUSES = ("registered", "suspended", "lapsed", "removed")


def is_listed(*, status: str, status_since: dt.date, today: dt.date) -> bool:
    """Whether the public register shows an entry: every one except a removal older than
    ``REMOVED_SHOWN_DAYS``."""
    if status == "removed":
        return (today - status_since).days <= REMOVED_SHOWN_DAYS
    return status in PUBLIC_STATUSES


def normalised_number(query: str) -> str | None:
    """A registration number as a person may type it ("cm-000012", "CM000012", "12") in its stored
    form, or None when the query is not a number."""
    text = query.strip().upper().replace(" ", "")
    match = re.fullmatch(r"(?:CM-?)?(\d{1,6})", text)
    return f"CM-{int(match.group(1)):06d}" if match else None


def query_problem(query: str) -> str | None:
    text = query.strip()
    if not text:
        return "Enter a name or a registration number"
    if len(text) > QUERY_MAX:
        return f"The search must be {QUERY_MAX} characters or fewer"
    if len(text) < QUERY_MIN and normalised_number(text) is None:
        return f"Enter at least {QUERY_MIN} characters of the name"
    return None


def escape_like(text: str) -> str:
    """A search text for SQL LIKE with ``\\`` as the escape: its wildcards match themselves."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ------------------------------------------------------------------------------------------ words

def long_date(day: dt.date) -> str:
    return f"{day.day} {day:%B %Y}"


def format_hours(hours: float) -> str:
    value = f"{hours:.2f}".rstrip("0").rstrip(".")
    return f"{value} hour" if value == "1" else f"{value} hours"


EVENT_LABELS = {
    "registered": "Entered on the register",
    "cpd_declared": "CPD declared",
    "cpd_withdrawn": "CPD declaration withdrawn",
    "renewed": "Renewed",
    "reminded": "Renewal reminder sent",
    "certificate_deadline_told": "Told of the Certificate deadline",
    "certificate_reminded": "Certificate deadline reminder sent",
    "certificate_passed": "Certificate requirement met",
    "lapsed": "Lapsed",
    "suspended": "Suspended",
    "removed": "Removed",
    "restored": "Restored",
    "fitness_to_practise": "Fitness-to-practise outcome",
}


def event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind.replace("_", " ").capitalize())


def event_detail(kind: str, data: dict) -> str:
    """One line of what an event's data says, for the histories."""
    data = data or {}
    if kind in ("reminded", "certificate_reminded") and "days" in data:
        return f"{data['days']} days before {long_date(dt.date.fromisoformat(data['due_on']))}" \
            if data.get("due_on") else f"{data['days']} days before"
    if kind == "renewed" and data.get("to"):
        return f"Next renewal date {long_date(dt.date.fromisoformat(data['to']))}"
    if kind == "cpd_declared" and "hours" in data:
        return f"{format_hours(float(data['hours']))}, {category_label(data.get('category', ''))}"
    if kind == "lapsed":
        return {"renewal": "Not renewed by the renewal date",
                "certificate_deadline": "The Certificate was not passed by the deadline"}.get(data.get("because"), "")
    if kind == "fitness_to_practise":
        return data.get("outcome", "") + ("; a resit is required" if data.get("resit_required") else "")
    if kind == "certificate_passed" and data.get("passed_on"):
        return f"Passed on {long_date(dt.date.fromisoformat(data['passed_on']))}"
    return ""
