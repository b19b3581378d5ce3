"""Invigilation media, served only through the app to the roles that need them, never from a public
address, never cached, and every view recorded (``queries.open_media``)."""
from __future__ import annotations

from flask import Blueprint, current_app, make_response

from core import db
from core.clock import utcnow
from core.errors import NotFound
from core.web import current_actor, roles_required
from proctoring.evidence.queries import EVIDENCE_ROLES, open_media
from proctoring.media import MediaMissing

bp = Blueprint("invigilation_evidence", __name__)


@bp.route("/invigilation/evidence/<int:event_id>")
@roles_required(*EVIDENCE_ROLES)
def media(event_id: int):
    session = db.session()
    row = open_media(session, actor=current_actor(), event_id=event_id, now=utcnow())
    try:
        data = current_app.extensions["cop.media"].get(row.media_key)
    except MediaMissing:
        raise NotFound("This evidence has been deleted under the retention schedule.") from None
    session.commit()  # the view is recorded only when the file is really sent
    response = make_response(data)
    response.headers["Content-Type"] = row.media_type or "application/octet-stream"
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    return response
