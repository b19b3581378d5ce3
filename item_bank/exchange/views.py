"""The item-bank JSON API (``/api/v1/item-bank/…``), its OpenAPI document, QTI downloads and the
QTI import page.

The API uses the same sign-in as the pages (the session cookie). Requests that change something
(POST, PUT) must carry the CSRF token in an ``X-CSRFToken`` header; ``GET /api/v1/csrf-token``
gives a signed-in script its token.
"""
from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from flask import Blueprint, Response, abort, jsonify, render_template, request, url_for
from werkzeug.routing import BuildError
from flask_wtf.csrf import generate_csrf

from core import db
from core.clock import utcnow
from core.errors import ValidationFailed
from core.roles import Role
from core.web import current_actor, login_required, roles_required
from item_bank.authoring import services as authoring
from item_bank.exchange import services
from item_bank.exchange.forms import ImportForm
from item_bank.exchange.schemas import (AuthorCaseStudySchema, AuthorItemSchema, CandidateCaseStudySchema,
                                        CaseStudyInSchema, CaseStudySummarySchema, ItemInSchema, load)
from item_bank.item_types import ITEM_TYPES

bp = Blueprint("exchange", __name__)

OPENAPI_FILE = Path(__file__).with_name("openapi.json")
STAFF = services.STAFF_ROLES


@cache
def openapi_document() -> dict:
    return json.loads(OPENAPI_FILE.read_text(encoding="utf-8"))


def _body() -> dict:
    data = request.get_json(silent=True)
    if data is None:
        abort(400, description="Send a JSON object in the request body, with Content-Type: application/json.")
    return data


def _author_view(version, status: int = 200, **headers):
    return jsonify(AuthorCaseStudySchema().dump(version)), status, headers


# --- JSON API -------------------------------------------------------------------------------------


@bp.get("/api/v1/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/api/v1/csrf-token")
@login_required
def api_csrf_token():
    return jsonify({"csrf_token": generate_csrf(), "header": "X-CSRFToken"})


@bp.get("/api/v1/item-bank/case-studies")
@roles_required(*STAFF)
def api_case_studies():
    versions = services.list_case_studies(db.session(), actor=current_actor(), status=request.args.get("status"),
                                          theme=request.args.get("theme"))
    return jsonify({"case_studies": CaseStudySummarySchema(many=True).dump(versions)})


@bp.post("/api/v1/item-bank/case-studies")
@roles_required(Role.ITEM_WRITER)
def api_create_case_study():
    data = load(CaseStudyInSchema(), _body())
    version = authoring.create_case_study(db.session(), actor=current_actor(), title=data["title"],
                                          scenario_html=data["scenario_html"], now=utcnow())
    db.session().commit()
    return _author_view(version, 201, Location=url_for(".api_case_study", case_study_id=version.case_study_id))


@bp.get("/api/v1/item-bank/case-studies/<int:case_study_id>")
@roles_required(*STAFF)
def api_case_study(case_study_id: int):
    version = services.get_case_study_version(db.session(), actor=current_actor(), case_study_id=case_study_id,
                                              number=request.args.get("version", type=int))
    return _author_view(version)


@bp.put("/api/v1/item-bank/case-studies/<int:case_study_id>")
@roles_required(Role.ITEM_WRITER)
def api_update_case_study(case_study_id: int):
    data = load(CaseStudyInSchema(), _body())
    version = services.get_case_study_version(db.session(), actor=current_actor(), case_study_id=case_study_id)
    authoring.update_case_study(db.session(), actor=current_actor(), version_id=version.id, title=data["title"],
                                scenario_html=data["scenario_html"], now=utcnow())
    db.session().commit()
    return _author_view(version)


@bp.post("/api/v1/item-bank/case-studies/<int:case_study_id>/items")
@roles_required(Role.ITEM_WRITER)
def api_add_item(case_study_id: int):
    content = load(ItemInSchema(), _body())
    version = services.get_case_study_version(db.session(), actor=current_actor(), case_study_id=case_study_id)
    item_version = authoring.save_item(db.session(), actor=current_actor(), version_id=version.id, content=content,
                                       now=utcnow())
    db.session().commit()
    return jsonify(AuthorItemSchema().dump(item_version)), 201, {
        "Location": url_for(".api_case_study", case_study_id=case_study_id)}


@bp.put("/api/v1/item-bank/case-studies/<int:case_study_id>/items/<int:item_id>")
@roles_required(Role.ITEM_WRITER)
def api_replace_item(case_study_id: int, item_id: int):
    content = load(ItemInSchema(), _body())
    version = services.get_case_study_version(db.session(), actor=current_actor(), case_study_id=case_study_id)
    item_version = authoring.save_item(db.session(), actor=current_actor(), version_id=version.id, content=content,
                                       now=utcnow(), item_id=item_id)
    db.session().commit()
    return jsonify(AuthorItemSchema().dump(item_version))


@bp.get("/api/v1/item-bank/case-studies/<int:case_study_id>/preview")
@roles_required(*STAFF)
def api_preview(case_study_id: int):
    version = services.get_case_study_version(db.session(), actor=current_actor(), case_study_id=case_study_id,
                                              number=request.args.get("version", type=int))
    return jsonify(CandidateCaseStudySchema().dump(version))


# --- QTI downloads and import ---------------------------------------------------------------------


def _zip(export: services.Export) -> Response:
    return Response(export.data, mimetype="application/zip",
                    headers={"Content-Disposition": f'attachment; filename="{export.filename}"',
                             "Cache-Control": "no-store"})


@bp.get("/item-bank/case-studies/<int:case_study_id>/export.zip")
@roles_required(*services.EXPORT_ROLES)
def export_case_study(case_study_id: int):
    export = services.export_case_study(db.session(), actor=current_actor(), case_study_id=case_study_id,
                                        qti_version=request.args.get("qti", "3.0"),
                                        number=request.args.get("version", type=int), now=utcnow())
    db.session().commit()
    return _zip(export)


@bp.get("/item-bank/papers/<int:paper_id>/export.zip")
@roles_required(*services.EXPORT_ROLES)
def export_paper(paper_id: int):
    export = services.export_paper(db.session(), actor=current_actor(), paper_id=paper_id,
                                   qti_version=request.args.get("qti", "3.0"), now=utcnow())
    db.session().commit()
    return _zip(export)


@bp.route("/item-bank/import", methods=["GET", "POST"])
@roles_required(Role.ITEM_WRITER)
def import_page():
    form = ImportForm()
    outcome = None
    if form.validate_on_submit():
        try:
            outcome = services.import_qti(db.session(), actor=current_actor(), data=form.file.data.read(),
                                          now=utcnow())
        except ValidationFailed as error:
            form.file.errors = [*form.file.errors, *(p.message for p in error.problems)]
        else:
            db.session().commit()
    links = {c["id"]: _case_study_url(c["id"]) for c in outcome.case_studies} if outcome else {}
    labels = {name: item_type.label for name, item_type in ITEM_TYPES.items()}
    return render_template("exchange/import.html", form=form, outcome=outcome, links=links, labels=labels), \
        422 if form.errors else 200


def _case_study_url(case_study_id: int) -> str:
    """The authoring page of a case study (the JSON view where that page is not installed)."""
    try:
        return url_for("authoring.case_study", case_study_id=case_study_id)
    except BuildError:
        return url_for(".api_case_study", case_study_id=case_study_id)
