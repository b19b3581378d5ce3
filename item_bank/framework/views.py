"""The public framework page and API."""
from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request

from core import db
from core.errors import NotFound
from item_bank.framework import services
from item_bank.framework.schemas import FrameworkSchema

bp = Blueprint("framework", __name__)


@bp.route("/framework")
def framework_page():
    query = request.args.get("q", "").strip()
    try:
        version = services.get_framework(db.session(), request.args.get("version") or None)
    except NotFound as error:
        return render_template("framework/missing.html", message=error.message), 404
    hits = services.search(version, query) if query else None
    return render_template("framework/index.html", framework=version, query=query, hits=hits,
                           versions=services.list_versions(db.session()))


@bp.route("/api/v1/framework")
def framework_api():
    version = services.get_framework(db.session(), request.args.get("version") or None)
    response = jsonify(FrameworkSchema().dump(version))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
