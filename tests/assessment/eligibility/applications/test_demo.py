"""The demo applicants: eight accounts, seven applications submitted with the engine's decision on
them, one draft; loading twice changes nothing."""
import os

from sqlalchemy import func, select

from assessment.eligibility.applications.demo import load_demo
from assessment.eligibility.models import Application, ApplicationStatus, ApplicationSubmission
from tests.assessment.eligibility.applications.builders import NOW


def test_demo_applications_load_once(db):
    first = load_demo(db, now=NOW, password="demo-password-1", hash_profile="fast",
                      upload_folder=os.environ["COP_UPLOAD_FOLDER"])
    assert len(first["created"]) == 8 and len(first["submitted"]) == 7 and len(first["draft"]) == 1
    statuses = {db.get(Application, i).status for i in first["submitted"]}
    assert statuses == {ApplicationStatus.SUBMITTED}
    assert db.get(Application, first["draft"][0]).status == ApplicationStatus.DRAFT
    decisions = [s.decision for s in db.scalars(select(ApplicationSubmission))]
    assert len(decisions) == 7 and any(d["eligible"] for d in decisions) and not all(d["eligible"] for d in decisions)
    again = load_demo(db, now=NOW, password=None, hash_profile="fast")
    assert again["created"] == [] and again["password"] is None
    assert sorted(again["submitted"]) == sorted(first["submitted"]) and again["draft"] == first["draft"]
    assert db.scalar(select(func.count(Application.id))) == 8
