"""HTML forms of the application: shape only. A draft is saved as typed; what is missing or wrong is
decided by ``rules.draft_problems`` and shown beside the field when the applicant submits."""
from __future__ import annotations

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, FieldList, Form, FormField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice

from assessment.eligibility.applications import rules


def _choices(labels: dict[str, str], empty: str | None = None) -> list[SelectChoice]:
    first = [SelectChoice("", empty)] if empty else []
    return first + [SelectChoice(code, label) for code, label in labels.items()]


class RoleForm(Form):
    """One role (one row). A dual role is one job recorded as two rows with the same job name."""

    role = SelectField("Kind of role", choices=_choices(rules.ROLE_LABELS, "Choose the kind of role"),
                       validate_choice=False)
    title = StringField("Job title and employer (optional)", description="For example, “Case manager, Acme Rehab”.")
    start = StringField("Start date", description="For example, 2015-03-31 or 31/03/2015.")
    end = StringField("End date", description="Leave empty if you still work in this role.")
    current = BooleanField("I still work in this role")
    fte = StringField("FTE (full-time equivalent)",
                      description="A number from 0 to 1: 1 is full time. For part time, divide your hours a week by "
                                  "37.5 (for example 30 hours a week is 0.8).")
    country = StringField("Country", description="Where you did the work, for example UK or Ireland.")
    profession = StringField("Profession", description="For example, nurse or occupational therapist.")
    regulator = SelectField("Regulator or register", choices=_choices(rules.REGULATOR_LABELS, "Choose a regulator"),
                            validate_choice=False)
    registration_number = StringField("Registration number")
    accepted_by_uk_regulator = BooleanField("A UK regulator has accepted me for registration in this profession")
    job = StringField("Dual role: job name (optional)",
                      description="If this job combined two roles (for example case manager and therapist), record "
                                  "each part as its own role with the same job name here.")
    job_fte = StringField("Dual role: the whole job's FTE",
                          description="The FTEs of the parts must add up to this.")
    split_note = TextAreaField("Dual role: how the time is split",
                               description="For example, “3 days a week case management, 1 day treating clients "
                                           "of other case managers”.")


class ApplicationForm(FlaskForm):
    roles = FieldList(FormField(RoleForm), min_entries=1, max_entries=rules.MAX_ROLES)
    current_role = RadioField("What is your role now?", choices=_choices(rules.CURRENT_ROLE_LABELS),
                              validate_choice=False,
                              description="If you now supervise, manage, teach or research, you must already have "
                                          "the hours from your case management roles.")
    uk_share = StringField("What share of your work is in the UK? (per cent)",
                           description="A number from 0 to 100. You can be based abroad if most of your work is in "
                                       "the UK.")
    member = RadioField("Membership of a case management organisation",
                        choices=[SelectChoice("", "None")] + _choices(rules.MEMBER_LABELS), validate_choice=False,
                        description="Needed in the register's initial period, with evidence (upload it below).")
    membership_number = StringField("Membership number (optional)")
    competent = BooleanField("I work at the competent level of proficiency or above, as set out in the competency "
                             "framework")
    standards = BooleanField("I work in line with the Standards of Proficiency")
    uk_practice = BooleanField("I work primarily in the UK")
    document_kind = SelectField("What the document shows", choices=_choices(rules.EVIDENCE_LABELS),
                                validate_choice=False)
    document = FileField("Supporting document: a PDF, PNG or JPEG under 10 MB")
    response = TextAreaField("Your response to the request",
                             description="Say what you have changed or uploaded. The assessors read this.")


def draft_from_form(form: ApplicationForm) -> dict:
    """The draft as typed in the form (kept as text: the rules interpret it)."""
    roles_ = []
    for entry in form.roles.entries:
        sub = entry.form
        roles_.append({name: (bool(getattr(sub, name).data) if isinstance(default, bool)
                              else (getattr(sub, name).data or "").strip())
                       for name, default in rules.empty_role().items()})
    draft = {"roles": roles_}
    for name, default in rules.empty_draft().items():
        if name != "roles":
            value = getattr(form, name).data
            draft[name] = bool(value) if isinstance(default, bool) else (value or "").strip()
    return rules.normalise(draft)


class WithdrawForm(FlaskForm):
    reason = TextAreaField("Why are you withdrawing? (optional)")
    confirm = BooleanField("I understand that withdrawing ends this application")


class StartForm(FlaskForm):
    """Only the CSRF token: starting an application is one button."""
