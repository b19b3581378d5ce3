"""Forms of the results pages (shape only; the services check the sitting, the run, the decision
and the reasons)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from assessment.results.rules import ExaminerAction

ACTIONS = [SelectChoice(a.value, a.label) for a in ExaminerAction]


class ExaminerDecisionForm(FlaskForm):
    attempt = SelectField("Candidate", coerce=int, choices=[],
                          validators=[InputRequired("Choose the candidate")],
                          description="By candidate number, as markers see them.")
    action = RadioField("Decision", choices=ACTIONS, validators=[InputRequired("Choose a decision")])
    reasons = TextAreaField("Reasons", validators=[InputRequired("Enter the reasons"), Length(max=4000)],
                            description="They are kept with the decision and may be read by an appeal panel.")


class ReleaseForm(FlaskForm):
    run = SelectField("Scoring run", coerce=int, choices=[], validators=[InputRequired("Choose a scoring run")])
    decision = SelectField("Cut-score decision", coerce=int, choices=[],
                           validators=[InputRequired("Choose a cut-score decision")])
    reasons = TextAreaField("Reasons", validators=[Optional(), Length(max=4000)],
                            description="Needed when results were released before: the new release replaces "
                                        "them, and candidates are told their result was corrected.")
    confirmed = HiddenField(default="")
