"""Drafts and settings for the application tests."""
from __future__ import annotations

import copy
import datetime as dt

from assessment.eligibility.applications import rules
from assessment.eligibility.applications.services import Settings
from tests import uploads_data

NOW = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)  # the clock fixture's instant
TODAY = NOW.date()
BANDS = rules.parse_bands("15:2026-11-01,10:2027-01-04,5:2027-03-01,0:2027-05-04")
SETTINGS = Settings(certificate_available_from=dt.date(2027, 9, 1), bands=BANDS)
AFTER_CERTIFICATE = Settings(certificate_available_from=dt.date(2026, 1, 1), bands=BANDS)
PDF = uploads_data.pdf("Proof of membership")


def role(**values) -> dict:
    base = rules.empty_role()
    base.update(values)
    return base


def complete_draft(**values) -> dict:
    """Sixteen years full time as a case manager, current, in the UK, a BABICM member, every
    declaration made: complete, eligible, and in the first band."""
    draft = {"roles": [role(role="cm", title="Case manager, Acme Rehab", start="2010-09-01", current=True,
                            fte="1", country="UK")],
             "current_role": "cm", "uk_share": "100", "member": "BABICM", "membership_number": "B123",
             "competent": True, "standards": True, "uk_practice": True}
    draft.update(copy.deepcopy(values))
    return draft
