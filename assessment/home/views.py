"""The front page, the signed-in landing page and the health check."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from core import db
from core import notifications as notification_service
from core.clock import utcnow
from core.roles import Role
from core.web import current_actor, login_required
from assessment.delivery.staff.queries import STATUS_LABELS
from assessment.home.dashboard import candidate_dashboard

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    return render_template("home/index.html")


@bp.route("/dashboard")
@login_required
def dashboard():
    """Each role's part links only to pages that exist; a candidate's shows their own bookings,
    adjustment decisions and next steps."""
    actor = current_actor()
    candidate = candidate_dashboard(db.session(), actor=actor, now=utcnow()) if actor.has(Role.CANDIDATE) else None
    return render_template("home/dashboard.html", actor=actor, candidate=candidate, status_labels=STATUS_LABELS)


@bp.route("/healthz")
def healthz():
    db.session().execute(text("SELECT 1"))
    return jsonify({"status": "ok"})


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications():
    from assessment.accounts.forms import ConfirmForm

    form = ConfirmForm()
    user_id = current_actor().user_id
    if form.validate_on_submit():
        notification_service.mark_all_read(db.session(), user_id, utcnow())
        db.session().commit()
        flash("All notifications marked as read.", "success")
        return redirect(url_for("home.notifications"))
    return render_template("home/notifications.html", notes=notification_service.for_user(db.session(), user_id), form=form)
