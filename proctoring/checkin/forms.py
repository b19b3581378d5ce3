"""HTML forms of consent, check-in and the ID check: shape only, no queries."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from proctoring.rules import ActionReason


class ConsentForm(FlaskForm):
    agree = BooleanField("I have read the privacy notice and I agree to be invigilated remotely for this sitting",
                         validators=[DataRequired("Tick the box to give your consent, or ask for another arrangement")])


class ButtonForm(FlaskForm):
    """A button-only form (withdraw consent, submit the check-in): just the CSRF token."""


class PictureForm(FlaskForm):
    """One picture for a step; the page gives each step its own prefix (``photo-image``, …)."""

    image = FileField("Upload a picture instead (JPEG or PNG, up to 2 MB)",
                      description="Use this if you have no camera here or the camera buttons do not work.")


class HelpForm(FlaskForm):
    note = TextAreaField("What do you need help with? (optional)", validators=[Optional(), Length(max=1000)],
                         description="For example: I am blind and cannot frame the room with the camera.")


class RulesForm(FlaskForm):
    agree = BooleanField("I have read these rules and I will follow them",
                         validators=[DataRequired("Confirm that you have read the rules of the exam")])


class RejectForm(FlaskForm):
    reason = TextAreaField("Why it is not approved (the candidate reads this)",
                           validators=[InputRequired("Say why the check-in is not approved"), Length(max=2000)],
                           description="Say what to do differently, for example: the ID photo is too blurred to read.")


REASON_CHOICES = [SelectChoice("", "Choose a reason")] + [SelectChoice(r.value, r.label) for r in ActionReason]


class WaiveForm(FlaskForm):
    reason_code = SelectField("Reason for the waiver", choices=REASON_CHOICES,
                              validators=[InputRequired("Choose the reason for the waiver from the list")])
    reason = TextAreaField("Explain the waiver",
                           validators=[InputRequired("Say why the check-in is waived"), Length(max=2000)],
                           description="The candidate may then start without check-in. This is kept with the log.")
