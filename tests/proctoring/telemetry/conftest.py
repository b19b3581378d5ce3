"""An invigilated attempt under way, its check-in approved, for a signed-in candidate."""
from __future__ import annotations

import io

import pytest
from PIL import Image

from core.roles import Role
from assessment.delivery import services as delivery
from tests.proctoring import helpers

DEVICE = "tab-one"


def jpeg(width=320, height=240, colour=(90, 120, 150), quality=60) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, "JPEG", quality=quality)
    return out.getvalue()


def approve_checkin(db, *, sitting, candidate, invigilator, now):
    """What the common rule asks of any test that starts an invigilated attempt (tests/proctoring/helpers.py)."""
    return helpers.approve_checkin(db, sitting.id, candidate.id, invigilator.id, now)


@pytest.fixture
def invigilated_attempt(db, framework, clock, login_as, make_user):
    from tests.assessment.delivery.player_data import SHORT, make_exam

    candidate = login_as(Role.CANDIDATE)
    sitting, _ = make_exam(db, items=SHORT, requires_invigilation=True, candidate=candidate, now=clock.now())
    approve_checkin(db, sitting=sitting, candidate=candidate, invigilator=make_user(Role.INVIGILATOR), now=clock.now())
    attempt = delivery.start_attempt(db, actor=candidate.actor, sitting_id=sitting.id, device_id=DEVICE,
                                     now=clock.now())
    db.flush()
    return attempt
