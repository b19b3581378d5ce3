"""Forms of the results pages (shape only; the services check the sitting, the run, the decision
and the reasons)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from assessment.results.rules import ExaminerAction

def _id_or_none(value):
    """A chosen id, or None for the "Choose…" placeholder (whose value is empty)."""
    if value in ("", None):
        return None
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError("Not a valid choice") from None


ACTIONS = [SelectChoice(a.value, a.label) for a in ExaminerAction]


class ExaminerDecisionForm(FlaskForm):
    attempt = SelectField("Candidate", coerce=_id_or_none, choices=[],
                          validators=[InputRequired("Choose the candidate")],
                          description="By candidate number, as markers see them.")
    action = RadioField("Decision", choices=ACTIONS, validators=[InputRequired("Choose a decision")])
    reasons = TextAreaField("Reasons", validators=[InputRequired("Enter the reasons"), Length(max=4000)],
                            description="They are kept with the decision and may be read by an appeal panel.")


class ReleaseForm(FlaskForm):
    run = SelectField("Scoring run", coerce=_id_or_none, choices=[], validators=[InputRequired("Choose a scoring run")])
    decision = SelectField("Cut-score decision", coerce=_id_or_none, choices=[],
                           validators=[InputRequired("Choose a cut-score decision")])
    reasons = TextAreaField("Reasons", validators=[Optional(), Length(max=4000)],
                            description="Needed when results were released before: the new release replaces "
                                        "them, and candidates are told their result was corrected.")
    confirmed = HiddenField(default="")
