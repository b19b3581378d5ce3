"""Sign-up, sign-in, sign-out, password reset and the admin's user pages."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import login_user, logout_user

from core import db
from core.clock import utcnow
from core.errors import Conflict, ValidationFailed
from core.roles import Role
from core.web import (add_problems, client_address, current_actor, external_url, is_safe_next, login_required,
                      roles_required)
from assessment.accounts import services
from assessment.accounts.credentials import services as credentials
from assessment.accounts.forms import CaseManagerForm, ConfirmForm, ForgotPasswordForm, GrantRoleForm, LoginForm, RegisterForm, ResetPasswordForm

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
        db.session().commit()  # failed attempts are evidence too: keep them
        if result.ok:
            login_user(result.user)
            target = form.next.data
            return redirect(target if is_safe_next(target) else url_for("home.dashboard"))
        status = 429 if not result.decision.allowed else 401
        form.form_errors.append(result.decision.message or "Email address or password is incorrect")
    elif form.errors:
        status = 422
    return render_template("accounts/login.html", form=form), status


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    if ConfirmForm().validate_on_submit():
        # Ends this sign-in on the server too: a copy of the cookie stops working everywhere.
        services.sign_out(db.session(), actor=current_actor(), now=utcnow(), client_address=client_address())
        db.session().commit()
        logout_user()
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
                           case_manager_form=CaseManagerForm(prefix="register", obj=user)), \
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
