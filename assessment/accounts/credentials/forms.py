"""The change-password form: shape only. The rules (length, breached list) are the service's."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from assessment.accounts.forms import LENGTH_MESSAGE
from assessment.accounts.passwords import MAX_LENGTH, MIN_LENGTH


class ChangePasswordForm(FlaskForm):
    current_password = PasswordField("Current password", validators=[DataRequired("Enter your current password")])
    new_password = PasswordField("New password", validators=[
        DataRequired("Enter a new password"),
        Length(min=MIN_LENGTH, max=MAX_LENGTH,
               message=LENGTH_MESSAGE)],
        description=f"At least {MIN_LENGTH} characters. A few unrelated words make a strong password.")
    confirm_password = PasswordField("Confirm new password", validators=[
        DataRequired("Confirm your new password"), EqualTo("new_password", "The passwords do not match")])
