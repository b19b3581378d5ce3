"""Examiners' pages of cut-score decisions: a sitting's decisions and their status, recording a
decision (the pass mark shown before it is recorded), a decision with its impact and its approval by
a second examiner, and equating an approved standard onto a later paper. Views parse, load, call
one service, commit once."""
from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from wtforms.fields.choices import SelectChoice

from core import db
from core.clock import utcnow
from core.errors import ValidationFailed
from core.roles import Role
from core.web import add_problems, current_actor, roles_required
from scoring.cut_scores import queries, rules, services
from scoring.cut_scores.equating import DRIFT_LOGITS, LINK_NAMES, MIN_ANCHORS, MODEL_NAMES, Link
from scoring.cut_scores.forms import ApprovalForm, DecisionForm, EquatedDecisionForm, EquateForm

bp = Blueprint("cut_scores", __name__)


@bp.context_processor
def _helpers():
    def number(value, places: int = 2) -> str:
        return "—" if value is None else f"{value:.{places}f}"

    def marks(value) -> str:
        return "—" if value is None else f"{value:g}"

    def percent(value) -> str:
        return "—" if value is None or value != value else f"{100 * value:.1f}%"

    return {"number": number, "marks": marks, "percent": percent, "method_names": rules.METHOD_NAMES,
            "rounding_names": rules.ROUNDING_NAMES, "link_names": LINK_NAMES,
            "model_names": MODEL_NAMES}




def _checked(form, run_id: int, raw_cut: float):
    """The pass mark and impact the form's numbers give, or None with the problem beside the field."""
    try:
        return queries.preview(db.session(), current_actor(), run_id, raw_cut, form.k.data, form.rounding.data)
    except ValueError as error:
        text = str(error)
        field = form.k if text.startswith("k ") or "SEM" in text else getattr(form, "raw_cut", form.k)
        field.errors = [*field.errors, text[:1].upper() + text[1:]]
        return None


def _confirmed(form, pass_mark: float) -> bool:
    """True when the examiner asked to record and was shown this very pass mark."""
    if request.form.get("action") != "record":
        return False
    if form.shown_pass_mark.data != f"{pass_mark:g}":
        form.form_errors.append(f"With these numbers the pass mark is {pass_mark:g}: check it below, then record "
                                "the decision.")
        return False
    return True


def _prefill(form) -> None:
    """``?exercise=ID&method=M``: the exercise's cut for that method (its last round) fills the cut and
    its SE, which the examiner still confirms. Nothing is filled until exercises provide their cuts
    (``queries.exercise_cuts``)."""
    exercise_id, method = request.args.get("exercise", type=int), request.args.get("method", "")
    if exercise_id is None:
        return
    form.exercise_id.data, form.method.data = str(exercise_id), method
    cuts = [c for c in queries.exercise_cuts(db.session(), exercise_id) if c.method == method]
    if cuts:
        form.raw_cut.data, form.standard_error.data = cuts[-1].cut, cuts[-1].standard_error


@bp.get("/scoring/sittings/<int:sitting_id>/cut-scores")
@roles_required(Role.EXAMINER)
def sitting_decisions(sitting_id: int):
    page = queries.sitting_decisions(db.session(), current_actor(), sitting_id)
    return render_template("cut_scores/sitting.html", page=page)


@bp.route("/scoring/sittings/<int:sitting_id>/cut-scores/new", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
def new_decision(sitting_id: int):
    page = queries.sitting_decisions(db.session(), current_actor(), sitting_id)
    form = DecisionForm()
    form.scoring_run_id.choices = [SelectChoice("", "Choose a final run")] + [
        SelectChoice(str(r.id), f"Run {r.id} ({r.n_candidates} candidates)") for r in page.final_runs]
    run_id = int(form.scoring_run_id.data) if (form.scoring_run_id.data or "").isdigit() else None
    form.exercise_id.choices = [SelectChoice("", "None")] + [
        SelectChoice(str(i), t) for i, t in queries.exercises_for_sitting(db.session(), sitting_id)]
    if request.method == "GET":
        _prefill(form)
    checked = None
    if request.method == "POST" and form.validate():
        exercise_id = int(form.exercise_id.data) if (form.exercise_id.data or "").isdigit() else None
        try:  # a provisional run, or a run of another sitting, is refused beside the field
            services.final_run(db.session(), current_actor(), run_id, sitting_id)
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            checked = _checked(form, run_id, form.raw_cut.data)
        if checked is not None and _confirmed(form, checked[0].pass_mark):
            try:
                decision = services.record_decision(
                    db.session(), actor=current_actor(), sitting_id=sitting_id, scoring_run_id=run_id,
                    method=form.method.data, raw_cut=form.raw_cut.data, standard_error=form.standard_error.data,
                    k=form.k.data, rounding=form.rounding.data, reasons=form.reasons.data, now=utcnow(),
                    exercise_id=exercise_id)
            except ValidationFailed as error:
                add_problems(form, error)
                checked = None
            else:
                db.session().commit()
                flash(f"Decision {decision.id} recorded: a pass mark of {decision.pass_mark:g}. A second examiner "
                      "approves it.", "success")
                return redirect(url_for("cut_scores.decision", decision_id=decision.id))
        if checked is not None:
            form.shown_pass_mark.data = f"{checked[0].pass_mark:g}"
    status = 422 if form.errors or form.form_errors else 200
    return render_template("cut_scores/new.html", page=page, form=form, checked=checked), status


@bp.get("/cut-scores/<int:decision_id>")
@roles_required(Role.EXAMINER)
def decision(decision_id: int):
    page = queries.decision_page(db.session(), current_actor(), decision_id)
    return render_template("cut_scores/decision.html", page=page, form=ApprovalForm())


@bp.post("/cut-scores/<int:decision_id>/approve")
@roles_required(Role.EXAMINER)
def approve(decision_id: int):
    form = ApprovalForm()
    if form.validate_on_submit():
        try:
            services.approve_decision(db.session(), actor=current_actor(), decision_id=decision_id,
                                      comment=form.comment.data or "", now=utcnow())
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash("Decision approved: it is the sitting's pass mark, and double marking now uses it.", "success")
            return redirect(url_for("cut_scores.decision", decision_id=decision_id))
    page = queries.decision_page(db.session(), current_actor(), decision_id)
    return render_template("cut_scores/decision.html", page=page, form=form), 422


@bp.get("/scoring/runs/<int:run_id>/equating")
@roles_required(Role.EXAMINER)
def equating(run_id: int):
    from scoring.runs.services import get_run

    to_run = get_run(db.session(), current_actor(), run_id)
    sources = queries.equating_sources(db.session(), current_actor(), to_run)
    form = EquateForm(request.args)
    form.from_run.choices = [SelectChoice("", "Choose a run")] + [
        SelectChoice(str(s.run_id), f"Run {s.run_id} of {s.sitting_title} (pass mark {s.decision.pass_mark:g})")
        for s in sources]
    view = None
    if "from_run" in request.args and form.validate():
        view = queries.equate_runs(db.session(), current_actor(), int(form.from_run.data), run_id, form.link.data)
    panel = [r for r in queries.decisions(db.session(), current_actor(), to_run.sitting_id)
             if r.scoring_run_id == to_run.id]
    status = 422 if form.errors or (view is not None and view.problem) else 200
    return render_template("cut_scores/equating.html", to_run=to_run, form=form, view=view, panel=panel,
                           sources=sources, min_anchors=MIN_ANCHORS, drift=DRIFT_LOGITS), status


@bp.route("/scoring/runs/<int:run_id>/equating/decision", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
def new_equated_decision(run_id: int):
    from_run = request.args.get("from_run", type=int)
    link = request.args.get("link", Link.ANCHORED.value)
    if from_run is None or link not in {l.value for l in Link}:
        abort(404)
    view = queries.equate_runs(db.session(), current_actor(), from_run, run_id, link)
    form = EquatedDecisionForm()
    if request.method == "GET":
        form.k.data = float((view.source.policy or {}).get("sem_multiplier", 0.0))
        form.rounding.data = (view.source.policy or {}).get("rounding", "up")
    checked = None
    if view.result is not None and request.method == "POST" and form.validate():
        checked = _checked(form, run_id, view.result.equated_cut)
        if checked is not None and _confirmed(form, checked[0].pass_mark):
            try:
                decision = services.record_equated_decision(
                    db.session(), actor=current_actor(), from_run_id=from_run, to_run_id=run_id, link=link,
                    k=form.k.data, rounding=form.rounding.data, reasons=form.reasons.data, now=utcnow())
            except ValidationFailed as error:
                add_problems(form, error)
                checked = None
            else:
                db.session().commit()
                flash(f"Decision {decision.id} recorded: the equated pass mark of {decision.pass_mark:g}. A second "
                      "examiner approves it.", "success")
                return redirect(url_for("cut_scores.decision", decision_id=decision.id))
        if checked is not None:
            form.shown_pass_mark.data = f"{checked[0].pass_mark:g}"
    if view.result is not None and view.to_run.is_provisional:
        form.form_errors.append(f"Run {run_id} is provisional: a pass mark is decided on a final run.")
    status = 422 if form.errors or form.form_errors or view.problem else 200
    return render_template("cut_scores/new_equated.html", view=view, form=form, checked=checked,
                           link=link), status
