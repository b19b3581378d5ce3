"""Authoring forms: shape only. Each item form turns itself into item content (``to_content``),
fills itself from content (``fill``), and says which field shows a content problem (``field_for``)."""
from __future__ import annotations

import re
import string

from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (BooleanField, DecimalField, IntegerField, RadioField, SelectField, SelectMultipleField,
                     StringField, TextAreaField)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

LETTERS = string.ascii_uppercase


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class CaseStudyForm(FlaskForm):
    title = StringField("Title", validators=[DataRequired("Enter a title for the case study"), Length(max=200)])
    scenario = TextAreaField(
        "Scenario", validators=[DataRequired("Enter the scenario")],
        description="Formatted with simple HTML: <p>, <h3>, <ul>/<ol> with <li>, <strong>, <em>, and tables "
                    "(<table>, <th scope=\"col\">, <td>). Anything else is removed when you save.")


class AttachmentForm(FlaskForm):
    # Own ids: the version page holds several forms, and the error summary links to these.
    file = FileField("File (PDF, PNG or JPEG, up to 10 MB)", id="attachment-file")
    description = StringField("What is it?", validators=[Length(max=300)], id="attachment-description",
                              description="For example: Referral letter from the solicitor")


class NewVersionForm(FlaskForm):
    change_note = TextAreaField("What will the new version change?",
                                validators=[DataRequired("Say what the new version changes"), Length(max=1000)])


class CommentForm(FlaskForm):
    comment = TextAreaField("Comment", validators=[DataRequired("Enter a comment"), Length(max=4000)])
    item_id = SelectField("About", validate_choice=False)


class DecisionForm(FlaskForm):
    comment = TextAreaField("Comment for the author", validators=[Optional(), Length(max=4000)],
                            description="Needed when you return or reject the case study.")


class ButtonForm(FlaskForm):
    """A button that only carries the CSRF token (submit, start review, delete an item)."""


def _codes(text: str) -> list[str]:
    return [c for c in re.split(r"[\s,;]+", text or "") if c]


class ItemForm(FlaskForm):
    """Fields every item type has."""

    item_type = ""
    stem = TextAreaField("Question (stem)", validators=[DataRequired("Enter the question")],
                         description="What the candidate is asked. Simple HTML as in the scenario.")
    primary_substandard = SelectField("Primary sub-standard", validators=[DataRequired("Choose the primary sub-standard")],
                                      validate_choice=False)
    other_substandards = StringField("Other sub-standards (optional)",
                                     description="Codes separated by commas, for example 6.2, 7.1")
    rationale = TextAreaField("Rationale for examiners", validators=[DataRequired("Explain why the key is right")],
                              description="Never shown to candidates.")
    reference = StringField("Reference (optional)", validators=[Length(max=300)])
    estimated_facility = DecimalField("Estimated facility (optional)", places=2, validators=[
        Optional(), NumberRange(0, 1, "Estimated facility must be between 0 and 1")],
        description="The proportion of just-competent candidates you expect to score, from 0 to 1, e.g. 0.65")

    def offer_substandards(self, framework) -> None:
        choices = [SelectChoice("", "Choose a sub-standard")]
        for theme in framework.themes:
            for standard in theme.standards:
                group = f"{standard.number}. {standard.title}"
                choices.extend(SelectChoice(sub.code, f"{sub.code} {sub.text[:90]}", optgroup=group)
                               for sub in standard.substandards)
        self.primary_substandard.choices = choices

    def common_content(self) -> dict:
        facility = self.estimated_facility.data
        return {
            "type": self.item_type, "stem": self.stem.data or "", "rationale": self.rationale.data or "",
            "reference": self.reference.data or "",
            "estimated_facility": float(facility) if facility is not None else None,
            "substandards": {"primary": self.primary_substandard.data or None,
                             "others": _codes(self.other_substandards.data)},
        }

    def fill_common(self, content: dict) -> None:
        self.stem.data = content.get("stem", "")
        self.rationale.data = content.get("rationale", "")
        self.reference.data = content.get("reference", "")
        self.estimated_facility.data = content.get("estimated_facility")
        mapping = content.get("substandards") or {}
        self.primary_substandard.data = mapping.get("primary") or ""
        self.other_substandards.data = ", ".join(mapping.get("others") or [])

    # The fields every type shows after its own ones, in the order of templates/authoring/item_form.html.
    TAIL = ("primary_substandard", "other_substandards", "rationale", "reference", "estimated_facility")
    # This type's own fields in page order; None means in the order they are declared.
    OWN_ORDER: tuple[str, ...] | None = None

    def page_order(self) -> list:
        """The fields in the order the page shows them, so the error summary lists problems that way."""
        declared = [f.name for f in self if f.name not in ("csrf_token", "stem", *self.TAIL)]
        own = list(self.OWN_ORDER) + [n for n in declared if n not in self.OWN_ORDER] if self.OWN_ORDER else declared
        return [self[name] for name in ("csrf_token", "stem", *own, *self.TAIL) if name in self]

    def field_for(self, path: str):
        head = path.split(".")[0]
        if path.startswith("substandards.primary"):
            return self.primary_substandard
        if path.startswith("substandards"):
            return self.other_substandards
        return getattr(self, head, None)


def _option_fields(count: int, label: str = "Option"):
    return {f"option_{LETTERS[i]}": StringField(f"{label} {LETTERS[i]}", validators=[Length(max=1000)])
            for i in range(count)}


class _OptionsMixin:
    n_options = 6

    def options_content(self) -> list[dict]:
        options = []
        for letter in LETTERS[: self.n_options]:
            text = (getattr(self, f"option_{letter}").data or "").strip()
            if text:
                options.append({"id": letter, "text": text})
        return options

    def fill_options(self, options: list[dict]) -> None:
        for index, option in enumerate(options[: self.n_options]):
            getattr(self, f"option_{LETTERS[index]}").data = option["text"]

    def option_field_for(self, path: str):
        match = re.match(r"options\.(\d+)", path)
        if match and int(match.group(1)) < self.n_options:
            return getattr(self, f"option_{LETTERS[int(match.group(1))]}")
        if path == "options":
            return getattr(self, "option_A")
        return None


SingleBestAnswerBase = type("SingleBestAnswerBase", (ItemForm,), _option_fields(6))


class SingleBestAnswerForm(_OptionsMixin, SingleBestAnswerBase):
    item_type = "sba"
    n_options = 6
    key = RadioField("Which option is the key (the single best answer)?",
                     choices=[SelectChoice(l, l) for l in LETTERS[:6]],
                     validators=[DataRequired("Choose the key")])
    shuffle = BooleanField("Shuffle the options for each candidate", default=True)

    def to_content(self) -> dict:
        return {**self.common_content(), "options": self.options_content(), "key": self.key.data,
                "shuffle": bool(self.shuffle.data)}

    def fill(self, content: dict) -> None:
        self.fill_common(content)
        self.fill_options(content.get("options", []))
        self.key.data = content.get("key")
        self.shuffle.data = content.get("shuffle", True)

    def field_for(self, path: str):
        return self.option_field_for(path) or super().field_for(path)


MultipleResponseBase = type("MultipleResponseBase", (ItemForm,), _option_fields(8))


class MultipleResponseForm(_OptionsMixin, MultipleResponseBase):
    item_type = "multiple_response"
    n_options = 8
    choose = IntegerField("How many options must the candidate choose?", validators=[
        DataRequired("Enter how many options to choose"), NumberRange(1, 8, "Choose between 1 and 8 options")])
    key = MultiCheckboxField("Which options are correct?", choices=[SelectChoice(l, l) for l in LETTERS[:8]])
    scoring = RadioField("Scoring", default="all_or_nothing", choices=[
        SelectChoice("all_or_nothing", "All or nothing: 1 mark only when every correct option is chosen"),
        SelectChoice("partial", "Partial credit: 1 mark per correct choice, minus 1 per wrong choice, never below 0")])
    shuffle = BooleanField("Shuffle the options for each candidate", default=True)

    def to_content(self) -> dict:
        return {**self.common_content(), "options": self.options_content(), "key": list(self.key.data or []),
                "choose": self.choose.data, "scoring": self.scoring.data, "shuffle": bool(self.shuffle.data)}

    def fill(self, content: dict) -> None:
        self.fill_common(content)
        self.fill_options(content.get("options", []))
        self.key.data = content.get("key", [])
        self.choose.data = content.get("choose")
        self.scoring.data = content.get("scoring", "all_or_nothing")
        self.shuffle.data = content.get("shuffle", True)

    def field_for(self, path: str):
        return self.option_field_for(path) or super().field_for(path)


N_STEMS = 6
_emq_fields = {}
for _i in range(1, N_STEMS + 1):
    _emq_fields[f"stem_{_i}"] = StringField(f"Scenario {_i}", validators=[Length(max=1000)])
    _emq_fields[f"stem_{_i}_key"] = SelectField(f"Matching option for scenario {_i}", validate_choice=False,
                                                choices=[SelectChoice("", "Choose")] +
                                                [SelectChoice(l, l) for l in LETTERS[:26]])
ExtendedMatchingBase = type("ExtendedMatchingBase", (ItemForm,), _emq_fields)


class ExtendedMatchingForm(ExtendedMatchingBase):
    item_type = "extended_matching"
    OWN_ORDER = ("options", *(name for i in range(1, N_STEMS + 1) for name in (f"stem_{i}", f"stem_{i}_key")))
    options = TextAreaField("The shared option list, one option per line",
                            validators=[DataRequired("Enter the option list")],
                            description="They are lettered A, B, C… in this order. Between 5 and 26 options.")

    def _option_lines(self) -> list[str]:
        return [line.strip() for line in (self.options.data or "").splitlines() if line.strip()]

    def to_content(self) -> dict:
        stems = []
        for index in range(1, N_STEMS + 1):
            text = (getattr(self, f"stem_{index}").data or "").strip()
            if text:
                stems.append({"id": str(index), "text": text, "key": getattr(self, f"stem_{index}_key").data or ""})
        return {**self.common_content(), "shuffle": False, "stems": stems,
                "options": [{"id": LETTERS[i], "text": t} for i, t in enumerate(self._option_lines()[:26])]}

    def fill(self, content: dict) -> None:
        self.fill_common(content)
        self.options.data = "\n".join(o["text"] for o in content.get("options", []))
        for index, stem in enumerate(content.get("stems", [])[:N_STEMS], start=1):
            getattr(self, f"stem_{index}").data = stem["text"]
            getattr(self, f"stem_{index}_key").data = stem.get("key", "")

    def field_for(self, path: str):
        match = re.match(r"stems\.(\d+)(\.key)?", path)
        if match:
            index = int(match.group(1)) + 1
            if index <= N_STEMS:
                return getattr(self, f"stem_{index}_key" if match.group(2) else f"stem_{index}")
        if path.startswith("options"):
            return self.options
        if path == "stems":
            return self.stem_1
        return super().field_for(path)


OrderingBase = type("OrderingBase", (ItemForm,), _option_fields(8, "Step"))


class OrderingForm(_OptionsMixin, OrderingBase):
    item_type = "ordering"
    n_options = 8
    scoring = RadioField("Scoring", default="adjacent_pairs", choices=[
        SelectChoice("adjacent_pairs", "1 mark for each pair of neighbouring steps in the right order"),
        SelectChoice("all_or_nothing", "All or nothing: 1 mark only for the whole order right")])

    def to_content(self) -> dict:
        options = self.options_content()
        # Writers enter the steps in the correct order; candidates always see them shuffled.
        return {**self.common_content(), "options": options, "key": [o["id"] for o in options],
                "scoring": self.scoring.data}

    def fill(self, content: dict) -> None:
        self.fill_common(content)
        by_id = {o["id"]: o for o in content.get("options", [])}
        self.fill_options([by_id[i] for i in content.get("key", []) if i in by_id])
        self.scoring.data = content.get("scoring", "adjacent_pairs")

    def field_for(self, path: str):
        if path.startswith("key"):
            return self.option_A
        return self.option_field_for(path) or super().field_for(path)


N_CRITERIA = 5
_cr_fields = {}
for _i in range(1, N_CRITERIA + 1):
    _cr_fields[f"criterion_{_i}"] = StringField(f"Criterion {_i}", validators=[Length(max=500)])
    _cr_fields[f"criterion_{_i}_marks"] = IntegerField(f"Marks for criterion {_i}", validators=[
        Optional(), NumberRange(1, 10, "Marks must be between 1 and 10")])
ConstructedResponseBase = type("ConstructedResponseBase", (ItemForm,), _cr_fields)


class ConstructedResponseForm(ConstructedResponseBase):
    item_type = "constructed_response"
    OWN_ORDER = ("model_answer", *(name for i in range(1, N_CRITERIA + 1)
                                   for name in (f"criterion_{i}", f"criterion_{i}_marks")), "word_limit")
    model_answer = TextAreaField("Model answer", validators=[DataRequired("Enter a model answer")])
    word_limit = IntegerField("Word limit (optional)", validators=[Optional(), NumberRange(10, 2000,
                              "The word limit must be between 10 and 2,000")])

    def to_content(self) -> dict:
        rubric = []
        for index in range(1, N_CRITERIA + 1):
            text = (getattr(self, f"criterion_{index}").data or "").strip()
            if text:
                rubric.append({"criterion": text, "marks": getattr(self, f"criterion_{index}_marks").data or 0})
        content = {**self.common_content(), "model_answer": self.model_answer.data or "", "rubric": rubric,
                   "max_mark": sum(r["marks"] for r in rubric)}
        if self.word_limit.data:
            content["word_limit"] = self.word_limit.data
        return content

    def fill(self, content: dict) -> None:
        self.fill_common(content)
        self.model_answer.data = content.get("model_answer", "")
        self.word_limit.data = content.get("word_limit")
        for index, row in enumerate(content.get("rubric", [])[:N_CRITERIA], start=1):
            getattr(self, f"criterion_{index}").data = row["criterion"]
            getattr(self, f"criterion_{index}_marks").data = row["marks"]

    def field_for(self, path: str):
        match = re.match(r"rubric\.(\d+)(\.marks)?", path)
        if match and int(match.group(1)) < N_CRITERIA:
            index = int(match.group(1)) + 1
            return getattr(self, f"criterion_{index}_marks" if match.group(2) else f"criterion_{index}")
        if path in ("rubric", "max_mark"):
            return self.criterion_1
        return super().field_for(path)


ITEM_FORMS: dict[str, type[ItemForm]] = {
    "sba": SingleBestAnswerForm,
    "multiple_response": MultipleResponseForm,
    "extended_matching": ExtendedMatchingForm,
    "ordering": OrderingForm,
    "constructed_response": ConstructedResponseForm,
}

ITEM_TYPE_NAMES = {
    "sba": "Single best answer",
    "multiple_response": "Multiple response",
    "extended_matching": "Extended matching",
    "ordering": "Ordering",
    "constructed_response": "Short constructed response",
}
