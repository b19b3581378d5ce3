"""HTML forms of marking: shape only. The services check the range, the steps and who may mark."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation, ValidationError

from scoring.marking.rules import Pool


class MarkField(StringField):
    """A mark such as 3 or 2.5; anything else is an error naming the field."""

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not str(valuelist[0]).strip():
            return
        raw = str(valuelist[0]).strip()
        self.raw = raw
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("The mark must be a number, like 3 or 2.5") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("The mark must be a number, like 3 or 2.5")
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:g}"

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


class MarkForm(FlaskForm):
    mark = MarkField("Mark", validators=[InputRequired("Enter a mark")])
    justification = TextAreaField("Justification", description="Say briefly which criteria the answer meets.",
                                  validators=[InputRequired("Give a short justification for the mark"),
                                              Length(max=2000, message="The justification must be 2,000 "
                                                                       "characters or fewer")])
    reason = TextAreaField("Why are you changing your mark?", validators=[
        Optional(), Length(max=2000, message="The reason must be 2,000 characters or fewer")])


class AllocationForm(FlaskForm):
    examiner = SelectField("Examiner", coerce=int, validate_choice=False,
                           validators=[InputRequired("Choose an examiner")])
    pool = RadioField("Allocate as", validators=[InputRequired("Choose what the examiner will do")],
                      choices=[SelectChoice(p.value, p.label) for p in Pool])

    def __init__(self, *args, examiners=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.examiner.choices = [SelectChoice(0, "Choose an examiner")] + [SelectChoice(i, label)
                                                                            for i, label in examiners]

    def validate_examiner(self, field):
        if not field.data:  # the placeholder choice
            raise ValidationError("Choose an examiner")


class PassMarkForm(FlaskForm):
    pass_mark = MarkField("Pass mark", description="The candidate's total needed to pass. Leave empty if there is "
                                                   "no pass mark yet.")


class ButtonForm(FlaskForm):
    """Carries the CSRF token of a button-only form."""
