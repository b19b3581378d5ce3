"""The fairness report's choices (a GET form: a report changes nothing, so no CSRF)."""
from __future__ import annotations

from wtforms import Form, SelectField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Optional


class FairnessForm(Form):
    sitting = SelectField("Sitting", choices=[], validators=[Optional()])
    question = SelectField("Compare the groups of", choices=[], validators=[Optional()],
                           description="An equality monitoring question. Only answers given with consent count; "
                                       "“Prefer not to say” is left out.")

    def offer(self, sittings, questions) -> None:
        self.sitting.choices = [SelectChoice("", "Every sitting")] + [SelectChoice(str(s.id), s.title) for s in sittings]
        self.question.choices = [SelectChoice("", "No groups")] + [SelectChoice(str(q.id), q.text) for q in questions]
