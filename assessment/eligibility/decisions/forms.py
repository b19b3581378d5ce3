"""HTML forms of deciding applications: shape only. The services say who may act and what a
judgement, a panel or an outcome needs."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional, ValidationError

from assessment.delivery.forms import CheckboxesField
from assessment.results.appeals import forms as exam_appeal_forms
from assessment.eligibility.decisions.rules import (APPEAL_GROUND_LABELS, NOTES_MAX, REASON_LABELS, REQUEST_MAX,
                                                    AppealOutcome, Kind, Recommendation)


def _length(limit: int, what: str) -> Length:
    return Length(max=limit, message=f"{what} must be {limit:,} characters or fewer")


class JudgementForm(FlaskForm):
    recommendation = RadioField("Your recommendation", choices=[SelectChoice(r.value, r.label) for r in Recommendation],
                                validators=[InputRequired("Choose a recommendation")])
    reason_codes = CheckboxesField("Reasons", choices=[SelectChoice(c, label) for c, label in REASON_LABELS.items()],
                                   description="Choose every reason that applies.")
    notes = TextAreaField("Notes", validators=[Optional(), _length(NOTES_MAX, "The notes")],
                          description="Your reasons in words. Needed for a refusal: the applicant reads them.")
    request = TextAreaField("What the applicant must send or answer", validators=[
        Optional(), _length(REQUEST_MAX, "The request")],
        description="Only when asking for more information. The applicant reads this.")

    def limit_to(self, kind: Kind) -> None:
        """Only the recommendations this judgement allows: a review confirms or overturns a refusal."""
        if kind is Kind.REVIEW:
            self.recommendation.label.text = "Your review of the refusal"
            self.recommendation.choices = [SelectChoice(Recommendation.REFUSE.value, "Confirm the refusal"),
                                           SelectChoice(Recommendation.REGISTER.value, "Overturn it: register")]


class DiscussionForm(FlaskForm):
    note = TextAreaField("Your part of the discussion", validators=[
        InputRequired("Write your part of the discussion"), _length(NOTES_MAX, "The note")],
        description="The other assessor reads this. It is kept with the application.")


class AppealForm(FlaskForm):
    grounds = CheckboxesField("Grounds for your appeal", choices=[SelectChoice(g.value, label)
                                                                  for g, label in APPEAL_GROUND_LABELS.items()],
                              description="Choose every ground that applies.")
    statement = TextAreaField("Your statement", description="Say why the refusal was wrong. The appeal panel reads "
                                                            "this.",
                              validators=[InputRequired("Say why the refusal was wrong"),
                                          _length(NOTES_MAX, "Your statement")])

    def validate_grounds(self, field):
        if not field.data:
            raise ValidationError("Choose at least one ground for your appeal")


class PanelForm(exam_appeal_forms.PanelForm):
    """The three members, as for an appeal against an exam result; only the note's limit differs."""

    reasons = TextAreaField("Note on the appointment (optional)", validators=[Optional(), _length(NOTES_MAX, "The note")])


class ResponseForm(exam_appeal_forms.ResponseForm):
    """Accept or declare a conflict, as for an appeal against an exam result, with this appeal's declaration."""

    declaration = BooleanField("I declare that I did not assess this application, I am not the applicant, and I "
                               "have no other interest in the outcome")
    statement = TextAreaField("Your conflict of interest", validators=[Optional(), _length(NOTES_MAX, "The statement")],
                              description="Only if you have one: say what it is.")


class OutcomeForm(FlaskForm):
    outcome = RadioField("The panel's outcome", choices=[SelectChoice(o.value, o.label) for o in AppealOutcome],
                         validators=[InputRequired("Choose the panel's outcome")])
    reasons = TextAreaField("The panel's reasons", description="The applicant reads these.",
                            validators=[InputRequired("Give the panel's reasons: the applicant will read them"),
                                        _length(NOTES_MAX, "The reasons")])
