"""exam delivery

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('adjustment_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('extra_time_pct', sa.Integer(), nullable=False),
    sa.Column('rest_breaks', sa.Boolean(), nullable=False),
    sa.Column('text_size', sa.String(length=20), nullable=False),
    sa.Column('colour_scheme', sa.String(length=30), nullable=False),
    sa.Column('uses_screen_reader', sa.Boolean(), nullable=False),
    sa.Column('other', sa.Text(), nullable=False),
    sa.Column('evidence_filename', sa.String(length=200), nullable=False),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'declined', name=op.f('ck_adjustment_requests_adjustment_status'), native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('requested_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('decided_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decision_reason', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_adjustment_requests_candidate_id_users')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_adjustment_requests_decided_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_adjustment_requests'))
    )
    with op.batch_alter_table('adjustment_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_adjustment_requests_candidate_id'), ['candidate_id'], unique=False)

    op.create_table('sittings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('is_practice', sa.Boolean(), nullable=False),
    sa.Column('booking_opens_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('booking_closes_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('opens_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('closes_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('requires_invigilation', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_sittings_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sittings'))
    )
    op.create_table('bookings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('booked_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_bookings_candidate_id_users')),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_bookings_sitting_id_sittings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_bookings'))
    )
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_bookings_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_bookings_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('exam_paper_id', sa.Integer(), nullable=False),
    sa.Column('started_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('duration_s', sa.Integer(), nullable=False),
    sa.Column('extra_time_pct', sa.Integer(), nullable=False),
    sa.Column('has_rest_breaks', sa.Boolean(), nullable=False),
    sa.Column('preferences', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_attempts_candidate_id_users')),
    sa.ForeignKeyConstraint(['exam_paper_id'], ['exam_papers.id'], name=op.f('fk_attempts_exam_paper_id_exam_papers')),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_attempts_sitting_id_sittings')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempts')),
    sa.UniqueConstraint('sitting_id', 'candidate_id', name=op.f('uq_attempts_sitting_id_candidate_id'))
    )
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempts_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_attempts_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('sitting_papers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('exam_paper_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['exam_paper_id'], ['exam_papers.id'], name=op.f('fk_sitting_papers_exam_paper_id_exam_papers')),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_sitting_papers_sitting_id_sittings'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_sitting_papers')),
    sa.UniqueConstraint('sitting_id', 'exam_paper_id', name=op.f('uq_sitting_papers_sitting_id_exam_paper_id'))
    )
    with op.batch_alter_table('sitting_papers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sitting_papers_exam_paper_id'), ['exam_paper_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_sitting_papers_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('attempt_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('occurred_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_attempt_events_actor_id_users')),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_attempt_events_attempt_id_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_events'))
    )
    with op.batch_alter_table('attempt_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_events_attempt_id'), ['attempt_id'], unique=False)

    op.create_table('attempt_slots',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('case_study_version_id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('option_order', sa.JSON(), nullable=True),
    sa.Column('max_mark', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_attempt_slots_attempt_id_attempts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['case_study_version_id'], ['case_study_versions.id'], name=op.f('fk_attempt_slots_case_study_version_id_case_study_versions')),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_attempt_slots_item_version_id_item_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attempt_slots')),
    sa.UniqueConstraint('attempt_id', 'slot', name=op.f('uq_attempt_slots_attempt_id_slot'))
    )
    with op.batch_alter_table('attempt_slots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attempt_slots_attempt_id'), ['attempt_id'], unique=False)

    op.create_table('response_steps',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('slot', sa.Integer(), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('client_step_id', sa.String(length=64), nullable=False),
    sa.Column('device_id', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_response_steps_attempt_id_attempts'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_response_steps')),
    sa.UniqueConstraint('attempt_id', 'client_step_id', name=op.f('uq_response_steps_attempt_id_client_step_id')),
    sa.UniqueConstraint('attempt_id', 'seq', name=op.f('uq_response_steps_attempt_id_seq'))
    )
    with op.batch_alter_table('response_steps', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_response_steps_attempt_id'), ['attempt_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('response_steps', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_response_steps_attempt_id'))

    op.drop_table('response_steps')
    with op.batch_alter_table('attempt_slots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_slots_attempt_id'))

    op.drop_table('attempt_slots')
    with op.batch_alter_table('attempt_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempt_events_attempt_id'))

    op.drop_table('attempt_events')
    with op.batch_alter_table('sitting_papers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sitting_papers_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_sitting_papers_exam_paper_id'))

    op.drop_table('sitting_papers')
    with op.batch_alter_table('attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attempts_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_attempts_candidate_id'))

    op.drop_table('attempts')
    with op.batch_alter_table('bookings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_bookings_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_bookings_candidate_id'))

    op.drop_table('bookings')
    op.drop_table('sittings')
    with op.batch_alter_table('adjustment_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_adjustment_requests_candidate_id'))

    op.drop_table('adjustment_requests')
