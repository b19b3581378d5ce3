"""/account/sessions: where the person is signed in, and signing out of any of those places. Parse,
call one service, commit once."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for
from flask_login import current_user, logout_user

from core import db
from core.clock import utcnow
from core.errors import NotFound, ValidationFailed
from core.web import MAX_ID, add_problems, client_address, current_actor, login_required, signed_in_claim
from assessment.accounts import reauth
from assessment.accounts import services as accounts
from assessment.accounts.sign_ins import services
from assessment.accounts.sign_ins.forms import OTHERS, EndSignInForm

bp = Blueprint("sign_ins", __name__)


def _with_second_factor() -> bool:
    """Staff confirm their password and a code through the re-authentication flow; people who sign in
    with a password alone re-enter it on this page's form."""
    return current_user.is_authenticated and accounts.requires_second_factor(current_user)


def _page(form: EndSignInForm, status: int = 200):
    claim = signed_in_claim()
    rows = services.active_sign_ins(db.session(), actor=current_actor(), now=utcnow())
    return render_template("accounts/sign_ins.html", form=form, rows=rows, this_digest=claim[2] if claim else None,
                           asks_password=not _with_second_factor(),
                           fresh=reauth.is_fresh(current_user.id, utcnow())), status


def _confirm_page(form: EndSignInForm, status: int = 200):
    """The password page between a button on the list and the ending, for people without a second
    factor. It names what is about to end; someone else's sign-in is 404 here already."""
    target = None
    if form.sign_in.data != OTHERS:
        target = services.own_sign_in(db.session(), actor=current_actor(), sign_in_id=_sign_in_id(form))
    form.confirming.data = "yes"
    form.password.data = ""
    return render_template("accounts/sign_in_end.html", form=form, target=target,
                           this_digest=signed_in_claim()[2]), status


def _sign_in_id(form: EndSignInForm) -> int:
    sign_in_id = int(form.sign_in.data)
    if sign_in_id > MAX_ID:
        raise NotFound(services.NOT_FOUND)
    return sign_in_id


@bp.get("/account/sessions")
@login_required
def index():
    return _page(EndSignInForm())


@bp.post("/account/sessions/end")
@login_required
@reauth.fresh_reauthentication_required(back=lambda: url_for("sign_ins.index"), when=_with_second_factor)
def end():
    form = EndSignInForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    actor, now = current_actor(), utcnow()
    if form.sign_in.data != OTHERS:
        # Someone else's sign-in is a 404 before anything else happens (nothing written, no password
        # checked): the numbers of other people's sign-ins reveal nothing.
        services.own_sign_in(db.session(), actor=actor, sign_in_id=_sign_in_id(form))
    if not _with_second_factor():
        if not form.confirming.data:  # a button on the list: ask for the password first
            return _confirm_page(form)
        if not form.password.data:
            form.password.errors = [*form.password.errors, "Enter your password"]
            return _confirm_page(form, 422)
        try:
            services.confirm_password(db.session(), actor=actor, password=form.password.data, now=now,
                                      hash_profile=current_app.config["PASSWORD_HASH_PROFILE"],
                                      client_address=client_address(), throttle=current_app.config["LOGIN_THROTTLE"])
        except ValidationFailed as error:
            db.session().commit()  # a wrong password counts towards the lock-out: keep the record
            add_problems(form, error)
            return _confirm_page(form, 401)
        except accounts.RateLimited as error:
            db.session().commit()
            form.form_errors.append(error.message)
            return _confirm_page(form, 429)
    this_digest = signed_in_claim()[2]
    if form.sign_in.data == OTHERS:
        ended = services.end_other_sign_ins(db.session(), actor=actor, keep_digest=this_digest, now=now,
                                            client_address=client_address())
        db.session().commit()
        flash("You have signed out on every other device." if ended else "You were not signed in anywhere else.",
              "success")
        return redirect(url_for("sign_ins.index"))
    row = services.end_sign_in(db.session(), actor=actor, sign_in_id=_sign_in_id(form), now=now,
                               client_address=client_address())
    db.session().commit()
    if row.token_hash == this_digest:  # they chose this browser's own: that is signing out here
        logout_user()
        reauth.forget_reauthentication()
        flash("You have signed out.", "success")
        return redirect(url_for("home.index"))
    flash(f"You have signed out on {row.device}.", "success")
    return redirect(url_for("sign_ins.index"))
