"""The candidate's journey: instructions and declaration → the exam player → review → submit →
receipt. The player page is a shell; its data comes from the autosave API (``api.py``)."""
from __future__ import annotations

import secrets

from flask import Blueprint, flash, make_response, redirect, render_template, url_for
from flask_wtf import FlaskForm
from sqlalchemy.exc import IntegrityError
from wtforms import BooleanField
from wtforms.validators import DataRequired

from core import db
from core.clock import utcnow
from core.errors import Conflict
from core.roles import Role
from core.web import current_actor, roles_required
from assessment.delivery import candidate, services
from assessment.delivery.rules import format_duration

bp = Blueprint("player", __name__)


# The two small forms of the journey (shape only).
class StartForm(FlaskForm):
    declaration = BooleanField(
        "I confirm that I am the person named on this account, that I will work alone without notes, "
        "other people or other websites, and that I will not copy or share the questions",
        validators=[DataRequired("Confirm the declaration to start the exam")])


class SubmitForm(FlaskForm):
    confirm = BooleanField("I have finished and I want to submit my answers. I understand that I cannot change "
                           "them afterwards",
                           validators=[DataRequired("Confirm that you want to submit your answers")])


# Every page writes durations with the one formatter, so they agree with the exam's clock.
bp.add_app_template_filter(format_duration, "duration")


def _printable(value: object) -> str:
    """Text that can always be written into a page: a NUL or a lone surrogate (stored before saves
    were checked) becomes U+FFFD, so one bad answer cannot make a staff page fail for ever."""
    text = value if isinstance(value, str) else str(value)
    if not text.isprintable() or any("\ud800" <= ch <= "\udfff" for ch in text):
        text = "".join("\ufffd" if ch == "\x00" or "\ud800" <= ch <= "\udfff" else ch for ch in text)
    return text


bp.add_app_template_filter(_printable, "printable")


@bp.route("/sittings/<int:sitting_id>/start", methods=["GET", "POST"])
@roles_required(Role.CANDIDATE)
def start(sitting_id: int):
    """Instructions, the check-in step and the declaration; POST starts (or resumes) the attempt."""
    session = db.session()
    form = StartForm()
    status = 200
    if form.is_submitted():
        status = 422
        if form.validate():
            # The service checks everything a start needs (the booking, the window, the vetoes) and
            # reads the adjustments itself, so a press of Start reads the page's facts only when the
            # page is drawn again: in the start storm each look cost a statement a candidate.
            try:
                try:
                    attempt = _start_attempt(session, sitting_id)
                except IntegrityError:
                    # Two presses of Start raced (a double click, a second tab): the other one made the
                    # attempt while this one was making its own, so this one resumes it, as any later
                    # press would. Without this the loser met a server error.
                    session.rollback()
                    attempt = _start_attempt(session, sitting_id)
            except Conflict as error:
                form.form_errors.append(error.message)
                status = 409
            else:
                session.commit()
                # An attempt that has ended is resumed as itself: the player sends it to its receipt.
                return redirect(url_for("player.player", attempt_id=attempt.id))
    facts = candidate.start_facts(session, current_actor(), sitting_id, utcnow())
    if facts.view is not None and not facts.view.state.is_open:
        return redirect(url_for("player.receipt", attempt_id=facts.attempt.id))
    return render_template("player/start.html", facts=facts, form=form), status


def _start_attempt(session, sitting_id: int):
    return services.start_attempt(session, actor=current_actor(), sitting_id=sitting_id,
                                  device_id="start-" + secrets.token_hex(8), now=utcnow())


@bp.route("/attempts/<int:attempt_id>")
@roles_required(Role.CANDIDATE)
def player(attempt_id: int):
    """The exam player's shell; the questions and answers are loaded by ``static/js/player``."""
    session = db.session()
    attempt = candidate.own_attempt(session, current_actor(), attempt_id)
    view = services.view_of(session, attempt, utcnow())
    if not view.state.is_open:
        return redirect(url_for("player.receipt", attempt_id=attempt.id))
    return render_template("player/player.html", attempt=attempt, view=view)


@bp.route("/attempts/<int:attempt_id>/review")
@roles_required(Role.CANDIDATE)
def review(attempt_id: int):
    return _review_page(attempt_id, SubmitForm())


def _review_page(attempt_id: int, form: SubmitForm, status: int = 200):
    session = db.session()
    attempt = candidate.own_attempt(session, current_actor(), attempt_id)
    view = services.view_of(session, attempt, utcnow())
    if not view.state.is_open:
        return redirect(url_for("player.receipt", attempt_id=attempt.id))
    rows = candidate.review_rows(session, attempt, view)
    return render_template("player/review.html", attempt=attempt, view=view, rows=rows, form=form), status


@bp.route("/attempts/<int:attempt_id>/submit", methods=["POST"])
@roles_required(Role.CANDIDATE)
def submit(attempt_id: int):
    session = db.session()
    attempt = candidate.own_attempt(session, current_actor(), attempt_id)
    form = SubmitForm()
    if not form.validate_on_submit():
        return _review_page(attempt.id, form, 422)
    try:
        services.submit_attempt(session, actor=current_actor(), attempt_id=attempt.id, now=utcnow())
    except services.AttemptEnded as error:
        flash(error.message, "info")
    else:
        session.commit()
    return redirect(url_for("player.receipt", attempt_id=attempt.id))


@bp.route("/attempts/<int:attempt_id>/receipt")
@roles_required(Role.CANDIDATE)
def receipt(attempt_id: int):
    """Time, number answered and the receipt code; also for an attempt that ran out of time."""
    session = db.session()
    attempt = candidate.own_attempt(session, current_actor(), attempt_id)
    now = utcnow()
    view = services.view_of(session, attempt, now)
    if view.state.is_open:
        return redirect(url_for("player.player", attempt_id=attempt.id))
    return render_template("player/receipt.html", attempt=attempt, view=view,
                           code=services.receipt_for(session, attempt, now))


@bp.route("/attempts/<int:attempt_id>/answers")
@roles_required(Role.CANDIDATE)
def practice_answers(attempt_id: int):
    """After a practice try has ended: the candidate's answers beside the keys and rationales. A real
    sitting's attempt is 'not found' here: its keys are never shown."""
    session = db.session()
    attempt = candidate.practice_attempt(session, current_actor(), attempt_id)
    view = services.view_of(session, attempt, utcnow())
    if view.state.is_open:
        return redirect(url_for("player.player", attempt_id=attempt.id))
    rows = candidate.practice_answers(session, attempt, view)
    response = make_response(render_template("player/practice_answers.html", attempt=attempt, view=view,
                                             rows=rows))
    response.headers["Cache-Control"] = "no-store"  # keys: never kept by a shared browser's cache
    return response
