"""result releases, candidate results and examiners' result decisions (append-only); the mail outbox

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import core.db
from core import append_only


revision = '0014'
down_revision = '0013'
branch_labels = None
depends_on = None

TABLES = ("result_releases", "candidate_results", "examiner_result_decisions")


def upgrade() -> None:
    op.create_table('result_releases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('scoring_run_id', sa.Integer(), nullable=False),
    sa.Column('cut_score_decision_id', sa.Integer(), nullable=False),
    sa.Column('pass_mark', sa.Float(), nullable=False),
    sa.Column('supersedes_id', sa.Integer(), nullable=True),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('released_by_id', sa.Integer(), nullable=False),
    sa.Column('released_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['cut_score_decision_id'], ['cut_score_decisions.id'], name=op.f('fk_result_releases_cut_score_decision_id_cut_score_decisions'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['released_by_id'], ['users.id'], name=op.f('fk_result_releases_released_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['scoring_run_id'], ['scoring_runs.id'], name=op.f('fk_result_releases_scoring_run_id_scoring_runs'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_result_releases_sitting_id_sittings'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['supersedes_id'], ['result_releases.id'], name=op.f('fk_result_releases_supersedes_id_result_releases'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_releases'))
    )
    with op.batch_alter_table('result_releases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_releases_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('candidate_results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('score', sa.Float(), nullable=True),
    sa.Column('max_score', sa.Float(), nullable=False),
    sa.Column('pass_mark', sa.Float(), nullable=False),
    sa.Column('outcome', sa.String(length=20), nullable=False),
    sa.Column('theme_feedback', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_candidate_results_attempt_id_attempts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_candidate_results_candidate_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['release_id'], ['result_releases.id'], name=op.f('fk_candidate_results_release_id_result_releases'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_candidate_results')),
    sa.UniqueConstraint('release_id', 'attempt_id', name=op.f('uq_candidate_results_release_id_attempt_id'))
    )
    with op.batch_alter_table('candidate_results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_candidate_results_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_results_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_candidate_results_release_id'), ['release_id'], unique=False)
    op.create_table('examiner_result_decisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.Enum('withhold', 'void', 'reinstate', name='examiner_result_action', native_enum=False,
                                create_constraint=True, length=12), nullable=False),
    sa.Column('reasons', sa.Text(), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=False),
    sa.Column('decided_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_examiner_result_decisions_attempt_id_attempts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_examiner_result_decisions_decided_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_examiner_result_decisions_sitting_id_sittings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_examiner_result_decisions'))
    )
    with op.batch_alter_table('examiner_result_decisions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_examiner_result_decisions_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_examiner_result_decisions_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('mail_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('to_address', sa.String(length=320), nullable=False),
    sa.Column('subject', sa.String(length=200), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('sent_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.Column('tries', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_mail_messages_user_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_messages'))
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_messages_sent_at'), ['sent_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_mail_messages_user_id'), ['user_id'], unique=False)

    connection = op.get_bind()
    for table in TABLES:
        append_only.create_triggers(connection, table)


def downgrade() -> None:
    connection = op.get_bind()
    for table in TABLES:
        append_only.drop_triggers(connection, table)
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_messages_user_id'))
        batch_op.drop_index(batch_op.f('ix_mail_messages_sent_at'))

    op.drop_table('mail_messages')
    with op.batch_alter_table('examiner_result_decisions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_examiner_result_decisions_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_examiner_result_decisions_attempt_id'))

    op.drop_table('examiner_result_decisions')
    with op.batch_alter_table('candidate_results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_candidate_results_release_id'))
        batch_op.drop_index(batch_op.f('ix_candidate_results_candidate_id'))
        batch_op.drop_index(batch_op.f('ix_candidate_results_attempt_id'))

    op.drop_table('candidate_results')
    with op.batch_alter_table('result_releases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_releases_sitting_id'))

    op.drop_table('result_releases')
