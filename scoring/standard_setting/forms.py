"""Forms of the standard-setting pages (shape only; the services check values, papers and judges)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from scoring.standard_setting.rules import Method


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def _int_or_none(value):
    return int(value) if value not in (None, "", "None") else None


class ExerciseForm(FlaskForm):
    title = StringField("Title", validators=[InputRequired("Enter a title for the exercise"), Length(max=200)])
    exam_paper_id = SelectField("Exam paper", coerce=_int_or_none, validators=[InputRequired("Choose the exam paper")],
                                choices=[])
    sitting_id = SelectField("Sitting whose performance data the panel may see (optional)", coerce=_int_or_none,
                             validators=[Optional()], choices=[],
                             description="Needed for performance data, Hofstee, Beuk and the borderline methods.")
    methods = MultiCheckboxField("Methods", choices=[SelectChoice(m.value, m.label) for m in Method],
                                 validators=[InputRequired("Choose at least one method")])
    n_rounds = RadioField("Rounds of rating", choices=[SelectChoice(1, "1"), SelectChoice(2, "2"), SelectChoice(3, "3")], coerce=int, default=2,
                          validators=[InputRequired("Choose the number of rounds")])
    shows_spread = BooleanField("Between rounds, show judges the group's spread of ratings per item", default=True)
    shows_performance = BooleanField("Let me release performance data between rounds (item facility and the pass "
                                     "rate the cut would give)", default=True)
    judges = TextAreaField("Judges' e-mail addresses (optional)", validators=[Optional(), Length(max=5000)],
                           description="One per line. Any account can judge, with or without a role. You lead "
                                       "the exercise, so you cannot be one of its judges.")

    def emails(self) -> list[str]:
        return [line.strip() for line in (self.judges.data or "").splitlines() if line.strip()]


class JudgeForm(FlaskForm):
    email = StringField("E-mail address of the judge", validators=[InputRequired("Enter the judge's e-mail address"),
                                                                   Length(max=320)])


class ButtonForm(FlaskForm):
    pass


class RatingForm(FlaskForm):
    rating = StringField("Your rating", validators=[InputRequired("Enter your rating"), Length(max=20)])


class HofsteeForm(FlaskForm):
    min_cut = StringField("Lowest acceptable pass mark (% of the maximum mark)",
                          validators=[InputRequired("Enter the lowest acceptable pass mark"), Length(max=20)])
    max_cut = StringField("Highest acceptable pass mark (% of the maximum mark)",
                          validators=[InputRequired("Enter the highest acceptable pass mark"), Length(max=20)])
    min_fail = StringField("Lowest acceptable fail rate (% of candidates)",
                           validators=[InputRequired("Enter the lowest acceptable fail rate"), Length(max=20)])
    max_fail = StringField("Highest acceptable fail rate (% of candidates)",
                           validators=[InputRequired("Enter the highest acceptable fail rate"), Length(max=20)])


class BeukForm(FlaskForm):
    cut = StringField("Pass mark (% of the maximum mark)", validators=[InputRequired("Enter the pass mark"),
                                                                       Length(max=20)])
    pass_rate = StringField("Expected pass rate (% of candidates)",
                            validators=[InputRequired("Enter the expected pass rate"), Length(max=20)])


class GradesForm(FlaskForm):
    grades = TextAreaField("Global grades", validators=[InputRequired("Enter at least one line"),
                                                        Length(max=200_000)],
                           description="One line per script: the attempt number, a comma, then fail, borderline "
                                       "or pass (for example: 1042, borderline). A CSV file's text can be pasted "
                                       "here; a header line “candidate, grade” is allowed.")
