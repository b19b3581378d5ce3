"""Forms of the review pages (shape only; the services check the flag, the attempt and the texts)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length

from proctoring.review.rules import TEXT_MAX
from proctoring.rules import Outcome

DECISIONS = [SelectChoice("confirmed", "Confirm the flag: what it says happened did happen and matters"),
             SelectChoice("dismissed", "Dismiss the flag: it is a false flag or has an innocent explanation")]


class FlagDecisionForm(FlaskForm):
    decision = RadioField("Your decision", choices=DECISIONS,
                          validators=[InputRequired("Choose whether the flag is confirmed or dismissed")])
    note = TextAreaField("Note", validators=[InputRequired("Enter a note"), Length(max=TEXT_MAX)],
                         description="Why you decided so, from the evidence. The candidate and an appeal panel "
                                     "may read it.")


class OutcomeForm(FlaskForm):
    outcome = RadioField("Outcome", choices=[SelectChoice(o.value, o.label) for o in Outcome],
                         validators=[InputRequired("Choose an outcome")])
    reasons = TextAreaField("Reasons", validators=[InputRequired("Enter the reasons"), Length(max=TEXT_MAX)],
                            description="The candidate and an appeal panel may read them.")
