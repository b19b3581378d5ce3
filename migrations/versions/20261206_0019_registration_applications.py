"""registration applications: supporting documents and their removals (both append-only)

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import core.db
from core import append_only


revision = '0019'
down_revision = '0018'
branch_labels = None
depends_on = None

APPEND_ONLY = ("application_documents", "application_document_removals")


def upgrade() -> None:
    op.create_table('application_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('application_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('content_type', sa.String(length=50), nullable=False),
    sa.Column('size_bytes', sa.Integer(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['application_id'], ['applications.id'], name=op.f('fk_application_documents_application_id_applications'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_application_documents_uploaded_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_documents'))
    )
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_application_documents_application_id'), ['application_id'], unique=False)

    op.create_table('application_document_removals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('removed_by_id', sa.Integer(), nullable=False),
    sa.Column('removed_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['document_id'], ['application_documents.id'], name=op.f('fk_application_document_removals_document_id_application_documents'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['removed_by_id'], ['users.id'], name=op.f('fk_application_document_removals_removed_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_application_document_removals')),
    sa.UniqueConstraint('document_id', name=op.f('uq_application_document_removals_document_id'))
    )
    connection = op.get_bind()
    for table in APPEND_ONLY:
        append_only.create_triggers(connection, table)


def downgrade() -> None:
    connection = op.get_bind()
    for table in APPEND_ONLY:
        append_only.drop_triggers(connection, table)
    op.drop_table('application_document_removals')
    with op.batch_alter_table('application_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_application_documents_application_id'))
    op.drop_table('application_documents')
