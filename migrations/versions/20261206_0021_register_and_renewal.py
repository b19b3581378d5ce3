"""register and renewal: CPD declarations (append-only)

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06

A withdrawn declaration stays; its withdrawal is a ``cpd_withdrawn`` row of ``registration_events``.
"""
from alembic import op
import sqlalchemy as sa
import core.db
from core import append_only


revision = '0021'
down_revision = '0020'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('cpd_declarations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('registration_id', sa.Integer(), nullable=False),
    sa.Column('activity_on', sa.Date(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('evidence_filename', sa.String(length=200), nullable=True),
    sa.Column('evidence_content_type', sa.String(length=100), nullable=True),
    sa.Column('evidence_sha256', sa.String(length=64), nullable=True),
    sa.Column('evidence_size', sa.Integer(), nullable=True),
    sa.Column('declared_by_id', sa.Integer(), nullable=False),
    sa.Column('declared_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['declared_by_id'], ['users.id'], name=op.f('fk_cpd_declarations_declared_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['registration_id'], ['registrations.id'], name=op.f('fk_cpd_declarations_registration_id_registrations'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cpd_declarations'))
    )
    with op.batch_alter_table('cpd_declarations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_cpd_declarations_registration_id'), ['registration_id'], unique=False)
    append_only.create_triggers(op.get_bind(), 'cpd_declarations')


def downgrade() -> None:
    append_only.drop_triggers(op.get_bind(), 'cpd_declarations')
    with op.batch_alter_table('cpd_declarations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_cpd_declarations_registration_id'))
    op.drop_table('cpd_declarations')
