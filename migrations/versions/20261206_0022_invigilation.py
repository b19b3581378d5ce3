"""invigilation: invigilations, their hash-chained log, flags, flag reviews, outcomes and allocations

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06

Every table but ``invigilations`` (which holds each chain's head) is append-only evidence.
"""
from alembic import op
import sqlalchemy as sa
import core.db
from core import append_only

APPEND_ONLY = ("invigilator_allocations", "invigilation_outcomes", "invigilation_events", "invigilation_flags",
               "invigilation_flag_reviews")


revision = '0022'
down_revision = '0021'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('invigilations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('next_seq', sa.Integer(), nullable=False),
    sa.Column('last_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_invigilations_candidate_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_invigilations_sitting_id_sittings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invigilations')),
    sa.UniqueConstraint('sitting_id', 'candidate_id', name=op.f('uq_invigilations_sitting_id_candidate_id'))
    )
    with op.batch_alter_table('invigilations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invigilations_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invigilations_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('invigilator_allocations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('invigilator_id', sa.Integer(), nullable=False),
    sa.Column('allocated_by_id', sa.Integer(), nullable=True),
    sa.Column('allocated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['allocated_by_id'], ['users.id'], name=op.f('fk_invigilator_allocations_allocated_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_invigilator_allocations_candidate_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invigilator_id'], ['users.id'], name=op.f('fk_invigilator_allocations_invigilator_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_invigilator_allocations_sitting_id_sittings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invigilator_allocations'))
    )
    with op.batch_alter_table('invigilator_allocations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invigilator_allocations_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invigilator_allocations_invigilator_id'), ['invigilator_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invigilator_allocations_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('invigilation_outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invigilation_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('no_concern', 'concern_noted', 'withheld_pending_examiner', 'refer_for_misconduct', name='invigilation_outcome', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['invigilation_id'], ['invigilations.id'], name=op.f('fk_invigilation_outcomes_invigilation_id_invigilations'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_invigilation_outcomes_reviewer_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invigilation_outcomes'))
    )
    with op.batch_alter_table('invigilation_outcomes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invigilation_outcomes_invigilation_id'), ['invigilation_id'], unique=False)

    op.create_table('invigilation_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invigilation_id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('consent_given', 'consent_withdrawn', 'checkin_photo', 'checkin_id_photo', 'checkin_room_scan', 'checkin_rules_acknowledged', 'checkin_submitted', 'checkin_approved', 'checkin_rejected', 'checkin_waived', 'snapshot', 'recording_chunk', 'heartbeat', 'tab_hidden', 'tab_visible', 'window_blur', 'window_focus', 'fullscreen_exit', 'copy', 'cut', 'paste', 'print', 'context_menu', 'devtools_open', 'second_screen', 'network_offline', 'network_online', 'camera_ended', 'page_closing', 'faces_counted', 'message_sent', 'message_acknowledged', 'action_taken', 'end_requested', 'end_confirmed', 'end_cancelled', 'evidence_viewed', 'media_purged', name='invigilation_log_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('client_event_id', sa.String(length=64), nullable=True),
    sa.Column('occurred_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('received_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('media_key', sa.String(length=200), nullable=True),
    sa.Column('media_sha256', sa.String(length=64), nullable=True),
    sa.Column('media_type', sa.String(length=50), nullable=True),
    sa.Column('media_size', sa.Integer(), nullable=True),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_invigilation_events_actor_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_invigilation_events_attempt_id_attempts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invigilation_id'], ['invigilations.id'], name=op.f('fk_invigilation_events_invigilation_id_invigilations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invigilation_events')),
    sa.UniqueConstraint('invigilation_id', 'client_event_id', name=op.f('uq_invigilation_events_invigilation_id_client_event_id')),
    sa.UniqueConstraint('invigilation_id', 'seq', name=op.f('uq_invigilation_events_invigilation_id_seq'))
    )
    with op.batch_alter_table('invigilation_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invigilation_events_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invigilation_events_invigilation_id'), ['invigilation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invigilation_events_received_at'), ['received_at'], unique=False)

    op.create_table('invigilation_flags',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('invigilation_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.Enum('no_face', 'several_faces', 'camera_dark', 'camera_ended', 'tab_hidden', 'focus_lost', 'connection_lost', 'heartbeat_missing', 'copy_paste', 'fullscreen_exit', 'second_screen', name='invigilation_flag_kind', native_enum=False, create_constraint=True, length=40), nullable=False),
    sa.Column('severity', sa.Enum('low', 'medium', 'high', name='invigilation_flag_severity', native_enum=False, create_constraint=True, length=10), nullable=False),
    sa.Column('starts_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ends_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('evidence_event_ids', sa.JSON(), nullable=False),
    sa.Column('detail', sa.Text(), nullable=False),
    sa.Column('policy_version', sa.String(length=20), nullable=False),
    sa.Column('raised_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_invigilation_flags_attempt_id_attempts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['invigilation_id'], ['invigilations.id'], name=op.f('fk_invigilation_flags_invigilation_id_invigilations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invigilation_flags')),
    sa.UniqueConstraint('invigilation_id', 'kind', 'starts_at', name=op.f('uq_invigilation_flags_invigilation_id_kind_starts_at'))
    )
    with op.batch_alter_table('invigilation_flags', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invigilation_flags_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_invigilation_flags_invigilation_id'), ['invigilation_id'], unique=False)

    op.create_table('invigilation_flag_reviews',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('flag_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum('confirmed', 'dismissed', name='invigilation_flag_decision', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('reviewed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['flag_id'], ['invigilation_flags.id'], name=op.f('fk_invigilation_flag_reviews_flag_id_invigilation_flags'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['reviewer_id'], ['users.id'], name=op.f('fk_invigilation_flag_reviews_reviewer_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_invigilation_flag_reviews'))
    )
    with op.batch_alter_table('invigilation_flag_reviews', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_invigilation_flag_reviews_flag_id'), ['flag_id'], unique=False)

    for table in APPEND_ONLY:
        append_only.create_triggers(op.get_bind(), table)


def downgrade() -> None:
    for table in APPEND_ONLY:
        append_only.drop_triggers(op.get_bind(), table)
    with op.batch_alter_table('invigilation_flag_reviews', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invigilation_flag_reviews_flag_id'))

    op.drop_table('invigilation_flag_reviews')
    with op.batch_alter_table('invigilation_flags', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invigilation_flags_invigilation_id'))
        batch_op.drop_index(batch_op.f('ix_invigilation_flags_attempt_id'))

    op.drop_table('invigilation_flags')
    with op.batch_alter_table('invigilation_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invigilation_events_received_at'))
        batch_op.drop_index(batch_op.f('ix_invigilation_events_invigilation_id'))
        batch_op.drop_index(batch_op.f('ix_invigilation_events_attempt_id'))

    op.drop_table('invigilation_events')
    with op.batch_alter_table('invigilation_outcomes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invigilation_outcomes_invigilation_id'))

    op.drop_table('invigilation_outcomes')
    with op.batch_alter_table('invigilator_allocations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invigilator_allocations_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_invigilator_allocations_invigilator_id'))
        batch_op.drop_index(batch_op.f('ix_invigilator_allocations_candidate_id'))

    op.drop_table('invigilator_allocations')
    with op.batch_alter_table('invigilations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_invigilations_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_invigilations_candidate_id'))

    op.drop_table('invigilations')
