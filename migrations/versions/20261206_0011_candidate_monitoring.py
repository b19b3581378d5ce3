"""candidate monitoring data (consented, for DIF): questions and options, consents (append-only), answers

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import core.db

from core.append_only import create_triggers, drop_triggers


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'monitoring_questions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('key', sa.String(length=40), nullable=False),
        sa.Column('text', sa.String(length=300), nullable=False),
        sa.Column('hint', sa.Text(), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('is_asked', sa.Boolean(), nullable=False),
        sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
        sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_monitoring_questions_updated_by_id_users'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_questions')),
        sa.UniqueConstraint('key', name=op.f('uq_monitoring_questions_key')),
    )
    op.create_table(
        'monitoring_options',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('value', sa.String(length=40), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('is_prefer_not_to_say', sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(['question_id'], ['monitoring_questions.id'],
                                name=op.f('fk_monitoring_options_question_id_monitoring_questions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_options')),
        sa.UniqueConstraint('question_id', 'value', name=op.f('uq_monitoring_options_question_id_value')),
    )
    op.create_index(op.f('ix_monitoring_options_question_id'), 'monitoring_options', ['question_id'])
    op.create_table(
        'monitoring_consents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('candidate_id', sa.Integer(), nullable=False),
        sa.Column('action', sa.Enum('given', 'withdrawn', name='monitoring_consent_action', native_enum=False,
                                    create_constraint=True, length=10), nullable=False),
        sa.Column('statement_version', sa.String(length=20), nullable=False),
        sa.Column('occurred_at', core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_monitoring_consents_candidate_id_users'),
                                ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_consents')),
    )
    op.create_index(op.f('ix_monitoring_consents_candidate_id'), 'monitoring_consents', ['candidate_id'])
    create_triggers(op.get_bind(), 'monitoring_consents')
    op.create_table(
        'monitoring_answers',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('candidate_id', sa.Integer(), nullable=False),
        sa.Column('question_id', sa.Integer(), nullable=False),
        sa.Column('option_id', sa.Integer(), nullable=False),
        sa.Column('answered_at', core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_monitoring_answers_candidate_id_users'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['option_id'], ['monitoring_options.id'],
                                name=op.f('fk_monitoring_answers_option_id_monitoring_options')),
        sa.ForeignKeyConstraint(['question_id'], ['monitoring_questions.id'],
                                name=op.f('fk_monitoring_answers_question_id_monitoring_questions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_monitoring_answers')),
        sa.UniqueConstraint('candidate_id', 'question_id', name=op.f('uq_monitoring_answers_candidate_id_question_id')),
    )
    op.create_index(op.f('ix_monitoring_answers_candidate_id'), 'monitoring_answers', ['candidate_id'])
    op.create_index(op.f('ix_monitoring_answers_question_id'), 'monitoring_answers', ['question_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_monitoring_answers_question_id'), table_name='monitoring_answers')
    op.drop_index(op.f('ix_monitoring_answers_candidate_id'), table_name='monitoring_answers')
    op.drop_table('monitoring_answers')
    drop_triggers(op.get_bind(), 'monitoring_consents')
    op.drop_index(op.f('ix_monitoring_consents_candidate_id'), table_name='monitoring_consents')
    op.drop_table('monitoring_consents')
    op.drop_index(op.f('ix_monitoring_options_question_id'), table_name='monitoring_options')
    op.drop_table('monitoring_options')
    op.drop_table('monitoring_questions')
