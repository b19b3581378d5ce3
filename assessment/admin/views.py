"""The administrator's view of the audit log and of security alerts."""
from __future__ import annotations


from flask import Blueprint, render_template, request

from core import db
from core.roles import Role
from core.web import current_actor, roles_required
from assessment.admin import queries

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/audit")
@roles_required(Role.ADMIN)
def audit_log():
    filters = queries.AuditFilters.from_args(request.args)
    page = queries.audit_page(db.session(), actor=current_actor(), filters=filters)
    return render_template("admin/audit.html", page=page, filters=filters,
                           actions=queries.audit_actions(db.session()))


@bp.route("/security-alerts")
@roles_required(Role.ADMIN)
def security_alerts():
    from core.alerts import services as alerts

    settings = alerts.current_settings()
    return render_template("admin/security_alerts.html", alerts=alerts.recent(db.session(), actor=current_actor()),
                           settings=settings, limit=alerts.RECENT_LIMIT)

from assessment.admin import privacy_views  # noqa: E402,F401 - registers the personal-data pages on bp
