"""event kinds and review actions as StrEnums with named CHECK constraints

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None

# The values at this revision, frozen here (the enums in the code may grow; a new value comes with
# its own migration that replaces the CHECK).
EVENT_KINDS = ("started", "device_claimed", "paused", "resumed", "time_extended", "break_started", "break_ended",
               "stale_save_rejected", "late_response_rejected", "submitted", "auto_submitted", "voided")
REVIEW_ACTIONS = ("submit", "withdraw", "start_review", "approve", "request_changes", "reject", "retire", "comment")
CHECKS = (("attempt_events", "kind", "ck_attempt_events_attempt_event_kind", EVENT_KINDS),
          ("review_events", "action", "ck_review_events_review_action", REVIEW_ACTIONS))


def _triggers(table: str) -> list[str]:
    """On SQLite a batch alteration copies the table, and dropping the old copy drops its triggers
    (the append-only guards): read them first so that they can be put back."""
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return []
    return list(bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table "
                                     "AND sql IS NOT NULL"), {"table": table}).scalars())


def _alter(table: str, change) -> None:
    triggers = _triggers(table)
    with op.batch_alter_table(table, schema=None) as batch_op:
        change(batch_op)
    for sql in triggers:
        op.execute(sql)


def upgrade() -> None:
    for table, column, name, values in CHECKS:
        listed = ", ".join(f"'{value}'" for value in values)
        _alter(table, lambda batch_op: batch_op.create_check_constraint(op.f(name), f"{column} IN ({listed})"))


def downgrade() -> None:
    for table, _column, name, _values in reversed(CHECKS):
        _alter(table, lambda batch_op: batch_op.drop_constraint(op.f(name), type_="check"))
