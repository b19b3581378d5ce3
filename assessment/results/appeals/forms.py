"""HTML forms of appeals: shape only. The services check the window, the grounds, the files, who may
sit on a panel and who may decide."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, RadioField, SelectField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from assessment.delivery.forms import CheckboxesField
from assessment.results.appeals.rules import (GROUND_LABELS, MAX_EVIDENCE_FILES, OUTCOME_LABELS, REASONS_MAX,
                                              STATEMENT_MAX)


def _length(limit: int, what: str) -> Length:
    return Length(max=limit, message=f"{what} must be {limit:,} characters or fewer")


class AppealForm(FlaskForm):
    grounds = CheckboxesField("Grounds for your appeal", choices=[SelectChoice(g.value, label)
                                                                  for g, label in GROUND_LABELS.items()],
                              description="Choose every ground that applies.")
    statement = TextAreaField("Your statement", description="Say what happened, when, and how it affected your "
                                                            "result. The appeal panel reads this.",
                              validators=[InputRequired("Say why you are appealing: what happened and how it "
                                                        "affected your result"),
                                          _length(STATEMENT_MAX, "Your statement")])
    evidence = MultipleFileField(f"Evidence (optional): up to {MAX_EVIDENCE_FILES} files, each a PDF, PNG or JPEG "
                                 "under 10 MB",
                                 description="For example, a screenshot of an error, or a letter about adjustments "
                                             "you were agreed.")

    def validate_grounds(self, field):
        if not field.data:
            raise ValidationError("Choose at least one ground for your appeal")


class PanelForm(FlaskForm):
    member_1 = SelectField("First member", coerce=int, validate_choice=False)
    member_2 = SelectField("Second member", coerce=int, validate_choice=False)
    member_3 = SelectField("Third member", coerce=int, validate_choice=False)
    reasons = TextAreaField("Note on the appointment (optional)", validators=[
        Optional(), _length(REASONS_MAX, "The note")], description="For example, why these people were chosen.")

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        choices = [SelectChoice(0, "Choose a person")] + [SelectChoice(p.user_id, p.label) for p in people]
        for field in self.members:
            field.choices = choices

    @property
    def members(self):
        return [self.member_1, self.member_2, self.member_3]

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        for field in self.members:
            if not field.data:
                field.errors = [*field.errors, f"Choose the {field.label.text.split()[0].lower()} member"]
                ok = False
        return ok


class ResponseForm(FlaskForm):
    answer = RadioField("Can you sit on this panel?", choices=[
        SelectChoice("accept", "Yes: I accept, and I have no conflict of interest"),
        SelectChoice("conflict", "No: I have a conflict of interest")],
        validators=[InputRequired("Say whether you accept or have a conflict of interest")])
    declaration = BooleanField("I declare that I did not mark, invigilate, set the standard for or examine this "
                               "attempt, and that I have no other interest in its outcome")
    statement = TextAreaField("Your conflict of interest", validators=[Optional(), _length(REASONS_MAX, "The statement")],
                              description="Only if you have one: say what it is. The administrator reads this.")

    def validate_declaration(self, field):
        if self.answer.data == "accept" and not field.data:
            raise ValidationError("Tick the declaration to accept")

    def validate_statement(self, field):
        if self.answer.data == "conflict" and not (field.data or "").strip():
            raise ValidationError("Say what your conflict of interest is")


class OutcomeForm(FlaskForm):
    outcome = RadioField("The panel's outcome", choices=[SelectChoice(o.value, label)
                                                         for o, label in OUTCOME_LABELS.items()],
                         validators=[InputRequired("Choose the panel's outcome")])
    reasons = TextAreaField("The panel's reasons", description="The candidate reads these.",
                            validators=[InputRequired("Give the panel's reasons: the candidate will read them"),
                                        _length(REASONS_MAX, "The reasons")])


class RemarkForm(FlaskForm):
    reasons = TextAreaField("What was re-marked, and by whom", validators=[
        InputRequired("Say what was re-marked and by whom"), _length(REASONS_MAX, "The reasons")],
        description="Kept with the appeal and the new scoring run.")


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Why are you withdrawing? (optional)", validators=[Optional(), _length(REASONS_MAX,
                                                                                                   "Your reason")],
                           description="The panel and the exams team read this.")
    confirm = BooleanField("I understand that withdrawing ends my appeal: the panel will not decide it")

    def validate_confirm(self, field):
        if not field.data:
            raise ValidationError("Tick the box to confirm that you want to withdraw your appeal")


class ButtonForm(FlaskForm):
    """Carries the CSRF token of a button-only form."""
