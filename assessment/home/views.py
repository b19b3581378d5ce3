"""The front page, the signed-in landing page and the health check."""
from __future__ import annotations

from flask import Blueprint, flash, jsonify, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import text

from core import db
from core import notifications as notification_service
from core.clock import utcnow
from core.web import current_actor, login_required

bp = Blueprint("home", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("home.dashboard"))
    return render_template("home/index.html")


@bp.route("/dashboard")
@login_required
def dashboard():
    return render_template("home/dashboard.html", actor=current_actor())


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
