"""Marking pages: an examiner's sittings and queue, marking one script, both marks once both are in;
the lead examiner's allocations, moderation and progress. Views parse, load, authorise, call one
service, commit once."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, url_for

from core import db
from core.clock import utcnow
from core.errors import Conflict, NotFound, ValidationFailed
from core.roles import Role
from core.web import add_problems, current_actor, roles_required
from scoring.marking import moderation as oversight, queries, rules, services
from scoring.marking.forms import AllocationForm, ButtonForm, MarkForm, PassMarkForm
from scoring.marking.models import MarkingAllocation

bp = Blueprint("marking", __name__, url_prefix="/marking")
MARKERS = (Role.EXAMINER,)
LEADS = (Role.EXAMINER, Role.ADMIN)


@bp.app_template_filter("marks")
def _marks(value) -> str:
    return "—" if value is None else f"{value:g}"


@bp.app_template_filter("signed")
def _signed(value) -> str:
    return "—" if value is None else f"{value:+.2f}"


@bp.route("")
@roles_required(*LEADS)
def index():
    return render_template("marking/index.html", sittings=oversight.sittings_to_mark(db.session(), current_actor()))


@bp.route("/sittings/<int:sitting_id>/queue")
@roles_required(*MARKERS)
def queue(sitting_id: int):
    entries = services.open_queue(db.session(), current_actor(), sitting_id, utcnow())
    db.session().commit()  # the scripts of attempts that ended since the last visit
    return render_template("marking/queue.html", sitting_id=sitting_id, entries=entries)


@bp.route("/scripts/<int:script_id>/<any(first, second, third, appeal):round_>", methods=["GET", "POST"])
@roles_required(*MARKERS)
def mark_script(script_id: int, round_: str):
    page = queries.marking_page(db.session(), current_actor(), script_id, round_)
    form = MarkForm()
    form.mark.description = f"From 0 to {page.script.max_mark}, in whole or half marks."
    if form.validate_on_submit():
        try:
            services.give_mark(db.session(), current_actor(), script_id, round_, form.mark.data,
                               form.justification.data or "", utcnow(), reason=form.reason.data or "")
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash(f"Mark saved for candidate {page.script.candidate_number}.", "success")
            return redirect(url_for("marking.queue", sitting_id=page.script.sitting_id))
    return render_template("marking/mark.html", page=page, form=form), 422 if form.errors or form.form_errors else 200


@bp.route("/scripts/<int:script_id>/marks")
@roles_required(*MARKERS)
def both_marks(script_id: int):
    return render_template("marking/both_marks.html", shown=queries.revealed_marks(db.session(), current_actor(),
                                                                                   script_id))


def _lead_page(sitting_id: int, **forms):
    session = db.session()
    services.require_lead(session, current_actor(), sitting_id)
    return render_template(
        "marking/allocations.html", sitting_id=sitting_id, allocations=oversight.allocations(session, sitting_id),
        rule=queries.rule_for(session, sitting_id), button=ButtonForm(),
        form=forms.get("form") or AllocationForm(prefix="allocate", examiners=oversight.examiners(session)),
        pass_form=forms.get("pass_form") or PassMarkForm(prefix="pass",
                                                         data={"pass_mark": queries.rule_for(session, sitting_id).pass_mark}))


@bp.route("/sittings/<int:sitting_id>/allocations")
@roles_required(*LEADS)
def allocations(sitting_id: int):
    return _lead_page(sitting_id)


@bp.route("/sittings/<int:sitting_id>/allocations", methods=["POST"])
@roles_required(*LEADS)
def allocate(sitting_id: int):
    form = AllocationForm(prefix="allocate", examiners=oversight.examiners(db.session()))
    if form.validate_on_submit():
        try:
            services.allocate(db.session(), current_actor(), sitting_id, form.examiner.data, form.pool.data,
                              utcnow(), tolerance=current_app.config["MARKING_TOLERANCE"],
                              rounding=current_app.config["MARKING_ROUNDING"])
        except ValidationFailed as error:
            add_problems(form, error)
        except Conflict as error:
            form.form_errors.append(error.message)
        else:
            db.session().commit()
            flash("Examiner allocated.", "success")
            return redirect(url_for("marking.allocations", sitting_id=sitting_id))
    return _lead_page(sitting_id, form=form), 422


@bp.route("/allocations/<int:allocation_id>/withdraw", methods=["POST"])
@roles_required(*LEADS)
def withdraw(allocation_id: int):
    allocation = db.session().get(MarkingAllocation, allocation_id)
    if allocation is None or not ButtonForm().validate_on_submit():
        raise NotFound("There is no such allocation.")
    services.withdraw(db.session(), current_actor(), allocation_id, utcnow())
    db.session().commit()
    flash("Allocation withdrawn.", "success")
    return redirect(url_for("marking.allocations", sitting_id=allocation.sitting_id))


@bp.route("/sittings/<int:sitting_id>/pass-mark", methods=["POST"])
@roles_required(*LEADS)
def pass_mark(sitting_id: int):
    form = PassMarkForm(prefix="pass")
    if form.validate_on_submit():
        services.set_pass_mark(db.session(), current_actor(), sitting_id, form.pass_mark.data, utcnow())
        db.session().commit()
        flash("Pass mark saved.", "success")
        return redirect(url_for("marking.allocations", sitting_id=sitting_id))
    return _lead_page(sitting_id, pass_form=form), 422


@bp.route("/sittings/<int:sitting_id>/progress")
@roles_required(*LEADS)
def progress(sitting_id: int):
    services.require_lead(db.session(), current_actor(), sitting_id)
    return render_template("marking/progress.html", sitting_id=sitting_id,
                           progress=oversight.progress(db.session(), sitting_id, utcnow()))


@bp.route("/sittings/<int:sitting_id>/moderation")
@roles_required(*LEADS)
def moderation(sitting_id: int):
    session = db.session()
    services.require_lead(session, current_actor(), sitting_id)
    return render_template("marking/moderation.html", sitting_id=sitting_id,
                           moderation=oversight.moderation(session, sitting_id), rule=queries.rule_for(session, sitting_id),
                           seedable=oversight.seedable_scripts(session, sitting_id), button=ButtonForm())


@bp.route("/scripts/<int:script_id>/seed", methods=["POST"])
@roles_required(*LEADS)
def seed(script_id: int):
    if not ButtonForm().validate_on_submit():
        raise NotFound("There is no such script.")
    made = services.seed_script(db.session(), current_actor(), script_id, utcnow())
    db.session().commit()
    flash("The script is seeded into the markers' queues.", "success")
    return redirect(url_for("marking.moderation", sitting_id=made.sitting_id))


ROUND_LABELS = {**{r: r.value.title() + " mark" for r in rules.Round}, rules.Round.APPEAL: "Re-mark after appeal"}


@bp.context_processor
def _labels():
    return {"round_labels": ROUND_LABELS, "Pool": rules.Pool, "Round": rules.Round}
