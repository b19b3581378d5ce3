"""Pages of the live invigilator: the dashboard and its event stream, one attempt's actions, the
pending requests to end an attempt, allocation and hand-over. Thin: parse, load, authorise, one
service, commit once, render or redirect."""
from __future__ import annotations

import json
import time

from flask import (Blueprint, Response, current_app, flash, get_template_attribute, redirect, render_template, request,
                   stream_with_context, url_for)

from wtforms.fields.choices import SelectChoice

from core import db
from core.clock import london, utcnow
from core.errors import Conflict, Forbidden, ValidationFailed
from core.roles import Role
from core.web import add_problems, current_actor, roles_required
from assessment.delivery.models import Sitting
from assessment.delivery.rules import format_duration
from proctoring.live import queries, services
from proctoring.live.forms import (ActionForm, AllocationForm, CancelEndForm, ConfirmEndForm, EndRequestForm,
                                   HandOverForm, MessageForm)
from proctoring.live.rules import CELL_LABELS, CELL_MARKS, Cell

bp = Blueprint("invigilation_live", __name__)
LIVE = (Role.INVIGILATOR, Role.ADMIN)
CONFIRM = (Role.INVIGILATOR, Role.EXAMINER, Role.ADMIN)


def _minutes(seconds):
    return "—" if seconds is None else format_duration(seconds)


@bp.record_once
def _template_globals(state):
    """Globals (not a context processor): the stream renders cards outside any page's context."""
    state.app.jinja_env.globals.update(live_minutes=_minutes, LiveCell=Cell, LIVE_CELL_LABELS=CELL_LABELS,
                                       LIVE_CELL_MARKS=CELL_MARKS)


def _interval() -> int:
    return int(current_app.config["INVIGILATION_HEARTBEAT_INTERVAL_S"])


def _show_all() -> bool | None:
    raw = request.args.get("show")
    return None if raw not in ("all", "mine") else raw == "all"


def _board(sitting_id: int, show_all: bool | None, actor=None):
    return queries.dashboard(db.session(), actor=actor or current_actor(), sitting_id=sitting_id, now=utcnow(),
                             show_all=show_all, heartbeat_interval_s=_interval())


@bp.route("/invigilation/live")
@roles_required(*LIVE)
def index():
    """The sittings that require invigilation, newest first."""
    from sqlalchemy import select

    sittings = list(db.session().scalars(select(Sitting).where(Sitting.requires_invigilation.is_(True))
                                         .order_by(Sitting.opens_at.desc())))
    return render_template("invigilation/live/index.html", sittings=sittings)


@bp.route("/invigilation/sittings/<int:sitting_id>/live")
@roles_required(*LIVE)
def dashboard(sitting_id: int):
    board = _board(sitting_id, _show_all())
    return render_template("invigilation/live/dashboard.html", board=board, now=utcnow(),
                           stream_url=url_for("invigilation_live.stream", sitting_id=sitting_id,
                                              show="all" if board.showing_all else "mine"))


def _announcements(before, after) -> list[str]:
    said = []
    if before is None:
        return said
    new_flags = [f for f in after.flags if f.id not in {old.id for old in before.flags}]
    for flag in new_flags:
        said.append(f"New flag for {after.name}: {flag.label} ({flag.severity}).")
    if after.strip.lost_now and not before.strip.lost_now:
        said.append(f"Connection lost: {after.name}.")
    read = [m for m in after.messages if m.acknowledged_at and not next(
        (o.acknowledged_at for o in before.messages if o.id == m.id), None)]
    if read:
        said.append(f"{after.name} has read the invigilator's message.")
    if after.end_requested_by and not before.end_requested_by:
        said.append(f"Ending the attempt of {after.name} was asked for: it needs a second person.")
    return said


@bp.route("/invigilation/sittings/<int:sitting_id>/live/stream")
@roles_required(*LIVE)
def stream(sitting_id: int):
    """Server-sent events: the first event carries every card, later ones only the candidates that
    changed (checked every ``INVIGILATION_LIVE_CHECK_S``). The response ends after
    ``INVIGILATION_LIVE_STREAM_S`` and the browser reconnects (``retry:``), so no worker thread is
    held for ever."""
    show_all = _show_all()
    # The person as a plain value: the stream outlives the request's database session, and the
    # signed-in person's object would be detached from it (and expired by the rollbacks below).
    actor = current_actor()
    first_board = _board(sitting_id, show_all, actor)  # refusals (403, 404) before the stream starts
    db.session().rollback()  # never hold a read transaction between checks (SQLite writers wait on it)
    check_s = float(current_app.config["INVIGILATION_LIVE_CHECK_S"])
    lasts_s = float(current_app.config["INVIGILATION_LIVE_STREAM_S"])
    render_card = get_template_attribute("invigilation/live/_card.html", "card")

    def events():
        yield f"retry: {int(current_app.config['INVIGILATION_LIVE_RETRY_MS'])}\n\n"
        ends_at = time.monotonic() + lasts_s
        previous: dict[int, queries.Card] = {}
        board, first, quiet_since = first_board, True, time.monotonic()
        while True:
            changed = [c for c in board.cards if c.candidate_id not in previous
                       or previous[c.candidate_id].fingerprint() != c.fingerprint()]
            removed = [k for k in previous if k not in {c.candidate_id for c in board.cards}]
            if first or changed or removed:
                body = {"as_at": london(utcnow()), "full": first, "removed": removed,
                        "cards": [{"key": c.candidate_id, "html": str(render_card(c))} for c in changed],
                        "announce": [text for c in changed for text in _announcements(previous.get(c.candidate_id), c)]}
                yield f"event: update\ndata: {json.dumps(body)}\n\n"
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since > 15:
                yield ": still here\n\n"
                quiet_since = time.monotonic()
            previous = {c.candidate_id: c for c in board.cards}
            first = False
            if time.monotonic() + check_s > ends_at:
                return
            time.sleep(check_s)
            board = _board(sitting_id, show_all, actor)
            db.session().rollback()

    return Response(stream_with_context(events()), mimetype="text/event-stream",
                    headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"})


# ---------------------------------------------------------------------------------- one attempt

def _attempt_page(attempt_id: int, status: int = 200, **forms):
    attempt, card = queries.attempt_panel(db.session(), actor=current_actor(), attempt_id=attempt_id, now=utcnow(),
                                          heartbeat_interval_s=_interval())
    return render_template("invigilation/live/attempt.html", attempt=attempt, card=card,
                           message_form=forms.get("message_form") or MessageForm(prefix="message"),
                           action_form=forms.get("action_form") or ActionForm(prefix="action"),
                           end_form=forms.get("end_form") or EndRequestForm(prefix="end")), status


@bp.route("/invigilation/attempts/<int:attempt_id>")
@roles_required(*LIVE)
def attempt(attempt_id: int):
    return _attempt_page(attempt_id)


def _run(form, call, done: str, attempt_id: int, name: str):
    if form.validate_on_submit():
        try:
            call()
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash(done, "success")
            return redirect(url_for("invigilation_live.attempt", attempt_id=attempt_id))
    return _attempt_page(attempt_id, 422, **{name: form})


@bp.route("/invigilation/attempts/<int:attempt_id>/message", methods=["POST"])
@roles_required(*LIVE)
def message(attempt_id: int):
    form = MessageForm(prefix="message")
    return _run(form, lambda: services.send_message(db.session(), actor=current_actor(), attempt_id=attempt_id,
                                                    text=form.text.data, now=utcnow()),
                "Message sent. The dashboard shows when the candidate has read it.", attempt_id, "message_form")


@bp.route("/invigilation/attempts/<int:attempt_id>/action", methods=["POST"])
@roles_required(*LIVE)
def action(attempt_id: int):
    form = ActionForm(prefix="action")
    done = {"pause": "The attempt is paused: the candidate's clock has stopped.",
            "resume": "The attempt has resumed: the candidate's clock is running again.",
            "add_time": "Time added."}.get(form.action.data or "", "Done.")
    return _run(form, lambda: services.take_action(db.session(), actor=current_actor(), attempt_id=attempt_id,
                                                   action=form.action.data, reason_code=form.reason_code.data,
                                                   text=form.text.data, minutes=form.minutes.data, now=utcnow()),
                done, attempt_id, "action_form")


@bp.route("/invigilation/attempts/<int:attempt_id>/end-request", methods=["POST"])
@roles_required(*LIVE)
def end_request(attempt_id: int):
    form = EndRequestForm(prefix="end")
    return _run(form, lambda: services.request_end(db.session(), actor=current_actor(), attempt_id=attempt_id,
                                                   reason_code=form.reason_code.data, text=form.text.data,
                                                   now=utcnow()),
                "Ending the attempt is asked for. A second person must confirm it on the page of pending requests.",
                attempt_id, "end_form")


# ------------------------------------------------------------------------------ ending: 2nd person

def _requests_page(status: int = 200, cancel_forms=None):
    pending = queries.pending_end_requests(db.session(), actor=current_actor())
    cancel_forms = cancel_forms or {}
    return render_template("invigilation/live/end_requests.html", pending=pending, confirm_form=ConfirmEndForm(),
                           cancel_forms={r.event_id: cancel_forms.get(r.event_id)
                                         or CancelEndForm(prefix="cancel") for r in pending}), status


@bp.route("/invigilation/end-requests")
@roles_required(*CONFIRM)
def end_requests():
    return _requests_page()


@bp.route("/invigilation/end-requests/<int:event_id>/confirm", methods=["POST"])
@roles_required(*CONFIRM)
def confirm_end(event_id: int):
    form = ConfirmEndForm()
    if form.validate_on_submit():
        try:
            services.confirm_end(db.session(), actor=current_actor(), request_event_id=event_id, now=utcnow())
        except (Conflict, Forbidden) as error:
            db.session().rollback()
            flash(error.message, "error")
            return redirect(url_for("invigilation_live.end_requests"))
        db.session().commit()
        flash("The attempt has ended. The answers saved so far stand and go to marking.", "success")
    return redirect(url_for("invigilation_live.end_requests"))


@bp.route("/invigilation/end-requests/<int:event_id>/cancel", methods=["POST"])
@roles_required(*CONFIRM)
def cancel_end(event_id: int):
    form = CancelEndForm(prefix="cancel")
    if form.validate_on_submit():
        try:
            services.cancel_end(db.session(), actor=current_actor(), request_event_id=event_id, note=form.note.data,
                                now=utcnow())
        except Conflict as error:
            flash(error.message, "error")
            return redirect(url_for("invigilation_live.end_requests"))
        db.session().commit()
        flash("The request is cancelled: the attempt carries on.", "success")
        return redirect(url_for("invigilation_live.end_requests"))
    return _requests_page(422, {event_id: form})


# ------------------------------------------------------------------------- allocation, hand-over

def _per() -> int:
    return int(current_app.config["INVIGILATION_CANDIDATES_PER_INVIGILATOR"])


@bp.route("/invigilation/sittings/<int:sitting_id>/allocation", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def allocation(sitting_id: int):
    session = db.session()
    board = queries.dashboard(session, actor=current_actor(), sitting_id=sitting_id, now=utcnow(), show_all=True,
                              heartbeat_interval_s=_interval())
    people = services.invigilators(session)
    form = AllocationForm()
    form.invigilators.choices = [SelectChoice(p.id, f"{p.full_name} ({p.email})") for p in people]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                written = services.allocate(session, actor=current_actor(), sitting_id=sitting_id,
                                            invigilator_ids=form.invigilators.data, now=utcnow(),
                                            per_invigilator=_per())
            except ValidationFailed as error:
                add_problems(form, error)
            else:
                session.commit()
                flash(f"Candidates allocated ({written} changed).", "success")
                return redirect(url_for("invigilation_live.allocation", sitting_id=sitting_id))
        status = 422
    elif not form.invigilators.data:
        standing = services.current_allocation(session, sitting_id).values()
        form.invigilators.data = sorted({a.invigilator_id for a in standing})
    return render_template("invigilation/live/allocation.html", board=board, form=form, per=_per()), status


@bp.route("/invigilation/sittings/<int:sitting_id>/hand-over", methods=["GET", "POST"])
@roles_required(*LIVE)
def hand_over(sitting_id: int):
    session = db.session()
    board = queries.dashboard(session, actor=current_actor(), sitting_id=sitting_id, now=utcnow(),
                              show_all=current_actor().has(Role.ADMIN), heartbeat_interval_s=_interval())
    form = HandOverForm()
    form.candidates.choices = [SelectChoice(c.candidate_id, f"{c.name} ({c.email})") for c in board.cards]
    form.to_invigilator.choices = [SelectChoice("", "Choose an invigilator")] + [
        SelectChoice(p.id, f"{p.full_name} ({p.email})")
        for p in services.invigilators(session) if p.id != current_actor().user_id]
    status = 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                moved = services.hand_over(session, actor=current_actor(), sitting_id=sitting_id,
                                           candidate_ids=form.candidates.data,
                                           to_invigilator_id=form.to_invigilator.data,
                                           note=form.note.data, now=utcnow(), per_invigilator=_per())
            except ValidationFailed as error:
                add_problems(form, error)
            else:
                session.commit()
                flash(f"{moved} candidate(s) handed over.", "success")
                return redirect(url_for("invigilation_live.dashboard", sitting_id=sitting_id))
        status = 422
    return render_template("invigilation/live/hand_over.html", board=board, form=form), status
