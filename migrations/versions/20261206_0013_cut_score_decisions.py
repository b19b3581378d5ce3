"""cut-score decisions and their approvals (append-only)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import core.db
from core import append_only


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

TABLES = ("cut_score_decisions", "cut_score_approvals")


def upgrade() -> None:
    op.create_table('cut_score_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('scoring_run_id', sa.Integer(), nullable=False),
    sa.Column('exercise_id', sa.Integer(), nullable=True),
    sa.Column('method', sa.Enum('angoff', 'ebel', 'hofstee', 'beuk', 'borderline_regression', 'borderline_group',
                                'equated', 'other', name='cut_score_method', native_enum=False,
                                create_constraint=True, length=40), nullable=False),
    sa.Column('raw_cut', sa.Float(), nullable=False),
    sa.Column('standard_error', sa.Float(), nullable=True),
    sa.Column('policy', sa.JSON(), nullable=False),
    sa.Column('pass_mark', sa.Float(), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('equating', sa.JSON(), nullable=True),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_cut_score_decisions_decided_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['exercise_id'], ['standard_setting_exercises.id'], name=op.f('fk_cut_score_decisions_exercise_id_standard_setting_exercises'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['scoring_run_id'], ['scoring_runs.id'], name=op.f('fk_cut_score_decisions_scoring_run_id_scoring_runs'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_cut_score_decisions_sitting_id_sittings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cut_score_decisions'))
    )
    with op.batch_alter_table('cut_score_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cut_score_decisions_exercise_id'), ['exercise_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cut_score_decisions_scoring_run_id'), ['scoring_run_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_cut_score_decisions_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('cut_score_approvals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('decision_id', sa.Integer(), nullable=False),
    sa.Column('approved_by_id', sa.Integer(), nullable=False),
    sa.Column('approved_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('comment', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['approved_by_id'], ['users.id'], name=op.f('fk_cut_score_approvals_approved_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decision_id'], ['cut_score_decisions.id'], name=op.f('fk_cut_score_approvals_decision_id_cut_score_decisions'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cut_score_approvals')),
    sa.UniqueConstraint('decision_id', name=op.f('uq_cut_score_approvals_decision_id'))
    )
    connection = op.get_bind()
    for table in TABLES:
        append_only.create_triggers(connection, table)


def downgrade() -> None:
    connection = op.get_bind()
    for table in TABLES:
        append_only.drop_triggers(connection, table)
    op.drop_table('cut_score_approvals')
    with op.batch_alter_table('cut_score_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cut_score_decisions_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_cut_score_decisions_scoring_run_id'))
        batch_op.drop_index(batch_op.f('ix_cut_score_decisions_exercise_id'))

    op.drop_table('cut_score_decisions')
