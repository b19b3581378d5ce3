"""Loading JSON request bodies with marshmallow: shape errors become a ``ValidationFailed`` naming
dotted fields (``options.2.text``), which the one error handler answers as 422 with
``{"error", "fields"}``."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError

from core.errors import FieldProblem, ValidationFailed


def _flatten(messages: Any, prefix: str = "") -> list[FieldProblem]:
    if isinstance(messages, dict):
        problems = []
        for key, value in messages.items():
            name = "body" if key == "_schema" else str(key)
            problems += _flatten(value, f"{prefix}.{name}" if prefix else name)
        return problems
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [FieldProblem(prefix or "body", " ".join(messages))]
    if isinstance(messages, list):
        return [p for m in messages for p in _flatten(m, prefix)]
    return [FieldProblem(prefix or "body", str(messages))]


def load(schema: Schema, data: Any, summary: str = "The request has problems") -> dict:
    """``schema.load(data)``; anything but a JSON object, or a shape error, is a ``ValidationFailed``."""
    if not isinstance(data, dict):
        raise ValidationFailed("Send a JSON object", [FieldProblem("body", "Send a JSON object")])
    try:
        return schema.load(data)
    except ValidationError as error:
        raise ValidationFailed(summary, _flatten(error.messages)) from None
