"""Forms of the register's pages: shape only. The services check the rules (CPD year, categories,
hours, files, who may act on what)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, DecimalField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from assessment.eligibility.register import rules


class SearchForm(FlaskForm):
    """The public search: a GET form that changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    q = StringField("Name or registration number", validators=[Length(max=rules.QUERY_MAX)],
                    description="For example Jane Smith, or CM-000123. Part of a name is enough.")


class CpdForm(FlaskForm):
    activity_on = DateField("Date of the activity", validators=[Optional()],
                            description="The day it ended, for example 14 March 2027.")
    category = SelectField("Category", validate_choice=False)
    hours = DecimalField("Hours", places=2, validators=[Optional()],
                         description="To the nearest quarter of an hour, for example 1.5.")
    description = TextAreaField("What you did and what you learnt", validators=[
        Length(max=rules.DESCRIPTION_MAX, message=f"The description must be {rules.DESCRIPTION_MAX:,} characters or "
                                                  "fewer")])
    evidence = FileField("Evidence (optional): a PDF, PNG or JPEG under 10 MB",
                         description="For example a certificate of attendance.")

    def __init__(self, *args, categories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.category.choices = [SelectChoice("", "Choose a category")] + [
            SelectChoice(code, rules.category_label(code)) for code in categories]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        if self.activity_on.raw_data and self.activity_on.raw_data[0] and self.activity_on.data is None:
            self.activity_on.errors = ["Enter the date as a real date, for example 2027-03-14"]
            ok = False
        if self.hours.raw_data and self.hours.raw_data[0] and self.hours.data is None:
            self.hours.errors = ["Enter the hours as a number, for example 1.5"]
            ok = False
        return ok


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Why are you withdrawing it? (optional)", validators=[
        Optional(), Length(max=rules.REASON_MAX)])


class ButtonForm(FlaskForm):
    """Carries the CSRF token of a button-only form."""


class StatusForm(FlaskForm):
    action = RadioField("What to do", choices=[SelectChoice("suspend", "Suspend"),
                                               SelectChoice("remove", "Remove from the register"),
                                               SelectChoice("restore", "Restore to the register")],
                        validators=[InputRequired("Choose what to do")])
    reason = TextAreaField("Reasons", description="Kept with the entry and sent to the registrant.",
                           validators=[InputRequired("Give the reasons: they are kept with the entry"),
                                       Length(max=rules.REASON_MAX)])


class FitnessToPractiseForm(FlaskForm):
    outcome = StringField("Outcome", description="For example: conditions of practice for 12 months.",
                          validators=[InputRequired("Enter the outcome"), Length(max=200)])
    resit_required = BooleanField("The outcome requires the registrant to pass the Certificate again before "
                                  "returning to the register")
    reason = TextAreaField("Reasons", validators=[InputRequired("Give the reasons: they are kept with the entry"),
                                                  Length(max=rules.REASON_MAX)])
