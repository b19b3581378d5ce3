"""item statistics per item version, sitting and scoring run, in the item bank

``item_statistics`` is append-only (triggers below): a newer scoring run adds rows and the item
page shows the latest run per sitting. ``sitting_id`` and ``scoring_run_id`` are plain indexed
integers, not foreign keys: sittings and scoring runs belong to higher layers than the item bank.
It replaces ``item_administrations``, a placeholder nothing ever wrote (dropped here, empty; the
downgrade puts it back empty).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import core.db
from core import append_only


revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('item_statistics',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('sitting_title', sa.String(length=200), nullable=False),
    sa.Column('scoring_run_id', sa.Integer(), nullable=False),
    sa.Column('is_provisional', sa.Boolean(), nullable=False),
    sa.Column('n_candidates', sa.Integer(), nullable=False),
    sa.Column('max_mark', sa.Float(), nullable=False),
    sa.Column('facility', sa.Float(), nullable=False),
    sa.Column('pbis', sa.Float(), nullable=True),
    sa.Column('pbis_corrected', sa.Float(), nullable=True),
    sa.Column('upper_lower', sa.Float(), nullable=True),
    sa.Column('alpha_if_deleted', sa.Float(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('is_flagged', sa.Boolean(), nullable=False),
    sa.Column('distractors', sa.JSON(), nullable=False),
    sa.Column('recorded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_item_statistics_item_id_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_item_statistics_item_version_id_item_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_item_statistics_recorded_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_item_statistics')),
    sa.UniqueConstraint('scoring_run_id', 'item_version_id', name=op.f('uq_item_statistics_scoring_run_id_item_version_id'))
    )
    with op.batch_alter_table('item_statistics', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_item_statistics_is_flagged'), ['is_flagged'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_statistics_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_statistics_item_version_id'), ['item_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_statistics_scoring_run_id'), ['scoring_run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_item_statistics_sitting_id'), ['sitting_id'], unique=False)
    append_only.create_triggers(op.get_bind(), 'item_statistics')

    with op.batch_alter_table('item_administrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_administrations_item_id'))
    op.drop_table('item_administrations')


def downgrade() -> None:
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

    append_only.drop_triggers(op.get_bind(), 'item_statistics')
    with op.batch_alter_table('item_statistics', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_item_statistics_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_item_statistics_scoring_run_id'))
        batch_op.drop_index(batch_op.f('ix_item_statistics_item_version_id'))
        batch_op.drop_index(batch_op.f('ix_item_statistics_item_id'))
        batch_op.drop_index(batch_op.f('ix_item_statistics_is_flagged'))
    op.drop_table('item_statistics')
