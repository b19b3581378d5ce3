"""JSON shapes of the candidate's autosave API (marshmallow). Load schemas check shape only and
reject unknown fields; the save protocol's rules are ``services.save_response``'s.

The dump side is for one audience, the candidate: items come from ``candidate.exam_content``
(built on ``item_types.candidate_view``), so no key, rubric or rationale is ever dumped.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

from marshmallow import RAISE, Schema, ValidationError, fields, pre_load, validate

from core.schemas import StrictBoolean, is_storable, load as load_json
from core.web import MAX_ID
from assessment.delivery import replay
from item_bank.exchange.schemas import CandidateItemSchema  # noqa: F401  (one schema, the item bank's)
from item_bank.item_types import MAX_WRITTEN_CHARS, unsafe_text

MAX_TEXT = MAX_WRITTEN_CHARS  # characters in one written answer (the item types' hard cap)
ID = validate.Length(min=1, max=64)
MAX_CARRIED_EVENTS = 100  # the player sends at most 50 at once; invigilation applies its own limit


class _In(Schema):
    class Meta:
        unknown = RAISE


class AnswerField(fields.Field):
    """An answer: an option id (single best answer), a list of option ids (multiple response,
    ordering), a mapping of stem id to option id (extended matching), a text (constructed
    response), or null (no answer)."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, str) and len(value) > MAX_TEXT:
            raise ValidationError(f"An answer can be at most {MAX_TEXT:,} characters long.")
        if not answer_shape_holds(value):
            raise ValidationError("Give the answer as an option id, a list of option ids, a mapping of "
                                  "stem ids to option ids, a text, or null.")
        return value


def answer_shape_holds(value: Any) -> bool:
    """Whether ``value`` has one of an answer's shapes (``AnswerField``)."""
    if value is None:
        return True
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    if isinstance(value, list):
        return len(value) <= 32 and all(isinstance(v, str) and len(v) <= 64 for v in value)
    if isinstance(value, dict):
        return len(value) <= 64 and all(isinstance(k, str) and len(k) <= 64 and isinstance(v, str) and len(v) <= 64
                                        for k, v in value.items())
    return False


class PayloadSchema(_In):
    answer = AnswerField(load_default=None, allow_none=True)
    flagged = StrictBoolean(load_default=False)
    struck = fields.List(fields.String(validate=ID), load_default=list, validate=validate.Length(max=32))


def _unsafe_strings(value: Any, path: str) -> dict[str, str]:
    """Every string (key or value) in a JSON value that cannot be stored as text, by dotted path."""
    found: dict[str, str] = {}
    if isinstance(value, str):
        if unsafe_text(value):
            found[path or "body"] = f"This {unsafe_text(value)}."
    elif isinstance(value, dict):
        for key, inner in value.items():
            name = f"{path}.{key}" if path else str(key)
            if isinstance(key, str) and unsafe_text(key):
                found[path or "body"] = f"A field name {unsafe_text(key)}."
                continue
            found.update(_unsafe_strings(inner, name))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found.update(_unsafe_strings(inner, f"{path}.{index}" if path else str(index)))
    return found


class SaveInSchema(_In):
    @pre_load
    def refuse_unsafe_text(self, data, **_kwargs):
        # NUL and lone surrogates are refused before anything else looks at the body: stored, they
        # break PostgreSQL, UTF-8 pages and every later reading of the evidence.
        if isinstance(data, dict):
            found = _unsafe_strings(data, "")
            if found:
                raise ValidationError({key: [message] for key, message in found.items()})
        return data

    # Bounded by what an integer column holds: a larger number names nothing, and sent to PostgreSQL
    # (the fast path binds the slot into its first query) it would be an error, not a 422.
    slot = fields.Integer(required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID))
    payload = fields.Nested(PayloadSchema, required=True)
    seen_seq = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=MAX_ID))
    client_step_id = fields.String(required=True, validate=ID)
    device_id = fields.String(required=True, validate=ID)
    # The player's queued invigilation events riding on this save (heartbeats mostly), so they need
    # no request of their own. Only the envelope is checked here; each event is invigilation's to
    # judge, and a refusal of them never refuses the save (``api._carry_events``).
    events = fields.List(fields.Dict(), validate=validate.Length(
        min=1, max=MAX_CARRIED_EVENTS, error=f"Send 1 to {MAX_CARRIED_EVENTS} events with a save"))
    # True: answer with the invigilator's messages too, so the player need not poll for them while
    # it is saving (``api._messages_asked``).
    messages = StrictBoolean()


_SAVE_FIELDS = frozenset(SaveInSchema._declared_fields)
_SAVE_REQUIRED = frozenset(name for name, field in SaveInSchema._declared_fields.items() if field.required)
_PAYLOAD_FIELDS = frozenset(PayloadSchema._declared_fields)


def _an_id(value: Any) -> bool:
    return type(value) is str and 1 <= len(value) <= 64


def _a_number(value: Any, low: int) -> bool:
    return type(value) is int and low <= value <= MAX_ID


def _all_storable(value: Any) -> bool:
    """Every string in ``value``, keys included, can be stored as text (``core.schemas.is_storable``)."""
    if isinstance(value, str):
        return is_storable(value)
    if isinstance(value, dict):
        return all(isinstance(key, str) and is_storable(key) and _all_storable(inner) for key, inner in value.items())
    if isinstance(value, list):
        return all(_all_storable(inner) for inner in value)
    return True


def plain_save(data: Any) -> dict | None:
    """What ``SaveInSchema`` loads from ``data``, checked in plain Python, for the bodies the player
    sends every few seconds; None for anything else, which the schema then judges and words. The
    schema's machinery cost about 0.4 ms of a 3 ms autosave (docs/performance.md). Every rule here is
    one of the schema's, never a looser one, and tests/assessment/delivery/test_save_body.py checks
    that over generated bodies: what this takes, the schema takes and loads the same."""
    if type(data) is not dict or not _SAVE_REQUIRED <= data.keys() <= _SAVE_FIELDS:
        return None
    payload = data["payload"]
    if type(payload) is not dict or not payload.keys() <= _PAYLOAD_FIELDS:
        return None
    answer = payload.get("answer")
    flagged = payload.get("flagged", False)
    struck = payload.get("struck", [])
    events = data.get("events")
    if not (_a_number(data["slot"], 1) and _a_number(data["seen_seq"], 0) and _an_id(data["client_step_id"])
            and _an_id(data["device_id"]) and answer_shape_holds(answer) and type(flagged) is bool
            and type(struck) is list and len(struck) <= 32 and all(_an_id(s) for s in struck)
            and (events is None and "events" not in data
                 or type(events) is list and 1 <= len(events) <= MAX_CARRIED_EVENTS
                 and all(type(event) is dict for event in events))
            and ("messages" not in data or type(data["messages"]) is bool)
            and _all_storable(data)):
        return None
    loaded = {key: data[key] for key in ("slot", "seen_seq", "client_step_id", "device_id", "events", "messages")
              if key in data}
    loaded["payload"] = {"answer": answer, "flagged": flagged, "struck": list(struck)}
    if events is not None:
        loaded["events"] = [dict(event) for event in events]
    return loaded


def load_save(schema: Schema, data: Any) -> dict:
    """The autosave's body loaded: :func:`plain_save` for the player's usual bodies, else the schema
    (which gives the 422)."""
    return plain_save(data) or load(schema, data)


class ClaimInSchema(_In):
    device_id = fields.String(required=True, validate=ID)
    with_exam = StrictBoolean(load_default=False)  # answer with the exam load, not the state alone


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
    on_break = fields.Function(lambda s: s["view"].on_break)
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
