"""Review pages: the reviewer's list, one timeline per attempt, a flag's decision, the outcome and the
incident report (HTML and PDF). Views parse, load, authorise (in the queries), call one service,
commit once."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for

from core import db
from core.clock import utcnow
from core.errors import Conflict, ValidationFailed
from core.pdf import html_to_pdf
from core.roles import Role
from core.web import add_problems, current_actor, roles_required
from proctoring.review import queries, services
from proctoring.review import timeline as tl
from proctoring.review.forms import FlagDecisionForm, OutcomeForm
from proctoring.rules import FlagDecision

bp = Blueprint("invigilation_review", __name__)
bp.add_app_template_filter(tl.london_time, "london_seconds")
bp.add_app_template_filter(tl.duration_words, "duration_words")
bp.add_app_template_global(tl.london_span, "london_span")

REVIEWERS = queries.REVIEWER_ROLES

PDF_STYLES = """
@page { size: A4; margin: 2cm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 10.5pt; color: #0b0c0c; line-height: 1.4; }
h1 { font-size: 17pt; margin: 0 0 .5em; } h2 { font-size: 13pt; margin: 1.2em 0 .4em; } h3 { font-size: 11pt; margin: .8em 0 .2em; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; vertical-align: top; padding: 3pt 5pt; border-bottom: 1px solid #b1b4b6; }
dl div { margin-bottom: 4pt; } dt { font-weight: bold; } dd { margin: 0; }
"""


@bp.context_processor
def _words():
    return {"categories": tl.CATEGORIES, "category_short": tl.CATEGORY_SHORT, "decision_words": tl.DECISION_WORDS, "FlagDecision": FlagDecision}


@bp.get("/invigilation/review")
@roles_required(*REVIEWERS)
def index():
    found = queries.review_list(db.session(), current_actor(), now=utcnow())
    return render_template("invigilation/review/index.html", found=found)


@bp.get("/invigilation/review/sittings/<int:sitting_id>")
@roles_required(*REVIEWERS)
def sitting(sitting_id: int):
    found = queries.review_list(db.session(), current_actor(), now=utcnow(), sitting_id=sitting_id)
    return render_template("invigilation/review/index.html", found=found)


@bp.get("/invigilation/attempts/<int:attempt_id>/timeline")
@roles_required(*REVIEWERS)
def timeline(attempt_id: int):
    page = queries.timeline(db.session(), current_actor(), attempt_id, now=utcnow(),
                            categories=request.args.getlist("type"), page=request.args.get("page", 1, type=int),
                            heartbeat_interval_s=current_app.config["INVIGILATION_HEARTBEAT_INTERVAL_S"])
    return render_template("invigilation/review/timeline.html", t=page)


@bp.route("/invigilation/flags/<int:flag_id>/decision", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def flag_decision(flag_id: int):
    found = queries.flag_to_decide(db.session(), current_actor(), flag_id, utcnow(),
                                   heartbeat_interval_s=current_app.config["INVIGILATION_HEARTBEAT_INTERVAL_S"])
    form = FlagDecisionForm()
    if request.method == "GET" and found.flag.latest is not None:
        form.decision.data = found.flag.latest.decision
    if form.validate_on_submit():
        try:
            services.decide_flag(db.session(), actor=current_actor(), flag_id=flag_id, decision=form.decision.data,
                                 note=form.note.data or "", now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash(f"The flag “{found.flag.words}” is {form.decision.data}.", "success")
            return redirect(url_for("invigilation_review.timeline", attempt_id=found.reviewed.attempt.id)
                            + "#flags")
    status = 422 if form.errors or form.form_errors else 200
    return render_template("invigilation/review/flag_decision.html", found=found, form=form), status


@bp.route("/invigilation/attempts/<int:attempt_id>/outcome", methods=["GET", "POST"])
@roles_required(*REVIEWERS)
def outcome(attempt_id: int):
    page = queries.timeline(db.session(), current_actor(), attempt_id, now=utcnow(), categories=["flags"],
                            heartbeat_interval_s=current_app.config["INVIGILATION_HEARTBEAT_INTERVAL_S"])
    form = OutcomeForm()
    status = 200
    if form.validate_on_submit():
        try:
            row = services.record_outcome(db.session(), actor=current_actor(), attempt_id=attempt_id,
                                          outcome=form.outcome.data, reasons=form.reasons.data or "", now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as refused:
            form.form_errors.append(refused.message)
            status = 409
        else:
            db.session().commit()
            flash(f"Outcome recorded: {row.outcome.label}.", "success")
            return redirect(url_for("invigilation_review.timeline", attempt_id=attempt_id) + "#outcome")
    if status == 200 and (form.errors or form.form_errors):
        status = 422
    return render_template("invigilation/review/outcome.html", t=page, form=form), status


@bp.get("/invigilation/attempts/<int:attempt_id>/incident-report")
@roles_required(*REVIEWERS, Role.CANDIDATE)
def incident_report(attempt_id: int):
    report = queries.incident_report(db.session(), current_actor(), attempt_id, utcnow())
    return render_template("invigilation/review/incident_report.html", r=report)


@bp.get("/invigilation/attempts/<int:attempt_id>/incident-report.pdf")
@roles_required(*REVIEWERS, Role.CANDIDATE)
def incident_report_pdf(attempt_id: int):
    report = queries.incident_report(db.session(), current_actor(), attempt_id, utcnow())
    pdf = html_to_pdf(render_template("invigilation/review/incident_report_document.html", r=report),
                      stylesheet=PDF_STYLES)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="incident-report-attempt-{attempt_id}.pdf"',
        "Cache-Control": "no-store"})
