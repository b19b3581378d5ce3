"""append-only tables protected in the database: RESTRICT foreign keys and triggers refusing UPDATE and DELETE

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import core.db  # noqa: F401
from core import append_only


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# The append-only tables at this revision (frozen here: a later append-only table gets its
# triggers in the migration that creates it, with append_only.create_triggers).
APPEND_ONLY_TABLES = ("audit_entries", "login_attempts", "review_events", "response_steps", "attempt_events")

# (table, column, referred table, ON DELETE before this revision)
FOREIGN_KEYS = (
    ("response_steps", "attempt_id", "attempts", "CASCADE"),
    ("attempt_events", "attempt_id", "attempts", "CASCADE"),
    ("attempt_events", "actor_id", "users", None),
    ("review_events", "case_study_version_id", "case_study_versions", "CASCADE"),
    ("review_events", "item_id", "items", "CASCADE"),
    ("review_events", "actor_id", "users", None),
)


def _set_on_delete(restrict: bool) -> None:
    for table in ("response_steps", "attempt_events", "review_events"):
        # On SQLite this copies the table (and so drops any trigger on it): triggers come after.
        with op.batch_alter_table(table, schema=None) as batch_op:
            for key_table, column, referred, before in FOREIGN_KEYS:
                if key_table != table:
                    continue
                name = op.f(f"fk_{table}_{column}_{referred}")
                batch_op.drop_constraint(name, type_="foreignkey")
                batch_op.create_foreign_key(name, referred, [column], ["id"],
                                            ondelete="RESTRICT" if restrict else before)


def upgrade() -> None:
    _set_on_delete(restrict=True)
    connection = op.get_bind()
    for table in APPEND_ONLY_TABLES:
        append_only.create_triggers(connection, table)


def downgrade() -> None:
    connection = op.get_bind()
    for table in APPEND_ONLY_TABLES:
        append_only.drop_triggers(connection, table)
    _set_on_delete(restrict=False)
