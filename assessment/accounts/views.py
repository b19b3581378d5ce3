"""Sign-up, sign-in (with the second factor for staff), sign-out, password reset, re-authentication and the admin's user pages."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from core import db
from core.clock import utcnow
from core.errors import Conflict, ValidationFailed
from core.roles import Role
from core.web import (add_problems, client_address, current_actor, external_url, is_safe_next, login_required,
                      roles_required, signed_in_claim)
from assessment.accounts import reauth, services, two_factor_services
from assessment.accounts.credentials import services as credentials
from assessment.accounts.forms import (CaseManagerForm, ConfirmForm, EnrolmentForm, ForgotPasswordForm, GrantRoleForm,
                                       LoginForm, ReauthenticateForm, RegisterForm, ResetPasswordForm,
                                       SecondFactorForm)

bp = Blueprint("accounts", __name__)


def _profile() -> str:
    return current_app.config["PASSWORD_HASH_PROFILE"]




@bp.route("/register", methods=["GET", "POST"])
def register():
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            sign_up = services.register_candidate(
                db.session(), email=form.email.data, full_name=form.full_name.data, password=form.password.data,
                now=utcnow(), secret_key=current_app.config["SECRET_KEY"], hash_profile=_profile(),
                client_address=client_address())
        except ValidationFailed as error:
            add_problems(form, error)
        except services.RateLimited as error:
            db.session().commit()  # the refusal's audit row, which raises the alert
            form.form_errors.append(error.message)
            return render_template("accounts/register.html", form=form), 429
        else:
            db.session().commit()
            _send_sign_up_mail(sign_up)
            # The same page whether or not the address has an account: only its mailbox learns which.
            return render_template("accounts/register_sent.html", email=sign_up.email)
    return render_template("accounts/register.html", form=form), 200 if not form.errors else 422


def _send_sign_up_mail(sign_up: services.SignUpRequest) -> None:
    """Mail delivery comes later; until then the operator reads the message from the log."""
    if sign_up.account_exists:
        current_app.logger.warning(
            "Sign-up notice for %s: someone tried to create an account with your email address. If it was you, "
            "you already have an account: sign in at %s or reset your password at %s. If it was not you, "
            "you need do nothing.", sign_up.email, external_url("accounts.login"),
            external_url("accounts.forgot_password"))
    else:
        current_app.logger.warning("Sign-up confirmation link for %s: %s", sign_up.email,
                                   external_url("accounts.confirm_sign_up", token=sign_up.token))


@bp.route("/register/confirm/<token>", methods=["GET", "POST"])
def confirm_sign_up(token: str):
    secret_key = current_app.config["SECRET_KEY"]
    form = ConfirmForm()
    try:
        pending = services.read_sign_up_link(db.session(), token=token, now=utcnow(), secret_key=secret_key)
        if form.validate_on_submit():
            user = services.confirm_sign_up(db.session(), token=token, now=utcnow(), secret_key=secret_key,
                                            client_address=client_address())
            db.session().commit()
            logout_user()  # whoever was signed in on this browser, the new account takes over
            login_user(user)
            flash("Your account has been created.", "success")
            return redirect(url_for("home.dashboard"))
    except services.SignUpLinkRefused as error:
        db.session().rollback()
        return render_template("accounts/sign_up_invalid.html", message=error.message,
                               already_used=error.already_used), 410
    return render_template("accounts/confirm_sign_up.html", pending=pending, form=form)


@bp.route("/login", methods=["GET", "POST"])
def login():
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 200
    if form.validate_on_submit():
        result = services.sign_in(db.session(), email=form.email.data, password=form.password.data, now=utcnow(),
                                  client_address=client_address(), hash_profile=_profile(),
                                  throttle=current_app.config["LOGIN_THROTTLE"])
        target = form.next.data if is_safe_next(form.next.data) else ""
        if result.ok and not result.needs_second_factor:
            # The sign-in's row (``sessions._on_login``) is committed with the attempt and its audit
            # entry: one transaction, not two, for every candidate of a start storm.
            login_user(result.user)
            db.session().commit()  # whatever ``login_user`` left, should it have signed nobody in
            return redirect(target or url_for("home.dashboard"))
        db.session().commit()  # failed attempts are evidence too: keep them
        if result.ok:
            # Half signed in: no session yet, only who and when, until the code is accepted.
            logout_user()
            reauth.forget_reauthentication()
            reauth.start_pending(result.user.id, result.user.session_version, target, utcnow())
            enrolled = two_factor_services.is_enrolled(db.session(), result.user.id)
            return redirect(url_for("accounts.second_factor" if enrolled else "accounts.enrol_second_factor"))
        status = 429 if not result.decision.allowed else 401
        form.form_errors.append(result.decision.message or "Email address or password is incorrect")
    elif form.errors:
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if ConfirmForm().validate_on_submit():
        # Ends this sign-in on the server too: a copy of the cookie stops working everywhere. The
        # person's other sign-ins carry on (the list of sign-ins ends those).
        services.sign_out(db.session(), actor=current_actor(), now=utcnow(), sign_in_digest=signed_in_claim()[2],
                          client_address=client_address())
        db.session().commit()
        logout_user()
        reauth.forget_reauthentication()
        flash("You have signed out.", "success")
    return redirect(url_for("home.index"))


@bp.route("/password/forgot", methods=["GET", "POST"])
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        token = services.request_password_reset(db.session(), email=form.email.data, now=utcnow(),
                                                ttl_s=current_app.config["PASSWORD_RESET_TTL_S"],
                                                client_address=client_address())
        db.session().commit()
        if token is not None:
            # Mail delivery comes later; until then the operator reads the link from the log.
            link = external_url("accounts.reset_password", token=token)
            current_app.logger.warning("Password reset link for %s: %s", form.email.data.strip().lower(), link)
        # The same answer whether or not the account exists.
        return render_template("accounts/forgot_sent.html")
    return render_template("accounts/forgot.html", form=form), 200 if not form.errors else 422


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    if services.valid_reset_token(db.session(), token, utcnow()) is None:
        return render_template("accounts/reset_invalid.html"), 410
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = services.reset_password(db.session(), token=token, new_password=form.password.data,
                                           now=utcnow(), hash_profile=_profile(), client_address=client_address())
            credentials.notify_sign_in_changed(db.session(), user=user, what="Your password was reset", now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            logout_user()
            flash("Your password has been changed. Sign in with your new password.", "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset.html", form=form), 200 if not form.errors else 422


@bp.route("/admin/users")
@roles_required(Role.ADMIN)
def admin_users():
    search = request.args.get("q", "")
    role_value = request.args.get("role", "")
    role = Role(role_value) if role_value in {r.value for r in Role} else None
    users = services.list_users(db.session(), actor=current_actor(), search=search, role=role)
    return render_template("accounts/admin_users.html", users=users, search=search, role=role, roles=list(Role))


@bp.route("/admin/users/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@reauth.fresh_reauthentication_required()
def admin_user(user_id: int):
    user = services.get_user(db.session(), user_id)
    form = GrantRoleForm()
    form.offer([r for r in Role if r not in user.roles])
    if form.validate_on_submit():
        try:
            services.grant_role(db.session(), actor=current_actor(), user_id=user.id, role=Role(form.role.data),
                                now=utcnow(), client_address=client_address())
        except Conflict as error:
            form.role.errors = [*form.role.errors, error.message]
        else:
            db.session().commit()
            flash(f"{Role(form.role.data).label} role granted to {user.email}.", "success")
            return redirect(url_for("accounts.admin_user", user_id=user.id))
    return render_template("accounts/admin_user.html", user=user, form=form, revoke_form=ConfirmForm(),
                           case_manager_form=CaseManagerForm(prefix="register", obj=user),
                           two_factor_enrolled=two_factor_services.is_enrolled(db.session(), user.id)), \
        200 if not form.errors else 422


@bp.route("/admin/users/<int:user_id>/case-manager", methods=["POST"])
@roles_required(Role.ADMIN)
def admin_case_manager(user_id: int):
    form = CaseManagerForm(prefix="register")
    if form.validate_on_submit():
        user = services.set_registered_case_manager(db.session(), actor=current_actor(), user_id=user_id,
                                                    is_registered=form.is_registered_case_manager.data, now=utcnow(),
                                                    client_address=client_address())
        db.session().commit()
        flash(f"{user.email} is {'now' if user.is_registered_case_manager else 'no longer'} marked as a registered "
              "case manager.", "success")
    return redirect(url_for("accounts.admin_user", user_id=user_id))


@bp.route("/admin/users/<int:user_id>/roles/<role>/revoke", methods=["POST"])
@roles_required(Role.ADMIN)
@reauth.fresh_reauthentication_required(back=lambda user_id, role: url_for("accounts.admin_user", user_id=user_id))
def admin_revoke_role(user_id: int, role: str):
    if role not in {r.value for r in Role}:
        return render_template("errors/404.html"), 404
    if ConfirmForm().validate_on_submit():
        try:
            user = services.revoke_role(db.session(), actor=current_actor(), user_id=user_id, role=Role(role),
                                        now=utcnow(), client_address=client_address())
        except Conflict as error:
            flash(error.message, "error")
        else:
            db.session().commit()
            flash(f"{Role(role).label} role removed from {user.email}.", "success")
    return redirect(url_for("accounts.admin_user", user_id=user_id))


# --- two-factor sign-in ----------------------------------------------------------------------------

TIMED_OUT = "Your sign-in timed out before the code was entered. Sign in again."


def _secret_key() -> str:
    return current_app.config["SECRET_KEY"]


def _pending_user():
    """The person half signed in on this browser, or None (then the caller sends them to sign in)."""
    pending = reauth.read_pending(utcnow())
    if pending is None:
        return None, None
    user = two_factor_services.pending_user(db.session(), pending.user_id, pending.session_version)
    if user is None:
        reauth.clear_pending()
    return pending, user


def _finish_sign_in(user, pending) -> None:
    reauth.clear_pending()
    logout_user()
    login_user(user)
    # Password and code have just been given: that is a re-authentication too.
    reauth.mark_reauthenticated(user.id, utcnow())


def _back_to_login():
    flash(TIMED_OUT, "info")
    return redirect(url_for("accounts.login"))


@bp.route("/login/two-factor", methods=["GET", "POST"])
def second_factor():
    pending, user = _pending_user()
    if user is None:
        return _back_to_login()
    if not two_factor_services.is_enrolled(db.session(), user.id):
        return redirect(url_for("accounts.enrol_second_factor"))
    form = SecondFactorForm()
    status = 200
    if form.validate_on_submit():
        result = two_factor_services.complete_sign_in(
            db.session(), user=user, code=form.code.data, now=utcnow(), secret_key=_secret_key(),
            client_address=client_address(), throttle=current_app.config["LOGIN_THROTTLE"])
        db.session().commit()  # wrong codes count, as wrong passwords do
        if result.ok:
            _finish_sign_in(user, pending)
            return redirect(pending.next or url_for("home.dashboard"))
        status = 429 if not result.sign_in.decision.allowed else 401
        form.code.errors = [*form.code.errors, result.message]
    elif form.errors:
        status = 422
    return render_template("accounts/second_factor.html", form=form), status


@bp.route("/login/two-factor/set-up", methods=["GET", "POST"])
def enrol_second_factor():
    pending, user = _pending_user()
    if user is None:
        return _back_to_login()
    if two_factor_services.is_enrolled(db.session(), user.id):
        return redirect(url_for("accounts.second_factor"))
    enrolment = two_factor_services.start_enrolment(db.session(), user=user, now=utcnow(), secret_key=_secret_key())
    db.session().commit()
    form = EnrolmentForm()
    status = 200
    if form.validate_on_submit():
        result = two_factor_services.confirm_enrolment(
            db.session(), user=user, code=form.code.data, now=utcnow(), secret_key=_secret_key(),
            client_address=client_address(), throttle=current_app.config["LOGIN_THROTTLE"])
        db.session().commit()
        if result.ok:
            _finish_sign_in(user, pending)
            # Shown this once: only their digests are kept.
            return render_template("accounts/recovery_codes.html", codes=result.recovery_codes, first_time=True,
                                   next_url=pending.next or url_for("home.dashboard"))
        status = 429 if not result.sign_in.decision.allowed else 401
        form.code.errors = [*form.code.errors, result.message]
    elif form.errors:
        status = 422
    return render_template("accounts/enrol_second_factor.html", form=form, enrolment=enrolment, user=user), status


@bp.route("/reauthenticate", methods=["GET", "POST"])
@login_required
def reauthenticate():
    form = ReauthenticateForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 200
    if form.validate_on_submit():
        actor = current_actor()
        try:
            result = two_factor_services.reauthenticate(
                db.session(), actor=actor, password=form.password.data, code=form.code.data, now=utcnow(),
                secret_key=_secret_key(), hash_profile=_profile(), client_address=client_address(),
                throttle=current_app.config["LOGIN_THROTTLE"])
        except Conflict as error:
            db.session().rollback()
            form.form_errors.append(error.message)
            return render_template("accounts/reauthenticate.html", form=form), 409
        db.session().commit()
        if result.ok:
            reauth.mark_reauthenticated(actor.user_id, utcnow())
            flash("Confirmed. You can go ahead for the next 10 minutes.", "success")
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("home.dashboard"))
        status = 429 if not result.decision.allowed else 401
        form.form_errors.append(result.message)
    elif form.errors:
        status = 422
    return render_template("accounts/reauthenticate.html", form=form), status


@bp.get("/account/two-factor")
@login_required
def two_factor_settings():
    actor = current_actor()
    return render_template("accounts/two_factor.html",
                           enrolled=two_factor_services.is_enrolled(db.session(), actor.user_id),
                           remaining=two_factor_services.remaining_recovery_codes(db.session(), actor.user_id),
                           form=ConfirmForm())


@bp.post("/account/two-factor/recovery-codes")
@login_required
@reauth.fresh_reauthentication_required(back=lambda: url_for("accounts.two_factor_settings"))
def regenerate_recovery_codes():
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("accounts.two_factor_settings"))
    try:
        codes = two_factor_services.regenerate_recovery_codes(db.session(), actor=current_actor(), now=utcnow(),
                                                              client_address=client_address())
    except Conflict as error:
        flash(error.message, "error")
        return redirect(url_for("accounts.two_factor_settings"))
    db.session().commit()
    return render_template("accounts/recovery_codes.html", codes=codes, first_time=False,
                           next_url=url_for("accounts.two_factor_settings"))


@bp.post("/admin/users/<int:user_id>/two-factor/reset")
@roles_required(Role.ADMIN)
@reauth.fresh_reauthentication_required(back=lambda user_id: url_for("accounts.admin_user", user_id=user_id))
def admin_reset_two_factor(user_id: int):
    if ConfirmForm().validate_on_submit():
        user = two_factor_services.reset_two_factor(db.session(), actor=current_actor(), user_id=user_id,
                                                    now=utcnow(), client_address=client_address())
        db.session().commit()
        flash(f"Two-factor sign-in is reset for {user.email}. Their sessions have ended; they set it up again "
              "when they next sign in.", "success")
    return redirect(url_for("accounts.admin_user", user_id=user_id))
