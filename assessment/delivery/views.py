"""Sittings pages: candidates book and ask for adjustments; administrators run sittings and decide
adjustments; invigilators and administrators watch a live sitting and act on attempts; examiners
and administrators read an attempt's timeline. Views parse, call one service, commit once."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for

from core import db
from core.clock import LONDON, utcnow
from core.errors import Conflict, ValidationFailed
from core.roles import Role
from core.web import add_problems, current_actor, roles_required, send_sealed
from assessment.delivery import services
from assessment.delivery.adjustments import queries as adjustment_queries
from assessment.delivery.adjustments import rules as adjustment_rules
from assessment.delivery.adjustments import services as adjustment_services
from assessment.delivery.forms import (AddTimeForm, AdjustmentForm, ButtonForm, DecisionForm, PauseForm, SittingForm,
                                       from_london)
from assessment.delivery.models import Sitting
from assessment.delivery.sittings import queries as sitting_queries
from assessment.delivery.sittings import services as sitting_services
from assessment.delivery.staff import queries as staff_queries
from assessment.delivery.rules import format_duration
from core.sealed import sealer_of

bp = Blueprint("sittings", __name__)
STAFF = (Role.ADMIN, Role.INVIGILATOR)


@bp.context_processor
def _helpers():
    def start_url(sitting_id: int) -> str:
        """The player's start page (instructions and declaration)."""
        return url_for("player.start", sitting_id=sitting_id)

    def minutes(seconds: int | None) -> str:
        return "—" if seconds is None else format_duration(seconds)

    return {"start_url": start_url, "minutes": minutes, "status_labels": staff_queries.STATUS_LABELS}


def _status(form) -> int:
    return 422 if form.errors or form.form_errors else 200


# ------------------------------------------------------------------------------------- candidates

@bp.route("/sittings")
@roles_required(Role.CANDIDATE)
def index():
    overview = sitting_queries.candidate_overview(db.session(), actor=current_actor(), now=utcnow())
    return render_template("sittings/index.html", overview=overview)


@bp.get("/sittings/<int:sitting_id>/book")
@roles_required(Role.CANDIDATE)
def confirm_booking(sitting_id: int):
    """Booking asks first: the sitting, this candidate's time for it, and the button that books."""
    choice = sitting_queries.booking_choice(db.session(), actor=current_actor(), sitting_id=sitting_id, now=utcnow())
    return render_template("sittings/confirm_booking.html", choice=choice, form=ButtonForm())


@bp.route("/sittings/<int:sitting_id>/book", methods=["POST"])
@roles_required(Role.CANDIDATE)
def book(sitting_id: int):
    if ButtonForm().validate_on_submit():
        try:
            booking = sitting_services.book(db.session(), actor=current_actor(), sitting_id=sitting_id, now=utcnow())
        except Conflict as error:
            flash(error.message, "error")
        else:
            db.session().commit()
            invigilated = booking.sitting.requires_invigilation and not booking.sitting.is_practice
            flash(f"You have booked {booking.sitting.title}."
                  + (" It is invigilated remotely: your consent is still needed. Read the privacy notice beside "
                     "your booking below." if invigilated else ""), "success")
    return redirect(url_for("sittings.index"))


@bp.get("/sittings/<int:sitting_id>/cancel")
@roles_required(Role.CANDIDATE)
def confirm_cancel(sitting_id: int):
    """Cancelling asks first, and says what is lost (the place) and until when it can be booked again."""
    choice = sitting_queries.cancellation_choice(db.session(), actor=current_actor(), sitting_id=sitting_id,
                                                 now=utcnow())
    return render_template("sittings/confirm_cancel.html", choice=choice, form=ButtonForm())


@bp.route("/sittings/<int:sitting_id>/cancel", methods=["POST"])
@roles_required(Role.CANDIDATE)
def cancel(sitting_id: int):
    if ButtonForm().validate_on_submit():
        try:
            booking = sitting_services.cancel_booking(db.session(), actor=current_actor(), sitting_id=sitting_id,
                                                      now=utcnow())
        except Conflict as error:
            flash(error.message, "error")
        else:
            db.session().commit()
            flash(f"Your booking for {booking.sitting.title} is cancelled.", "success")
    return redirect(url_for("sittings.index"))


@bp.route("/adjustments", methods=["GET", "POST"])
@roles_required(Role.CANDIDATE)
def adjustments():
    form = AdjustmentForm()
    if form.validate_on_submit():
        upload = form.evidence.data
        details = adjustment_services.AdjustmentDetails(
            extra_time_pct=form.extra_time_pct.data, rest_breaks=form.rest_breaks.data,
            text_size=form.text_size.data or "", colour_scheme=form.colour_scheme.data or "",
            uses_screen_reader=form.uses_screen_reader.data, other=form.other.data or "",
            evidence_filename=getattr(upload, "filename", "") or "", evidence=upload.read() if upload else b"")
        try:
            adjustment_services.request_adjustments(db.session(), actor=current_actor(), details=details,
                                                    upload_folder=current_app.config["UPLOAD_FOLDER"], sealer=sealer_of(current_app.config),
                                                    scan_command=current_app.config["VIRUS_SCAN_COMMAND"],
                                                    now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("Your request has been sent. We will tell you the decision here and in your notifications.",
                  "success")
            return redirect(url_for("sittings.adjustments"))
    requests = adjustment_queries.my_adjustments(db.session(), actor=current_actor())
    return render_template("sittings/adjustments.html", form=form, requests=requests,
                           describe=adjustment_rules.describe), _status(form)


# -------------------------------------------------------------------------------- administrators

@bp.route("/admin/sittings")
@roles_required(Role.ADMIN)
def admin_sittings():
    rows = sitting_queries.all_sittings(db.session(), actor=current_actor())
    return render_template("sittings/admin_sittings.html", rows=rows)


def _details(form: SittingForm) -> sitting_services.SittingDetails:
    return sitting_services.SittingDetails(
        title=form.title.data or "", paper_ids=list(form.paper_ids.data or []),
        booking_opens_at=form.booking_opens_at.data, booking_closes_at=form.booking_closes_at.data,
        opens_at=form.opens_at.data, closes_at=form.closes_at.data, duration_min=form.duration_min.data,
        capacity=form.capacity.data, requires_invigilation=form.requires_invigilation.data,
        is_practice=form.is_practice.data)


@bp.route("/admin/sittings/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_sitting():
    form = SittingForm(papers=sitting_queries.published_papers(db.session()))
    if form.validate_on_submit():
        try:
            sitting = sitting_services.create_sitting(db.session(), actor=current_actor(), details=_details(form),
                                                      now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash(f"Sitting “{sitting.title}” created.", "success")
            return redirect(url_for("sittings.admin_sittings"))
    return render_template("sittings/sitting_form.html", form=form, sitting=None), _status(form)


@bp.route("/admin/sittings/<int:sitting_id>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def edit_sitting(sitting_id: int):
    sitting = db.get_or_raise(db.session(), Sitting, sitting_id)
    form = SittingForm(papers=sitting_queries.published_papers(db.session()))
    if request.method == "GET":
        form.title.data, form.paper_ids.data = sitting.title, [p.exam_paper_id for p in sitting.papers]
        form.booking_opens_at.data, form.booking_closes_at.data = sitting.booking_opens_at, sitting.booking_closes_at
        form.opens_at.data, form.closes_at.data = sitting.opens_at, sitting.closes_at
        form.duration_min.data, form.capacity.data = sitting.duration_s // 60, sitting.capacity
        form.requires_invigilation.data, form.is_practice.data = sitting.requires_invigilation, sitting.is_practice
    if form.validate_on_submit():
        try:
            sitting_services.update_sitting(db.session(), actor=current_actor(), sitting_id=sitting.id,
                                            details=_details(form), now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash(f"Sitting “{sitting.title}” saved.", "success")
            return redirect(url_for("sittings.admin_sittings"))
    return render_template("sittings/sitting_form.html", form=form, sitting=sitting), _status(form)


@bp.route("/admin/adjustments")
@roles_required(Role.ADMIN)
def admin_adjustments():
    queue = adjustment_queries.adjustment_queue(db.session(), actor=current_actor())
    return render_template("sittings/admin_adjustments.html", queue=queue, describe=adjustment_rules.describe)


@bp.route("/admin/adjustments/<int:request_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def admin_adjustment(request_id: int):
    found = adjustment_queries.get_adjustment(db.session(), actor=current_actor(), request_id=request_id)
    form = DecisionForm()
    if form.validate_on_submit():
        try:
            decided = adjustment_services.decide_adjustment(
                db.session(), actor=current_actor(), request_id=request_id, approve=form.decision.data == "approve",
                reason=form.reason.data, now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash(f"Request {decided.status.value} for {found.candidate_name}. They have been told.", "success")
            return redirect(url_for("sittings.admin_adjustments"))
    return render_template("sittings/admin_adjustment.html", found=found, form=form,
                           describe=adjustment_rules.describe), _status(form)


@bp.route("/admin/adjustments/<int:request_id>/evidence")
@roles_required(Role.ADMIN)
def adjustment_evidence(request_id: int):
    adjustment = adjustment_queries.get_adjustment(db.session(), actor=current_actor(), request_id=request_id).request
    path = adjustment_services.evidence_path(current_app.config["UPLOAD_FOLDER"], adjustment.evidence_sha256)
    if not adjustment.evidence_sha256:
        return render_template("errors/404.html"), 404
    return send_sealed(path, mimetype=None, filename=adjustment.evidence_filename, fallback="evidence")


# ----------------------------------------------------------------------------------------- staff

@bp.route("/staff/sittings")
@roles_required(*STAFF)
def staff_sittings():
    rows = sitting_queries.all_sittings(db.session(), actor=current_actor())
    return render_template("sittings/staff_sittings.html", rows=rows)


@bp.route("/staff/sittings/<int:sitting_id>/live")
@roles_required(*STAFF)
def live(sitting_id: int):
    now = utcnow()
    sitting, rows = staff_queries.live_list(db.session(), actor=current_actor(), sitting_id=sitting_id, now=now)
    return render_template("sittings/live.html", sitting=sitting, rows=rows, now=now)


def _attempt_page(attempt_id: int, add_form=None, pause_form=None, resume_form=None):
    found = staff_queries.staff_attempt(db.session(), actor=current_actor(), attempt_id=attempt_id, now=utcnow())
    forms = [f for f in (add_form, pause_form, resume_form) if f is not None]
    status = 422 if any(f.errors or f.form_errors for f in forms) else 200
    return render_template("sittings/staff_attempt.html", found=found,
                           add_form=add_form or AddTimeForm(prefix="add"),
                           pause_form=pause_form or PauseForm(prefix="pause"),
                           resume_form=resume_form or ButtonForm(prefix="resume")), status


@bp.route("/staff/attempts/<int:attempt_id>")
@roles_required(*STAFF)
def staff_attempt(attempt_id: int):
    return _attempt_page(attempt_id)


def _act(attempt_id: int, form, action, done: str):
    if form.validate_on_submit():
        try:
            action()
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash(done, "success")
            return redirect(url_for("sittings.staff_attempt", attempt_id=attempt_id))
    return None


@bp.route("/staff/attempts/<int:attempt_id>/add-time", methods=["POST"])
@roles_required(*STAFF)
def add_time(attempt_id: int):
    form = AddTimeForm(prefix="add")
    done = _act(attempt_id, form, lambda: services.extend_time(
        db.session(), actor=current_actor(), attempt_id=attempt_id, seconds=form.minutes.data * 60,
        reason=form.reason.data or "", now=utcnow()), f"{format_duration((form.minutes.data or 0) * 60)} added.")
    return done or _attempt_page(attempt_id, add_form=form)


@bp.route("/staff/attempts/<int:attempt_id>/pause", methods=["POST"])
@roles_required(*STAFF)
def pause(attempt_id: int):
    form = PauseForm(prefix="pause")
    done = _act(attempt_id, form, lambda: services.pause(
        db.session(), actor=current_actor(), attempt_id=attempt_id, reason=form.reason.data or "", now=utcnow()),
        "The attempt is paused: the candidate's clock has stopped.")
    return done or _attempt_page(attempt_id, pause_form=form)


@bp.route("/staff/attempts/<int:attempt_id>/resume", methods=["POST"])
@roles_required(*STAFF)
def resume(attempt_id: int):
    form = ButtonForm(prefix="resume")
    done = _act(attempt_id, form, lambda: services.resume(
        db.session(), actor=current_actor(), attempt_id=attempt_id, now=utcnow()),
        "The attempt has resumed: the candidate's clock is running again.")
    return done or _attempt_page(attempt_id, resume_form=form)


def _moment(raw: str | None) -> tuple[dt.datetime | None, str]:
    """``?at=`` as ISO 8601; a time without a zone is UK time (as typed into the form)."""
    if not raw:
        return None, ""
    try:
        parsed = dt.datetime.fromisoformat(raw.strip())
        return (parsed.astimezone(dt.timezone.utc) if parsed.tzinfo else from_london(parsed)), ""
    except ValueError:
        return None, "Enter the moment as a date and time, like 23/11/2026 10:15"


@bp.route("/staff/attempts/<int:attempt_id>/timeline")
@roles_required(Role.EXAMINER, Role.ADMIN)
def timeline(attempt_id: int):
    at, problem = _moment(request.args.get("at"))
    found = staff_queries.timeline(db.session(), actor=current_actor(), attempt_id=attempt_id, at=at, now=utcnow())
    return render_template("sittings/timeline.html", t=found, problem=problem,
                           at_local=found.at.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M:%S")), \
        422 if problem else 200

