"""Writes to the register. Each use case takes the acting ``actor`` and ``now``, owns its checks and
flushes; the caller commits once. Registrations keep their current status (what the public register
shows); what happened is in the append-only ``registration_events`` and ``cpd_declarations``, and
every administrator's action is in the audit log too.

Event kinds written here: ``registered``, ``cpd_declared``, ``cpd_withdrawn``, ``renewed``,
``reminded`` (data {"days": n, "due_on"}), ``certificate_deadline_told``, ``certificate_reminded``
(data {"days": n, "due_on"}), ``certificate_passed``, ``lapsed`` (data {"because": "renewal" |
"certificate_deadline"}), ``suspended``, ``removed``, ``restored``, ``fitness_to_practise`` (data
{"outcome", "resit_required"})."""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from assessment.accounts.models import User
from assessment.eligibility.models import Registration, RegistrationEvent, RegistrationStatus
from assessment.eligibility.register import queries, rules
from assessment.eligibility.register.models import CpdDeclaration
from core import audit, mail
from core.errors import Conflict, FieldProblem, Forbidden, NotFound, Problems, ValidationFailed
from core.notifications import notify
from core.roles import Actor, Role, require_role
from core.sealed import Sealer
from item_bank.authoring.attachments import MAX_BYTES, inspected_or_problem, scan, storage_path

NUMBER_PREFIX = "CM-"
ADMINISTRATORS = (Role.ADMIN,)


def _next_number(session: Session) -> str:
    # Numbers follow entry order and are never reused. Two registrations made at the same moment would
    # compute the same number: the unique constraint refuses the second, whose transaction fails whole.
    newest = session.scalar(select(func.max(Registration.id)))
    return f"{NUMBER_PREFIX}{(newest or 0) + 1:06d}"


def one_year_on(day: dt.date) -> dt.date:
    """The same day a year later (29 February → 28 February)."""
    return rules.one_year_after(day)


def _event(session: Session, registration: Registration, kind: str, *, actor: Actor, now: dt.datetime,
           reason: str = "", data: dict | None = None) -> RegistrationEvent:
    event = RegistrationEvent(registration_id=registration.id, kind=kind, actor_id=actor.user_id, reason=reason,
                              data=data or {}, created_at=now)
    session.add(event)
    session.flush()
    return event


def enter_on_register(session: Session, *, actor: Actor, user_id: int, application_id: int | None,
                      now: dt.datetime, certificate_due_on: dt.date | None = None,
                      reason: str = "") -> Registration:
    """Put a person on the register: a new public number, status registered, renewal due a year on.
    ``certificate_due_on`` is the date by which someone registered before the Certificate existed
    must pass it. The caller (an application's decision) has checked the person may be registered.
    The renewal date is a year on from the UK date of entry."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound("There is no such person.")
    if session.scalar(select(Registration.id).where(Registration.user_id == user_id)) is not None:
        raise Conflict(f"{user.full_name} is already on the register.")
    registration = Registration(number=_next_number(session), user_id=user_id, application_id=application_id,
                                status=RegistrationStatus.REGISTERED, status_since=now, registered_at=now,
                                renewal_due_on=one_year_on(_today(now)), certificate_due_on=certificate_due_on)
    session.add(registration)
    session.flush()
    _event(session, registration, "registered", actor=actor, now=now, reason=reason,
           data={"application_id": application_id,
                 "certificate_due_on": certificate_due_on and certificate_due_on.isoformat()})
    user.is_registered_case_manager = True  # appeal panels count registered case managers
    session.flush()
    audit.record(session, actor=actor, action="register.entered", target_type="registration",
                 target_id=registration.id, after={"number": registration.number, "user": user_id,
                                                   "application": application_id}, now=now)
    notify(session, user_id=user_id, message=f"You are on the register of case managers: your number is "
           f"{registration.number}.", link="/register/mine", now=now)
    return registration


def _tell(session: Session, user: User, *, subject: str, body: str, now: dt.datetime) -> None:
    """The registrant hears by e-mail (the outbox) and in their notifications."""
    mail.queue(session, to=user.email, subject=subject, body=f"Dear {user.full_name},\n\n{body}\n\n"
               "Your page on the register: /register/mine\n", now=now, user_id=user.id)
    notify(session, user_id=user.id, message=body.split("\n")[0], link="/register/mine", now=now)


def _own_registration(session: Session, actor: Actor, *, lock: bool = True) -> Registration:
    if actor.user_id is None:
        raise Forbidden("Only a registrant can do this.")
    query = select(Registration).where(Registration.user_id == actor.user_id)
    registration = session.scalar(query.with_for_update() if lock else query)
    if registration is None:
        raise NotFound("You are not on the register.")
    return registration


def _today(now: dt.datetime) -> dt.date:
    return queries.london_date(now)


# ------------------------------------------------------------------------------------------- CPD

@dataclass(frozen=True)
class EvidenceFile:
    filename: str
    data: bytes


def evidence_path(upload_folder: str, sha256: str) -> Path:
    """CPD evidence lives in its own folder, outside the web root, under its SHA-256."""
    return storage_path(str(Path(upload_folder) / "cpd"), sha256)


def declare_cpd(session: Session, *, actor: Actor, activity_on: dt.date | None, category: str,
                hours: float | None, description: str, evidence: EvidenceFile | None, categories: tuple[str, ...],
                upload_folder: str, sealer: Sealer, scan_command: str | None, now: dt.datetime) -> CpdDeclaration:
    """A registrant declares one CPD activity of their current renewal year, with optional evidence
    (a PDF, PNG or JPEG under 10 MB, virus-checked like every other upload)."""
    registration = _own_registration(session, actor)
    if registration.status != RegistrationStatus.REGISTERED:
        raise Conflict("CPD can be declared only while you are registered.")
    problems = Problems()
    for name, message in rules.activity_problems(activity_on=activity_on, hours=hours, category=category,
                                                 categories=categories, description=description,
                                                 today=_today(now), due_on=registration.renewal_due_on).items():
        problems.add(name, message)
    inspected = None
    if evidence is not None:
        name = secure_filename(evidence.filename) or "the file"
        if not evidence.data:
            problems.add("evidence", f"{name} is empty")
        elif len(evidence.data) > MAX_BYTES:
            problems.add("evidence", f"{name} must be smaller than 10 MB")
        else:
            inspected = inspected_or_problem(evidence.data, problems, "evidence", name)
    problems.raise_if_any()
    digest = None
    if inspected is not None:
        scan(inspected.data, scan_command, "evidence")
        digest = hashlib.sha256(inspected.data).hexdigest()
        sealer.store(evidence_path(upload_folder, digest), inspected.data)
    declaration = CpdDeclaration(
        registration_id=registration.id, activity_on=activity_on, category=category, hours=float(hours),
        description=description.strip(),
        evidence_filename=(secure_filename(evidence.filename) or "evidence")[:200] if evidence else None,
        evidence_content_type=inspected.content_type if inspected else None, evidence_sha256=digest,
        evidence_size=len(inspected.data) if inspected else None, declared_by_id=actor.user_id, declared_at=now)
    session.add(declaration)
    session.flush()
    _event(session, registration, "cpd_declared", actor=actor, now=now,
           data={"declaration_id": declaration.id, "hours": declaration.hours, "category": category})
    return declaration


def withdraw_cpd(session: Session, *, actor: Actor, declaration_id: int, reason: str, now: dt.datetime) -> None:
    """The registrant withdraws a declaration made in error: it stays, marked withdrawn, and no
    longer counts. A declaration of a year already renewed cannot be withdrawn."""
    registration = _own_registration(session, actor)
    declaration = session.get(CpdDeclaration, declaration_id)
    if declaration is None or declaration.registration_id != registration.id:
        raise NotFound("There is no such CPD declaration.")
    start, end = rules.cpd_year(registration.renewal_due_on)
    if not start <= declaration.activity_on <= end:
        raise Conflict("This declaration counted towards a renewal already made: it cannot be withdrawn.")
    withdrawn = session.scalars(select(RegistrationEvent.data).where(
        RegistrationEvent.registration_id == registration.id, RegistrationEvent.kind == "cpd_withdrawn"))
    if any((data or {}).get("declaration_id") == declaration_id for data in withdrawn):
        raise Conflict("This declaration is already withdrawn.")
    _event(session, registration, "cpd_withdrawn", actor=actor, now=now, reason=(reason or "").strip()[:rules.REASON_MAX],
           data={"declaration_id": declaration_id})


# --------------------------------------------------------------------------------------- renewal

def renew(session: Session, *, actor: Actor, required_hours: float, reminder_days: tuple[int, ...],
          resit_after_lapse_days: int, now: dt.datetime) -> Registration:
    """The registrant renews for a year: renewal must be open and the year's CPD met. The renewal
    date moves a year on from the old one (renewing early loses nothing)."""
    registration = _own_registration(session, actor)
    view = queries.registration_view(session, registration.number, today=_today(now),
                                     resit_after_lapse_days=resit_after_lapse_days)
    problem = rules.renewal_problem(today=_today(now), due_on=registration.renewal_due_on, reminder_days=reminder_days,
                                    hours=view.cpd_hours, required=required_hours,
                                    is_registered=registration.status == RegistrationStatus.REGISTERED)
    if problem:
        raise Conflict(problem)
    hours = view.cpd_hours  # of the year being closed: read before the date moves
    before = registration.renewal_due_on
    registration.renewal_due_on = rules.one_year_after(before)
    _event(session, registration, "renewed", actor=actor, now=now,
           data={"from": before.isoformat(), "to": registration.renewal_due_on.isoformat(),
                 "cpd_hours": hours})
    audit.record(session, actor=actor, action="register.renewed", target_type="registration",
                 target_id=registration.id, before={"renewal_due_on": before.isoformat()},
                 after={"renewal_due_on": registration.renewal_due_on.isoformat()}, now=now)
    notify(session, user_id=registration.user_id, message=f"Your registration is renewed: your next renewal date is "
           f"{rules.long_date(registration.renewal_due_on)}.", link="/register/mine", now=now)
    return registration


# ----------------------------------------------------------------------------- the daily job

@dataclass
class DailyReport:
    reminded: list[str] = field(default_factory=list)
    certificate_told: list[str] = field(default_factory=list)
    certificate_reminded: list[str] = field(default_factory=list)
    certificate_passed: list[str] = field(default_factory=list)
    lapsed: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"reminded": self.reminded, "certificate_told": self.certificate_told,
                "certificate_reminded": self.certificate_reminded, "certificate_passed": self.certificate_passed,
                "lapsed": self.lapsed}


def _set_status(session: Session, registration: Registration, status: RegistrationStatus, now: dt.datetime) -> None:
    registration.status = status
    registration.status_since = now
    user = session.get(User, registration.user_id)
    user.is_registered_case_manager = status == RegistrationStatus.REGISTERED


def _lapse(session: Session, registration: Registration, user: User, *, actor: Actor, because: str, body: str,
           now: dt.datetime) -> None:
    _set_status(session, registration, RegistrationStatus.LAPSED, now)
    _event(session, registration, "lapsed", actor=actor, now=now, reason=body,
           data={"because": because, "renewal_due_on": registration.renewal_due_on.isoformat()})
    audit.record(session, actor=actor, action="register.lapsed", target_type="registration",
                 target_id=registration.id, after={"number": registration.number, "because": because}, now=now)
    _tell(session, user, subject=f"Your registration {registration.number} has lapsed", body=body, now=now)


def _sent_days(events: list[RegistrationEvent], kind: str, due_on: dt.date) -> set[int]:
    return {int(e.data["days"]) for e in events
            if e.kind == kind and (e.data or {}).get("due_on") == due_on.isoformat() and "days" in e.data}


def run_daily(session: Session, *, actor: Actor, today: dt.date, reminder_days: tuple[int, ...], grace_days: int,
              required_hours: float, resit_after_lapse_days: int, now: dt.datetime) -> DailyReport:
    """Reminders, the Certificate deadline of early registrants, and lapses, for the day ``today``.
    Idempotent: each reminder and each notice is an event, and one already written is not written
    again; a lapsed registration is not looked at again."""
    require_role(actor, *ADMINISTRATORS)
    report = DailyReport()
    for registration in queries.registrations_for_daily_job(session):
        session.execute(select(Registration.id).where(Registration.id == registration.id).with_for_update())
        view = queries.registration_view(session, registration.number, today=today,
                                         resit_after_lapse_days=resit_after_lapse_days)
        user = session.get(User, registration.user_id)
        if view.certificate_obligation_open:
            if _certificate_step(session, registration, view, user, actor=actor, today=today,
                                 reminder_days=reminder_days, now=now, report=report):
                continue  # lapsed
        due = registration.renewal_due_on
        if rules.is_lapse_due(today=today, due_on=due, grace_days=grace_days):
            _lapse(session, registration, user, actor=actor, because="renewal", now=now,
                   body=f"Your registration {registration.number} has lapsed: it was not renewed by "
                        f"{rules.long_date(due)}. You are no longer on the register as a registered case manager. "
                        "To return, contact the register.")
            report.lapsed.append(registration.number)
            continue
        days = rules.reminder_due(today=today, due_on=due, reminder_days=reminder_days,
                                  sent=_sent_days(view.events, "reminded", due))
        if days is not None:
            _event(session, registration, "reminded", actor=actor, now=now, data={"days": days, "due_on": due.isoformat()})
            missing = max(0.0, required_hours - view.cpd_hours)
            cpd = ("You have declared all the CPD this year needs, so you can renew now." if not missing else
                   f"You have declared {rules.format_hours(view.cpd_hours)} of CPD this year: "
                   f"{rules.format_hours(missing)} more is needed before you can renew.")
            _tell(session, user, subject=f"Renew your registration by {rules.long_date(due)}", now=now,
                  body=f"Your registration {registration.number} is due for renewal on {rules.long_date(due)}, in "
                       f"{(due - today).days} days.\n{cpd}")
            report.reminded.append(registration.number)
    return report


def _certificate_step(session: Session, registration: Registration, view: queries.RegistrationView, user: User, *,
                      actor: Actor, today: dt.date, reminder_days: tuple[int, ...], now: dt.datetime,
                      report: DailyReport) -> bool:
    """An early registrant's Certificate deadline. Returns True when the registration lapsed."""
    deadline = registration.certificate_due_on
    if view.passes:
        _event(session, registration, "certificate_passed", actor=actor, now=now,
               data={"passed_on": view.passes[-1].isoformat(), "certificate_due_on": deadline.isoformat()})
        _tell(session, user, subject="You have met the Certificate requirement", now=now,
              body=f"You have passed the Certificate of Proficiency, so your registration {registration.number} no "
                   "longer has a Certificate deadline.")
        report.certificate_passed.append(registration.number)
        return False
    if rules.certificate_deadline_missed(today=today, certificate_due_on=deadline, passed=False):
        _lapse(session, registration, user, actor=actor, because="certificate_deadline", now=now,
               body=f"Your registration {registration.number} has lapsed: the Certificate of Proficiency had to be "
                    f"passed by {rules.long_date(deadline)}, and we have no pass for you. To return to the register "
                    "you must pass the Certificate.")
        report.lapsed.append(registration.number)
        return True
    if not any(e.kind == "certificate_deadline_told" for e in view.events):
        _event(session, registration, "certificate_deadline_told", actor=actor, now=now,
               data={"certificate_due_on": deadline.isoformat()})
        _tell(session, user, subject=f"Pass the Certificate by {rules.long_date(deadline)}", now=now,
              body=f"You joined the register before the Certificate of Proficiency existed. To keep your registration "
                   f"{registration.number} you must pass it by {rules.long_date(deadline)}; if you have not, your "
                   "registration lapses the next day.")
        report.certificate_told.append(registration.number)
        return False
    days = rules.reminder_due(today=today, due_on=deadline, reminder_days=reminder_days,
                              sent=_sent_days(view.events, "certificate_reminded", deadline))
    if days is not None:
        _event(session, registration, "certificate_reminded", actor=actor, now=now,
               data={"days": days, "due_on": deadline.isoformat()})
        _tell(session, user, subject=f"Your Certificate deadline is {rules.long_date(deadline)}", now=now,
              body=f"You must pass the Certificate of Proficiency by {rules.long_date(deadline)}, in "
                   f"{(deadline - today).days} days, to keep your registration {registration.number}.")
        report.certificate_reminded.append(registration.number)
    return False


# ---------------------------------------------------------------------------- administrators

ACTIONS = {
    "suspend": (RegistrationStatus.SUSPENDED, "suspended", (RegistrationStatus.REGISTERED,)),
    "remove": (RegistrationStatus.REMOVED, "removed", (RegistrationStatus.REGISTERED, RegistrationStatus.SUSPENDED,
                                                       RegistrationStatus.LAPSED)),
    "restore": (RegistrationStatus.REGISTERED, "restored", (RegistrationStatus.SUSPENDED, RegistrationStatus.LAPSED,
                                                            RegistrationStatus.REMOVED)),
}
ACTION_WORDS = {"suspend": "suspended", "remove": "removed from the register", "restore": "restored to the register"}


def _locked(session: Session, number: str) -> Registration:
    stored = rules.normalised_number(number)
    registration = None if stored is None else session.scalar(
        select(Registration).where(Registration.number == stored).with_for_update())
    if registration is None:
        raise NotFound(queries.NO_ENTRY)
    return registration


def change_status(session: Session, *, actor: Actor, number: str, action: str, reason: str,
                  resit_after_lapse_days: int, now: dt.datetime) -> Registration:
    """An administrator suspends, removes or restores an entry, with reasons. Restoring is refused
    while a resit is required (``rules.resit_required_since``) or an early registrant's missed
    Certificate deadline stands; a restored entry whose renewal date has passed starts a new renewal
    year on the day it returns."""
    require_role(actor, *ADMINISTRATORS)
    if action not in ACTIONS:
        raise ValidationFailed("There is a problem", [FieldProblem("action", "Choose what to do")])
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("There is a problem", [FieldProblem("reason", "Give the reasons: they are kept with the entry")])
    if len(reason) > rules.REASON_MAX:
        raise ValidationFailed("There is a problem", [FieldProblem("reason", f"The reasons must be {rules.REASON_MAX:,} "
                                                                             "characters or fewer")])
    registration = _locked(session, number)
    if registration.user_id == actor.user_id:
        raise Forbidden("You cannot change your own entry on the register.")
    status, kind, allowed_from = ACTIONS[action]
    before = RegistrationStatus(registration.status)
    if before not in allowed_from:
        raise Conflict(f"An entry that is {before.value} cannot be {ACTION_WORDS[action]}.")
    today = _today(now)
    data: dict = {"from": before.value}
    if action == "restore":
        view = queries.registration_view(session, registration.number, today=today,
                                         resit_after_lapse_days=resit_after_lapse_days)
        problem = view.return_problem
        if problem:
            raise Conflict(problem)
        if registration.renewal_due_on < today:
            registration.renewal_due_on = rules.one_year_after(today)
            data["renewal_due_on"] = registration.renewal_due_on.isoformat()
    _set_status(session, registration, status, now)
    _event(session, registration, kind, actor=actor, now=now, reason=reason, data=data)
    audit.record(session, actor=actor, action=f"register.{kind}", target_type="registration",
                 target_id=registration.id, before={"status": before.value},
                 after={"status": status.value, "reason": reason}, now=now)
    user = session.get(User, registration.user_id)
    _tell(session, user, subject=f"Your registration {registration.number} has been {ACTION_WORDS[action]}", now=now,
          body=f"Your registration {registration.number} has been {ACTION_WORDS[action]}.\nThe reasons: {reason}")
    return registration


def record_fitness_to_practise(session: Session, *, actor: Actor, number: str, outcome: str, resit_required: bool,
                               reason: str, now: dt.datetime) -> RegistrationEvent:
    """An administrator records the outcome of a fitness-to-practise process. When it says a resit is
    required, the person cannot return to (or be restored on) the register until they pass the
    Certificate in results released after today. A suspension or removal is its own action."""
    require_role(actor, *ADMINISTRATORS)
    problems = Problems()
    outcome, reason = (outcome or "").strip(), (reason or "").strip()
    if not outcome:
        problems.add("outcome", "Enter the outcome")
    elif len(outcome) > 200:
        problems.add("outcome", "The outcome must be 200 characters or fewer")
    if not reason:
        problems.add("reason", "Give the reasons: they are kept with the entry")
    elif len(reason) > rules.REASON_MAX:
        problems.add("reason", f"The reasons must be {rules.REASON_MAX:,} characters or fewer")
    problems.raise_if_any()
    registration = _locked(session, number)
    if registration.user_id == actor.user_id:
        raise Forbidden("You cannot record an outcome on your own entry.")
    event = _event(session, registration, "fitness_to_practise", actor=actor, now=now, reason=reason,
                   data={"outcome": outcome, "resit_required": bool(resit_required)})
    audit.record(session, actor=actor, action="register.fitness_to_practise", target_type="registration",
                 target_id=registration.id, after={"outcome": outcome, "resit_required": bool(resit_required)}, now=now)
    user = session.get(User, registration.user_id)
    _tell(session, user, subject=f"A fitness-to-practise outcome on your registration {registration.number}", now=now,
          body=f"A fitness-to-practise outcome has been recorded on your registration {registration.number}: {outcome}."
               + ("\nYou must pass the Certificate of Proficiency again before you can return to the register."
                  if resit_required else ""))
    return event


__all__ = ["enter_on_register", "one_year_on", "declare_cpd", "withdraw_cpd", "renew", "run_daily", "change_status",
           "record_fitness_to_practise"]
