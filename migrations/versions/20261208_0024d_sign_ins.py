"""sign-ins: one row per signed-in browser, so people can see and end their sessions

Revision ID: 0024d
Revises: 0024c
Create Date: 2026-12-08

Cookies issued before this revision carry no sign-in token: the app treats them as ended, so
everyone signs in once more after the upgrade (accounts/sessions.py says why).
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0024d'
down_revision = '0024c'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('sign_ins',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('started_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=40), nullable=True),
    sa.Column('device', sa.String(length=80), nullable=False),
    sa.Column('ip_address', sa.String(length=64), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_sign_ins_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sign_ins')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_sign_ins_token_hash'))
    )
    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sign_ins_ended_at'), ['ended_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_sign_ins_user_id'), ['user_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('sign_ins', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sign_ins_user_id'))
        batch_op.drop_index(batch_op.f('ix_sign_ins_ended_at'))
    op.drop_table('sign_ins')
