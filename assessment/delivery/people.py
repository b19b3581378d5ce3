"""Names and emails of people, read from the ``users`` table by name (DESIGN.md: tables refer to
other packages' tables by foreign-key name), so delivery does not import accounts."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from core.db import Base


def names_and_emails(session: Session, ids) -> dict[int, tuple[str, str]]:
    """``{user id: (full name, email)}`` for the given ids, in one query."""
    users = Base.metadata.tables["users"]
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return {row.id: (row.full_name, row.email)
            for row in session.execute(select(users.c.id, users.c.full_name, users.c.email).where(users.c.id.in_(ids)))}
