"""Forms of the live invigilator: shape only, the services check the rules."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectField, SelectMultipleField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from proctoring.live.rules import MESSAGE_MAX_CHARS, Action
from proctoring.rules import ActionReason

REASON_CHOICES = [SelectChoice("", "Choose a reason"), *(SelectChoice(r.value, r.label) for r in ActionReason)]


class MessageForm(FlaskForm):
    text = TextAreaField("Message to the candidate", description=f"Up to {MESSAGE_MAX_CHARS} characters. "
                         "The candidate reads it in the exam and is asked to say they have read it.",
                         validators=[InputRequired("Write the message to the candidate"),
                                     Length(max=MESSAGE_MAX_CHARS,
                                            message=f"The message must be {MESSAGE_MAX_CHARS} characters or fewer")])


class ActionForm(FlaskForm):
    action = SelectField("Action", choices=[SelectChoice("", "Choose an action"),
                                                   *(SelectChoice(a.value, a.label) for a in Action)],
                         validators=[InputRequired("Choose an action")])
    minutes = IntegerField("Minutes to add (only when adding time)", validators=[
        Optional(), NumberRange(min=1, max=240, message="Add between 1 and 240 minutes")])
    reason_code = SelectField("Reason", choices=REASON_CHOICES,
                              validators=[InputRequired("Choose a reason from the list")])
    text = TextAreaField("What happened", description="Kept with the attempt and read by the reviewer. The "
                                                      "reason for a pause is also shown to the candidate.",
                         validators=[InputRequired("Say what happened: the text is kept with the attempt"),
                                     Length(max=2000, message="The text must be 2,000 characters or fewer")])


class EndRequestForm(FlaskForm):
    reason_code = SelectField("Reason", choices=REASON_CHOICES,
                              validators=[InputRequired("Choose a reason from the list")])
    text = TextAreaField("Why the attempt should end", description="A second person reads this before confirming.",
                         validators=[InputRequired("Say why the attempt should end"),
                                     Length(max=2000, message="The text must be 2,000 characters or fewer")])


class CancelEndForm(FlaskForm):
    note = TextAreaField("Why the attempt should not end", validators=[
        InputRequired("Say why the attempt should not end"),
        Length(max=2000, message="The note must be 2,000 characters or fewer")])


class ConfirmEndForm(FlaskForm):
    """A button: the CSRF token only."""


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AllocationForm(FlaskForm):
    invigilators = MultiCheckboxField("Invigilators for this sitting", coerce=int,
                                      validators=[InputRequired("Choose at least one invigilator")])


class HandOverForm(FlaskForm):
    candidates = MultiCheckboxField("Candidates to hand over", coerce=int,
                                    validators=[InputRequired("Choose the candidates to hand over")])
    to_invigilator = SelectField("Hand over to", coerce=lambda v: int(v) if v else None,
                                 validators=[InputRequired("Choose who takes over")])
    note = TextAreaField("Note for the invigilator taking over", validators=[
        InputRequired("Write a note for the invigilator taking over"),
        Length(max=2000, message="The note must be 2,000 characters or fewer")])
