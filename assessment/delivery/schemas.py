"""JSON shapes of the candidate's autosave API (marshmallow). Load schemas check shape only and
reject unknown fields; the save protocol's rules are ``services.save_response``'s.

The dump side is for one audience, the candidate: items come from ``candidate.exam_content``
(built on ``item_types.candidate_view``), so no key, rubric or rationale is ever dumped.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, validate

from core.schemas import load as load_json
from assessment.delivery import replay

MAX_TEXT = 100_000  # characters in one written answer (a 2,000-word answer is about 12,000)
ID = validate.Length(min=1, max=64)


class _In(Schema):
    class Meta:
        unknown = RAISE


class AnswerField(fields.Field):
    """An answer: an option id (single best answer), a list of option ids (multiple response,
    ordering), a mapping of stem id to option id (extended matching), a text (constructed
    response), or null (no answer)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is None:
            return None
        if isinstance(value, str):
            if len(value) > MAX_TEXT:
                raise ValidationError(f"An answer can be at most {MAX_TEXT:,} characters long.")
            return value
        if isinstance(value, list) and len(value) <= 32 and all(isinstance(v, str) and len(v) <= 64 for v in value):
            return value
        if isinstance(value, dict) and len(value) <= 64 and all(
                isinstance(k, str) and len(k) <= 64 and isinstance(v, str) and len(v) <= 64
                for k, v in value.items()):
            return value
        raise ValidationError("Give the answer as an option id, a list of option ids, a mapping of "
                              "stem ids to option ids, a text, or null.")


class StrictBoolean(fields.Boolean):
    """true or false only (not "yes", 1 or "on")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Give true or false.")
        return value


class PayloadSchema(_In):
    answer = AnswerField(load_default=None, allow_none=True)
    flagged = StrictBoolean(load_default=False)
    struck = fields.List(fields.String(validate=ID), load_default=list, validate=validate.Length(max=32))


class SaveInSchema(_In):
    slot = fields.Integer(required=True, strict=True, validate=validate.Range(min=1))
    payload = fields.Nested(PayloadSchema, required=True)
    seen_seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=0))
    client_step_id = fields.String(required=True, validate=ID)
    device_id = fields.String(required=True, validate=ID)


class ClaimInSchema(_In):
    device_id = fields.String(required=True, validate=ID)


class BreakInSchema(_In):
    action = fields.String(required=True, validate=validate.OneOf(["start", "end"]))


def load(schema: Schema, data: Any) -> dict:
    """``schema.load(data)`` with shape errors as a 422 naming dotted fields (see ``core.schemas``)."""
    return load_json(schema, data, "The request is not valid")


# --- dump ----------------------------------------------------------------------------------------


def _iso(when: dt.datetime | None) -> str | None:
    return when.astimezone(dt.timezone.utc).isoformat().replace("+00:00", "Z") if when else None


class SlotStateSchema(Schema):
    slot = fields.Integer()
    answer = fields.Raw(allow_none=True)
    flagged = fields.Boolean()
    struck = fields.List(fields.String())
    seq = fields.Integer()
    saved_at = fields.Function(lambda row: _iso(row["saved_at"]))


class StateSchema(Schema):
    """An attempt's state as the candidate's page needs it (also the ``state`` of a 409 body)."""

    state = fields.Function(lambda s: s["view"].state.value)
    deadline = fields.Function(lambda s: _iso(s["view"].deadline))
    time_left_s = fields.Function(lambda s: s["view"].time_left_s)
    server_time = fields.Function(lambda s: _iso(s["now"]))
    last_seq = fields.Function(lambda s: s["view"].last_seq)
    paused_reason = fields.Function(lambda s: s["view"].paused_reason)
    ended_at = fields.Function(lambda s: _iso(s["view"].ended_at))
    answered = fields.Function(lambda s: s["view"].answered)
    read_only = fields.Function(lambda s: None if s["device_id"] is None
                                else s["view"].active_device != s["device_id"])
    slots = fields.Function(lambda s: SlotStateSchema(many=True).dump(
        [{"slot": n, "answer": st.answer, "flagged": st.flagged, "struck": list(st.struck), "seq": st.seq,
          "saved_at": s["saved_at"].get(n)} for n, st in sorted(s["view"].slots.items())]))


def dump_state(view: replay.AttemptView, *, now: dt.datetime, device_id: str | None,
               saved_at: dict[int, dt.datetime | None]) -> dict:
    return StateSchema().dump({"view": view, "now": now, "device_id": device_id, "saved_at": saved_at})


class AckSchema(Schema):
    seq = fields.Integer()
    slot = fields.Integer()
    written = fields.Boolean()
    last_seq = fields.Function(lambda ack: ack.view.last_seq)
    state = fields.Function(lambda ack: ack.view.state.value)
    time_left_s = fields.Function(lambda ack: ack.view.time_left_s)
    deadline = fields.Function(lambda ack: _iso(ack.view.deadline))


class _CandidateOptionSchema(Schema):
    id = fields.String()
    text = fields.String()


class CandidateItemSchema(Schema):
    """One slot's item as the candidate sees it: the allow-listed candidate view, options in the
    attempt's frozen order. No key, rubric, model answer or rationale."""

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


class AttachmentSchema(Schema):
    id = fields.Integer()
    filename = fields.String()
    description = fields.String()
    content_type = fields.String()
    size_bytes = fields.Integer()
    url = fields.String()


class CaseStudySchema(Schema):
    id = fields.Integer()
    title = fields.String()
    scenario_html = fields.String()
    attachments = fields.List(fields.Nested(AttachmentSchema))
