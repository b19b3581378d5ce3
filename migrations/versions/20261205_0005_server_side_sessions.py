"""server-side sessions and rate limits for sign-in, sign-up and password reset

Sessions end on the server through ``users.session_version`` (already there); this adds the rows
that make the rate limits hold across app instances and under concurrency: ``account_requests``
(append-only: password-reset requests and sign-ups) and ``throttle_locks`` (a row to lock per email
and per client address).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""
from alembic import op
import sqlalchemy as sa
import core.db
from core import append_only


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('account_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.Column('requested_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_account_requests'))
    )
    with op.batch_alter_table('account_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_account_requests_client_address'), ['client_address'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_requests_email'), ['email'], unique=False)
        batch_op.create_index(batch_op.f('ix_account_requests_requested_at'), ['requested_at'], unique=False)
    append_only.create_triggers(op.get_bind(), 'account_requests')

    op.create_table('throttle_locks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=400), nullable=False),
    sa.Column('touched_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_throttle_locks')),
    sa.UniqueConstraint('key', name=op.f('uq_throttle_locks_key'))
    )


def downgrade() -> None:
    op.drop_table('throttle_locks')
    append_only.drop_triggers(op.get_bind(), 'account_requests')
    with op.batch_alter_table('account_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_account_requests_requested_at'))
        batch_op.drop_index(batch_op.f('ix_account_requests_email'))
        batch_op.drop_index(batch_op.f('ix_account_requests_client_address'))
    op.drop_table('account_requests')
