"""attempt storage keys: the key each attempt's exam player encrypts its browser queues with

Revision ID: 0024c
Revises: 0024b
Create Date: 2026-12-08

One row per attempt, made when the player first asks for it; existing attempts get theirs then.
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0024c'
down_revision = '0024b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('attempt_storage_keys',
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_attempt_storage_keys_attempt_id_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('attempt_id', name=op.f('pk_attempt_storage_keys'))
    )


def downgrade() -> None:
    op.drop_table('attempt_storage_keys')
