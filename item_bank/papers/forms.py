"""HTML forms for exam specs and papers: shape only. The rules across fields live in ``rules.py``;
checks that need the database (enemy case studies exist) in the services."""
from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import Form, FormField, HiddenField, IntegerField, RadioField, StringField, TextAreaField
from wtforms.fields import FieldList
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, StopValidation, Length, NumberRange, Optional

from core.errors import ValidationFailed
from core.web import TOO_LARGE_MESSAGE, whole_number_in_range
from item_bank.assembly import ITEM_TYPES, THEMES
from item_bank.papers import rules

STANDARD_ROWS = 6
GROUPS = ("themes", "standards", "item_types")


class WholeNumberField(IntegerField):
    """An integer input whose parse error reads like the rest of the service."""

    def process_formdata(self, valuelist):
        if not valuelist or valuelist[0] in (None, ""):
            self.data = None
            return
        text = str(valuelist[0]).strip()
        if text.lstrip("-").isascii() and text.lstrip("-").isdigit():
            self.data = None
            if len(text) > 12:  # int() of thousands of digits is slow; none this long is in range
                raise ValueError(TOO_LARGE_MESSAGE)
            self.data = whole_number_in_range(int(text))
        else:
            self.data = None
            raise ValueError(f"{self.label.text} must be a whole number, like 4")

    def pre_validate(self, form):
        if self.process_errors:
            raise StopValidation()  # one message for text that is not a number, not two


def _required(label: str, message: str, low: int = 0, high: int | None = None):
    return WholeNumberField(label, validators=[InputRequired(message), NumberRange(
        min=low, max=high, message=f"{label} must be {low} or more" if high is None
        else f"{label} must be between {low} and {high}")])


def _optional(label: str, low: int = 0, description: str = ""):
    return WholeNumberField(label, description=description,
                            validators=[Optional(), NumberRange(min=low, message=f"{label} must be {low} or more")])


class StandardRowForm(Form):
    standard = _optional("Standard number", low=1)
    min_marks = _optional("Minimum marks")
    max_marks = _optional("Maximum marks")


def _spec_form_class():
    """The spec form, its fields created in page order (so the error summary follows the page)."""
    fields = {
        "title": StringField("Title", validators=[InputRequired("Enter a title for the exam spec"), Length(max=200)],
                             description="For example, “Certificate of Proficiency, spring sitting”."),
        "total_marks": _required("Total marks", "Enter the total marks", low=1),
        "total_marks_tolerance": _optional("Total marks tolerance (plus or minus)",
                                           description="0 or blank means the paper must carry exactly the total."),
        "duration_min": _required("Time allowed in minutes", "Enter the time allowed in minutes", low=1, high=600),
        "min_case_studies": _required("Least number of case studies", "Enter the least number of case studies",
                                      low=1),
        "max_case_studies": _required("Greatest number of case studies",
                                      "Enter the greatest number of case studies", low=1),
    }
    for theme in THEMES:
        fields[f"theme_{theme}_target"] = _required(f"Theme {theme} target marks",
                                                    f"Enter the target marks for theme {theme}")
        fields[f"theme_{theme}_tolerance"] = _required(f"Theme {theme} tolerance (plus or minus)",
                                                       f"Enter the tolerance for theme {theme} (0 for none)")
    fields["standards"] = FieldList(FormField(StandardRowForm), min_entries=STANDARD_ROWS,
                                    max_entries=STANDARD_ROWS)
    for item_type in ITEM_TYPES:
        fields[f"type_{item_type}_min"] = _optional(f"{rules.type_label(item_type)}: minimum")
        fields[f"type_{item_type}_max"] = _optional(f"{rules.type_label(item_type)}: maximum")
    fields["enemy_sets"] = TextAreaField(
        "Enemy case studies (optional)",
        description="Case studies that must not share a paper. One set per line, case study numbers separated "
                    "by commas, for example “3, 7”.")
    fields["max_exposure"] = _optional("Maximum exposure (optional)",
                                       description="The most earlier published papers a case study may have "
                                                   "appeared in. Leave blank for no limit.")

    def __init__(self, *args, **kwargs):
        FlaskForm.__init__(self, *args, **kwargs)
        self.group_errors = {}

    return type("SpecForm", (FlaskForm,), {**fields, "__init__": __init__})


SpecForm = _spec_form_class()


def spec_fields(form: SpecForm) -> rules.SpecFields:
    return rules.SpecFields(
        title=form.title.data or "",
        total_marks=form.total_marks.data,
        total_marks_tolerance=form.total_marks_tolerance.data,
        duration_min=form.duration_min.data,
        min_case_studies=form.min_case_studies.data,
        max_case_studies=form.max_case_studies.data,
        theme_marks={theme: (form[target].data, form[tolerance].data)
                     for theme, (target, tolerance) in rules.THEME_FIELDS.items()},
        standard_rows=[(row.standard.data, row.min_marks.data, row.max_marks.data) for row in form.standards],
        item_type_mix={item_type: (form[low].data, form[high].data)
                       for item_type, (low, high) in rules.TYPE_FIELDS.items()},
        enemy_text=form.enemy_sets.data or "",
        max_exposure=form.max_exposure.data,
    )


def fill_spec_form(form: SpecForm, spec) -> None:
    """Show a stored spec in the form (GET of the edit page)."""
    for name in ("title", "total_marks", "total_marks_tolerance", "duration_min", "min_case_studies",
                 "max_case_studies", "max_exposure"):
        form[name].data = getattr(spec, name)
    for theme, (target, tolerance) in rules.THEME_FIELDS.items():
        form[target].data, form[tolerance].data = (spec.theme_marks or {}).get(theme, (None, None))
    for item_type, (low, high) in rules.TYPE_FIELDS.items():
        form[low].data, form[high].data = (spec.item_type_mix or {}).get(item_type, (None, None))
    rows = sorted((spec.standard_marks or {}).items(), key=lambda pair: int(pair[0]))
    for row, (standard, (least, most)) in zip(form.standards, rows):
        row.standard.data, row.min_marks.data, row.max_marks.data = int(standard), least, most
    form.enemy_sets.data = rules.enemy_text(spec.enemy_sets)


def leaf_fields(form):
    """Every input of the form, the rows of the standards table included, by id."""
    for field in form:
        if field.type == "FieldList":
            for entry in field:
                yield from entry.form
        elif field.type not in ("CSRFTokenField", "HiddenField"):
            yield field


def add_problems(form, error: ValidationFailed) -> None:
    """Put a service's field problems beside their fields, group problems beside their group."""
    fields = {field.id: field for field in leaf_fields(form)}
    for problem in error.problems:
        if problem.field in fields:
            field = fields[problem.field]
            field.errors = [*field.errors, problem.message]
        elif problem.field in GROUPS:
            form.group_errors.setdefault(problem.field, []).append(problem.message)
        else:
            form.form_errors.append(problem.message)


def all_errors(form) -> list[tuple[str | None, str]]:
    """(anchor id, message) for the error summary, in the order the fields appear."""
    found: list[tuple[str | None, str]] = [(None, message) for message in form.form_errors]
    for group, messages in getattr(form, "group_errors", {}).items():
        found.extend((group, message) for message in messages)
    for field in leaf_fields(form):
        errors = field.errors if isinstance(field.errors, (list, tuple)) else []
        found.extend((field.id, message) for message in errors if isinstance(message, str))
    return found


class TitleForm(FlaskForm):
    title = StringField("Paper title", validators=[InputRequired("Enter a title for the paper"), Length(max=200)])


class AssembleForm(FlaskForm):
    title = StringField("Paper title", validators=[InputRequired("Enter a title for the paper"), Length(max=200)],
                        description="With more than one paper, each is numbered after this title.")
    n_papers = RadioField("How many papers?",
                          choices=[SelectChoice("1", "One paper"),
                                   *(SelectChoice(str(n), f"{n} parallel papers") for n in (2, 3, 4))],
                          default="1", validators=[InputRequired("Choose how many papers to build")])


class AddCaseStudyForm(FlaskForm):
    case_study_id = WholeNumberField("Case study", validators=[InputRequired("Choose a case study to add")])


class MoveForm(FlaskForm):
    direction = RadioField("Direction", choices=[SelectChoice("up", "Up"), SelectChoice("down", "Down")],
                           validators=[InputRequired("Say which way to move it")])


class ConfirmForm(FlaskForm):
    """A button-only form (publish, remove, copy): just the CSRF token."""



class PublishForm(FlaskForm):
    """The confirmation page's button: only a POST that says ``confirmed=yes`` publishes."""

    confirmed = HiddenField()  # no default: a bare POST (no form data) must not count as confirmed
