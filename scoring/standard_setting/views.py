"""Pages of standard-setting exercises: the list, set-up, the lead's dashboard (judges, rounds,
performance data, global grades, cuts and plots, the record as CSV and PDF) and the judge's pages
(Angoff item by item, the Ebel grid, Hofstee and Beuk). Judges need no role: their access is the
exercise's judge list, checked by the queries and services. Views parse, load, call one service,
commit once."""
from __future__ import annotations

from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from core import db
from core.clock import utcnow
from core.errors import ValidationFailed
from core.roles import Role
from core.web import add_problems, current_actor, login_required, roles_required
from scoring.standard_setting import charts, exports, queries, services
from scoring.standard_setting.forms import (
    BeukForm, ButtonForm, ExerciseForm, GradesForm, HofsteeForm, JudgeForm, RatingForm)
from scoring.standard_setting.rules import Method

bp = Blueprint("standard_setting", __name__)


@bp.context_processor
def _helpers():
    def number(value, places: int = 2) -> str:
        return "—" if value is None else f"{value:.{places}f}"

    def percent(value, places: int = 0) -> str:
        return "—" if value is None else f"{value * 100:.{places}f}%"

    return {"number": number, "percent": percent, "method_label": lambda m: Method(m).label}




def _status(*forms) -> int:
    return 422 if any(f.errors or f.form_errors for f in forms) else 200


@bp.get("/standard-setting")
@login_required
def index():
    return render_template("standard_setting/index.html", rows=queries.exercises(db.session(), current_actor()),
                           can_lead=current_actor().has(Role.EXAMINER))


@bp.route("/standard-setting/new", methods=["GET", "POST"])
@roles_required(Role.EXAMINER)
def new():
    form = ExerciseForm()
    papers, sittings = queries.setup_choices(db.session(), current_actor())
    form.exam_paper_id.choices = [SelectChoice("", "Choose a paper")] + [SelectChoice(*p) for p in papers]
    form.sitting_id.choices = [SelectChoice("", "No sitting")] + [SelectChoice(*s) for s in sittings]
    if form.validate_on_submit():
        try:
            exercise = services.create_exercise(
                db.session(), actor=current_actor(), now=utcnow(), title=form.title.data,
                exam_paper_id=form.exam_paper_id.data, sitting_id=form.sitting_id.data, methods=form.methods.data,
                n_rounds=form.n_rounds.data, shows_spread=form.shows_spread.data,
                shows_performance=form.shows_performance.data, judge_emails=form.emails())
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash("Exercise set up. Round 1 is open for the judges.", "success")
            return redirect(url_for("standard_setting.dashboard", exercise_id=exercise.id))
    return render_template("standard_setting/new.html", form=form), _status(form)


def _dashboard(exercise_id: int, judge_form=None, grades_form=None):
    page = queries.dashboard(db.session(), current_actor(), exercise_id)
    cuts = [(c.label, c.cut) for c in page.live.cuts if c.cut is not None]
    plots = {}
    if page.histogram:
        plots["distribution"] = Markup(charts.distribution_svg(
            page.histogram, page.live.max_score, cuts, title="Score distribution with the candidate cuts"))
    if page.hofstee:
        plots["hofstee"] = Markup(charts.hofstee_svg(page.totals, page.live.max_score, title="Hofstee: the fail "
                                                     "rate curve, the judges' rectangle and line", **page.hofstee))
    rounds = [(c.round, c.payload.get("spread", {})) for c in page.closed if c.payload.get("spread")]
    if Method.ANGOFF in page.methods:
        live_spread = {label: [s.n, s.minimum, s.median, s.maximum] for label, s in page.live.spread.items() if s}
        if page.state.is_open and live_spread:
            rounds.append((page.state.round, live_spread))
        if rounds:
            plots["spread"] = Markup(charts.spread_svg([i.label for i in page.items], rounds,
                                                       title="Angoff ratings per item, round by round"))
    judge_form = judge_form or JudgeForm(formdata=None)
    grades_form = grades_form or GradesForm(formdata=None)
    return render_template("standard_setting/dashboard.html", page=page, plots=plots, rounds=rounds,
                           judge_form=judge_form, grades_form=grades_form, action_form=ButtonForm(),
                           is_lead=page.exercise.lead_id == current_actor().user_id), _status(judge_form, grades_form)


@bp.get("/standard-setting/<int:exercise_id>")
@roles_required(Role.EXAMINER)
def dashboard(exercise_id: int):
    return _dashboard(exercise_id)


@bp.post("/standard-setting/<int:exercise_id>/judges")
@roles_required(Role.EXAMINER)
def add_judge(exercise_id: int):
    form = JudgeForm()
    services.require_lead(current_actor(), services.get_exercise(db.session(), exercise_id))
    if form.validate_on_submit():
        try:
            services.add_judge(db.session(), actor=current_actor(), now=utcnow(), exercise_id=exercise_id,
                               email=form.email.data)
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash(f"{form.email.data} is now a judge.", "success")
            return redirect(url_for("standard_setting.dashboard", exercise_id=exercise_id))
    return _dashboard(exercise_id, judge_form=form)


def _lead_action(exercise_id: int, service, message: str):
    if ButtonForm().validate_on_submit():
        service(db.session(), actor=current_actor(), now=utcnow(), exercise_id=exercise_id)
        db.session().commit()
        flash(message, "success")
    return redirect(url_for("standard_setting.dashboard", exercise_id=exercise_id))


@bp.post("/standard-setting/<int:exercise_id>/close")
@roles_required(Role.EXAMINER)
def close_round(exercise_id: int):
    return _lead_action(exercise_id, services.close_round, "Round closed. Its ratings and cuts are recorded.")


@bp.post("/standard-setting/<int:exercise_id>/release")
@roles_required(Role.EXAMINER)
def release_performance(exercise_id: int):
    return _lead_action(exercise_id, services.release_performance, "Performance data released to the judges.")


@bp.post("/standard-setting/<int:exercise_id>/open")
@roles_required(Role.EXAMINER)
def open_round(exercise_id: int):
    return _lead_action(exercise_id, services.open_next_round, "The next round is open for the judges.")


@bp.post("/standard-setting/<int:exercise_id>/grades")
@roles_required(Role.EXAMINER)
def record_grades(exercise_id: int):
    form = GradesForm()
    if form.validate_on_submit():
        try:
            written = services.record_grades(db.session(), actor=current_actor(), now=utcnow(),
                                             exercise_id=exercise_id, text=form.grades.data)
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash(f"{written} global grade{'' if written == 1 else 's'} recorded.", "success")
            return redirect(url_for("standard_setting.dashboard", exercise_id=exercise_id, _anchor="borderline"))
    return _dashboard(exercise_id, grades_form=form)


@bp.get("/standard-setting/<int:exercise_id>/record.csv")
@roles_required(Role.EXAMINER)
def record_csv(exercise_id: int):
    text = exports.record_csv(db.session(), current_actor(), exercise_id)
    return Response(text, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="standard-setting-{exercise_id}.csv"'})


@bp.get("/standard-setting/<int:exercise_id>/report.pdf")
@roles_required(Role.EXAMINER)
def report_pdf(exercise_id: int):
    pdf = exports.report_pdf(db.session(), current_actor(), exercise_id)
    return Response(pdf, mimetype="application/pdf", headers={
        "Content-Disposition": f'attachment; filename="standard-setting-{exercise_id}.pdf"'})


# ---- judges ------------------------------------------------------------------------------------

@bp.get("/standard-setting/<int:exercise_id>/judge")
@login_required
def judge_home(exercise_id: int):
    return render_template("standard_setting/judge.html", page=queries.judge_home(db.session(), current_actor(),
                                                                                   exercise_id))


@bp.route("/standard-setting/<int:exercise_id>/angoff/<int:position>", methods=["GET", "POST"])
@login_required
def rate_item(exercise_id: int, position: int):
    from item_bank.authoring.forms import ITEM_TYPE_NAMES

    def attachment_url(attachment) -> str:
        return url_for("standard_setting.attachment", exercise_id=exercise_id, attachment_id=attachment.id)

    page = queries.angoff_item(db.session(), current_actor(), exercise_id, position, type_names=ITEM_TYPE_NAMES,
                               attachment_url=attachment_url)
    form = RatingForm()
    if page.item.max_mark > 1:
        form.rating.label.text = (f"The mark a just-competent case manager would be expected to get "
                                  f"(out of {page.item.max_mark:g})")
        form.rating.description = f"A mark from 0 to {page.item.max_mark:g} (2.5 is fine), or a percentage such as 60%."
    else:
        form.rating.label.text = "Chance that a just-competent case manager answers correctly"
        form.rating.description = "A probability from 0 to 1 (0.65) or a percentage from 0 to 100 (65)."
    if form.validate_on_submit():
        try:
            services.rate_angoff(db.session(), actor=current_actor(), now=utcnow(), exercise_id=exercise_id,
                                 position=position, text=form.rating.data)
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash(f"Rating for question {position} saved.", "success")
            if position < page.n_items:
                return redirect(url_for("standard_setting.rate_item", exercise_id=exercise_id, position=position + 1))
            return redirect(url_for("standard_setting.judge_home", exercise_id=exercise_id))
    elif request.method == "GET" and page.mine is not None:
        form.rating.data = f"{page.mine * (page.item.max_mark if page.item.max_mark > 1 else 1):g}"
    return render_template("standard_setting/rate_item.html", page=page, form=form), _status(form)


@bp.route("/standard-setting/<int:exercise_id>/ebel", methods=["GET", "POST"])
@login_required
def ebel(exercise_id: int):
    page = queries.ebel_page(db.session(), current_actor(), exercise_id)
    form = ButtonForm()
    problems: dict[str, str] = {}
    if form.validate_on_submit():
        categories = {i.label: (request.form.get(f"item-{i.label}-relevance", ""),
                                request.form.get(f"item-{i.label}-difficulty", "")) for i in page.items}
        rates = {(r, d): request.form.get(f"cell-{r}-{d}", "") for r in page.relevance for d in page.difficulty}
        try:
            services.rate_ebel(db.session(), actor=current_actor(), now=utcnow(), exercise_id=exercise_id,
                               categories=categories, rates=rates)
        except ValidationFailed as error:
            problems = {p.field: p.message for p in error.problems}
            page.categories.update({k: v for k, v in categories.items()})
            page.rates.update({f"{r}/{d}": v for (r, d), v in rates.items()})
        else:
            db.session().commit()
            flash("Ebel judgements saved.", "success")
            return redirect(url_for("standard_setting.judge_home", exercise_id=exercise_id))
    return render_template("standard_setting/ebel.html", page=page, form=form, problems=problems,
                           typed=request.method == "POST"), 422 if problems else 200


def _compromise(exercise_id: int, method: Method, form_class):
    exercise, current, saved, max_score = queries.compromise_page(db.session(), current_actor(), exercise_id, method)
    form = form_class()
    if form.validate_on_submit():
        try:
            services.rate_compromise(db.session(), actor=current_actor(), now=utcnow(), exercise_id=exercise_id,
                                     method=method, texts={f.name: f.data for f in form if f.name != "csrf_token"})
        except ValidationFailed as error:
            add_problems(form, error)
        else:
            db.session().commit()
            flash(f"{method.label} judgement saved.", "success")
            return redirect(url_for("standard_setting.judge_home", exercise_id=exercise_id))
    elif request.method == "GET":
        for name, value in saved.items():
            getattr(form, name).data = f"{value * 100:g}"
    return render_template("standard_setting/compromise.html", exercise=exercise, state=current, method=method,
                           form=form, max_score=max_score), _status(form)


@bp.route("/standard-setting/<int:exercise_id>/hofstee", methods=["GET", "POST"])
@login_required
def hofstee(exercise_id: int):
    return _compromise(exercise_id, Method.HOFSTEE, HofsteeForm)


@bp.route("/standard-setting/<int:exercise_id>/beuk", methods=["GET", "POST"])
@login_required
def beuk(exercise_id: int):
    return _compromise(exercise_id, Method.BEUK, BeukForm)


@bp.get("/standard-setting/<int:exercise_id>/attachments/<int:attachment_id>")
@login_required
def attachment(exercise_id: int, attachment_id: int):
    from flask import abort, current_app, send_file

    from item_bank.authoring import attachments

    found = queries.judge_attachment(db.session(), current_actor(), exercise_id, attachment_id)
    path = attachments.storage_path(current_app.config["UPLOAD_FOLDER"], found.sha256)
    if not path.exists():
        abort(404)
    return send_file(path, mimetype=found.content_type, download_name=found.filename,
                     as_attachment=found.content_type == "application/pdf")
