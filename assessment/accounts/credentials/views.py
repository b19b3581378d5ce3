"""The person's own password page. Parse, call one service, commit once."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import login_user

from core import db
from core.clock import utcnow
from core.errors import ValidationFailed
from core.web import add_problems, client_address, current_actor, login_required
from assessment.accounts import services as accounts
from assessment.accounts.credentials import services
from assessment.accounts.credentials.forms import ChangePasswordForm

bp = Blueprint("credentials", __name__)


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():
    form = ChangePasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.change_password(
                db.session(), actor=current_actor(), current_password=form.current_password.data,
                new_password=form.new_password.data, now=utcnow(),
                hash_profile=current_app.config["PASSWORD_HASH_PROFILE"], client_address=client_address(),
                throttle=current_app.config["LOGIN_THROTTLE"])
        except ValidationFailed as error:
            db.session().commit()  # a wrong current password is a failed sign-in: keep the record
            add_problems(form, error)
            status = 422
        except accounts.RateLimited as error:
            db.session().commit()
            form.form_errors.append(error.message)
            status = 429
        else:
            db.session().commit()
            login_user(user)  # this browser carries on under the new session version; every other stops
            flash("Your password has been changed, and you have been signed out everywhere else.", "success")
            return redirect(url_for("home.dashboard"))
    elif form.errors:
        status = 422
    return render_template("accounts/change_password.html", form=form), status
