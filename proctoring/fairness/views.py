"""The fairness report page: flag rates per sitting and kind, and across monitored groups, for
examiners and administrators. A report changes nothing, so its choices are a GET form."""
from __future__ import annotations

from flask import Blueprint, current_app, render_template, request

from core import db
from core.errors import ValidationFailed
from core.web import add_problems, current_actor, roles_required
from proctoring.fairness import queries
from proctoring.fairness.forms import FairnessForm

bp = Blueprint("invigilation_fairness", __name__)


@bp.context_processor
def _numbers():
    def percent(value) -> str:
        return "—" if value is None else f"{100 * value:.1f}%"

    def decimal(value, places: int = 2) -> str:
        return "—" if value is None else f"{value:.{places}f}"

    def p_value(value) -> str:
        if value is None:
            return "—"
        return "below 0.0001" if value < 0.0001 else f"{value:.4f}"

    return {"percent": percent, "decimal": decimal, "p_value": p_value}


@bp.get("/invigilation/fairness")
@roles_required(*queries.FAIRNESS_ROLES)
def report():
    session, actor = db.session(), current_actor()
    form = FairnessForm(request.args)
    sittings = queries.sitting_choices(session, actor)
    form.offer(sittings, queries.question_choices(session))
    sitting_id = int(form.sitting.data) if (form.sitting.data or "").isdigit() else None
    status, found = 200, None
    if form.sitting.data and sitting_id not in {s.id for s in sittings}:
        form.sitting.errors = ["Choose a sitting from the list"]
        status = 422
    else:
        try:
            found = queries.fairness_report(session, actor, sitting_id=sitting_id, question=form.question.data or None,
                                            min_group=current_app.config["DIF_MIN_GROUP"])
        except ValidationFailed as error:
            add_problems(form, error)
            status = 422
    return render_template("invigilation/fairness/report.html", form=form, report=found,
                           min_group=current_app.config["DIF_MIN_GROUP"]), status
