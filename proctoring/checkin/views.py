"""Pages before the day and at check-in: the privacy notice and consent, the system check, the
candidate's check-in, and the queue where an invigilator checks photo against ID. Views parse,
load, authorise, call one service, commit once, and render or redirect.

Delivery's templates show where a candidate's check-in stands without importing this package: this
blueprint registers the template global ``invigilation_checkin_of`` (used when it is defined)."""
from __future__ import annotations

import os

from flask import Blueprint, current_app, flash, jsonify, redirect, render_template, request, url_for

from core import db
from core.clock import utcnow
from core.errors import Conflict, ValidationFailed
from core.roles import Role
from core.web import add_problems, current_actor, login_required, roles_required
from proctoring.checkin import queries, rules, services
from proctoring.checkin.forms import ButtonForm, ConsentForm, HelpForm, PictureForm, RejectForm, RulesForm, WaiveForm
from proctoring.checkin.rules import Step
from proctoring.media import MediaUnavailable

bp = Blueprint("invigilation_checkin", __name__)
STAFF = queries.STAFF_ROLES
STEPS = "any(photo,id_photo,room_scan)"
SPEED_TEST_BYTES = 512 * 1024
"""The payload the system check downloads (and at most what it may upload) to time the connection."""
_SPEED_PAYLOAD = os.urandom(SPEED_TEST_BYTES)  # random, so no proxy can compress it away


@bp.app_template_global()
def invigilation_checkin_of(sitting) -> rules.CheckinState | None:
    """The signed-in candidate's check-in for a sitting (None when the sitting has none)."""
    actor = current_actor()
    if actor.user_id is None or not actor.has(Role.CANDIDATE):
        return None
    return queries.candidate_status(db.session(), sitting=sitting, candidate_id=actor.user_id)


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _retention() -> dict:
    config = current_app.config
    return {"appeal_days": config["APPEAL_WINDOW_DAYS"],
            "after_days": config["INVIGILATION_RETENTION_DAYS_AFTER_APPEALS"],
            "snapshot_s": config["INVIGILATION_SNAPSHOT_INTERVAL_S"],
            "heartbeat_s": config["INVIGILATION_HEARTBEAT_INTERVAL_S"]}


# ------------------------------------------------------------------------------ consent (booking)

@bp.route("/invigilation/sittings/<int:sitting_id>/consent", methods=["GET", "POST"])
@roles_required(Role.CANDIDATE)
def consent(sitting_id: int):
    """The privacy notice of remote invigilation, read when booking (never minutes before the exam)."""
    session = db.session()
    sitting = queries.candidates_sitting(session, current_actor(), sitting_id)
    form = ConsentForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            try:
                services.give_consent(session, actor=current_actor(), sitting_id=sitting.id, now=utcnow())
            except Conflict as error:
                form.form_errors.append(error.message)
                status = 409
            else:
                session.commit()
                flash("Thank you: your consent is recorded. You can withdraw it on this page at any time before "
                      "the exam.", "success")
                return redirect(url_for("invigilation_checkin.consent", sitting_id=sitting.id))
    state = queries.state_of(session, sitting_id=sitting.id, candidate_id=current_actor().user_id)
    return render_template("invigilation/checkin/consent.html", sitting=sitting, state=state, form=form,
                           withdraw_form=ButtonForm(), retention=_retention()), status


@bp.route("/invigilation/sittings/<int:sitting_id>/consent/withdraw", methods=["POST"])
@roles_required(Role.CANDIDATE)
def withdraw_consent(sitting_id: int):
    session = db.session()
    if ButtonForm().validate_on_submit():
        try:
            services.withdraw_consent(session, actor=current_actor(), sitting_id=sitting_id, now=utcnow())
        except Conflict as error:
            flash(error.message, "error")
        else:
            session.commit()
            flash("Your consent is withdrawn. The exam cannot start with remote invigilation unless you give it "
                  "again; contact the exams team to arrange an in-person or adjusted sitting.", "success")
    return redirect(url_for("invigilation_checkin.consent", sitting_id=sitting_id))


# ---------------------------------------------------------------------------------- system check

@bp.get("/invigilation/system-check")
@login_required
def system_check():
    """Browser features, camera and microphone, connection speed and storage: run any time."""
    return render_template("invigilation/checkin/system_check.html", speed_bytes=SPEED_TEST_BYTES)


@bp.get("/invigilation/system-check/download")
@login_required
def speed_download():
    response = current_app.response_class(_SPEED_PAYLOAD, mimetype="application/octet-stream")
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/invigilation/system-check/upload")
@login_required
def speed_upload():
    """Receives the upload half of the speed test and throws it away (at most the test's size)."""
    if (request.content_length or 0) > SPEED_TEST_BYTES:
        return jsonify(error=f"The speed test sends at most {SPEED_TEST_BYTES // 1024} KB."), 413
    received = len(request.get_data(cache=False))
    return jsonify(received=received)


# ------------------------------------------------------------------------------------- check-in

def _step_forms(posted_step: str | None = None, posted=None, posted_help=None) -> dict:
    forms = {}
    for step in Step:
        picture = posted if step.value == posted_step and posted is not None else PictureForm(prefix=step.value,
                                                                                               formdata=None)
        helper = posted_help if step.value == posted_step and posted_help is not None else HelpForm(
            prefix=step.value, formdata=None)
        forms[step.value] = (picture, helper)
    return forms


def _checkin_page(sitting_id: int, *, forms=None, rules_form=None, submit_form=None, status: int = 200):
    session = db.session()
    sitting = queries.candidates_sitting(session, current_actor(), sitting_id)
    state = queries.state_of(session, sitting_id=sitting.id, candidate_id=current_actor().user_id)
    forms = forms or _step_forms()
    rules_form = rules_form or RulesForm(prefix="rules", formdata=None)
    submit_form = submit_form or ButtonForm(prefix="submit", formdata=None)
    every = [form for pair in forms.values() for form in pair] + [rules_form, submit_form]
    has_errors = any(form.errors or form.form_errors for form in every)
    return render_template("invigilation/checkin/check_in.html", sitting=sitting, state=state,
                           steps=list(Step), forms=forms, rules_form=rules_form, submit_form=submit_form,
                           has_errors=has_errors,
                           frames_needed=rules.ROOM_SCAN_FRAMES, max_frames=rules.MAX_ROOM_SCAN_FRAMES), status


@bp.get("/invigilation/sittings/<int:sitting_id>/check-in")
@roles_required(Role.CANDIDATE)
def check_in(sitting_id: int):
    return _checkin_page(sitting_id)


def _problem_json(error) -> tuple:
    problems = [{"field": p.field, "message": p.message} for p in getattr(error, "problems", [])]
    message = problems[0]["message"] if problems else error.message
    return jsonify(error=message, problems=problems), error.http_status


@bp.post(f"/invigilation/sittings/<int:sitting_id>/check-in/<{STEPS}:step>/picture")
@roles_required(Role.CANDIDATE)
def picture(sitting_id: int, step: str):
    """One picture for a step, from the camera (the page's script) or the file field (no script)."""
    session = db.session()
    form = PictureForm(prefix=step)
    if not form.validate():
        message = "The form has expired: reload the page and try again."
        if _wants_json():
            return jsonify(error=message, problems=[]), 400
        form.form_errors.append(message)
        return _checkin_page(sitting_id, forms=_step_forms(step, form), status=400)
    upload = form.image.data
    data = upload.read(rules.MAX_UPLOAD_BYTES + 1) if upload else b""
    try:
        row = services.add_picture(session, actor=current_actor(), sitting_id=sitting_id, step=step, data=data,
                                   store=current_app.extensions["cop.media"], now=utcnow())
    except (ValidationFailed, Conflict, MediaUnavailable) as error:
        if isinstance(error, MediaUnavailable):
            session.rollback()
            current_app.logger.error("A check-in picture was not stored, the media store refused it: %s",
                                     error.cause)
            error = MediaUnavailable(f"{error.message} Nothing was lost: please try this step again in a minute.",
                                     error.cause)
        if _wants_json():
            return _problem_json(error)
        if isinstance(error, ValidationFailed):
            for problem in error.problems:
                (form.image.errors if problem.field.endswith("-image") else form.form_errors).append(problem.message)
        else:
            form.form_errors.append(error.message)
        return _checkin_page(sitting_id, forms=_step_forms(step, form), status=error.http_status)
    session.commit()
    state = queries.state_of(session, sitting_id=sitting_id, candidate_id=current_actor().user_id)
    done = state.step_done(Step(step))
    message = _received_message(Step(step), state)
    if _wants_json():
        return jsonify(received=row.id, step=step, done=done, message=message,
                       frames=len(state.room_scan_ids))
    flash(message, "success")
    return redirect(url_for("invigilation_checkin.check_in", sitting_id=sitting_id, _anchor=f"step-{step}"))


def _received_message(step: Step, state: rules.CheckinState) -> str:
    if step is Step.ROOM_SCAN:
        frames = len(state.room_scan_ids)
        if frames < rules.ROOM_SCAN_FRAMES:
            return (f"Room scan: frame {frames} received. {rules.ROOM_SCAN_FRAMES - frames} more needed: turn the "
                    "camera a little and take the next one.")
        return f"Room scan: frame {frames} received. The room scan is done."
    return f"{step.label}: received. This step is done."


@bp.post(f"/invigilation/sittings/<int:sitting_id>/check-in/<{STEPS}:step>/help")
@roles_required(Role.CANDIDATE)
def need_help(sitting_id: int, step: str):
    session = db.session()
    form = HelpForm(prefix=step)
    if form.validate():
        try:
            services.need_help(session, actor=current_actor(), sitting_id=sitting_id, step=step,
                               note=form.note.data or "", now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error, {f"{step}-note": "note"})
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            session.commit()
            flash(f"{Step(step).label}: an invigilator can see that you need help with this step. You can go on "
                  "with the other steps.", "success")
            return redirect(url_for("invigilation_checkin.check_in", sitting_id=sitting_id, _anchor=f"step-{step}"))
    return _checkin_page(sitting_id, forms=_step_forms(step, None, form), status=422)


@bp.post("/invigilation/sittings/<int:sitting_id>/check-in/rules")
@roles_required(Role.CANDIDATE)
def acknowledge_rules(sitting_id: int):
    session = db.session()
    form = RulesForm(prefix="rules")
    if form.validate():
        try:
            services.acknowledge_rules(session, actor=current_actor(), sitting_id=sitting_id, now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error, {"rules-agree": "agree"})
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            session.commit()
            flash("The rules are confirmed.", "success")
            return redirect(url_for("invigilation_checkin.check_in", sitting_id=sitting_id, _anchor="step-submit"))
    return _checkin_page(sitting_id, rules_form=form, status=422)


@bp.post("/invigilation/sittings/<int:sitting_id>/check-in/submit")
@roles_required(Role.CANDIDATE)
def submit(sitting_id: int):
    session = db.session()
    form = ButtonForm(prefix="submit")
    if form.validate():
        try:
            services.submit(session, actor=current_actor(), sitting_id=sitting_id, now=utcnow())
        except ValidationFailed as error:
            form.form_errors.extend(p.message for p in error.problems)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            session.commit()
            flash("Your check-in is sent. An invigilator will compare your photo with your ID; you can start the "
                  "exam once it is approved.", "success")
            return redirect(url_for("invigilation_checkin.check_in", sitting_id=sitting_id))
    return _checkin_page(sitting_id, submit_form=form, status=422)


# --------------------------------------------------------------------------- the ID check (staff)

@bp.get("/invigilation/sittings/<int:sitting_id>/check-ins")
@roles_required(*STAFF)
def queue(sitting_id: int):
    found = queries.queue(db.session(), actor=current_actor(), sitting_id=sitting_id, now=utcnow())
    return render_template("invigilation/checkin/queue.html", queue=found)


def _review_page(sitting_id: int, candidate_id: int, reject_form=None, waive_form=None, status: int = 200):
    found = queries.review(db.session(), actor=current_actor(), sitting_id=sitting_id, candidate_id=candidate_id)
    return render_template("invigilation/checkin/review.html", review=found,
                           approve_form=ButtonForm(prefix="approve", formdata=None),
                           reject_form=reject_form or RejectForm(prefix="reject", formdata=None),
                           waive_form=waive_form or WaiveForm(prefix="waive", formdata=None), steps=list(Step)), status


@bp.get("/invigilation/sittings/<int:sitting_id>/check-ins/<int:candidate_id>")
@roles_required(*STAFF)
def review(sitting_id: int, candidate_id: int):
    return _review_page(sitting_id, candidate_id)


@bp.post("/invigilation/sittings/<int:sitting_id>/check-ins/<int:candidate_id>/<any(approve,reject,waive):decision>")
@roles_required(*STAFF)
def decide(sitting_id: int, candidate_id: int, decision: str):
    session = db.session()
    form = {"approve": ButtonForm, "reject": RejectForm, "waive": WaiveForm}[decision](prefix=decision)
    forms = {"reject_form": form} if decision == "reject" else {"waive_form": form} if decision == "waive" else {}
    if form.validate():
        try:
            services.decide(session, actor=current_actor(), sitting_id=sitting_id, candidate_id=candidate_id,
                            decision=decision, reason=getattr(form, "reason", None) and form.reason.data or "",
                            reason_code=getattr(form, "reason_code", None) and form.reason_code.data or None,
                            now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            session.commit()
            flash({"approve": "Check-in approved: the candidate can start the exam.",
                   "reject": "Check-in not approved: the candidate reads your reason and can try again.",
                   "waive": "Check-in waived: the candidate can start the exam without it."}[decision], "success")
            return redirect(url_for("invigilation_checkin.queue", sitting_id=sitting_id))
    if decision == "approve":
        flash(form.form_errors[0] if form.form_errors else "The form has expired: try again.", "error")
        return redirect(url_for("invigilation_checkin.review", sitting_id=sitting_id, candidate_id=candidate_id))
    return _review_page(sitting_id, candidate_id, status=422, **forms)
