"""registration decisions: assessors' judgements, discussion notes, appeals of refusals and their panels

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import core.db
from core import append_only


revision = '0020'
down_revision = '0019'
branch_labels = None
depends_on = None

APPEND_ONLY = ("assessor_judgements", "assessor_discussion_notes", "registration_appeals",
               "registration_appeal_panels", "registration_appeal_panellists", "registration_appeal_responses",
               "registration_appeal_outcomes")


def upgrade() -> None:
    op.create_table('registration_appeals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('applicant_id', sa.Integer(), nullable=False),
    sa.Column('grounds', sa.JSON(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('lodged_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['applicant_id'], ['users.id'], name=op.f('fk_registration_appeals_applicant_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_registration_appeals_application_id_applications'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_appeals'))
    )
    with op.batch_alter_table('registration_appeals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_appeals_application_id'), ['application_id'], unique=False)

    op.create_table('assessor_discussion_notes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_assessor_discussion_notes_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_assessor_discussion_notes_author_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submission_id'], ['application_submissions.id'], name=op.f('fk_assessor_discussion_notes_submission_id_application_submissions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessor_discussion_notes'))
    )
    with op.batch_alter_table('assessor_discussion_notes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessor_discussion_notes_application_id'), ['application_id'], unique=False)

    op.create_table('assessor_judgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('submission_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('first', 'after_discussion', 'third', 'single', 'review', name='judgement_kind', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('assessor_id', sa.Integer(), nullable=False),
    sa.Column('recommendation', sa.Enum('register', 'refuse', 'more_information', name='judgement_recommendation', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('reason_codes', sa.JSON(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('request', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_assessor_judgements_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['assessor_id'], ['users.id'], name=op.f('fk_assessor_judgements_assessor_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['submission_id'], ['application_submissions.id'], name=op.f('fk_assessor_judgements_submission_id_application_submissions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_assessor_judgements'))
    )
    with op.batch_alter_table('assessor_judgements', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_assessor_judgements_application_id'), ['application_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessor_judgements_assessor_id'), ['assessor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_assessor_judgements_submission_id'), ['submission_id'], unique=False)

    op.create_table('registration_appeal_panels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('appointed_by_id', sa.Integer(), nullable=False),
    sa.Column('appointed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['registration_appeals.id'], name=op.f('fk_registration_appeal_panels_appeal_id_registration_appeals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['appointed_by_id'], ['users.id'], name=op.f('fk_registration_appeal_panels_appointed_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_appeal_panels'))
    )
    with op.batch_alter_table('registration_appeal_panels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_appeal_panels_appeal_id'), ['appeal_id'], unique=False)

    op.create_table('registration_appeal_outcomes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.Enum('dismissed', 'upheld', name='registration_appeal_outcome', native_enum=False, create_constraint=True, length=30), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=False),
    sa.Column('recorded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['registration_appeals.id'], name=op.f('fk_registration_appeal_outcomes_appeal_id_registration_appeals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['panel_id'], ['registration_appeal_panels.id'], name=op.f('fk_registration_appeal_outcomes_panel_id_registration_appeal_panels'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_registration_appeal_outcomes_recorded_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_appeal_outcomes')),
    sa.UniqueConstraint('appeal_id', name=op.f('uq_registration_appeal_outcomes_appeal_id'))
    )
    op.create_table('registration_appeal_panellists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panel_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('is_registered_case_manager', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['panel_id'], ['registration_appeal_panels.id'], name=op.f('fk_registration_appeal_panellists_panel_id_registration_appeal_panels'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_registration_appeal_panellists_user_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_appeal_panellists')),
    sa.UniqueConstraint('panel_id', 'user_id', name=op.f('uq_registration_appeal_panellists_panel_id_user_id'))
    )
    with op.batch_alter_table('registration_appeal_panellists', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_registration_appeal_panellists_panel_id'), ['panel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_registration_appeal_panellists_user_id'), ['user_id'], unique=False)

    op.create_table('registration_appeal_responses',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('panellist_id', sa.Integer(), nullable=False),
    sa.Column('has_conflict', sa.Boolean(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.Column('responded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['panellist_id'], ['registration_appeal_panellists.id'], name=op.f('fk_registration_appeal_responses_panellist_id_registration_appeal_panellists'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_appeal_responses')),
    sa.UniqueConstraint('panellist_id', name=op.f('uq_registration_appeal_responses_panellist_id'))
    )
    connection = op.get_bind()
    for table in APPEND_ONLY:
        append_only.create_triggers(connection, table)


def downgrade() -> None:
    connection = op.get_bind()
    for table in APPEND_ONLY:
        append_only.drop_triggers(connection, table)
    op.drop_table('registration_appeal_responses')
    with op.batch_alter_table('registration_appeal_panellists', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_appeal_panellists_user_id'))
        batch_op.drop_index(batch_op.f('ix_registration_appeal_panellists_panel_id'))

    op.drop_table('registration_appeal_panellists')
    op.drop_table('registration_appeal_outcomes')
    with op.batch_alter_table('registration_appeal_panels', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_appeal_panels_appeal_id'))

    op.drop_table('registration_appeal_panels')
    with op.batch_alter_table('assessor_judgements', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessor_judgements_submission_id'))
        batch_op.drop_index(batch_op.f('ix_assessor_judgements_assessor_id'))
        batch_op.drop_index(batch_op.f('ix_assessor_judgements_application_id'))

    op.drop_table('assessor_judgements')
    with op.batch_alter_table('assessor_discussion_notes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_assessor_discussion_notes_application_id'))

    op.drop_table('assessor_discussion_notes')
    with op.batch_alter_table('registration_appeals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_registration_appeals_application_id'))

    op.drop_table('registration_appeals')
