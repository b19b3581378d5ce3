"""Routes of applications to the register. Anyone signed in may apply and sees only their own
applications: another person's application is not found (its existence is not confirmed)."""
from tests.routes import SIGNED_IN, Route
from tests import uploads_data
from tests.uploads_data import evidence_sealer

ROUTES = {
    "applications.index": Route("/applications", SIGNED_IN),
    # Starting makes (or finds) the visitor's own draft and goes to its form.
    "applications.start": Route("/applications/new", SIGNED_IN, method="POST", ok=302),
    "applications.status": Route("/applications/{application_id}", SIGNED_IN, ok=404),
    "applications.edit": Route("/applications/{application_id}/edit", SIGNED_IN, ok=404),
    "applications.check": Route("/applications/{application_id}/check", SIGNED_IN, ok=404),
    "applications.submit": Route("/applications/{application_id}/submit", SIGNED_IN, method="POST", ok=404),
    "applications.withdraw": Route("/applications/{application_id}/withdraw", SIGNED_IN, ok=404),
    "applications.document": Route("/applications/{application_id}/documents/{application_document_id}",
                                   SIGNED_IN, ok=404),
}


def build_context(db, make_user, framework):
    """Someone's draft with one document: every visitor is someone else."""
    import datetime as dt
    import os

    from assessment.eligibility.applications import services

    now = dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
    owner = make_user(name="Ann Applicant")
    application = services.start_application(db, actor=owner.actor, now=now)
    document = services.add_document(db, actor=owner.actor, application_id=application.id, kind="other",
                                     upload=services.UploadedFile("cv.pdf", uploads_data.pdf("A CV")),
                                     upload_folder=os.environ["COP_UPLOAD_FOLDER"], sealer=evidence_sealer(), scan_command=None, now=now)
    return {"application_id": application.id, "application_document_id": document.id}
