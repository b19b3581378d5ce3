"""Forms of the certificate pages (shape only; the service checks the rest)."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import StringField, TextAreaField
from wtforms.validators import InputRequired, Length

from assessment.results.certificates.rules import MAX_REASON


class VerifyForm(FlaskForm):
    """A look-up by code: a GET form that changes nothing, so it carries no CSRF token."""

    class Meta:
        csrf = False

    code = StringField("Certificate code", validators=[InputRequired("Enter the certificate code"), Length(max=60)],
                       description="As printed on the certificate, for example COP-7K2M-Q9XD-4TR8. "
                                   "Capital or small letters, with or without the hyphens.")


class RevokeForm(FlaskForm):
    reason = TextAreaField("Reason for revoking", validators=[InputRequired("Enter the reason for revoking the certificate"),
                                                              Length(max=MAX_REASON)],
                           description="Shown on the public verification page, so anyone checking the "
                                       "certificate sees why. Write nothing you would not publish.")
