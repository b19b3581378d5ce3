"""The examiner's form for sending a flagged item back to review (shape only)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import DataRequired, Length


class SendBackForm(FlaskForm):
    note = TextAreaField("What should the writers look at?",
                         description="This goes to the author with the flags and the scoring run.",
                         validators=[DataRequired("Say what the writers should look at"),
                                     Length(max=2000, message="The note must be 2,000 characters or fewer")])
