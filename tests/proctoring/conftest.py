"""Fixtures for invigilation tests: delivery's sittings and bookings, and an invigilated sitting."""
from __future__ import annotations

import pytest

from tests.assessment.delivery.conftest import booked_candidate, make_published_paper, make_sitting  # noqa: F401


@pytest.fixture
def invigilated_sitting(db, make_sitting):
    """A real (not practice) sitting that requires invigilation, open from T0 for eight hours."""
    sitting = make_sitting()
    sitting.requires_invigilation = True
    db.flush()
    return sitting
