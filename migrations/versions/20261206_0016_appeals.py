"""appeals: appeals, their evidence, panels, members' responses, outcomes, re-marks and resit
entitlements (all append-only); users.is_registered_case_manager

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06

The flag on ``users`` is added and dropped in place (SQLite 3.35+ drops a plain column without
copying the table, which every evidence table refers to).
"""
from alembic import op
import sqlalchemy as sa
import core.db
from core import append_only


revision = '0016'
down_revision = '0015'
branch_labels = None
depends_on = None

TABLES = ("appeals", "appeal_evidence", "appeal_panels", "appeal_panellists", "appeal_panel_responses",
          "appeal_outcomes", "appeal_remarks", "resit_entitlements")


def upgrade() -> None:
    op.create_table('appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('candidate_result_id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('grounds', sa.JSON(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('lodged_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_appeals_attempt_id_attempts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_appeals_candidate_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['candidate_result_id'], ['candidate_results.id'], name=op.f('fk_appeals_candidate_result_id_candidate_results'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['release_id'], ['result_releases.id'], name=op.f('fk_appeals_release_id_result_releases'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_appeals_sitting_id_sittings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeals'))
    )
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeals_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_candidate_result_id'), ['candidate_result_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeals_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('appeal_evidence',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_evidence_appeal_id_appeals'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_evidence'))
    )
    with op.batch_alter_table('appeal_evidence', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_evidence_appeal_id'), ['appeal_id'], unique=False)

    op.create_table('appeal_panels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('appointed_by_id', sa.Integer(), nullable=False),
    sa.Column('appointed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_panels_appeal_id_appeals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['appointed_by_id'], ['users.id'], name=op.f('fk_appeal_panels_appointed_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_panels'))
    )
    with op.batch_alter_table('appeal_panels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_panels_appeal_id'), ['appeal_id'], unique=False)

    op.create_table('appeal_remarks',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('scoring_run_id', sa.Integer(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_remarks_appeal_id_appeals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_appeal_remarks_recorded_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['scoring_run_id'], ['scoring_runs.id'], name=op.f('fk_appeal_remarks_scoring_run_id_scoring_runs'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_remarks')),
    sa.UniqueConstraint('appeal_id', name=op.f('uq_appeal_remarks_appeal_id'))
    )
    op.create_table('resit_entitlements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('voided_attempt_id', sa.Integer(), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=False),
    sa.Column('granted_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_resit_entitlements_appeal_id_appeals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_resit_entitlements_candidate_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_resit_entitlements_granted_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['voided_attempt_id'], ['attempts.id'], name=op.f('fk_resit_entitlements_voided_attempt_id_attempts'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resit_entitlements')),
    sa.UniqueConstraint('appeal_id', name=op.f('uq_resit_entitlements_appeal_id'))
    )
    with op.batch_alter_table('resit_entitlements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resit_entitlements_candidate_id'), ['candidate_id'], unique=False)

    op.create_table('appeal_outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('dismissed', 'upheld_remark', 'upheld_void_resit', name='appeal_outcome', native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_outcomes_appeal_id_appeals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['panel_id'], ['appeal_panels.id'], name=op.f('fk_appeal_outcomes_panel_id_appeal_panels'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_appeal_outcomes_recorded_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_outcomes')),
    sa.UniqueConstraint('appeal_id', name=op.f('uq_appeal_outcomes_appeal_id'))
    )
    op.create_table('appeal_panellists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('is_registered_case_manager', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['panel_id'], ['appeal_panels.id'], name=op.f('fk_appeal_panellists_panel_id_appeal_panels'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_appeal_panellists_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_panellists')),
    sa.UniqueConstraint('panel_id', 'user_id', name=op.f('uq_appeal_panellists_panel_id_user_id'))
    )
    with op.batch_alter_table('appeal_panellists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appeal_panellists_panel_id'), ['panel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_appeal_panellists_user_id'), ['user_id'], unique=False)

    op.create_table('appeal_panel_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panellist_id', sa.Integer(), nullable=False),
    sa.Column('has_conflict', sa.Boolean(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('responded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['panellist_id'], ['appeal_panellists.id'], name=op.f('fk_appeal_panel_responses_panellist_id_appeal_panellists'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_panel_responses')),
    sa.UniqueConstraint('panellist_id', name=op.f('uq_appeal_panel_responses_panellist_id'))
    )
    op.add_column('users', sa.Column('is_registered_case_manager', sa.Boolean(), server_default=sa.false(),
                                     nullable=False))
    connection = op.get_bind()
    for table in TABLES:
        append_only.create_triggers(connection, table)


def downgrade() -> None:
    connection = op.get_bind()
    for table in TABLES:
        append_only.drop_triggers(connection, table)
    op.drop_column('users', 'is_registered_case_manager')

    op.drop_table('appeal_panel_responses')
    with op.batch_alter_table('appeal_panellists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_panellists_user_id'))
        batch_op.drop_index(batch_op.f('ix_appeal_panellists_panel_id'))

    op.drop_table('appeal_panellists')
    op.drop_table('appeal_outcomes')
    with op.batch_alter_table('resit_entitlements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resit_entitlements_candidate_id'))

    op.drop_table('resit_entitlements')
    op.drop_table('appeal_remarks')
    with op.batch_alter_table('appeal_panels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_panels_appeal_id'))

    op.drop_table('appeal_panels')
    with op.batch_alter_table('appeal_evidence', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeal_evidence_appeal_id'))

    op.drop_table('appeal_evidence')
    with op.batch_alter_table('appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_appeals_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_appeals_candidate_result_id'))
        batch_op.drop_index(batch_op.f('ix_appeals_candidate_id'))
        batch_op.drop_index(batch_op.f('ix_appeals_attempt_id'))

    op.drop_table('appeals')
