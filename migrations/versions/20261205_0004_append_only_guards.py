"""append-only tables protected in the database: RESTRICT foreign keys and triggers refusing UPDATE and DELETE

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-05
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import core.db  # noqa: F401


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
