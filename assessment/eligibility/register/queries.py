"""Reading the register: the public entries (name, number, status, since when: nothing else), a
registrant's own page, the administrators' list and one entry, and the released Certificate passes of
a person (from ``assessment.results``, the layer below)."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from assessment.accounts.models import User
from assessment.eligibility.models import Registration, RegistrationEvent, RegistrationStatus
from assessment.eligibility.register import rules
from assessment.eligibility.register.models import CpdDeclaration
from assessment.results.models import CandidateResult, ResultRelease
from core.clock import LONDON
from core.errors import NotFound

NO_ENTRY = "There is no entry with this number on the register."


def london_date(when: dt.datetime) -> dt.date:
    return when.astimezone(LONDON).date()


# -------------------------------------------------------------------------------- public register

@dataclass(frozen=True)
class PublicEntry:
    """What anyone may know of an entry on the register: exactly what the public pages show."""

    number: str
    name: str
    status: RegistrationStatus
    since: dt.date  # Europe/London


def _public(number: str, name: str, status: RegistrationStatus, status_since: dt.datetime) -> PublicEntry:
    return PublicEntry(number=number, name=name, status=RegistrationStatus(status), since=london_date(status_since))


def _listed(rows, today: dt.date) -> list[PublicEntry]:
    entries = [_public(*row) for row in rows]
    return [e for e in entries if rules.is_listed(status=e.status.value, status_since=e.since, today=today)]


def _public_rows():
    return (select(Registration.number, User.full_name, Registration.status, Registration.status_since)
            .join(User, User.id == Registration.user_id))


@dataclass(frozen=True)
class SearchPage:
    entries: list[PublicEntry]
    total: int
    page: int
    pages: int


def search(session: Session, query: str, *, page: int, today: dt.date) -> SearchPage:
    """Entries whose name contains the query (any case), or whose number it is, in name order.
    Removals older than the public period are left out before paging."""
    text = query.strip()
    number = rules.normalised_number(text)
    pattern = f"%{rules.escape_like(text.lower())}%"
    condition = func.lower(User.full_name).like(pattern, escape="\\")
    if number is not None:
        condition = condition | (Registration.number == number)
    rows = session.execute(_public_rows().where(condition).order_by(func.lower(User.full_name), Registration.number))
    entries = _listed(rows, today)
    pages = max(1, -(-len(entries) // rules.PAGE_SIZE))
    page = min(max(1, page), pages)
    start = (page - 1) * rules.PAGE_SIZE
    return SearchPage(entries[start:start + rules.PAGE_SIZE], len(entries), page, pages)


def public_entry(session: Session, number: str, *, today: dt.date) -> PublicEntry:
    stored = rules.normalised_number(number)
    row = None if stored is None else session.execute(_public_rows().where(Registration.number == stored)).first()
    listed = _listed([row], today) if row is not None else []
    if not listed:
        raise NotFound(NO_ENTRY)
    return listed[0]


def public_entry_of_person(session: Session, user_id: int, *, today: dt.date) -> PublicEntry | None:
    """The public entry of a person (a certificate's holder), if they have a listed one."""
    row = session.execute(_public_rows().where(Registration.user_id == user_id)).first()
    listed = _listed([row], today) if row is not None else []
    return listed[0] if listed else None


# ------------------------------------------------------------------------------ Certificate passes

def pass_dates(session: Session, user_id: int) -> list[dt.date]:
    """The dates (Europe/London) of the person's passes in the Certificate: a ``pass`` in a release
    of results that no later release has superseded."""
    later = aliased(ResultRelease)
    standing = ~exists().where(later.supersedes_id == ResultRelease.id)
    released = session.scalars(select(ResultRelease.released_at)
                               .join(CandidateResult, CandidateResult.release_id == ResultRelease.id)
                               .where(CandidateResult.candidate_id == user_id, CandidateResult.outcome == "pass",
                                      standing)
                               .order_by(ResultRelease.released_at))
    return [london_date(when) for when in released]


# ------------------------------------------------------------------------------- one registration

@dataclass(frozen=True)
class Declaration:
    row: CpdDeclaration
    withdrawn: bool

    @property
    def category_label(self) -> str:
        return rules.category_label(self.row.category)


@dataclass
class RegistrationView:
    registration: Registration
    name: str
    email: str
    events: list[RegistrationEvent]
    declarations: list[Declaration]
    passes: list[dt.date]
    today: dt.date
    resit_after_lapse_days: int
    names: dict[int, str] = field(default_factory=dict)  # actors of the events

    @property
    def number(self) -> str:
        return self.registration.number

    @property
    def status(self) -> RegistrationStatus:
        return RegistrationStatus(self.registration.status)

    def activities(self) -> list[rules.Activity]:
        return [rules.Activity(d.row.activity_on, d.row.hours, d.withdrawn) for d in self.declarations]

    @property
    def cpd_hours(self) -> float:
        return rules.cpd_hours(self.activities(), self.registration.renewal_due_on)

    @property
    def this_year(self) -> list[Declaration]:
        start, end = rules.cpd_year(self.registration.renewal_due_on)
        return [d for d in self.declarations if start <= d.row.activity_on <= end]

    @property
    def certificate_passed(self) -> bool:
        return bool(self.passes) or any(e.kind == "certificate_passed" for e in self.events)

    @property
    def certificate_obligation_open(self) -> bool:
        """An early registrant whose pass the daily job has not yet recorded (``certificate_passed``)."""
        return self.registration.certificate_due_on is not None and \
            not any(e.kind == "certificate_passed" for e in self.events)

    def lapses(self) -> list[rules.Lapse]:
        found: list[rules.Lapse] = []
        started: dt.date | None = None
        for event in self.events:
            if event.kind == "lapsed" and started is None:
                started = london_date(event.created_at)
            elif event.kind in ("restored", "renewed") and started is not None:
                found.append(rules.Lapse(started, london_date(event.created_at)))
                started = None
        if started is not None:
            found.append(rules.Lapse(started, None))
        return found

    @property
    def resit_required_since(self) -> dt.date | None:
        ftp = [london_date(e.created_at) for e in self.events
               if e.kind == "fitness_to_practise" and (e.data or {}).get("resit_required")]
        return rules.resit_required_since(lapses=self.lapses(), fitness_to_practise_resits=ftp,
                                          pass_dates=self.passes, today=self.today,
                                          resit_after_lapse_days=self.resit_after_lapse_days)

    @property
    def return_problem(self) -> str | None:
        """Why this person cannot return to the register now, or None."""
        since = self.resit_required_since
        if since is not None:
            return (f"A resit is required: the Certificate must be passed again, in results released after "
                    f"{rules.long_date(since)}, before returning to the register.")
        due = self.registration.certificate_due_on
        if due is not None and not self.certificate_passed and self.today > due:
            return (f"The Certificate deadline of {rules.long_date(due)} has passed without a pass: the Certificate "
                    "must be passed before returning to the register.")
        return None

    def actor_name(self, event: RegistrationEvent) -> str:
        return self.names.get(event.actor_id, "The register") if event.actor_id else "The register"


def _view(session: Session, registration: Registration, *, today: dt.date, resit_after_lapse_days: int
          ) -> RegistrationView:
    user = session.get(User, registration.user_id)
    events = list(session.scalars(select(RegistrationEvent).where(RegistrationEvent.registration_id == registration.id)
                                  .order_by(RegistrationEvent.created_at, RegistrationEvent.id)))
    withdrawn = {(e.data or {}).get("declaration_id") for e in events if e.kind == "cpd_withdrawn"}
    rows = session.scalars(select(CpdDeclaration).where(CpdDeclaration.registration_id == registration.id)
                           .order_by(CpdDeclaration.activity_on.desc(), CpdDeclaration.id.desc()))
    actor_ids = {e.actor_id for e in events if e.actor_id}
    names = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(actor_ids))).all()) if actor_ids \
        else {}
    return RegistrationView(registration=registration, name=user.full_name, email=user.email, events=events,
                            declarations=[Declaration(r, r.id in withdrawn) for r in rows],
                            passes=pass_dates(session, registration.user_id), today=today,
                            resit_after_lapse_days=resit_after_lapse_days, names=names)


def registration_view(session: Session, number: str, *, today: dt.date, resit_after_lapse_days: int
                      ) -> RegistrationView:
    stored = rules.normalised_number(number)
    registration = None if stored is None else session.scalar(select(Registration)
                                                              .where(Registration.number == stored))
    if registration is None:
        raise NotFound(NO_ENTRY)
    return _view(session, registration, today=today, resit_after_lapse_days=resit_after_lapse_days)


def my_registration(session: Session, user_id: int, *, today: dt.date, resit_after_lapse_days: int
                    ) -> RegistrationView | None:
    registration = session.scalar(select(Registration).where(Registration.user_id == user_id))
    if registration is None:
        return None
    return _view(session, registration, today=today, resit_after_lapse_days=resit_after_lapse_days)


def declaration_of(view: RegistrationView, declaration_id: int) -> Declaration:
    found = next((d for d in view.declarations if d.row.id == declaration_id), None)
    if found is None:
        raise NotFound("There is no such CPD declaration.")
    return found


@dataclass(frozen=True)
class AdminRow:
    number: str
    name: str
    email: str
    status: RegistrationStatus
    since: dt.datetime
    renewal_due_on: dt.date
    certificate_due_on: dt.date | None


def all_registrations(session: Session, status: str | None = None) -> list[AdminRow]:
    query = (select(Registration.number, User.full_name, User.email, Registration.status, Registration.status_since,
                    Registration.renewal_due_on, Registration.certificate_due_on)
             .join(User, User.id == Registration.user_id).order_by(Registration.number))
    if status:
        query = query.where(Registration.status == status)
    return [AdminRow(n, name, email, RegistrationStatus(s), since, due, cert)
            for n, name, email, s, since, due, cert in session.execute(query)]


def registrations_for_daily_job(session: Session) -> list[Registration]:
    return list(session.scalars(select(Registration).where(Registration.status == RegistrationStatus.REGISTERED)
                                .order_by(Registration.id)))
