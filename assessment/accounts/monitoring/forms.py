"""Forms of equality monitoring (shape only; the services check questions and options)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, RadioField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from assessment.accounts.monitoring.rules import HINT_MAX, TEXT_MAX


class ConsentForm(FlaskForm):
    agree = BooleanField("I agree to my answers being used as described above",
                         validators=[DataRequired("Tick the box to give your consent")])


def answers_form(questions, answers: dict[int, int], formdata=None):
    """A form with one optional radio group per question (``q<id>``), the candidate's answers ticked."""

    class AnswersForm(FlaskForm):
        def chosen(self) -> dict[int, int | None]:
            out = {}
            for question in questions:
                value = getattr(self, f"q{question.id}").data
                out[question.id] = int(value) if value and str(value).isdigit() else None
            return out

    for question in questions:
        setattr(AnswersForm, f"q{question.id}", RadioField(
            question.text, description=question.hint or None, validators=[Optional()],
            choices=[SelectChoice(str(o.id), o.label) for o in question.options],
            default=str(answers[question.id]) if question.id in answers else None))
    return AnswersForm(formdata=formdata) if formdata is not None else AnswersForm()


class QuestionForm(FlaskForm):
    # Presence and the options are checked by the service, so that every problem is shown at once.
    text = StringField("Question", validators=[Optional(), Length(max=TEXT_MAX)],
                       description="As the candidate reads it, for example: What is your religion or belief?")
    hint = TextAreaField("Hint (optional)", validators=[Optional(), Length(max=HINT_MAX)],
                         description="A short explanation shown under the question.")
    options = TextAreaField("Answers", validators=[Optional()],
                            description="One a line. “Prefer not to say” is added to every question.")
