"""Admin pages for a person's data: a subject access export (a ZIP download) and erasure (after a
confirmation page). The rules and the writes are in ``assessment.privacy.services``."""
from __future__ import annotations

from flask import Response, current_app, render_template, request, url_for

from assessment.accounts.reauth import fresh_reauthentication_required

from assessment.accounts.models import User
from assessment.admin.forms import PrivacyRequestForm
from assessment.admin.views import bp
from assessment.privacy import services
from core import db
from core.clock import utcnow
from core.db import get_or_raise
from core.roles import Role
from core.web import current_actor, roles_required
from core.sealed import sealer_of


def _page(person: User, form=None, erase_form=None, status: int = 200):
    return render_template("admin/privacy.html", person=person, form=form or PrivacyRequestForm(prefix="export"),
                           erase_form=erase_form or PrivacyRequestForm(prefix="erase"),
                           blockers=services.erasure_blockers(db.session(), person)), status


@bp.route("/users/<int:user_id>/privacy")
@roles_required(Role.ADMIN)
def privacy(user_id: int):
    return _page(get_or_raise(db.session(), User, user_id, "There is no such account."))


@bp.route("/users/<int:user_id>/privacy/export", methods=["POST"])
@roles_required(Role.ADMIN)
@fresh_reauthentication_required(back=lambda user_id: url_for("admin.privacy", user_id=user_id))
def privacy_export(user_id: int):
    person = get_or_raise(db.session(), User, user_id, "There is no such account.")
    form = PrivacyRequestForm(prefix="export")
    if not form.validate_on_submit():
        return _page(person, form=form, status=422)
    export = services.export_person(db.session(), actor=current_actor(), user=person,
                                    requested_by=form.requested_by.data,
                                    upload_folder=current_app.config["UPLOAD_FOLDER"],
                                    sealer=sealer_of(current_app.config),
                                    media_store=current_app.extensions.get("cop.media"), now=utcnow())
    db.session().commit()
    return Response(export.data, mimetype="application/zip", headers={
        "Content-Disposition": f'attachment; filename="subject-access-{person.id}.zip"',
        "Cache-Control": "no-store"})


@bp.route("/users/<int:user_id>/privacy/erase", methods=["POST"])
@roles_required(Role.ADMIN)
@fresh_reauthentication_required(back=lambda user_id: url_for("admin.privacy", user_id=user_id),
                                 when=lambda: request.form.get("confirm") == "yes")
def privacy_erase(user_id: int):
    """The confirmation page (without ``confirm``) and the erasure itself (with it, after a fresh
    re-authentication)."""
    person = get_or_raise(db.session(), User, user_id, "There is no such account.")
    form = PrivacyRequestForm(prefix="erase")
    if not form.validate_on_submit():
        return _page(person, erase_form=form, status=422)
    if request.form.get("confirm") != "yes":
        return render_template("admin/privacy_erase.html", person=person, form=form,
                               blockers=services.erasure_blockers(db.session(), person))
    erasure = services.erase_person(db.session(), actor=current_actor(), user=person,
                                    requested_by=form.requested_by.data,
                                    upload_folder=current_app.config["UPLOAD_FOLDER"],
                                    media_store=current_app.extensions.get("cop.media"),
                                    retention_config=current_app.config, now=utcnow())
    db.session().commit()
    return render_template("admin/privacy_erased.html", person=person, erasure=erasure)
