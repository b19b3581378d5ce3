"""HTML forms of cut-score decisions: shape only. The services check the run, the policy and who
may approve."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, StopValidation

from scoring.cut_scores import rules
from scoring.cut_scores.equating import LINK_NAMES, Link


class NumberField(StringField):
    """A number such as 31 or 30.75; anything else is an error naming what is wanted."""

    def __init__(self, label=None, validators=None, wanted="a number, like 31 or 30.75", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.wanted = wanted

    def process_formdata(self, valuelist):
        self.data = None
        if not valuelist or not str(valuelist[0]).strip():
            return
        try:
            value = float(str(valuelist[0]).strip().replace(",", ""))
        except ValueError:
            raise ValueError(f"Enter {self.wanted}") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"Enter {self.wanted}")
        self.data = value

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return "" if self.data is None else f"{self.data:g}"

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()


METHOD_CHOICES = [SelectChoice("", "Choose the method")] + [
    SelectChoice(m.value, rules.METHOD_NAMES[m]) for m in rules.Method if m is not rules.Method.EQUATED]
ROUNDING_CHOICES = [SelectChoice(r.value, rules.ROUNDING_NAMES[r]) for r in rules.ROUNDINGS]


class PolicyFields(FlaskForm):
    k = NumberField("Add this many SEMs to the cut (k)", wanted="a number of SEMs, like 0, 1 or 1.96",
                    validators=[InputRequired("Enter k: 0 adds nothing")],
                    description="To protect the public, a pass mark may sit k standard errors of measurement above "
                                "the cut; the SEM is the run's. Enter 0 to add nothing.")
    rounding = RadioField("Round the result", choices=ROUNDING_CHOICES, default="up",
                          validators=[InputRequired("Choose how to round to a whole mark")])
    reasons = TextAreaField("Reasons", validators=[InputRequired("Give the reasons for the decision: they are kept "
                                                                 "with it for any appeal"),
                                                   Length(max=rules.REASONS_MAX)],
                            description="Why this method, this cut and this policy: an appeal panel may read it "
                                        "years from now.")
    # The pass mark the examiner was shown; recording refuses if the numbers no longer give it.
    shown_pass_mark = HiddenField()


class DecisionForm(PolicyFields):
    scoring_run_id = SelectField("Scoring run", choices=[], validate_choice=False,  # the service says why not
                                 validators=[InputRequired("Choose the scoring run")],
                                 description="A final run of this sitting: the scores the pass mark applies to.")
    method = SelectField("Method", choices=METHOD_CHOICES, validators=[InputRequired("Choose the method")],
                         validate_choice=False)  # the service names a wrong one beside the field
    exercise_id = SelectField("Standard-setting exercise (optional)", choices=[], validators=[Optional()],
                              validate_choice=False,
                              description="The exercise whose cut you are adopting, if the panel met on this platform.")
    raw_cut = NumberField("Cut score from the method (marks)", wanted="the cut in marks, like 31 or 30.75",
                          validators=[InputRequired("Enter the cut score in marks")],
                          description="Before any policy: the cut the method gave, in marks on the run's items.")
    standard_error = NumberField("Standard error of the cut (marks, optional)",
                                 wanted="the standard error in marks, like 1.2", validators=[Optional()],
                                 description="Across judges for Angoff and Ebel, by bootstrap for Hofstee and Beuk, "
                                             "from the regression for borderline regression.")

    def page_order(self):
        return [self.scoring_run_id, self.method, self.exercise_id, self.raw_cut, self.standard_error, self.k,
                self.rounding, self.reasons]


class EquatedDecisionForm(PolicyFields):
    def page_order(self):
        return [self.k, self.rounding, self.reasons]


class ApprovalForm(FlaskForm):
    comment = TextAreaField("Comment (optional)", validators=[Optional(), Length(max=rules.COMMENT_MAX)])


class EquateForm(FlaskForm):
    """GET form of the equating page: which earlier run, and how to link."""

    class Meta:
        csrf = False

    from_run = SelectField("Earlier run whose standard was approved", choices=[], validate_choice=False,
                           validators=[InputRequired("Choose the earlier run")])  # the page says why a run will not do

    def validate_from_run(self, field):
        if not str(field.data or "").isdigit():
            raise ValueError("Choose the earlier run")
    link = RadioField("Link the papers by", choices=[SelectChoice(l.value, LINK_NAMES[l]) for l in Link],
                      default=Link.ANCHORED.value, validators=[InputRequired("Choose how to link the papers")])
