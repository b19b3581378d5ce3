"""Application pages for anyone signed in: their applications, the form (save and come back, check,
add or remove a role, upload documents, submit), the JSON check the page's script calls, the status
page and withdrawal. Views parse, load, call one service, commit once."""
from __future__ import annotations

from flask import (Blueprint, abort, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)

from assessment.eligibility.applications import queries, rules, services
from assessment.eligibility.applications.forms import ApplicationForm, StartForm, WithdrawForm, draft_from_form
from assessment.eligibility.models import ApplicationStatus
from core import db
from core.clock import utcnow
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.web import current_actor, login_required, send_sealed
from core.sealed import sealer_of

bp = Blueprint("applications", __name__)


def _settings() -> services.Settings:
    return services.Settings.from_config(current_app.config)


@bp.context_processor
def _helpers():
    return {"ROLE_LABELS": rules.ROLE_LABELS, "CURRENT_ROLE_LABELS": rules.CURRENT_ROLE_LABELS,
            "EVIDENCE_LABELS": rules.EVIDENCE_LABELS, "REGULATOR_LABELS": rules.REGULATOR_LABELS,
            "ApplicationStatus": ApplicationStatus, "band_sentence": services.band_sentence}


@bp.route("/applications")
@login_required
def index():
    session, actor = db.session(), current_actor()
    return render_template("applications/index.html", applications=queries.my_applications(session, actor),
                           open_application=queries.open_application(session, actor.user_id), form=StartForm(),
                           registration=queries.registration_of(session, actor.user_id))


@bp.route("/applications/new", methods=["POST"])
@login_required
def start():
    form = StartForm()
    if not form.validate_on_submit():
        abort(400)
    application = services.start_application(db.session(), actor=current_actor(), now=utcnow())
    db.session().commit()
    return redirect(url_for("applications.edit", application_id=application.id))


def _number_in(action: str) -> int:
    """The number at the end of a button's value ("remove-role-2" → 2); -1 when there is none."""
    tail = action.rpartition("-")[2]
    return int(tail) if tail.isdigit() and len(tail) < 10 else -1


def _page(application, form: ApplicationForm, *, problems=(), status: int = 200, draft: dict | None = None):
    session = db.session()
    found = services.check_draft(session, application=application, draft=draft, settings=_settings(), now=utcnow())
    errors: dict[str, list[str]] = {}
    for problem in problems:
        errors.setdefault(problem.field, []).append(problem.message)
    page = queries.status_page(session, current_actor(), application.id)
    return render_template("applications/edit.html", application=application, form=form, check=found,
                           errors=errors, problems=list(problems), requests=page.requests,
                           documents=queries.documents(session, application.id)), status


@bp.route("/applications/<int:application_id>/edit", methods=["GET", "POST"])
@login_required
def edit(application_id: int):
    session, actor = db.session(), current_actor()
    application = queries.own_application(session, actor, application_id)
    if application.status not in queries.EDITABLE:
        return redirect(url_for("applications.status", application_id=application.id))
    if request.method == "GET":
        return _page(application, ApplicationForm(formdata=None, data=rules.normalise(application.draft)))
    form = ApplicationForm()
    if not form.validate_on_submit():  # only the CSRF token can fail here
        return _page(application, form, problems=[rules.Problem("roles-0-role", "The form expired: try again")],
                     status=400)
    draft = draft_from_form(form)
    action = request.form.get("action", "save")
    anchor = None
    if action == "add":
        if len(draft["roles"]) < rules.MAX_ROLES:
            draft["roles"].append(rules.empty_role())
        anchor = f"roles-{len(draft['roles']) - 1}-role"
    elif action.startswith("remove-role-"):
        index = _number_in(action)
        if 0 <= index < len(draft["roles"]):
            del draft["roles"][index]
        anchor = "roles"
    elif action == "check":
        anchor = "eligibility"
    upload = form.document.data
    try:
        if action.startswith("remove-document-"):
            services.save_draft(session, actor=actor, application_id=application.id, draft=draft, now=utcnow())
            services.remove_document(session, actor=actor, application_id=application.id,
                                     document_id=_number_in(action), now=utcnow())
            anchor = "documents"
        else:
            services.save_draft(session, actor=actor, application_id=application.id, draft=draft, now=utcnow())
            if action == "upload" or (upload and upload.filename):  # "Upload" with no file says so
                services.add_document(session, actor=actor, application_id=application.id,
                                      kind=form.document_kind.data or "", now=utcnow(),
                                      upload=services.UploadedFile(upload.filename or "", upload.read())
                                      if upload else services.UploadedFile("", b""),
                                      upload_folder=current_app.config["UPLOAD_FOLDER"], sealer=sealer_of(current_app.config),
                                      scan_command=current_app.config["VIRUS_SCAN_COMMAND"])
                anchor = "documents"
    except ValidationFailed as error:
        session.rollback()
        application = queries.own_application(session, actor, application_id)
        problems = [rules.Problem("document" if p.field == "file" else
                                  "document_kind" if p.field == "kind" else p.field, p.message)
                    for p in error.problems]
        return _page(application, form, problems=problems, status=422, draft=draft)
    except (Conflict, NotFound) as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("applications.edit", application_id=application_id))
    session.commit()
    if action == "save":
        flash("Your application is saved. You can come back to it at any time.", "success")
    return redirect(url_for("applications.edit", application_id=application.id) + (f"#{anchor}" if anchor else ""))


@bp.route("/applications/<int:application_id>/submit", methods=["POST"])
@login_required
def submit(application_id: int):
    """Submit the form as posted: saved and submitted together, or nothing written and every problem
    shown beside its field."""
    session, actor = db.session(), current_actor()
    application = queries.own_application(session, actor, application_id)
    if application.status not in queries.EDITABLE:
        return redirect(url_for("applications.status", application_id=application.id))
    form = ApplicationForm()
    if not form.validate_on_submit():
        return _page(application, form, problems=[rules.Problem("roles-0-role", "The form expired: try again")],
                     status=400)
    draft = draft_from_form(form)
    try:
        services.save_draft(session, actor=actor, application_id=application.id, draft=draft, now=utcnow())
        services.submit(session, actor=actor, application_id=application.id, settings=_settings(), now=utcnow(),
                        response=form.response.data or "", base_url=current_app.config.get("BASE_URL", ""))
    except ValidationFailed as error:
        session.rollback()  # nothing written, not even the draft
        application = queries.own_application(session, actor, application_id)
        problems = [rules.Problem(p.field, p.message) for p in error.problems]
        return _page(application, form, problems=problems, status=422, draft=draft)
    except (Conflict, Forbidden) as error:
        session.rollback()
        flash(error.message, "error")
        return redirect(url_for("applications.status", application_id=application_id))
    session.commit()
    flash("Your application has been submitted. We have sent you an e-mail to say we received it.", "success")
    return redirect(url_for("applications.status", application_id=application_id))


@bp.route("/applications/<int:application_id>/check", methods=["GET", "POST"])
@login_required
def check(application_id: int):
    """The engine's decision on the draft as JSON: the saved draft (GET) or the form as typed (POST,
    nothing saved)."""
    session = db.session()
    application = queries.own_application(session, current_actor(), application_id)
    draft = None
    if request.method == "POST":
        form = ApplicationForm()
        if not form.validate_on_submit():
            return jsonify({"error": "The form expired: reload the page."}), 400
        draft = draft_from_form(form)
    found = services.check_draft(session, application=application, draft=draft, settings=_settings(), now=utcnow())
    # ``html``: the same summary the page renders, for the page's script to put in place.
    return jsonify({**found.as_json(), "html": render_template("applications/_decision.html", check=found)})


@bp.route("/applications/<int:application_id>")
@login_required
def status(application_id: int):
    page = queries.status_page(db.session(), current_actor(), application_id)
    return render_template("applications/status.html", page=page)


@bp.route("/applications/<int:application_id>/documents/<int:document_id>")
@login_required
def document(application_id: int, document_id: int):
    session = db.session()
    application = queries.own_application(session, current_actor(), application_id)
    found = queries.document(session, application.id, document_id)
    path = services.document_path(current_app.config["UPLOAD_FOLDER"], found.sha256)
    return send_sealed(path, mimetype=found.content_type, filename=found.filename, fallback="document")


@bp.route("/applications/<int:application_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(application_id: int):
    session, actor = db.session(), current_actor()
    application = queries.own_application(session, actor, application_id)
    form = WithdrawForm()
    if application.status not in queries.WITHDRAWABLE:
        flash("This application can no longer be withdrawn.", "error")
        return redirect(url_for("applications.status", application_id=application.id))
    if form.validate_on_submit():
        if not form.confirm.data:
            form.confirm.errors = ["Tick to confirm that you want to withdraw"]
        else:
            try:
                services.withdraw(session, actor=actor, application_id=application.id, reason=form.reason.data or "",
                                  now=utcnow())
            except Conflict as error:
                form.form_errors.append(error.message)
            else:
                session.commit()
                flash("Your application has been withdrawn.", "success")
                return redirect(url_for("applications.status", application_id=application.id))
    failed = bool(form.errors or form.form_errors)
    return render_template("applications/withdraw.html", application=application, form=form), 422 if failed else 200
