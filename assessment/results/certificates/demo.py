"""Demo certificates: issued for the demo sitting's release, as the release service would.

``load_demo_certificates`` is called after the results demo has released the finished demo sitting.
Loading twice changes nothing (``issue_for_release`` is idempotent). No PDF is made here: each is
rendered on first need (or by ``cop certificates render --pending``), so loading the demo stays quick."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from assessment.accounts import services as accounts
from assessment.results.certificates import services
from assessment.results.certificates.models import Certificate
from assessment.results.models import ResultRelease
from core.roles import SYSTEM

DEMO_EXAMINER = "examiner@example.org"


def current_release(session: Session, sitting_id: int | None = None) -> ResultRelease | None:
    """The newest release (of the sitting, when given) that no later release supersedes."""
    superseded = select(ResultRelease.supersedes_id).where(ResultRelease.supersedes_id.is_not(None))
    query = select(ResultRelease).where(ResultRelease.id.not_in(superseded))
    if sitting_id is not None:
        query = query.where(ResultRelease.sitting_id == sitting_id)
    return session.scalar(query.order_by(ResultRelease.id.desc()).limit(1))


def load_demo_certificates(session: Session, *, now: dt.datetime, sitting_id: int | None = None,
                           issuer=None) -> list[Certificate]:
    """Certificates for every pass of the demo release (the newest current release when no sitting
    is named), issued by the demo examiner. Returns them; an empty list when nothing is released."""
    release = current_release(session, sitting_id)
    if release is None:
        return []
    examiner = accounts.find_user_by_email(session, DEMO_EXAMINER)
    actor = examiner.actor if examiner is not None else SYSTEM
    return services.issue_for_release(session, release, actor, now, issuer=issuer)
