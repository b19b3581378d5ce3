"""The register's pages. Public (signed out works): the search and one entry, showing name, number,
status and since when, nothing else. The registrant: their own entry, CPD declarations, renewal. The
administrator: every entry, suspension, removal, restoration, fitness-to-practise outcomes. Views
parse, load, authorise, call one service, commit once.

The certificate verification page (``assessment.results.certificates``, a layer below) must not
import this package: this blueprint registers the template global ``register_entry_of`` when the
app registers it, and the verification template shows the holder's entry when the global is there."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from assessment.eligibility.register import queries, rules, services
from assessment.eligibility.register.forms import (ButtonForm, CpdForm, FitnessToPractiseForm, SearchForm,
                                                   StatusForm, WithdrawForm)
from assessment.results.certificates import queries as certificate_queries
from core import db
from core.clock import utcnow
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.roles import Role
from core.web import add_problems, current_actor, login_required, roles_required, send_sealed
from core.sealed import sealer_of

bp = Blueprint("register", __name__)


def _status(*forms) -> int:
    return 422 if any(f.errors or f.form_errors for f in forms) else 200


def _today():
    return queries.london_date(utcnow())


def _reminder_days() -> tuple[int, ...]:
    return rules.parse_days(current_app.config["RENEWAL_REMINDER_DAYS"])


def _categories() -> tuple[str, ...]:
    return rules.parse_list(current_app.config["RENEWAL_CPD_CATEGORIES"])


def _required_hours() -> float:
    return float(current_app.config["RENEWAL_CPD_HOURS"])


def _resit_days() -> int:
    return int(current_app.config["RESIT_AFTER_LAPSE_DAYS"])


@bp.app_template_global()
def register_entry_of(user_id: int) -> queries.PublicEntry | None:
    """The public register entry of a person, for the certificate verification page."""
    return queries.public_entry_of_person(db.session(), user_id, today=_today())


@bp.context_processor
def _helpers():
    return {"long_date": rules.long_date, "format_hours": rules.format_hours, "category_label": rules.category_label,
            "event_label": rules.event_label, "event_detail": rules.event_detail}


def _public(response_body, status: int = 200):
    response = current_app.make_response((response_body, status))
    response.headers["X-Robots-Tag"] = "noindex"  # names are for people who search, not for search engines
    return response


# ------------------------------------------------------------------------------------- public

@bp.get("/register/search")
def search():
    form = SearchForm(request.args)
    results, problem = None, None
    if "q" in request.args:
        problem = rules.query_problem(form.q.data or "")
        if problem is None and form.validate():
            results = queries.search(db.session(), form.q.data, page=request.args.get("page", 1, type=int),
                                     today=_today())
        elif problem:
            form.q.errors = [problem]
    status = 422 if form.q.errors else 200
    return _public(render_template("register/search.html", form=form, results=results), status)


@bp.get("/register/certificate/<code>")
def for_certificate(code: str):
    """From a certificate to its holder's entry on the register, if they have one."""
    session = db.session()
    try:
        certificate = certificate_queries.certificate_by_code(session, code)
    except NotFound:
        return _public(render_template("register/no_certificate.html"), 404)
    entry = queries.public_entry_of_person(session, certificate.candidate_id, today=_today())
    if entry is None:
        return _public(render_template("register/not_registered.html", code=certificate.code))
    return redirect(url_for("register.entry", number=entry.number))


@bp.get("/register/<number>")
def entry(number: str):
    found = queries.public_entry(db.session(), number, today=_today())
    if found.number != number:
        return redirect(url_for("register.entry", number=found.number))
    return _public(render_template("register/entry.html", entry=found))


# --------------------------------------------------------------------------------- registrant

def _mine(cpd_form=None, withdraw_form=None, renew_form=None):
    view = queries.my_registration(db.session(), current_actor().user_id, today=_today(),
                                   resit_after_lapse_days=_resit_days())
    cpd_form = cpd_form or CpdForm(categories=_categories(), prefix="cpd")
    renew_form = renew_form or ButtonForm(prefix="renew")
    renewal_problem = None
    if view is not None:
        renewal_problem = rules.renewal_problem(
            today=_today(), due_on=view.registration.renewal_due_on, reminder_days=_reminder_days(),
            hours=view.cpd_hours, required=_required_hours(),
            is_registered=view.status.value == "registered")
    return render_template("register/mine.html", view=view, cpd_form=cpd_form, renew_form=renew_form,
                           withdraw_form=withdraw_form or WithdrawForm(prefix="withdraw"),
                           required_hours=_required_hours(), renewal_problem=renewal_problem,
                           opens_on=view and rules.renewal_opens_on(view.registration.renewal_due_on,
                                                                    _reminder_days())), \
        _status(cpd_form, renew_form, *([withdraw_form] if withdraw_form else []))


@bp.get("/register/mine")
@login_required
def mine():
    return _mine()


@bp.post("/register/mine/cpd")
@login_required
def declare():
    form = CpdForm(categories=_categories(), prefix="cpd")
    if form.validate_on_submit():
        upload = form.evidence.data
        evidence = services.EvidenceFile(upload.filename or "", upload.read()) \
            if upload and getattr(upload, "filename", "") else None
        try:
            services.declare_cpd(db.session(), actor=current_actor(), activity_on=form.activity_on.data,
                                 category=form.category.data or "",
                                 hours=float(form.hours.data) if form.hours.data is not None else None,
                                 description=form.description.data or "", evidence=evidence,
                                 categories=_categories(), upload_folder=current_app.config["UPLOAD_FOLDER"], sealer=sealer_of(current_app.config),
                                 scan_command=current_app.config["VIRUS_SCAN_COMMAND"], now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("Your CPD activity is declared.", "success")
            return redirect(url_for("register.mine"))
    return _mine(cpd_form=form)


@bp.post("/register/mine/cpd/<int:declaration_id>/withdraw")
@login_required
def withdraw(declaration_id: int):
    form = WithdrawForm(prefix="withdraw")
    if form.validate_on_submit():
        try:
            services.withdraw_cpd(db.session(), actor=current_actor(), declaration_id=declaration_id,
                                  reason=form.reason.data or "", now=utcnow())
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("The CPD declaration is withdrawn: it no longer counts.", "success")
            return redirect(url_for("register.mine"))
    return _mine(withdraw_form=form)


@bp.post("/register/mine/renew")
@login_required
def renew():
    form = ButtonForm(prefix="renew")
    if form.validate_on_submit():
        try:
            registration = services.renew(db.session(), actor=current_actor(), required_hours=_required_hours(),
                                          reminder_days=_reminder_days(), resit_after_lapse_days=_resit_days(),
                                          now=utcnow())
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash(f"Your registration is renewed. Your next renewal date is "
                  f"{rules.long_date(registration.renewal_due_on)}.", "success")
            return redirect(url_for("register.mine"))
    return _mine(renew_form=form)


def _send_evidence(view: queries.RegistrationView, declaration_id: int):
    declaration = queries.declaration_of(view, declaration_id).row
    if not declaration.evidence_sha256:
        raise NotFound("This declaration has no evidence file.")
    path = services.evidence_path(current_app.config["UPLOAD_FOLDER"], declaration.evidence_sha256)
    return send_sealed(path, mimetype=declaration.evidence_content_type, filename=declaration.evidence_filename,
                       fallback="evidence")


@bp.get("/register/mine/cpd/<int:declaration_id>/evidence")
@login_required
def evidence(declaration_id: int):
    view = queries.my_registration(db.session(), current_actor().user_id, today=_today(),
                                   resit_after_lapse_days=_resit_days())
    if view is None:
        raise NotFound("You are not on the register.")
    return _send_evidence(view, declaration_id)


# ------------------------------------------------------------------------------ administrators

@bp.get("/register/manage")
@roles_required(Role.ADMIN)
def manage():
    status = request.args.get("status") or None
    if status not in (None, "registered", "lapsed", "suspended", "removed"):
        status = None
    return render_template("register/manage.html", rows=queries.all_registrations(db.session(), status),
                           status=status)


def _admin_view(number: str) -> queries.RegistrationView:
    return queries.registration_view(db.session(), number, today=_today(), resit_after_lapse_days=_resit_days())


def _manage_page(number: str, status_form=None, ftp_form=None):
    view = _admin_view(number)
    status_form, ftp_form = status_form or StatusForm(prefix="status"), ftp_form or FitnessToPractiseForm(prefix="ftp")
    return render_template("register/manage_entry.html", view=view, status_form=status_form, ftp_form=ftp_form,
                           required_hours=_required_hours()), _status(status_form, ftp_form)


@bp.get("/register/manage/<number>")
@roles_required(Role.ADMIN)
def manage_entry(number: str):
    return _manage_page(number)


@bp.post("/register/manage/<number>/status")
@roles_required(Role.ADMIN)
def change_status(number: str):
    view = _admin_view(number)
    form = StatusForm(prefix="status")
    if form.validate_on_submit():
        try:
            services.change_status(db.session(), actor=current_actor(), number=view.number, action=form.action.data,
                                   reason=form.reason.data or "", resit_after_lapse_days=_resit_days(), now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except (Conflict, Forbidden) as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash(f"Entry {view.number} is {services.ACTION_WORDS[form.action.data]}.", "success")
            return redirect(url_for("register.manage_entry", number=view.number))
    return _manage_page(view.number, status_form=form)


@bp.post("/register/manage/<number>/fitness-to-practise")
@roles_required(Role.ADMIN)
def fitness_to_practise(number: str):
    view = _admin_view(number)
    form = FitnessToPractiseForm(prefix="ftp")
    if form.validate_on_submit():
        try:
            services.record_fitness_to_practise(db.session(), actor=current_actor(), number=view.number,
                                                outcome=form.outcome.data or "",
                                                resit_required=bool(form.resit_required.data),
                                                reason=form.reason.data or "", now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except (Conflict, Forbidden) as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("The fitness-to-practise outcome is recorded and the registrant has been told.", "success")
            return redirect(url_for("register.manage_entry", number=view.number))
    return _manage_page(view.number, ftp_form=form)


@bp.get("/register/manage/<number>/cpd/<int:declaration_id>/evidence")
@roles_required(Role.ADMIN)
def admin_evidence(number: str, declaration_id: int):
    return _send_evidence(_admin_view(number), declaration_id)
