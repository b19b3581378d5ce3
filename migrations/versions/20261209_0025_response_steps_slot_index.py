"""response steps: an index on (attempt, slot, seq) in place of the one on attempt alone

Revision ID: 0025
Revises: 0024d
Create Date: 2026-12-09

Every save reads each slot's latest step. With this index that is one short probe a slot; before,
the database grouped all of the attempt's steps by slot, a cost that grew through the sitting
(docs/performance.md). The new index leads with attempt_id, so the old one had nothing left to do.
"""
from alembic import op


revision = '0025'
down_revision = '0024d'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('response_steps', schema=None) as batch_op:
        batch_op.create_index('ix_response_steps_attempt_id_slot_seq', ['attempt_id', 'slot', 'seq'], unique=False)
        batch_op.drop_index('ix_response_steps_attempt_id')


def downgrade() -> None:
    with op.batch_alter_table('response_steps', schema=None) as batch_op:
        batch_op.create_index('ix_response_steps_attempt_id', ['attempt_id'], unique=False)
        batch_op.drop_index('ix_response_steps_attempt_id_slot_seq')
