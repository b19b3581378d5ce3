"""The sign-out form of the list of sign-ins: shape only. Whether the password is needed (people who
sign in without a second factor) and right is the view's and the service's."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, Length, Regexp

OTHERS = "others"


class EndSignInForm(FlaskForm):
    password = PasswordField("Your password", validators=[Length(max=1000, message="Enter your password")])
    # The button pressed: a sign-in's number, or "others" for every other device.
    sign_in = StringField(validators=[DataRequired("Choose a sign-in to end"),
                                      Regexp(r"^(others|[1-9][0-9]{0,9})$", message="Choose a sign-in to end")])
    # Set by the password page (people without a second factor): the list's buttons lead there first.
    confirming = HiddenField()
