"""Forms of the admin pages: shape only."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length


class PrivacyRequestForm(FlaskForm):
    requested_by = TextAreaField(
        "Who asked, and how",
        description="For example: “the candidate, by email of 1 December 2026, identity checked by phone”. "
                    "This is recorded in the audit log.",
        validators=[InputRequired("Say who asked and how"),
                    Length(max=500, message="Who asked, and how, must be 500 characters or fewer")])
