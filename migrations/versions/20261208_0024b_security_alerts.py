"""security alerts: the alerts raised (append-only), counters of refusals, the webhook outbox

Revision ID: 0024b
Revises: 0023a
Create Date: 2026-12-08
"""
from alembic import op
import sqlalchemy as sa
import core.db
from core import append_only


revision = '0024b'
down_revision = '0023a'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('security_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('raised_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('details', sa.Text(), nullable=False),
    sa.Column('channels', sa.String(length=40), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_security_alerts'))
    )
    with op.batch_alter_table('security_alerts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_security_alerts_raised_at'), ['raised_at'], unique=False)
        batch_op.create_index('ix_security_alerts_kind_subject_raised_at', ['kind', 'subject', 'raised_at'],
                              unique=False)
    append_only.create_triggers(op.get_bind(), 'security_alerts')

    op.create_table('alert_counters',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('subject', sa.String(length=400), nullable=False),
    sa.Column('window_start', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('count', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_counters')),
    sa.UniqueConstraint('kind', 'subject', 'window_start', name=op.f('uq_alert_counters_kind_subject_window_start'))
    )
    with op.batch_alter_table('alert_counters', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_counters_window_start'), ['window_start'], unique=False)

    op.create_table('alert_webhooks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('alert_id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('payload', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_webhooks'))
    )
    with op.batch_alter_table('alert_webhooks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_webhooks_alert_id'), ['alert_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_alert_webhooks_sent_at'), ['sent_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('alert_webhooks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_webhooks_sent_at'))
        batch_op.drop_index(batch_op.f('ix_alert_webhooks_alert_id'))
    op.drop_table('alert_webhooks')
    with op.batch_alter_table('alert_counters', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_counters_window_start'))
    op.drop_table('alert_counters')
    append_only.drop_triggers(op.get_bind(), 'security_alerts')
    with op.batch_alter_table('security_alerts', schema=None) as batch_op:
        batch_op.drop_index('ix_security_alerts_kind_subject_raised_at')
        batch_op.drop_index(batch_op.f('ix_security_alerts_raised_at'))
    op.drop_table('security_alerts')
