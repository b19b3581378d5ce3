"""Examiners' pages for scoring runs: the sittings, a sitting's runs, a run (test and item
statistics, the score distribution), a new run with a decision and its reason, and two runs side
by side. Views parse, load, call one service, commit once."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from core import db
from core.clock import utcnow
from core.errors import Conflict, ValidationFailed
from core.roles import Role
from core.web import add_problems, current_actor, roles_required
from item_bank.statistics.flags import flag_label  # the same words as the item's page
from scoring.runs import charts, dif, queries, services
from scoring.runs.quality import flag_sentence
from scoring.runs.forms import DifForm, FirstRunForm, NewRunForm

bp = Blueprint("scoring_runs", __name__)


@bp.context_processor
def _helpers():
    def number(value, places: int = 3) -> str:
        return "—" if value is None else f"{value:.{places}f}"

    def shown(value) -> str:
        """A key, a flag list, a yes/no or a number as a person reads it."""
        if value is None:
            return "—"
        if isinstance(value, bool):
            return "yes" if value else "no"
        if isinstance(value, float):
            return number(value)
        if isinstance(value, dict):
            return ", ".join(f"{stem}:{option}" for stem, option in value.items())
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) or "none"
        return str(value)

    return {"number": number, "flag_words": flag_label, "shown": shown}




# The run services name the decision; the form names the item and key fields it came from.
RUN_FIELDS = {"exclude": "item", "rekey": "key", "second_keys": "key"}


@bp.get("/scoring")
@roles_required(Role.EXAMINER)
def sittings():
    return render_template("scoring/runs/sittings.html", rows=queries.sittings(db.session(), current_actor()))


@bp.route("/scoring/sittings/<int:sitting_id>/runs", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
def sitting_runs(sitting_id: int):
    sitting, rows, papers = queries.sitting_page(db.session(), current_actor(), sitting_id)
    form = FirstRunForm()
    form.offer(papers)
    if form.validate_on_submit():
        try:
            run = services.run_scoring(db.session(), actor=current_actor(), sitting_id=sitting_id, now=utcnow(),
                                       reason=form.reason.data or "", exam_paper_id=form.chosen_paper())
        except ValidationFailed as error:
            add_problems(form, error, RUN_FIELDS)
        except Conflict as error:  # attempts still open, too few candidates: said above the button
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash(f"Run {run.id} made{' (provisional: marking is not finished)' if run.is_provisional else ''}.",
                  "success")
            return redirect(url_for("scoring_runs.run_detail", run_id=run.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("scoring/runs/sitting_runs.html", sitting=sitting, rows=rows, form=form,
                           papers=papers), status


@bp.get("/scoring/runs/<int:run_id>")
@roles_required(Role.EXAMINER)
def run_detail(run_id: int):
    page = queries.run_page(db.session(), current_actor(), run_id)
    # ?cut= is a what-if for the board: it changes nothing, and a bad value is said beside the field.
    quality = queries.run_quality(db.session(), current_actor(), run_id, request.args.get("cut"))
    chart = Markup(charts.histogram_svg(page.run.histogram, page.run.max_score,
                                        title=f"Score distribution of run {page.run.id}"))
    return render_template("scoring/runs/run.html", page=page, chart=chart, quality=quality,
                           flag_sentence=flag_sentence), 422 if quality.cut_problem else 200


@bp.route("/scoring/runs/<int:run_id>/new", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
def new_run(run_id: int):
    page = queries.run_page(db.session(), current_actor(), run_id)
    form = NewRunForm()
    form.item.choices = [SelectChoice("", "Choose an item")] + [
        SelectChoice(i.label, f"{i.label} (question {i.position}, {i.item_type})") for i in page.kept]
    if form.validate_on_submit():
        label, key = form.item.data, (form.key.data or "").strip()
        decision = form.decision.data
        try:
            run = services.rerun(db.session(), actor=current_actor(), run_id=run_id, now=utcnow(),
                                 exclude=[label] if decision == "exclude" else [],
                                 rekey={label: key} if decision == "rekey" else {},
                                 second_keys={label: key} if decision == "second_key" else {},
                                 reason=form.reason.data or "")
        except ValidationFailed as error:
            add_problems(form, error, RUN_FIELDS)
        else:
            db.session().commit()
            flash(f"Run {run.id} made. Run {run_id} is kept unchanged.", "success")
            return redirect(url_for("scoring_runs.compare", run_id=run_id, other=run.id))
    status = 422 if form.errors or form.form_errors else 200
    return render_template("scoring/runs/new_run.html", page=page, form=form), status


@bp.get("/scoring/runs/<int:run_id>/compare")
@roles_required(Role.EXAMINER)
def compare(run_id: int):
    page = queries.run_page(db.session(), current_actor(), run_id)
    other = request.args.get("other", type=int)
    cut_text = (request.args.get("cut") or "").strip()
    cut, problem = None, ""
    if cut_text:
        try:
            cut = float(cut_text)
            if not 0 <= cut <= page.run.max_score:
                raise ValueError
        except ValueError:
            cut, problem = None, f"Enter a pass mark between 0 and {page.run.max_score:g}"
    result, other_problem = None, ""
    if other is not None:
        try:
            _a, _b, result = queries.compare_runs(db.session(), current_actor(), run_id, other, cut)
        except ValidationFailed as error:  # another sitting's or another paper's run: said beside the choice
            other_problem = error.message
    return render_template("scoring/runs/compare.html", page=page, other=other, result=result, cut=cut,
                           cut_text=cut_text, problem=problem, other_problem=other_problem), \
        422 if problem or other_problem else 200


@bp.get("/scoring/runs/<int:run_id>/dif")
@roles_required(Role.EXAMINER)
def dif_report(run_id: int):
    page = queries.run_page(db.session(), current_actor(), run_id)
    form = DifForm(request.args)
    form.offer(dif.dif_choices(db.session(), current_actor(), run_id))
    report, status = None, 200
    if form.question.data and form.reference.data and form.focal.data:
        try:
            report = dif.dif_report(db.session(), current_actor(), run_id, question_key=form.question.data,
                                    reference=form.reference.data, focal=form.focal.data,
                                    min_group=current_app.config["DIF_MIN_GROUP"])
        except ValidationFailed as error:
            add_problems(form, error, RUN_FIELDS)
            status = 422
    elif request.args.get("show") and form.question.data:
        for field in (form.reference, form.focal):
            if not field.data:
                field.errors = [*field.errors, f"Choose the {field.name} group"]
        status = 422
    return render_template("scoring/runs/dif.html", page=page, form=form, report=report,
                           min_group=current_app.config["DIF_MIN_GROUP"]), status
