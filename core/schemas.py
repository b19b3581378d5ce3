"""Loading JSON request bodies with marshmallow: shape errors become a ``ValidationFailed`` naming
dotted fields (``options.2.text``), which the one error handler answers as 422 with
``{"error", "fields"}``."""
from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields

from core.errors import FieldProblem, ValidationFailed

class StrictBoolean(fields.Boolean):
    """true or false only (not "yes", 1 or "on")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise ValidationError("Give true or false.")
        return value


UNSTORABLE = "contains a character that cannot be stored (a null character or an unpaired surrogate)"


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


def is_storable(text: str) -> bool:
    """Text both databases store as given: UTF-8 encodable (no lone surrogates) and without NUL."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def unstorable_strings(data: Any) -> list[FieldProblem]:
    """Every string (key or value) that neither database can store as given, by dotted path.
    PostgreSQL refuses NUL and SQLite keeps it; a lone surrogate cannot even be encoded: refusing
    both at the edge makes the two behave alike."""
    problems = []
    stack: list[tuple[str, Any]] = [("", data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            if not is_storable(value):
                problems.append(FieldProblem(path or "body", UNSTORABLE))
        elif isinstance(value, dict):
            for key, child in value.items():
                name = f"{path}.{key}" if path else str(key)
                if isinstance(key, str) and not is_storable(key):
                    problems.append(FieldProblem(path or "body", f"a key {UNSTORABLE}"))
                    name = f"{path}.?" if path else "?"
                stack.append((name, child))
        elif isinstance(value, list):
            stack.extend((f"{path}.{i}" if path else str(i), child) for i, child in enumerate(value))
    return sorted(problems, key=lambda p: p.field)


def load(schema: Schema, data: Any, summary: str = "The request has problems") -> dict:
    """``schema.load(data)``; anything but a JSON object, text no database can store, or a shape
    error, is a ``ValidationFailed``."""
    if not isinstance(data, dict):
        raise ValidationFailed("Send a JSON object", [FieldProblem("body", "Send a JSON object")])
    problems = unstorable_strings(data)
    if problems:
        raise ValidationFailed("The request contains text that cannot be stored", problems)
    try:
        return schema.load(data)
    except ValidationError as error:
        raise ValidationFailed(summary, _flatten(error.messages)) from None
