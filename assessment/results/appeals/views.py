"""Appeal pages. The candidate: their results and appeals, lodging one, following it. The
administrator: every appeal, appointing its panel, its evidence. A panel member: their appointments,
accepting or declaring a conflict, recording the outcome. Examiners: re-marks to record. Views parse,
load, authorise, call one service, commit once."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from assessment.results.appeals import queries, rules, services
from assessment.results.appeals.forms import AppealForm, OutcomeForm, PanelForm, RemarkForm, ResponseForm, WithdrawForm
from core import db
from core.clock import utcnow
from core.errors import Conflict, Forbidden, NotFound, ValidationFailed
from core.roles import Role
from core.web import add_problems, current_actor, login_required, roles_required, send_sealed
from core.sealed import sealer_of

bp = Blueprint("appeals", __name__)


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


def _window_days() -> int:
    return current_app.config["APPEAL_WINDOW_DAYS"]


@bp.context_processor
def _helpers():
    return {"Status": rules.Status, "Outcome": rules.Outcome, "window_days": _window_days()}


# ------------------------------------------------------------------------------------- candidates

@bp.route("/appeals")
@roles_required(Role.CANDIDATE)
def index():
    session, actor = db.session(), current_actor()
    return render_template("appeals/index.html",
                           results=queries.appealable_results(session, actor=actor, now=utcnow(),
                                                              window_days=_window_days()),
                           appeals=queries.my_appeals(session, actor=actor),
                           entitlements=queries.resit_entitlements(session, actor.user_id))


@bp.route("/appeals/results/<int:result_id>/appeal", methods=["GET", "POST"])
@roles_required(Role.CANDIDATE)
def new(result_id: int):
    found = queries.appealable_result(db.session(), actor=current_actor(), candidate_result_id=result_id, now=utcnow(),
                                      window_days=_window_days())
    form = AppealForm()
    if found.problem and request.method == "POST":
        form.form_errors.append(found.problem)  # the window closed, or an appeal is open: the form is gone
    elif form.validate_on_submit():
        files = [services.EvidenceFile(upload.filename or "", upload.read()) for upload in form.evidence.data or []
                 if upload and upload.filename]
        try:
            appeal = services.lodge_appeal(
                db.session(), actor=current_actor(), candidate_result_id=result_id, grounds=form.grounds.data or [],
                statement=form.statement.data or "", files=files, upload_folder=current_app.config["UPLOAD_FOLDER"], sealer=sealer_of(current_app.config),
                scan_command=current_app.config["VIRUS_SCAN_COMMAND"], window_days=_window_days(), now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("Your appeal has been sent. We will tell you here and in your notifications when the panel has "
                  "decided.", "success")
            return redirect(url_for("appeals.appeal", appeal_id=appeal.id))
    return render_template("appeals/new.html", found=found, form=form), _status(form)


def _own(appeal_id: int) -> queries.AppealView:
    view = queries.appeal_view(db.session(), appeal_id)
    if view.appeal.candidate_id != current_actor().user_id:
        raise NotFound("There is no such appeal.")
    return view


@bp.route("/appeals/<int:appeal_id>")
@roles_required(Role.CANDIDATE)
def appeal(appeal_id: int):
    return render_template("appeals/appeal.html", view=_own(appeal_id))


@bp.route("/appeals/<int:appeal_id>/withdraw", methods=["GET", "POST"])
@roles_required(Role.CANDIDATE)
def withdraw(appeal_id: int):
    view = _own(appeal_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            services.withdraw_appeal(db.session(), actor=current_actor(), appeal_id=appeal_id,
                                     reason=form.reason.data or "", now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("Your appeal is withdrawn. The panel has been told.", "success")
            return redirect(url_for("appeals.appeal", appeal_id=appeal_id))
    return render_template("appeals/withdraw.html", view=view, form=form), _status(form)


def _send(view: queries.AppealView, evidence_id: int):
    evidence = queries.evidence_file(view, evidence_id)
    path = services.evidence_path(current_app.config["UPLOAD_FOLDER"], evidence.sha256)
    return send_sealed(path, mimetype=evidence.content_type, filename=evidence.filename, fallback="evidence")


@bp.route("/appeals/<int:appeal_id>/evidence/<int:evidence_id>")
@roles_required(Role.CANDIDATE)
def evidence(appeal_id: int, evidence_id: int):
    return _send(_own(appeal_id), evidence_id)


# -------------------------------------------------------------------------------- administrators

@bp.route("/admin/appeals")
@roles_required(Role.ADMIN)
def admin_index():
    return render_template("appeals/admin_index.html", appeals=queries.all_appeals(db.session()))


def _admin_page(appeal_id: int, form: PanelForm | None = None):
    session = db.session()
    view = queries.appeal_view(session, appeal_id)
    form = form or PanelForm(people=queries.panel_choices(session))
    sources = queries.conflict_sources(session, view.appeal.attempt_id, appeal_id)
    return render_template("appeals/admin_appeal.html", view=view, form=form,
                           conflicted=queries.conflicted_people(session, sources),
                           entitlements=queries.resit_entitlements(session, view.appeal.candidate_id)), _status(form)


@bp.route("/admin/appeals/<int:appeal_id>")
@roles_required(Role.ADMIN)
def admin_appeal(appeal_id: int):
    return _admin_page(appeal_id)


@bp.route("/admin/appeals/<int:appeal_id>/panel", methods=["POST"])
@roles_required(Role.ADMIN)
def appoint(appeal_id: int):
    queries.appeal_view(db.session(), appeal_id)  # 404 first
    form = PanelForm(people=queries.panel_choices(db.session()))
    if form.validate_on_submit():
        try:
            services.appoint_panel(db.session(), actor=current_actor(), appeal_id=appeal_id,
                                   member_ids=[f.data for f in form.members], reasons=form.reasons.data or "",
                                   now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)  # a member's conflict beside them; the panel's make-up above the three
        except (Conflict, Forbidden) as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("Panel appointed. Each member has been asked to accept or declare a conflict.", "success")
            return redirect(url_for("appeals.admin_appeal", appeal_id=appeal_id))
    return _admin_page(appeal_id, form)


@bp.route("/admin/appeals/<int:appeal_id>/evidence/<int:evidence_id>")
@roles_required(Role.ADMIN)
def admin_evidence(appeal_id: int, evidence_id: int):
    return _send(queries.appeal_view(db.session(), appeal_id), evidence_id)


# ------------------------------------------------------------------------------ panel members

@bp.route("/panel")
@login_required
def panel_index():
    return render_template("appeals/panel_index.html", appeals=queries.my_panels(db.session(), actor=current_actor()))


def _member_view(appeal_id: int) -> queries.AppealView:
    view = queries.appeal_view(db.session(), appeal_id)
    if view.member_for(current_actor().user_id) is None:
        raise NotFound("There is no such appeal on your panels.")
    return view


def _panel_page(appeal_id: int, response_form=None, outcome_form=None):
    view = _member_view(appeal_id)
    response_form, outcome_form = response_form or ResponseForm(prefix="response"), outcome_form or OutcomeForm(
        prefix="outcome")
    status = 422 if any(f.errors or f.form_errors for f in (response_form, outcome_form)) else 200
    return render_template("appeals/panel_appeal.html", view=view, member=view.member_for(current_actor().user_id),
                           response_form=response_form, outcome_form=outcome_form), status


@bp.route("/panel/appeals/<int:appeal_id>")
@login_required
def panel_appeal(appeal_id: int):
    return _panel_page(appeal_id)


@bp.route("/panel/appeals/<int:appeal_id>/panel-evidence/<int:evidence_id>")
@login_required
def panel_evidence(appeal_id: int, evidence_id: int):
    return _send(_member_view(appeal_id), evidence_id)


@bp.route("/panel/appeals/<int:appeal_id>/response", methods=["POST"])
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
            return redirect(url_for("appeals.panel_appeal", appeal_id=appeal_id))
    return _panel_page(appeal_id, response_form=form)


@bp.route("/panel/appeals/<int:appeal_id>/outcome", methods=["POST"])
@login_required
def decide(appeal_id: int):
    _member_view(appeal_id)
    form = OutcomeForm(prefix="outcome")
    if form.validate_on_submit():
        try:
            services.record_outcome(db.session(), actor=current_actor(), appeal_id=appeal_id, outcome=form.outcome.data,
                                    reasons=form.reasons.data or "", now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("The panel's outcome is recorded and the candidate has been told.", "success")
            return redirect(url_for("appeals.panel_appeal", appeal_id=appeal_id))
    return _panel_page(appeal_id, outcome_form=form)


# ----------------------------------------------------------------------------------- examiners

@bp.route("/appeals/remarks")
@roles_required(Role.EXAMINER)
def remarks():
    return render_template("appeals/remarks.html", appeals=queries.remark_requests(db.session()))


def _remark_page(appeal_id: int, form: RemarkForm | None = None):
    session = db.session()
    view = queries.appeal_view(session, appeal_id)
    if view.outcome is None or view.outcome.outcome is not rules.Outcome.UPHELD_REMARK:
        raise NotFound("There is no such re-mark request.")
    form = form or RemarkForm()
    return render_template("appeals/remark.html", view=view, form=form,
                           progress=queries.remark_progress(session, appeal_id)), _status(form)


@bp.route("/appeals/remarks/<int:appeal_id>")
@roles_required(Role.EXAMINER)
def remark(appeal_id: int):
    return _remark_page(appeal_id)


@bp.route("/appeals/remarks/<int:appeal_id>", methods=["POST"])
@roles_required(Role.EXAMINER)
def record_remark(appeal_id: int):
    queries.appeal_view(db.session(), appeal_id)  # 404 first
    form = RemarkForm()
    if form.validate_on_submit():
        try:
            services.record_remark(db.session(), actor=current_actor(), appeal_id=appeal_id,
                                   reasons=form.reasons.data or "", now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except (Conflict, Forbidden) as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("The re-mark is recorded with its new scoring run, and the candidate has been told. Release the "
                  "results again on that run to carry the new result.", "success")
            return redirect(url_for("appeals.remarks"))
    return _remark_page(appeal_id, form)
