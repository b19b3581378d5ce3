"""Typed domain errors. Services raise them; one handler maps them to HTTP and the CLI to one line."""
from __future__ import annotations

from dataclasses import dataclass, field


class DomainError(Exception):
    http_status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    http_status = 404


class Forbidden(DomainError):
    http_status = 403


class Conflict(DomainError):
    http_status = 409


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str


class ValidationFailed(DomainError):
    """Input that is well-formed but breaks a rule; ``problems`` name the fields."""

    http_status = 422

    def __init__(self, message: str, problems: list[FieldProblem] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


@dataclass
class Problems:
    """Collects field problems so a service can report all of them at once."""

    items: list[FieldProblem] = field(default_factory=list)

    def add(self, field_name: str, message: str) -> None:
        self.items.append(FieldProblem(field_name, message))

    def raise_if_any(self, summary: str = "There is a problem") -> None:
        if self.items:
            raise ValidationFailed(summary, list(self.items))
