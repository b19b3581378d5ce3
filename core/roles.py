"""Roles and the actor a service acts for."""
from __future__ import annotations

import enum
from dataclasses import dataclass, field

from core.errors import Forbidden


class Role(enum.StrEnum):
    CANDIDATE = "candidate"
    ITEM_WRITER = "item_writer"
    ITEM_REVIEWER = "item_reviewer"
    EXAMINER = "examiner"
    INVIGILATOR = "invigilator"
    ADMIN = "admin"
    ASSESSOR = "assessor"  # decides applications to join the register

    @property
    def label(self) -> str:
        return ROLE_LABELS[self]


ROLE_LABELS = {
    Role.CANDIDATE: "Candidate",
    Role.ITEM_WRITER: "Item writer",
    Role.ITEM_REVIEWER: "Item reviewer",
    Role.EXAMINER: "Examiner",
    Role.INVIGILATOR: "Invigilator",
    Role.ADMIN: "Administrator",
    Role.ASSESSOR: "Registration assessor",
}


@dataclass(frozen=True)
class Actor:
    """Who is doing something: a signed-in person, or the system itself (user_id None)."""

    user_id: int | None
    label: str
    roles: frozenset[Role] = field(default_factory=frozenset)

    def has(self, *roles: Role) -> bool:
        return bool(self.roles.intersection(roles))


SYSTEM = Actor(user_id=None, label="system", roles=frozenset(Role))


def require_role(actor: Actor, *roles: Role) -> None:
    """Raise Forbidden unless the actor holds at least one of ``roles``."""
    if not actor.has(*roles):
        names = " or ".join(r.label.lower() for r in roles)
        raise Forbidden(f"This needs the {names} role.")
