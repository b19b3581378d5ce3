"""item bank

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('case_studies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('framework_version_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_case_studies_author_id_users')),
    sa.ForeignKeyConstraint(['framework_version_id'], ['framework_versions.id'], name=op.f('fk_case_studies_framework_version_id_framework_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_studies'))
    )
    with op.batch_alter_table('case_studies', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_studies_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_studies_framework_version_id'), ['framework_version_id'], unique=False)

    op.create_table('exam_specs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('total_marks', sa.Integer(), nullable=False),
    sa.Column('total_marks_tolerance', sa.Integer(), nullable=False),
    sa.Column('duration_min', sa.Integer(), nullable=False),
    sa.Column('min_case_studies', sa.Integer(), nullable=False),
    sa.Column('max_case_studies', sa.Integer(), nullable=False),
    sa.Column('max_exposure', sa.Integer(), nullable=True),
    sa.Column('theme_marks', sa.JSON(), nullable=False),
    sa.Column('standard_marks', sa.JSON(), nullable=False),
    sa.Column('item_type_mix', sa.JSON(), nullable=False),
    sa.Column('enemy_sets', sa.JSON(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_exam_specs_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_specs'))
    )
    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('link', sa.String(length=300), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('read_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_notifications_user_id'), ['user_id'], unique=False)

    op.create_table('case_study_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_study_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('scenario_html', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'submitted', 'in_review', 'approved', 'changes_requested', 'rejected', 'retired', name=op.f('ck_case_study_versions_status'), native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('approved_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('change_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['case_study_id'], ['case_studies.id'], name=op.f('fk_case_study_versions_case_study_id_case_studies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_case_study_versions_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_case_study_versions')),
    sa.UniqueConstraint('case_study_id', 'number', name=op.f('uq_case_study_versions_case_study_id_number'))
    )
    with op.batch_alter_table('case_study_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_study_versions_case_study_id'), ['case_study_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_case_study_versions_status'), ['status'], unique=False)

    op.create_table('exam_papers',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('exam_spec_id', sa.Integer(), nullable=False),
    sa.Column('is_published', sa.Boolean(), nullable=False),
    sa.Column('is_practice', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('published_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('assembly_note', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_exam_papers_created_by_id_users')),
    sa.ForeignKeyConstraint(['exam_spec_id'], ['exam_specs.id'], name=op.f('fk_exam_papers_exam_spec_id_exam_specs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_papers'))
    )
    with op.batch_alter_table('exam_papers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_papers_exam_spec_id'), ['exam_spec_id'], unique=False)

    op.create_table('items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_study_id', sa.Integer(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_study_id'], ['case_studies.id'], name=op.f('fk_items_case_study_id_case_studies'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_items'))
    )
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_items_case_study_id'), ['case_study_id'], unique=False)

    op.create_table('attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_study_version_id', sa.Integer(), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('description', sa.String(length=300), nullable=False),
    sa.Column('uploaded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_study_version_id'], ['case_study_versions.id'], name=op.f('fk_attachments_case_study_version_id_case_study_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_attachments'))
    )
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_attachments_case_study_version_id'), ['case_study_version_id'], unique=False)

    op.create_table('exam_paper_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('exam_paper_id', sa.Integer(), nullable=False),
    sa.Column('case_study_version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_study_version_id'], ['case_study_versions.id'], name=op.f('fk_exam_paper_entries_case_study_version_id_case_study_versions')),
    sa.ForeignKeyConstraint(['exam_paper_id'], ['exam_papers.id'], name=op.f('fk_exam_paper_entries_exam_paper_id_exam_papers'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_exam_paper_entries')),
    sa.UniqueConstraint('exam_paper_id', 'case_study_version_id', name=op.f('uq_exam_paper_entries_exam_paper_id_case_study_version_id'))
    )
    with op.batch_alter_table('exam_paper_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_exam_paper_entries_case_study_version_id'), ['case_study_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_exam_paper_entries_exam_paper_id'), ['exam_paper_id'], unique=False)

    op.create_table('item_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('case_study_version_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('item_type', sa.String(length=30), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('max_mark', sa.Integer(), nullable=False),
    sa.Column('estimated_facility', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['case_study_version_id'], ['case_study_versions.id'], name=op.f('fk_item_versions_case_study_version_id_case_study_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_versions_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_versions')),
    sa.UniqueConstraint('case_study_version_id', 'item_id', name=op.f('uq_item_versions_case_study_version_id_item_id'))
    )
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_versions_case_study_version_id'), ['case_study_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_versions_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_versions_item_type'), ['item_type'], unique=False)

    op.create_table('review_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('case_study_version_id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=30), nullable=False),
    sa.Column('from_status', sa.String(length=20), nullable=True),
    sa.Column('to_status', sa.String(length=20), nullable=True),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.Column('occurred_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_review_events_actor_id_users')),
    sa.ForeignKeyConstraint(['case_study_version_id'], ['case_study_versions.id'], name=op.f('fk_review_events_case_study_version_id_case_study_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_review_events_item_id_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_review_events'))
    )
    with op.batch_alter_table('review_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_review_events_case_study_version_id'), ['case_study_version_id'], unique=False)

    op.create_table('item_administrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('sitting_label', sa.String(length=200), nullable=False),
    sa.Column('administered_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('n_candidates', sa.Integer(), nullable=False),
    sa.Column('facility', sa.Float(), nullable=True),
    sa.Column('discrimination', sa.Float(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_administrations_item_id_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_item_administrations_item_version_id_item_versions')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_administrations'))
    )
    with op.batch_alter_table('item_administrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_administrations_item_id'), ['item_id'], unique=False)

    op.create_table('item_mappings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('substandard_id', sa.Integer(), nullable=False),
    sa.Column('is_primary', sa.Boolean(), nullable=False),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_item_mappings_item_version_id_item_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['substandard_id'], ['framework_substandards.id'], name=op.f('fk_item_mappings_substandard_id_framework_substandards')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_mappings')),
    sa.UniqueConstraint('item_version_id', 'substandard_id', name=op.f('uq_item_mappings_item_version_id_substandard_id'))
    )
    with op.batch_alter_table('item_mappings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_mappings_item_version_id'), ['item_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_mappings_substandard_id'), ['substandard_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('item_mappings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_mappings_substandard_id'))
        batch_op.drop_index(batch_op.f('ix_item_mappings_item_version_id'))

    op.drop_table('item_mappings')
    with op.batch_alter_table('item_administrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_administrations_item_id'))

    op.drop_table('item_administrations')
    with op.batch_alter_table('review_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_review_events_case_study_version_id'))

    op.drop_table('review_events')
    with op.batch_alter_table('item_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_versions_item_type'))
        batch_op.drop_index(batch_op.f('ix_item_versions_item_id'))
        batch_op.drop_index(batch_op.f('ix_item_versions_case_study_version_id'))

    op.drop_table('item_versions')
    with op.batch_alter_table('exam_paper_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_paper_entries_exam_paper_id'))
        batch_op.drop_index(batch_op.f('ix_exam_paper_entries_case_study_version_id'))

    op.drop_table('exam_paper_entries')
    with op.batch_alter_table('attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_attachments_case_study_version_id'))

    op.drop_table('attachments')
    with op.batch_alter_table('items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_items_case_study_id'))

    op.drop_table('items')
    with op.batch_alter_table('exam_papers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_exam_papers_exam_spec_id'))

    op.drop_table('exam_papers')
    with op.batch_alter_table('case_study_versions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_study_versions_status'))
        batch_op.drop_index(batch_op.f('ix_case_study_versions_case_study_id'))

    op.drop_table('case_study_versions')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_user_id'))

    op.drop_table('notifications')
    op.drop_table('exam_specs')
    with op.batch_alter_table('case_studies', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_studies_framework_version_id'))
        batch_op.drop_index(batch_op.f('ix_case_studies_author_id'))

    op.drop_table('case_studies')
