"""Forms of the scoring-run pages (shape only; the service checks items and keys)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

DECISIONS = [SelectChoice("exclude", "Exclude the item from scoring"),
             SelectChoice("rekey", "Correct the item's key"),
             SelectChoice("second_key", "Accept a second key as well (single best answer only)")]


class FirstRunForm(FlaskForm):
    exam_paper_id = SelectField("Paper to score", choices=[], validators=[Optional()],
                                description="This sitting's candidates sat parallel papers: a run analyses one "
                                            "paper and the candidates who sat it.")
    reason = TextAreaField("Note (optional)", validators=[Optional(), Length(max=2000)],
                           description="For example: first scoring after the sitting closed.")

    def offer(self, papers) -> None:
        """Offer the papers the candidates sat, after a prompt when there is more than one."""
        prompt = [SelectChoice("", "Choose a paper")] if len(papers) > 1 else []
        self.exam_paper_id.choices = prompt + [SelectChoice(str(paper_id), f"{title} (paper {paper_id})")
                                               for paper_id, title in papers]

    def chosen_paper(self) -> int | None:
        value = self.exam_paper_id.data
        return int(value) if value and str(value).isdigit() else None


class NewRunForm(FlaskForm):
    decision = RadioField("What should the new run change?", choices=DECISIONS,
                          validators=[InputRequired("Choose what the new run should change")])
    item = SelectField("Item", validators=[InputRequired("Choose the item")], choices=[])
    key = StringField("Key", validators=[Optional(), Length(max=200)],
                      description="For a corrected or second key: an option (C); for multiple response or "
                                  "ordering, options separated by commas (A,C); for extended matching, "
                                  "stem:option pairs (1:C,2:A).")
    reason = TextAreaField("Reason", validators=[InputRequired("Give the reason: it is kept with the run"),
                                                 Length(max=2000)])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.decision.data in ("rekey", "second_key") and not (self.key.data or "").strip():
            self.key.errors = [*self.key.errors, "Enter the key"]
            ok = False
        return ok


class DifForm(Form):
    """The DIF report's choices, read from the query string (a report changes nothing: no CSRF)."""

    question = SelectField("Monitoring question", choices=[], validators=[Optional()])
    reference = SelectField("Reference group", choices=[], validators=[Optional()],
                            description="Usually the largest group.")
    focal = SelectField("Focal group", choices=[], validators=[Optional()],
                        description="The group whose fairness is checked against the reference group.")

    def offer(self, choices) -> None:
        """``choices``: (question, its options without "Prefer not to say") pairs."""
        self.question.choices = [SelectChoice("", "Choose a question")] + [
            SelectChoice(q.key, q.text) for q, _options in choices]
        options = next((opts for q, opts in choices if q.key == self.question.data), [])
        for field in (self.reference, self.focal):
            field.choices = [SelectChoice("", f"Choose the {field.name} group")] + [
                SelectChoice(o.value, o.label) for o in options]
