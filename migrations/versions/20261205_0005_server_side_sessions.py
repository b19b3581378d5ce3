"""server-side sessions and rate limits for sign-in, sign-up and password reset

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401
import core.db  # noqa: F401


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
