"""Pages of deciding applications. Assessors: the queue, an application with the judgements they may
read, recording a judgement and a discussion note. The applicant: appealing a refusal. Administrators:
appeals and their panels. Panel members: accepting or declaring a conflict, recording the outcome.
Views parse, load, authorise, call one service, commit once."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, url_for

from assessment.eligibility.applications import queries as application_queries
from assessment.eligibility.applications import services as application_services
from assessment.eligibility.applications import rules as application_rules
from assessment.eligibility.applications.rules import EVIDENCE_LABELS
from assessment.eligibility.decisions import queries, rules, services
from assessment.eligibility.decisions.forms import (AppealForm, DiscussionForm, JudgementForm, OutcomeForm,
                                                    PanelForm, ResponseForm)
from core import db
from core.clock import utcnow
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.roles import Role
from core.web import add_problems, current_actor, login_required, roles_required, send_sealed

bp = Blueprint("application_decisions", __name__)


def _status(*forms) -> int:
    return 422 if any(f.errors or f.form_errors for f in forms) else 200


def _mode() -> rules.Mode:
    ends = dt.date.fromisoformat(current_app.config["ELIGIBILITY_INITIAL_PERIOD_ENDS"])
    return rules.mode_on(utcnow().date(), ends)


def _deadline() -> dt.date:
    return dt.date.fromisoformat(current_app.config["CERTIFICATE_DEADLINE_FOR_EARLY_REGISTRANTS"])


@bp.context_processor
def _helpers():
    return {"ROLE_LABELS": application_rules.ROLE_LABELS, "CURRENT_ROLE_LABELS": application_rules.CURRENT_ROLE_LABELS,
            "EVIDENCE_LABELS": EVIDENCE_LABELS,
            "Stage": rules.Stage, "Kind": rules.Kind, "Mode": rules.Mode, "PanelStage": rules.PanelStage,
            "reason_sentence": rules.reason_sentence, "APPEAL_GROUND_LABELS": rules.APPEAL_GROUND_LABELS,
            "target_days": current_app.config["REGISTRATION_DECISION_TARGET_DAYS"]}


# ------------------------------------------------------------------------------------------- assessors

@bp.route("/assessing")
@roles_required(Role.ASSESSOR)
def queue():
    return render_template("application_decisions/queue.html", mode=_mode(), rows=queries.queue(
        db.session(), person_id=current_actor().user_id, mode=_mode(), now=utcnow(),
        target_days=current_app.config["REGISTRATION_DECISION_TARGET_DAYS"]))


def _application_page(application_id: int, form: JudgementForm | None = None,
                      discussion_form: DiscussionForm | None = None):
    actor = current_actor()
    view = queries.assessor_view(db.session(), application_id, person_id=actor.user_id, mode=_mode(), now=utcnow())
    if view.application.applicant_id == actor.user_id:
        raise NotFound("There is no such application.")  # an assessor never sees their own application here
    form = form or JudgementForm()
    if view.next_kind is not None:
        form.limit_to(view.next_kind)
    discussion_form = discussion_form or DiscussionForm(prefix="discussion")
    return render_template("application_decisions/application.html", view=view, form=form,
                           discussion_form=discussion_form, evidence_labels=EVIDENCE_LABELS,
                           documents=application_queries.documents(db.session(), application_id)
                           ), _status(form, discussion_form)


@bp.route("/assessing/applications/<int:application_id>")
@roles_required(Role.ASSESSOR)
def application(application_id: int):
    return _application_page(application_id)


@bp.route("/assessing/applications/<int:application_id>/documents/<int:document_id>")
@roles_required(Role.ASSESSOR)
def document(application_id: int, document_id: int):
    """A supporting document, for an assessor (never the applicant's own application: 404)."""
    session = db.session()
    if queries.application(session, application_id).applicant_id == current_actor().user_id:
        raise NotFound("There is no such application.")
    found = application_queries.document(session, application_id, document_id)
    path = application_services.document_path(current_app.config["UPLOAD_FOLDER"], found.sha256)
    return send_sealed(path, mimetype=found.content_type, filename=found.filename, fallback="document")


@bp.route("/assessing/applications/<int:application_id>/judgement", methods=["POST"])
@roles_required(Role.ASSESSOR)
def judge(application_id: int):
    queries.application(db.session(), application_id)  # 404 first
    form = JudgementForm()
    if form.validate_on_submit():
        try:
            services.record_judgement(db.session(), actor=current_actor(), application_id=application_id,
                                      recommendation=form.recommendation.data, reason_codes=form.reason_codes.data or [],
                                      notes=form.notes.data or "", request=form.request.data or "", mode=_mode(),
                                      now=utcnow(), certificate_deadline=_deadline())
        except ValidationFailed as error:
            add_problems(form, error)
        except (Conflict, Forbidden) as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("Your judgement is recorded.", "success")
            return redirect(url_for("application_decisions.application", application_id=application_id))
    return _application_page(application_id, form=form)


@bp.route("/assessing/applications/<int:application_id>/discussion", methods=["POST"])
@roles_required(Role.ASSESSOR)
def discuss(application_id: int):
    queries.application(db.session(), application_id)
    form = DiscussionForm(prefix="discussion")
    if form.validate_on_submit():
        try:
            services.add_discussion_note(db.session(), actor=current_actor(), application_id=application_id,
                                         note=form.note.data or "", mode=_mode(), now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except (Conflict, Forbidden) as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("Your note is recorded.", "success")
            return redirect(url_for("application_decisions.application", application_id=application_id))
    return _application_page(application_id, discussion_form=form)


# ------------------------------------------------------------------------------------------- applicants

@bp.route("/applications/<int:application_id>/appeal", methods=["GET", "POST"])
@login_required
def appeal(application_id: int):
    session, actor = db.session(), current_actor()
    app = queries.own_application(session, application_id, actor.user_id)
    refusal = next((e for e in reversed(queries.events(session, application_id)) if e.kind == "refused"), None)
    form = AppealForm()
    window_days = current_app.config["REGISTRATION_APPEAL_WINDOW_DAYS"]
    problem = queries.appeal_problem(session, app, utcnow(), window_days)
    if problem:
        if form.is_submitted():
            form.form_errors.append(problem)
    elif form.validate_on_submit():
        try:
            services.lodge_appeal(session, actor=actor, application_id=application_id,
                                  grounds=form.grounds.data or [], statement=form.statement.data or "",
                                  window_days=window_days, now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            session.commit()
            flash("Your appeal has been sent. We will tell you when the panel has decided.", "success")
            return redirect(url_for("application_decisions.appeal", application_id=application_id))
    return render_template("application_decisions/appeal_new.html", app=app, refusal=refusal, form=form,
                           appeals=queries.appeals_of(session, application_id),
                           window_days=window_days, problem=problem), _status(form)


# --------------------------------------------------------------------------------------- administrators

@bp.route("/registration-appeals")
@roles_required(Role.ADMIN)
def admin_index():
    return render_template("application_decisions/appeals_admin.html", appeals=queries.all_appeals(db.session()))


def _manage_page(appeal_id: int, form: PanelForm | None = None):
    session = db.session()
    view = queries.appeal_view(session, appeal_id)
    form = form or PanelForm(people=queries.panel_choices(session))
    return render_template("application_decisions/appeal_manage.html", view=view, form=form), _status(form)


@bp.route("/registration-appeals/<int:appeal_id>/manage")
@roles_required(Role.ADMIN)
def manage(appeal_id: int):
    return _manage_page(appeal_id)


@bp.route("/registration-appeals/<int:appeal_id>/panel", methods=["POST"])
@roles_required(Role.ADMIN)
def appoint(appeal_id: int):
    queries.appeal_view(db.session(), appeal_id)
    form = PanelForm(people=queries.panel_choices(db.session()))
    if form.validate_on_submit():
        try:
            services.appoint_panel(db.session(), actor=current_actor(), appeal_id=appeal_id,
                                   member_ids=[f.data for f in form.members], reasons=form.reasons.data or "",
                                   now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except (Conflict, Forbidden) as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("Panel appointed. Each member has been asked to accept or declare a conflict.", "success")
            return redirect(url_for("application_decisions.manage", appeal_id=appeal_id))
    return _manage_page(appeal_id, form)


# ---------------------------------------------------------------------------------------- panel members

@bp.route("/registration-appeals/mine")
@login_required
def panels():
    return render_template("application_decisions/panels.html",
                           appeals=queries.my_panels(db.session(), current_actor().user_id))


def _member_view(appeal_id: int) -> queries.AppealView:
    view = queries.appeal_view(db.session(), appeal_id)
    if view.member_for(current_actor().user_id) is None:
        raise NotFound("There is no such appeal on your panels.")
    return view


def _panel_page(appeal_id: int, response_form=None, outcome_form=None):
    view = _member_view(appeal_id)
    response_form = response_form or ResponseForm(prefix="response")
    outcome_form = outcome_form or OutcomeForm(prefix="outcome")
    session = db.session()
    return render_template("application_decisions/panel_appeal.html", view=view,
                           member=view.member_for(current_actor().user_id), response_form=response_form,
                           outcome_form=outcome_form,
                           submission=queries.latest_submission(session, view.application.id),
                           events=queries.events(session, view.application.id),
                           names=queries.names(session, [e.actor_id for e in queries.events(
                               session, view.application.id)])), _status(response_form, outcome_form)


@bp.route("/registration-appeals/<int:appeal_id>")
@login_required
def panel_appeal(appeal_id: int):
    return _panel_page(appeal_id)


@bp.route("/registration-appeals/<int:appeal_id>/response", methods=["POST"])
@login_required
def respond(appeal_id: int):
    _member_view(appeal_id)
    form = ResponseForm(prefix="response")
    if form.validate_on_submit():
        conflict = form.answer.data == "conflict"
        try:
            services.respond_to_appointment(db.session(), actor=current_actor(), appeal_id=appeal_id,
                                            has_conflict=conflict, statement=form.statement.data or "", now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("You have declared a conflict: the administrator will appoint another panel." if conflict
                  else "You have accepted your place on the panel.", "success")
            return redirect(url_for("application_decisions.panel_appeal", appeal_id=appeal_id))
    return _panel_page(appeal_id, response_form=form)


@bp.route("/registration-appeals/<int:appeal_id>/outcome", methods=["POST"])
@login_required
def decide(appeal_id: int):
    _member_view(appeal_id)
    form = OutcomeForm(prefix="outcome")
    if form.validate_on_submit():
        try:
            services.record_appeal_outcome(db.session(), actor=current_actor(), appeal_id=appeal_id,
                                           outcome=form.outcome.data, reasons=form.reasons.data or "", now=utcnow(),
                                           certificate_deadline=_deadline())
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("The panel's outcome is recorded and the applicant has been told.", "success")
            return redirect(url_for("application_decisions.panel_appeal", appeal_id=appeal_id))
    return _panel_page(appeal_id, outcome_form=form)
