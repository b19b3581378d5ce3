"""blind double marking: allocations, scripts, marks (append-only), seeded scripts

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import core.db

from core.append_only import create_triggers, drop_triggers


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'marking_allocations',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sitting_id', sa.Integer(), nullable=False),
        sa.Column('examiner_id', sa.Integer(), nullable=False),
        sa.Column('pool', sa.Enum('lead', 'first', 'second', 'third', name='marker_pool', native_enum=False,
                                  create_constraint=True, length=10), nullable=False),
        sa.Column('allocated_by_id', sa.Integer(), nullable=True),
        sa.Column('allocated_at', core.db.UTCDateTime(), nullable=False),
        sa.Column('withdrawn_at', core.db.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(['allocated_by_id'], ['users.id'], name=op.f('fk_marking_allocations_allocated_by_id_users')),
        sa.ForeignKeyConstraint(['examiner_id'], ['users.id'], name=op.f('fk_marking_allocations_examiner_id_users')),
        sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_marking_allocations_sitting_id_sittings')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_marking_allocations')),
        sa.UniqueConstraint('sitting_id', 'examiner_id', 'pool',
                            name=op.f('uq_marking_allocations_sitting_id_examiner_id_pool')),
    )
    op.create_index(op.f('ix_marking_allocations_examiner_id'), 'marking_allocations', ['examiner_id'])
    op.create_index(op.f('ix_marking_allocations_sitting_id'), 'marking_allocations', ['sitting_id'])

    op.create_table(
        'marking_settings',
        sa.Column('sitting_id', sa.Integer(), nullable=False),
        sa.Column('tolerance', sa.Float(), nullable=False),
        sa.Column('rounding', sa.String(length=10), nullable=False),
        sa.Column('pass_mark', sa.Float(), nullable=True),
        sa.Column('updated_by_id', sa.Integer(), nullable=True),
        sa.Column('updated_at', core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_marking_settings_sitting_id_sittings')),
        sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_marking_settings_updated_by_id_users')),
        sa.PrimaryKeyConstraint('sitting_id', name=op.f('pk_marking_settings')),
    )

    op.create_table(
        'marking_scripts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('sitting_id', sa.Integer(), nullable=False),
        sa.Column('attempt_id', sa.Integer(), nullable=False),
        sa.Column('slot', sa.Integer(), nullable=False),
        sa.Column('item_version_id', sa.Integer(), nullable=False),
        sa.Column('candidate_number', sa.String(length=12), nullable=False),
        sa.Column('answer', sa.JSON(), nullable=False),
        sa.Column('max_mark', sa.Integer(), nullable=False),
        sa.Column('seed_of_id', sa.Integer(), nullable=True),
        sa.Column('reference_mark', sa.Float(), nullable=True),
        sa.Column('created_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
        sa.CheckConstraint('(seed_of_id IS NULL) = (reference_mark IS NULL)',
                           name=op.f('ck_marking_scripts_seed_has_reference')),
        sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_marking_scripts_attempt_id_attempts'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_marking_scripts_created_by_id_users')),
        sa.ForeignKeyConstraint(['item_version_id'], ['item_versions.id'],
                                name=op.f('fk_marking_scripts_item_version_id_item_versions')),
        sa.ForeignKeyConstraint(['seed_of_id'], ['marking_scripts.id'],
                                name=op.f('fk_marking_scripts_seed_of_id_marking_scripts')),
        sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_marking_scripts_sitting_id_sittings')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_marking_scripts')),
        sa.UniqueConstraint('sitting_id', 'candidate_number', 'slot',
                            name=op.f('uq_marking_scripts_sitting_id_candidate_number_slot')),
    )
    op.create_index(op.f('ix_marking_scripts_attempt_id'), 'marking_scripts', ['attempt_id'])
    op.create_index(op.f('ix_marking_scripts_sitting_id'), 'marking_scripts', ['sitting_id'])

    op.create_table(
        'script_marks',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('script_id', sa.Integer(), nullable=False),
        sa.Column('marker_id', sa.Integer(), nullable=False),
        sa.Column('round', sa.Enum('first', 'second', 'third', 'seed', name='marking_round', native_enum=False,
                                   create_constraint=True, length=10), nullable=False),
        sa.Column('mark', sa.Float(), nullable=False),
        sa.Column('justification', sa.Text(), nullable=False),
        sa.Column('reason', sa.Text(), nullable=False),
        sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(['marker_id'], ['users.id'], name=op.f('fk_script_marks_marker_id_users'),
                                ondelete='RESTRICT'),
        sa.ForeignKeyConstraint(['script_id'], ['marking_scripts.id'],
                                name=op.f('fk_script_marks_script_id_marking_scripts'), ondelete='RESTRICT'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_script_marks')),
    )
    op.create_index(op.f('ix_script_marks_marker_id'), 'script_marks', ['marker_id'])
    op.create_index(op.f('ix_script_marks_script_id'), 'script_marks', ['script_id'])
    create_triggers(op.get_bind(), 'script_marks')


def downgrade() -> None:
    drop_triggers(op.get_bind(), 'script_marks')
    op.drop_index(op.f('ix_script_marks_script_id'), table_name='script_marks')
    op.drop_index(op.f('ix_script_marks_marker_id'), table_name='script_marks')
    op.drop_table('script_marks')
    op.drop_index(op.f('ix_marking_scripts_sitting_id'), table_name='marking_scripts')
    op.drop_index(op.f('ix_marking_scripts_attempt_id'), table_name='marking_scripts')
    op.drop_table('marking_scripts')
    op.drop_table('marking_settings')
    op.drop_index(op.f('ix_marking_allocations_sitting_id'), table_name='marking_allocations')
    op.drop_index(op.f('ix_marking_allocations_examiner_id'), table_name='marking_allocations')
    op.drop_table('marking_allocations')
