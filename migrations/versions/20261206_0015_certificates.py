"""certificates, their PDF documents (rendered on first need) and their events (append-only); the signing keys live in the instance folder and the
status list is derived from the events, so neither has a table

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import core.db
from core import append_only


revision = '0015'
down_revision = '0014'
branch_labels = None
depends_on = None

TABLES = ("certificates", "certificate_documents", "certificate_events")


def upgrade() -> None:
    op.create_table('certificates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=False),
    sa.Column('candidate_result_id', sa.Integer(), nullable=False),
    sa.Column('candidate_id', sa.Integer(), nullable=False),
    sa.Column('candidate_name', sa.String(length=200), nullable=False),
    sa.Column('passed_on', sa.Date(), nullable=False),
    sa.Column('status_index', sa.Integer(), nullable=False),
    sa.Column('credential', sa.Text(), nullable=False),
    sa.Column('issued_by_id', sa.Integer(), nullable=True),
    sa.Column('issued_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['candidate_id'], ['users.id'], name=op.f('fk_certificates_candidate_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['candidate_result_id'], ['candidate_results.id'], name=op.f('fk_certificates_candidate_result_id_candidate_results'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['issued_by_id'], ['users.id'], name=op.f('fk_certificates_issued_by_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['release_id'], ['result_releases.id'], name=op.f('fk_certificates_release_id_result_releases'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificates')),
    sa.UniqueConstraint('candidate_result_id', name=op.f('uq_certificates_candidate_result_id')),
    sa.UniqueConstraint('code', name=op.f('uq_certificates_code')),
    sa.UniqueConstraint('status_index', name=op.f('uq_certificates_status_index'))
    )
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificates_candidate_id'), ['candidate_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_certificates_release_id'), ['release_id'], unique=False)

    op.create_table('certificate_documents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('pdf', sa.LargeBinary(), nullable=False),
    sa.Column('pdf_sha256', sa.String(length=64), nullable=False),
    sa.Column('rendered_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_documents_certificate_id_certificates'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_documents')),
    sa.UniqueConstraint('certificate_id', name=op.f('uq_certificate_documents_certificate_id'))
    )
    op.create_table('certificate_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('certificate_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('revoked', 'superseded', name='certificate_event_kind', native_enum=False,
                              create_constraint=True, length=12), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('release_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=200), nullable=False),
    sa.Column('at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_certificate_events_actor_id_users'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['certificate_id'], ['certificates.id'], name=op.f('fk_certificate_events_certificate_id_certificates'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['release_id'], ['result_releases.id'], name=op.f('fk_certificate_events_release_id_result_releases'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_certificate_events')),
    sa.UniqueConstraint('certificate_id', 'kind', name=op.f('uq_certificate_events_certificate_id_kind'))
    )
    with op.batch_alter_table('certificate_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_certificate_events_certificate_id'), ['certificate_id'], unique=False)
    connection = op.get_bind()
    for table in TABLES:
        append_only.create_triggers(connection, table)


def downgrade() -> None:
    connection = op.get_bind()
    for table in TABLES:
        append_only.drop_triggers(connection, table)
    with op.batch_alter_table('certificate_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificate_events_certificate_id'))

    op.drop_table('certificate_events')
    op.drop_table('certificate_documents')
    with op.batch_alter_table('certificates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_certificates_release_id'))
        batch_op.drop_index(batch_op.f('ix_certificates_candidate_id'))

    op.drop_table('certificates')
