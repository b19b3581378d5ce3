"""standard-setting exercises

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'standard_setting_exercises',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('title', sa.String(length=200), nullable=False),
        sa.Column('exam_paper_id', sa.Integer(), nullable=False),
        sa.Column('sitting_id', sa.Integer(), nullable=True),
        sa.Column('lead_id', sa.Integer(), nullable=False),
        sa.Column('created_at', core.db.UTCDateTime(), nullable=False),
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


def downgrade() -> None:
    with op.batch_alter_table('standard_setting_exercises', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_standard_setting_exercises_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_standard_setting_exercises_exam_paper_id'))
    op.drop_table('standard_setting_exercises')
