"""JSON shapes of the item bank, per audience (DESIGN.md, "Inside a package").

- ``Author*`` schemas are for staff (item writers, reviewers, examiners, admins): keys, rubrics,
  model answers, rationales and mappings included.
- ``Candidate*`` schemas show what a candidate will see. They are built on
  :func:`item_bank.item_types.candidate_view`, an allow-list, and take the item version itself,
  so no caller can hand them the raw content: a key, rubric, model answer or rationale cannot leak.
- Load schemas (``*InSchema``) check shape only and reject unknown fields; the rules (one key,
  a primary sub-standard…) are the authoring services' to check.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_dump

from core.schemas import load as load_json
from item_bank.item_types import ITEM_TYPES, candidate_view


class _In(Schema):
    class Meta:
        unknown = RAISE


# --- author view (staff only) --------------------------------------------------------------------


class OptionSchema(_In):
    id = fields.String(required=True)
    text = fields.String(required=True)


class MatchingStemSchema(_In):
    id = fields.String(required=True)
    text = fields.String(required=True)
    key = fields.String(required=True)


class RubricRowSchema(_In):
    criterion = fields.String(required=True)
    marks = fields.Integer(required=True, strict=True)


class MappingSchema(_In):
    primary = fields.String(required=True, allow_none=True)
    others = fields.List(fields.String(), load_default=list)


class KeyField(fields.Field):
    """An SBA's key is an option id; a multiple-response or ordering key is a list of them."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value)):
            return value
        raise ValidationError("Give the key as an option id or a list of option ids.")


class AuthorItemSchema(Schema):
    """An item as its authors and examiners see it (dumped from ``{"item_id", "position",
    "max_mark", **content}``; absent fields are left out)."""

    item_id = fields.Integer()
    position = fields.Integer()
    max_mark = fields.Integer()
    type = fields.String()
    stem = fields.String()
    options = fields.List(fields.Nested(OptionSchema))
    stems = fields.List(fields.Nested(MatchingStemSchema))
    key = fields.Raw()
    choose = fields.Integer()
    scoring = fields.String()
    shuffle = fields.Boolean()
    model_answer = fields.String()
    rubric = fields.List(fields.Nested(RubricRowSchema))
    word_limit = fields.Integer(allow_none=True)
    rationale = fields.String()
    reference = fields.String(allow_none=True)
    estimated_facility = fields.Float(allow_none=True)
    substandards = fields.Nested(MappingSchema)

    @pre_dump
    def flatten(self, item_version, **_kwargs):
        if isinstance(item_version, dict):
            return item_version
        return {"item_id": item_version.item_id, "position": item_version.position,
                "max_mark": item_version.max_mark, **item_version.content}


class CaseStudySummarySchema(Schema):
    """One line of the bank's list (no item content)."""

    id = fields.Integer(attribute="case_study_id")
    version = fields.Integer(attribute="number")
    status = fields.String()
    title = fields.String()
    items = fields.Function(lambda v: len(v.item_versions))
    total_marks = fields.Integer()
    author_id = fields.Function(lambda v: v.case_study.author_id)
    updated_at = fields.DateTime()


class AuthorCaseStudySchema(CaseStudySummarySchema):
    scenario_html = fields.String()
    framework_version_id = fields.Function(lambda v: v.case_study.framework_version_id)
    change_note = fields.String()
    versions = fields.Function(lambda v: [{"version": o.number, "status": o.status.value}
                                          for o in v.case_study.versions])
    items = fields.List(fields.Nested(AuthorItemSchema), attribute="item_versions")


# --- candidate view ------------------------------------------------------------------------------


class _CandidateOptionSchema(Schema):
    id = fields.String()
    text = fields.String()


@dataclass(frozen=True)
class PresentedItem:
    """An item version as it is presented in one slot of an exam attempt: its number in the paper,
    its case study and the attempt's frozen option order (and the mark frozen with the slot)."""

    item_version: Any
    slot: int
    case_study_id: int
    option_order: list[str] | None
    max_mark: int


class CandidateItemSchema(Schema):
    """What a candidate sees of an item — the one schema for every candidate-facing view (the item
    bank's preview and the exam player). Built from ``candidate_view``, an allow-list, and given
    the item version itself (or a :class:`PresentedItem` wrapping one), never its raw content: a key,
    rubric, model answer, rationale, reference, facility or mapping cannot leak.

    Dumped from an item version: ``item_id`` and ``position`` in its case study. Dumped from a
    ``PresentedItem``: ``slot`` and ``case_study_id`` instead (an exam does not tell the candidate
    which bank item a question is), options in the attempt's frozen order."""

    item_id = fields.Integer()
    position = fields.Integer()
    slot = fields.Integer()
    case_study_id = fields.Integer()
    max_mark = fields.Integer()
    type = fields.String()
    type_label = fields.String()
    stem = fields.String()
    options = fields.List(fields.Nested(_CandidateOptionSchema))
    stems = fields.List(fields.Nested(_CandidateOptionSchema))
    choose = fields.Integer()
    word_limit = fields.Integer(allow_none=True)

    @pre_dump
    def to_candidate_view(self, item, **_kwargs):
        if isinstance(item, PresentedItem):
            view = candidate_view(item.item_version.content, item.option_order)
            where = {"slot": item.slot, "case_study_id": item.case_study_id, "max_mark": item.max_mark}
        else:
            view = candidate_view(item.content)
            where = {"item_id": item.item_id, "position": item.position, "max_mark": item.max_mark}
        return {**where, **view, "type_label": ITEM_TYPES[view["type"]].label}


class CandidateCaseStudySchema(Schema):
    id = fields.Integer(attribute="case_study_id")
    version = fields.Integer(attribute="number")
    title = fields.String()
    scenario_html = fields.String()
    total_marks = fields.Integer()
    items = fields.List(fields.Nested(CandidateItemSchema), attribute="item_versions")


# --- load schemas (create and update drafts) -----------------------------------------------------


class CaseStudyInSchema(_In):
    title = fields.String(required=True)
    scenario_html = fields.String(required=True)


class ItemInSchema(_In):
    """An item's content (the shape of ``item_types``); which fields a type needs is checked by the
    authoring service."""

    type = fields.String(required=True)
    stem = fields.String(required=True)
    options = fields.List(fields.Nested(OptionSchema))
    stems = fields.List(fields.Nested(MatchingStemSchema))
    key = KeyField()
    choose = fields.Integer(strict=True)
    scoring = fields.String()
    shuffle = fields.Boolean()
    model_answer = fields.String()
    rubric = fields.List(fields.Nested(RubricRowSchema))
    max_mark = fields.Integer(strict=True)
    word_limit = fields.Integer(strict=True, allow_none=True)
    rationale = fields.String(required=True)
    reference = fields.String(allow_none=True)
    estimated_facility = fields.Float(allow_none=True)
    substandards = fields.Nested(MappingSchema, required=True)


def load(schema: Schema, data: Any) -> dict:
    """``schema.load(data)`` with shape errors as a 422 naming dotted fields (see ``core.schemas``)."""
    return load_json(schema, data, "The request has problems")
