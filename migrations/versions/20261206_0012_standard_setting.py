"""standard-setting exercises: set-up, judges, ratings, round events and global grades (append-only)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import core.db

from core.append_only import create_triggers, drop_triggers


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

APPEND_ONLY = ('standard_setting_judges', 'standard_setting_ratings', 'standard_setting_events',
               'standard_setting_grades')


def _exercise_fk(table: str):
    return sa.ForeignKeyConstraint(['exercise_id'], ['standard_setting_exercises.id'],
                                   name=op.f(f'fk_{table}_exercise_id_standard_setting_exercises'),
                                   ondelete='RESTRICT')


def _user_fk(table: str, column: str):
    return sa.ForeignKeyConstraint([column], ['users.id'], name=op.f(f'fk_{table}_{column}_users'),
                                   ondelete='RESTRICT')


def upgrade() -> None:
    op.create_table(
        'standard_setting_exercises',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('exam_paper_id', sa.Integer(), nullable=False),
        sa.Column('sitting_id', sa.Integer(), nullable=True),
        sa.Column('lead_id', sa.Integer(), nullable=False),
        sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
        sa.Column('methods', sa.JSON(), nullable=False),
        sa.Column('n_rounds', sa.Integer(), nullable=False),
        sa.Column('shows_spread', sa.Boolean(), nullable=False),
        sa.Column('shows_performance', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['exam_paper_id'], ['exam_papers.id'],
                                name=op.f('fk_standard_setting_exercises_exam_paper_id_exam_papers'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'],
                                name=op.f('fk_standard_setting_exercises_sitting_id_sittings'), ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['lead_id'], ['users.id'],
                                name=op.f('fk_standard_setting_exercises_lead_id_users'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_setting_exercises')),
    )
    with op.batch_alter_table('standard_setting_exercises', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_standard_setting_exercises_exam_paper_id'), ['exam_paper_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_standard_setting_exercises_sitting_id'), ['sitting_id'], unique=False)

    op.create_table(
        'standard_setting_judges',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('exercise_id', sa.Integer(), nullable=False),
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('added_by_id', sa.Integer(), nullable=False),
        sa.Column('added_at', core.db.UTCDateTime(), nullable=False),
        _exercise_fk('standard_setting_judges'),
        _user_fk('standard_setting_judges', 'user_id'),
        _user_fk('standard_setting_judges', 'added_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_setting_judges')),
        sa.UniqueConstraint('exercise_id', 'user_id', name=op.f('uq_standard_setting_judges_exercise_id_user_id')),
    )
    op.create_index(op.f('ix_standard_setting_judges_exercise_id'), 'standard_setting_judges', ['exercise_id'])
    op.create_index(op.f('ix_standard_setting_judges_user_id'), 'standard_setting_judges', ['user_id'])

    op.create_table(
        'standard_setting_ratings',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('exercise_id', sa.Integer(), nullable=False),
        sa.Column('judge_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('angoff', 'ebel_item', 'ebel_cell', 'hofstee', 'beuk',
                                  name='standard_setting_rating_kind', native_enum=False, create_constraint=True,
                                  length=20), nullable=False),
        sa.Column('target', sa.String(length=60), nullable=False),
        sa.Column('value', sa.Float(), nullable=True),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
        _exercise_fk('standard_setting_ratings'),
        _user_fk('standard_setting_ratings', 'judge_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_setting_ratings')),
    )
    op.create_index(op.f('ix_standard_setting_ratings_exercise_id'), 'standard_setting_ratings', ['exercise_id'])
    op.create_index(op.f('ix_standard_setting_ratings_judge_id'), 'standard_setting_ratings', ['judge_id'])

    op.create_table(
        'standard_setting_events',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('exercise_id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.Enum('round_closed', 'performance_released', 'round_opened',
                                  name='standard_setting_event_kind', native_enum=False, create_constraint=True,
                                  length=30), nullable=False),
        sa.Column('round', sa.Integer(), nullable=False),
        sa.Column('actor_id', sa.Integer(), nullable=True),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('payload', sa.JSON(), nullable=False),
        sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
        _exercise_fk('standard_setting_events'),
        _user_fk('standard_setting_events', 'actor_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_setting_events')),
    )
    op.create_index(op.f('ix_standard_setting_events_exercise_id'), 'standard_setting_events', ['exercise_id'])

    op.create_table(
        'standard_setting_grades',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('exercise_id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('grade', sa.Enum('fail', 'borderline', 'pass', name='standard_setting_grade', native_enum=False,
                                   create_constraint=True, length=12), nullable=False),
        sa.Column('recorded_by_id', sa.Integer(), nullable=False),
        sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
        _exercise_fk('standard_setting_grades'),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_standard_setting_grades_attempt_id_attempts'),
                                ondelete='RESTRICT'),
        _user_fk('standard_setting_grades', 'recorded_by_id'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_standard_setting_grades')),
    )
    op.create_index(op.f('ix_standard_setting_grades_exercise_id'), 'standard_setting_grades', ['exercise_id'])
    for table in APPEND_ONLY:
        create_triggers(op.get_bind(), table)


def downgrade() -> None:
    for table in reversed(APPEND_ONLY):
        drop_triggers(op.get_bind(), table)
    op.drop_index(op.f('ix_standard_setting_grades_exercise_id'), table_name='standard_setting_grades')
    op.drop_table('standard_setting_grades')
    op.drop_index(op.f('ix_standard_setting_events_exercise_id'), table_name='standard_setting_events')
    op.drop_table('standard_setting_events')
    op.drop_index(op.f('ix_standard_setting_ratings_judge_id'), table_name='standard_setting_ratings')
    op.drop_index(op.f('ix_standard_setting_ratings_exercise_id'), table_name='standard_setting_ratings')
    op.drop_table('standard_setting_ratings')
    op.drop_index(op.f('ix_standard_setting_judges_user_id'), table_name='standard_setting_judges')
    op.drop_index(op.f('ix_standard_setting_judges_exercise_id'), table_name='standard_setting_judges')
    op.drop_table('standard_setting_judges')
    with op.batch_alter_table('standard_setting_exercises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_standard_setting_exercises_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_standard_setting_exercises_exam_paper_id'))
    op.drop_table('standard_setting_exercises')
