"""immutable scoring runs: items, keys and rules used, candidate scores, item and test statistics

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import core.db
from core import append_only


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None

TABLES = ("scoring_runs", "scoring_run_items", "scoring_run_scores")


def upgrade() -> None:
    op.create_table('scoring_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('exam_paper_id', sa.Integer(), nullable=False),
    sa.Column('previous_run_id', sa.Integer(), nullable=True),
    sa.Column('is_provisional', sa.Boolean(), nullable=False),
    sa.Column('outstanding_scripts', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('settings', sa.JSON(), nullable=False),
    sa.Column('code_version', sa.String(length=100), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('n_candidates', sa.Integer(), nullable=False),
    sa.Column('n_items', sa.Integer(), nullable=False),
    sa.Column('max_score', sa.Float(), nullable=False),
    sa.Column('alpha', sa.Float(), nullable=True),
    sa.Column('kr20', sa.Float(), nullable=True),
    sa.Column('kr21', sa.Float(), nullable=True),
    sa.Column('sem', sa.Float(), nullable=True),
    sa.Column('mean', sa.Float(), nullable=True),
    sa.Column('sd', sa.Float(), nullable=True),
    sa.Column('min_score', sa.Float(), nullable=True),
    sa.Column('max_observed', sa.Float(), nullable=True),
    sa.Column('percentiles', sa.JSON(), nullable=False),
    sa.Column('histogram', sa.JSON(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_scoring_runs_created_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['exam_paper_id'], ['exam_papers.id'], name=op.f('fk_scoring_runs_exam_paper_id_exam_papers'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['previous_run_id'], ['scoring_runs.id'], name=op.f('fk_scoring_runs_previous_run_id_scoring_runs'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_scoring_runs_sitting_id_sittings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_runs'))
    )
    with op.batch_alter_table('scoring_runs', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scoring_runs_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('scoring_run_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label', sa.String(length=40), nullable=False),
    sa.Column('item_id', sa.Integer(), nullable=False),
    sa.Column('item_version_id', sa.Integer(), nullable=False),
    sa.Column('item_type', sa.String(length=30), nullable=False),
    sa.Column('rule', sa.String(length=60), nullable=False),
    sa.Column('key', sa.JSON(), nullable=True),
    sa.Column('original_key', sa.JSON(), nullable=True),
    sa.Column('accepted_keys', sa.JSON(), nullable=False),
    sa.Column('is_excluded', sa.Boolean(), nullable=False),
    sa.Column('max_mark', sa.Float(), nullable=False),
    sa.Column('facility', sa.Float(), nullable=True),
    sa.Column('mean', sa.Float(), nullable=True),
    sa.Column('pbis', sa.Float(), nullable=True),
    sa.Column('pbis_corrected', sa.Float(), nullable=True),
    sa.Column('biserial', sa.Float(), nullable=True),
    sa.Column('discrimination_ul27', sa.Float(), nullable=True),
    sa.Column('alpha_if_deleted', sa.Float(), nullable=True),
    sa.Column('flags', sa.JSON(), nullable=False),
    sa.Column('notes', sa.JSON(), nullable=False),
    sa.Column('options', sa.JSON(), nullable=False),
    sa.Column('omitted', sa.Float(), nullable=True),
    sa.ForeignKeyConstraint(['item_id'], ['items.id'], name=op.f('fk_scoring_run_items_item_id_items'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'], name=op.f('fk_scoring_run_items_item_version_id_item_versions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['run_id'], ['scoring_runs.id'], name=op.f('fk_scoring_run_items_run_id_scoring_runs'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_run_items')),
    sa.UniqueConstraint('run_id', 'label', name=op.f('uq_scoring_run_items_run_id_label')),
    sa.UniqueConstraint('run_id', 'position', name=op.f('uq_scoring_run_items_run_id_position'))
    )
    with op.batch_alter_table('scoring_run_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scoring_run_items_item_id'), ['item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scoring_run_items_item_version_id'), ['item_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_scoring_run_items_run_id'), ['run_id'], unique=False)

    op.create_table('scoring_run_scores',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('run_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('marks', sa.JSON(), nullable=False),
    sa.Column('constructed_marks', sa.JSON(), nullable=False),
    sa.Column('total', sa.Float(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_scoring_run_scores_attempt_id_attempts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_scoring_run_scores_candidate_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['run_id'], ['scoring_runs.id'], name=op.f('fk_scoring_run_scores_run_id_scoring_runs'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scoring_run_scores')),
    sa.UniqueConstraint('run_id', 'attempt_id', name=op.f('uq_scoring_run_scores_run_id_attempt_id'))
    )
    with op.batch_alter_table('scoring_run_scores', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scoring_run_scores_run_id'), ['run_id'], unique=False)

    connection = op.get_bind()
    for table in TABLES:
        append_only.create_triggers(connection, table)


def downgrade() -> None:
    connection = op.get_bind()
    for table in TABLES:
        append_only.drop_triggers(connection, table)
    with op.batch_alter_table('scoring_run_scores', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scoring_run_scores_run_id'))
    op.drop_table('scoring_run_scores')
    with op.batch_alter_table('scoring_run_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scoring_run_items_run_id'))
        batch_op.drop_index(batch_op.f('ix_scoring_run_items_item_version_id'))
        batch_op.drop_index(batch_op.f('ix_scoring_run_items_item_id'))
    op.drop_table('scoring_run_items')
    with op.batch_alter_table('scoring_runs', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scoring_runs_sitting_id'))
    op.drop_table('scoring_runs')
