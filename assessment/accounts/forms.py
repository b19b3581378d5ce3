"""HTML forms for accounts: shape only, no queries."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length

from core.roles import Role
from assessment.accounts.passwords import MAX_LENGTH, MIN_LENGTH

LENGTH_MESSAGE = f"Password must be between {MIN_LENGTH} and {MAX_LENGTH} characters"


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class RegisterForm(FlaskForm):
    full_name = StringField("Full name", validators=[DataRequired("Enter your full name"), Length(max=200)])
    email = EmailField("Email address", filters=[_strip], validators=[
        DataRequired("Enter your email address"),
        Email("Enter an email address in the correct format, like name@example.org", check_deliverability=False),
        Length(max=320)])
    password = PasswordField("Create a password", validators=[
        DataRequired("Enter a password"), Length(min=MIN_LENGTH, max=MAX_LENGTH, message=LENGTH_MESSAGE)],
        description="At least 12 characters. A few unrelated words make a strong password.")
    confirm_password = PasswordField("Confirm password", validators=[
        DataRequired("Confirm your password"), EqualTo("password", "The passwords do not match")])


class LoginForm(FlaskForm):
    email = EmailField("Email address", filters=[_strip], validators=[
        DataRequired("Enter your email address"),
        Length(max=320, message="Enter an email address of 320 characters or fewer")])
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])
    next = HiddenField()


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email address", filters=[_strip], validators=[
        DataRequired("Enter your email address"),
        Email("Enter an email address in the correct format, like name@example.org", check_deliverability=False),
        Length(max=320)])


class ResetPasswordForm(FlaskForm):
    password = PasswordField("New password", validators=[
        DataRequired("Enter a new password"), Length(min=MIN_LENGTH, max=MAX_LENGTH, message=LENGTH_MESSAGE)])
    confirm_password = PasswordField("Confirm new password", validators=[
        DataRequired("Confirm your new password"), EqualTo("password", "The passwords do not match")])


class GrantRoleForm(FlaskForm):
    role = SelectField("Role to grant", validators=[DataRequired("Choose a role")])

    def offer(self, roles) -> None:
        """Offer only the roles the person does not hold yet, after a 'Choose a role' prompt."""
        self.role.choices = [SelectChoice("", "Choose a role")] + [SelectChoice(r.value, r.label) for r in roles]


class ConfirmForm(FlaskForm):
    """A button-only form (sign out, revoke): it carries just the CSRF token."""


class CaseManagerForm(FlaskForm):
    is_registered_case_manager = BooleanField("On the register of case managers (counts towards the two registered "
                                              "case managers an appeal panel needs)")


class SecondFactorForm(FlaskForm):
    code = StringField("Code", filters=[_strip], validators=[
        DataRequired("Enter the 6-digit code from your authenticator app, or a recovery code"),
        Length(max=40, message="Enter the 6-digit code from your authenticator app, or a recovery code")],
        description="The 6-digit code your authenticator app shows now, or one of your recovery codes.")


class EnrolmentForm(FlaskForm):
    code = StringField("Code from your app", filters=[_strip], validators=[
        DataRequired("Enter the 6-digit code your authenticator app shows"),
        Length(max=20, message="Enter the 6-digit code your authenticator app shows")],
        description="After you add the account, your app shows a 6-digit code that changes every 30 seconds.")


class ReauthenticateForm(FlaskForm):
    password = PasswordField("Password", validators=[DataRequired("Enter your password")])
    code = StringField("Code from your authenticator app", filters=[_strip], validators=[
        DataRequired("Enter the 6-digit code from your authenticator app"),
        Length(max=20, message="Enter the 6-digit code from your authenticator app")])
    next = HiddenField()
