"""The demo's check-in waiting for a person: one simulated candidate of the demo is booked on the
invigilated sitting, has consented, taken their photos (drawn pictures, no real person), confirmed
the rules and sent the check-in, so the invigilator's queue has someone to review. Everything goes
through the real services; skipped when that candidate already has a check-in there."""
from __future__ import annotations

import datetime as dt
import io

from sqlalchemy import select
from sqlalchemy.orm import Session

from proctoring.media import MediaStore

WAITING_CANDIDATE = "simulated.candidate.001@example.org"


def _drawing(label: str, colour: tuple[int, int, int]) -> bytes:
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (320, 240), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 300, 220), outline=(255, 255, 255), width=4)
    draw.text((40, 110), f"Demo picture: {label}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=80)
    return out.getvalue()


def load_waiting_checkin(session: Session, *, now: dt.datetime, sitting_title: str, store: MediaStore) -> bool:
    """Book the demo's simulated candidate 001 on ``sitting_title`` and send their check-in. Returns
    whether it was added (not when the sitting or the candidate is missing, or it exists)."""
    from assessment.accounts.services import find_user_by_email
    from assessment.delivery.models import Booking, Sitting
    from proctoring import log
    from proctoring.checkin import services
    from proctoring.checkin.rules import Step

    sitting = session.scalar(select(Sitting).where(Sitting.title == sitting_title))
    candidate = find_user_by_email(session, WAITING_CANDIDATE)
    if sitting is None or candidate is None or log.invigilation_for(
            session, sitting_id=sitting.id, candidate_id=candidate.id, now=now, create=False) is not None:
        return False
    session.add(Booking(sitting_id=sitting.id, candidate_id=candidate.id, booked_at=now - dt.timedelta(days=5)))
    session.flush()
    actor = candidate.actor
    services.give_consent(session, actor=actor, sitting_id=sitting.id, now=now - dt.timedelta(days=5))
    at = now - dt.timedelta(minutes=12)
    pictures = [(Step.PHOTO, "the candidate", (40, 70, 110)), (Step.ID_PHOTO, "photo ID", (90, 60, 30)),
                *((Step.ROOM_SCAN, f"room, part {n}", (50, 90, 60)) for n in (1, 2, 3))]
    for n, (step, label, colour) in enumerate(pictures):
        services.add_picture(session, actor=actor, sitting_id=sitting.id, step=step, data=_drawing(label, colour),
                             store=store, now=at + dt.timedelta(seconds=20 * n))
    services.acknowledge_rules(session, actor=actor, sitting_id=sitting.id, now=at + dt.timedelta(minutes=2))
    services.submit(session, actor=actor, sitting_id=sitting.id, now=at + dt.timedelta(minutes=2, seconds=10))
    return True
