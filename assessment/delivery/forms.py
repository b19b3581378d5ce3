"""HTML forms for sittings, bookings, adjustments and staff actions: shape only, no queries.
Date-times are entered in UK time and handed to the services as aware UTC datetimes."""
from __future__ import annotations

import datetime as dt

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateTimeLocalField, IntegerField, RadioField, SelectField, SelectMultipleField, \
    StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation
from wtforms.widgets import CheckboxInput, ListWidget

from core.clock import LONDON
from assessment.delivery.adjustments.rules import COLOUR_SCHEMES, EXTRA_TIME_CHOICES, TEXT_SIZES
from assessment.delivery.services import MAX_TIME_ADDED_MIN


def from_london(local: dt.datetime) -> dt.datetime:
    """A wall-clock time in the UK as an aware UTC instant. Refuses a time the clocks skip (spring)
    and one they repeat (autumn), rather than guessing which was meant."""
    first = local.replace(tzinfo=LONDON, fold=0)
    second = local.replace(tzinfo=LONDON, fold=1)
    if first.astimezone(dt.timezone.utc).astimezone(LONDON).replace(tzinfo=None) != local:
        raise ValueError("That time does not exist in the UK: the clocks go forward then. Choose another time")
    if first.utcoffset() != second.utcoffset():
        raise ValueError("That time happens twice in the UK: the clocks go back then. Choose another time")
    return first.astimezone(dt.timezone.utc)


class UKDateTimeField(DateTimeLocalField):
    """A datetime-local input read as UK time; ``data`` is aware UTC."""

    def __init__(self, label, message: str, **kwargs):
        super().__init__(label, format="%Y-%m-%dT%H:%M", validators=[InputRequired(message)],
                         invalid_value_message=f"{label} must be a real date and time, like 23/11/2026 09:30",
                         description=kwargs.pop("description", "UK time."), **kwargs)

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0]:
            self.data = None
            return
        super().process_formdata(valuelist)
        self.data = from_london(self.data)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return self.data.astimezone(LONDON).strftime("%Y-%m-%dT%H:%M") if self.data else ""

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # one message, not "required" as well


class WholeNumberField(IntegerField):
    """An integer input whose parse error names the field."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in (None, ""):
            self.data = None
            return
        value = str(valuelist[0]).strip()
        if value.lstrip("-").isdigit():
            self.data = int(value)
        else:
            self.data = None
            raise ValueError(f"{self.label.text} must be a whole number, like 4")

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()

    def pre_validate(self, form):
        pass  # the service says which choices are allowed, in words


class SittingForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired("Enter a title for the sitting"),
                                                   Length(max=200, message="Title must be 200 characters or fewer")],
                        description="For example, “Certificate of Proficiency, January 2027”.")
    paper_ids = CheckboxesField("Exam papers", coerce=int,
                                description="Choose one or more published papers. With several, each candidate "
                                            "gets one at random, so they must be parallel: the same exam "
                                            "specification, total marks and time allowed.")
    booking_opens_at = UKDateTimeField("Booking opens", "Enter when booking opens",
                                       description="UK time. Not used for a practice sitting.")
    booking_closes_at = UKDateTimeField("Booking closes", "Enter when booking closes",
                                        description="UK time. Candidates may book and cancel until then. Not used "
                                                    "for a practice sitting.")
    opens_at = UKDateTimeField("Exam window opens", "Enter when the exam window opens",
                               description="UK time. Candidates may start at any time within the window.")
    closes_at = UKDateTimeField("Exam window closes", "Enter when the exam window closes")
    duration_min = WholeNumberField("Time allowed in minutes", validators=[
        InputRequired("Enter the time allowed in minutes")])
    capacity = WholeNumberField("Number of places", validators=[InputRequired("Enter the number of places")])
    requires_invigilation = BooleanField("Candidates are invigilated remotely", default=True)
    is_practice = BooleanField("This is a practice sitting (open to every candidate, no booking)")

    def __init__(self, *args, papers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.paper_ids.choices = [SelectChoice(p.id, p.title) for p in papers]

    def validate(self, extra_validators=None):
        if self.is_practice.data:  # booking times are not needed for a practice sitting
            for name in ("booking_opens_at", "booking_closes_at"):
                getattr(self, name).validators = [Optional()]
        return super().validate(extra_validators)


def _whole_or_minus_one(value) -> int:
    """Anything that is not a whole number becomes -1, which the service refuses in words."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return -1


class AdjustmentForm(FlaskForm):
    extra_time_pct = SelectField("Extra time", coerce=_whole_or_minus_one, default=0, validate_choice=False,
                                 choices=[SelectChoice(p, "None" if p == 0 else f"{p}% extra time") for p in EXTRA_TIME_CHOICES],
                                 description="25% is the usual amount for dyslexia and many other conditions.")
    rest_breaks = BooleanField("Rest breaks that stop the clock")
    text_size = SelectField("Text size", choices=[SelectChoice(k, v) for k, v in TEXT_SIZES.items()], validate_choice=False)
    colour_scheme = SelectField("Colour scheme", choices=[SelectChoice(k, v) for k, v in COLOUR_SCHEMES.items()], validate_choice=False)
    uses_screen_reader = BooleanField("I use a screen reader")
    other = TextAreaField("Other adjustments (optional)", validators=[
        Length(max=2000, message="Other adjustments must be 2,000 characters or fewer")],
        description="Anything else you need, and why.")
    evidence = FileField("Evidence (optional): PDF, PNG or JPEG, up to 10 MB",
                         description="For example, a letter from your doctor or an assessment report.")


def _reason(label: str, message: str, description: str = "") -> TextAreaField:
    return TextAreaField(label, description=description, validators=[
        InputRequired(message), Length(max=2000, message="The reason must be 2,000 characters or fewer")])


class DecisionForm(FlaskForm):
    decision = RadioField("Decision", choices=[SelectChoice("approve", "Approve"), SelectChoice("decline", "Decline")],
                          validators=[InputRequired("Choose whether to approve or decline")])
    reason = _reason("Reason", "Give a reason for the decision: the candidate will read it",
                     "The candidate sees this with the decision.")


class AddTimeForm(FlaskForm):
    minutes = WholeNumberField("Minutes to add", validators=[InputRequired("Enter the minutes to add")],
                               description=f"Between 1 and {MAX_TIME_ADDED_MIN} minutes.")
    reason = _reason("Reason for adding time", "Give a reason: it is kept with the attempt")


class PauseForm(FlaskForm):
    reason = _reason("Reason for pausing", "Give a reason: it is kept with the attempt")


class ButtonForm(FlaskForm):
    """A button-only form (book, cancel, resume): it carries just the CSRF token."""
