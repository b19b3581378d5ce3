"""Shapes of the telemetry ingest API (marshmallow): shape only, unknown fields rejected. Bounds that
depend on configuration (events per batch, per minute) and on the clock are ``services.py``'s."""
from __future__ import annotations

import json

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates

from core.schemas import StrictBoolean
from proctoring.rules import MEDIA_KINDS, TELEMETRY_KINDS

EVENT_KINDS = sorted(str(kind) for kind in TELEMETRY_KINDS - MEDIA_KINDS)
"""What ``POST …/events`` accepts: every telemetry kind except the media kinds (those arrive through
``POST …/snapshots`` with their bytes)."""

MAX_DATA_BYTES = 2048  # an event's ``data`` as compact JSON (UTF-8)
CLIENT_ID = validate.Regexp(r"^[A-Za-z0-9_.:-]{1,64}$",
                            error="An event id is 1 to 64 letters, digits or the characters _ . : -")


class _In(Schema):
    class Meta:
        unknown = RAISE


class EventInSchema(_In):
    id = fields.String(required=True, validate=CLIENT_ID)
    kind = fields.String(required=True, validate=validate.OneOf(
        EVENT_KINDS, error="Not a kind of event the player may send: {input}"))
    at = fields.AwareDateTime(required=True, format="iso",
                              error_messages={"invalid": "Not a time: send ISO 8601 with a time zone, "
                                                         "e.g. 2026-11-23T10:00:00Z",
                                              "invalid_awareness": "A time needs its time zone (e.g. Z)"})
    data = fields.Dict(keys=fields.String(validate=validate.Length(min=1, max=64)), load_default=dict)

    @validates("data")
    def _small(self, value, **_kwargs):
        if len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")) > MAX_DATA_BYTES:
            raise ValidationError(f"An event's data can be at most {MAX_DATA_BYTES} bytes of JSON")
        if any(key.startswith("_") for key in value):
            raise ValidationError("Keys starting with _ are the server's")


class BatchInSchema(_In):
    events = fields.List(fields.Nested(EventInSchema), required=True,
                         validate=validate.Length(min=1, error="Send at least one event"))
    # True: answer with the invigilator's messages too, so that a player sending heartbeats on their
    # own need not poll for the messages as well (``api.events``).
    messages = StrictBoolean(load_default=False)
