"""Results pages: the examiners' results board of a sitting, their decisions to withhold or void a
result, the release (with a confirmation page), and the candidate's own result and score report.
Views parse, load, call one service, commit once."""
from __future__ import annotations

import datetime as dt

from flask import Blueprint, Response, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from core import db
from core.clock import utcnow
from core.errors import NotFound, ValidationFailed
from core.pdf import html_to_pdf
from core.roles import Role
from core.web import add_problems, current_actor, roles_required
from assessment.accounts.reauth import fresh_reauthentication_required
from assessment.results.certificates import queries as certificate_queries
from assessment.results.certificates import services as certificate_services
from assessment.results import queries, rules, services
from assessment.results.forms import ExaminerDecisionForm, ReleaseForm
from scoring.runs import charts

bp = Blueprint("results", __name__)

PDF_STYLES = """
@page { size: A4; margin: 2cm; }
body { font-family: "DejaVu Sans", sans-serif; font-size: 11pt; color: #0b0c0c; line-height: 1.4; }
h1 { font-size: 18pt; margin: 0 0 .5em; } h2 { font-size: 13pt; margin: 1.2em 0 .4em; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 4pt 6pt; border-bottom: 1px solid #b1b4b6; }
.outcome { font-size: 15pt; font-weight: bold; }
"""




def _number(value, places: int = 1) -> str:
    if value is None:
        return "—"
    return f"{value:.{places}f}".rstrip("0").rstrip(".") if places else f"{value:.0f}"


@bp.context_processor
def _helpers():
    return {"number": _number, "Outcome": rules.Outcome, "band_points": f"{rules.DEFAULT_BAND * 100:g}"}


@bp.get("/results/board")
@roles_required(Role.EXAMINER)
def board_index():
    return render_template("results/board_index.html", rows=queries.sittings(db.session(), current_actor()))


@bp.get("/results/board/<int:sitting_id>")
@roles_required(Role.EXAMINER)
def board(sitting_id: int):
    page = queries.board(db.session(), current_actor(), sitting_id, request.args.get("run", type=int), utcnow())
    chart = None
    if page.run is not None:
        cut = f", pass mark {page.pass_mark:g} shown as a dashed line" if page.pass_mark is not None else ""
        chart = Markup(charts.histogram_svg(page.run.histogram, page.run.max_score, cut=page.pass_mark,
                                            title=f"Score distribution of run {page.run.id}{cut}"))
    from item_bank.statistics.flags import flag_label

    return render_template("results/board.html", page=page, chart=chart, flag_words=flag_label)


@bp.route("/results/board/<int:sitting_id>/decisions", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
@fresh_reauthentication_required(when=lambda: request.form.get("action") == rules.ExaminerAction.VOID.value)
def examiner_decision(sitting_id: int):
    sitting, choices = queries.attempt_choices(db.session(), current_actor(), sitting_id)
    form = ExaminerDecisionForm()
    form.attempt.choices = [SelectChoice("", "Choose a candidate")] + [
        SelectChoice(c.attempt_id, f"Candidate {c.candidate_number}") for c in choices]
    if request.method == "GET" and request.args.get("attempt", type=int):
        form.attempt.data = request.args.get("attempt", type=int)  # from the board's invigilation outcomes
    if form.validate_on_submit():
        try:
            row = services.decide_on_result(db.session(), actor=current_actor(), sitting_id=sitting_id,
                                            attempt_id=form.attempt.data, action=form.action.data,
                                            reasons=form.reasons.data or "", now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash(f"Recorded: {rules.ExaminerAction(row.action).label.lower()}. It applies from the next release.",
                  "success")
            return redirect(url_for("results.board", sitting_id=sitting_id) + "#examiner-decisions")
    status = 422 if form.errors or form.form_errors else 200
    return render_template("results/examiner_decision.html", sitting=sitting, form=form), status


@bp.route("/results/board/<int:sitting_id>/release", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
@fresh_reauthentication_required()
def release(sitting_id: int):
    choices = queries.release_choices(db.session(), current_actor(), sitting_id)
    form = ReleaseForm()
    form.run.choices = [SelectChoice("", "Choose a run")] + [
        SelectChoice(r.id, f"Run {r.id} ({'provisional' if r.is_provisional else 'final'}, "
                           f"{r.n_candidates} candidates)") for r in choices.runs]
    form.decision.choices = [SelectChoice("", "Choose a decision")] + [
        SelectChoice(d.decision.id, f"Decision {d.decision.id}: pass mark {d.decision.pass_mark:g} "
                                    f"({d.decision.method.replace('_', ' ')}{', approved' if d.is_approved else ', not approved'})")
        for d in choices.decisions]
    if form.validate_on_submit():
        try:
            if form.confirmed.data != "yes":
                preview = queries.release_preview(db.session(), current_actor(), sitting_id, form.run.data,
                                                  form.decision.data, form.reasons.data or "")
                form.confirmed.data = "yes"
                return render_template("results/release_confirm.html", preview=preview, form=form)
            made = services.release_results(
                db.session(), actor=current_actor(), sitting_id=sitting_id, run_id=form.run.data,
                decision_id=form.decision.data, reasons=form.reasons.data or "", now=utcnow(),
                result_path=url_for("results.candidate_result", sitting_id=sitting_id),
                base_url=current_app.config["BASE_URL"], issuer=certificate_services.current_issuer())
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash(f"Results released (release {made.id}). Candidates have been told in the app and by e-mail.",
                  "success")
            return redirect(url_for("results.board", sitting_id=sitting_id))
    form.confirmed.data = ""  # the choices page always leads to the confirmation page first
    status = 422 if form.errors or form.form_errors else 200
    return render_template("results/release.html", choices=choices, form=form), status


def _result_page(sitting_id: int):
    page = queries.candidate_result(db.session(), current_actor(), sitting_id)
    config = current_app.config
    expected = (page.sitting.closes_at + dt.timedelta(days=config["RESULTS_EXPECTED_WITHIN_DAYS"])).date()
    resit = rules.resit_from(page.release.released_at, config["RESULTS_RESIT_INTERVAL_DAYS"]) \
        if page.release else None
    return page, expected, resit


@bp.get("/results/sittings/<int:sitting_id>")
@roles_required(Role.CANDIDATE)
def candidate_result(sitting_id: int):
    page, expected, resit = _result_page(sitting_id)
    certificates = certificate_queries.certificates_of(db.session(), current_actor().user_id) \
        if page.outcome == rules.Outcome.PASS else []
    return render_template("results/candidate_result.html", page=page, expected=expected, resit=resit,
                           resit_days=current_app.config["RESULTS_RESIT_INTERVAL_DAYS"], certificates=certificates)


@bp.get("/results/sittings/<int:sitting_id>/score-report.pdf")
@roles_required(Role.CANDIDATE)
def score_report(sitting_id: int):
    page, _expected, resit = _result_page(sitting_id)
    if page.outcome not in (rules.Outcome.PASS, rules.Outcome.FAIL):
        raise NotFound("There is no score report: results for this sitting have not been released to you.")
    html = render_template("results/score_report.html", page=page, resit=resit)
    pdf = html_to_pdf(html, stylesheet=PDF_STYLES)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="score-report-{sitting_id}.pdf"'})
