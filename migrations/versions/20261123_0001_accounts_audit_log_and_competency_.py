"""accounts audit log and competency framework

Revision ID: 0001
Revises: 
Create Date: 2026-11-23
"""
from alembic import op
import sqlalchemy as sa
import core.db


revision = '0001'
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('audit_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('occurred_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor_label', sa.String(length=320), nullable=False),
    sa.Column('action', sa.String(length=80), nullable=False),
    sa.Column('target_type', sa.String(length=80), nullable=False),
    sa.Column('target_id', sa.String(length=80), nullable=True),
    sa.Column('before_summary', sa.Text(), nullable=False),
    sa.Column('after_summary', sa.Text(), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('entry_hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_entries')),
    sa.UniqueConstraint('entry_hash', name=op.f('uq_audit_entries_entry_hash'))
    )
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_entries_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_entries_occurred_at'), ['occurred_at'], unique=False)

    op.create_table('framework_versions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('version', sa.String(length=40), nullable=False),
    sa.Column('source_note', sa.Text(), nullable=False),
    sa.Column('competent_level', sa.Text(), nullable=False),
    sa.Column('core_values', sa.JSON(), nullable=False),
    sa.Column('content_digest', sa.String(length=64), nullable=False),
    sa.Column('imported_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('is_current', sa.Boolean(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_versions')),
    sa.UniqueConstraint('name', 'version', name=op.f('uq_framework_versions_name_version'))
    )
    op.create_table('login_attempts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('client_address', sa.String(length=64), nullable=True),
    sa.Column('is_success', sa.Boolean(), nullable=False),
    sa.Column('attempted_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_login_attempts'))
    )
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_login_attempts_attempted_at'), ['attempted_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_client_address'), ['client_address'], unique=False)
        batch_op.create_index(batch_op.f('ix_login_attempts_email'), ['email'], unique=False)

    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=320), nullable=False),
    sa.Column('full_name', sa.String(length=200), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('session_version', sa.Integer(), nullable=False),
    sa.Column('is_enabled', sa.Boolean(), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email'))
    )
    op.create_table('framework_themes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_version_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=4), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['framework_version_id'], ['framework_versions.id'], name=op.f('fk_framework_themes_framework_version_id_framework_versions'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_themes')),
    sa.UniqueConstraint('framework_version_id', 'code', name=op.f('uq_framework_themes_framework_version_id_code'))
    )
    with op.batch_alter_table('framework_themes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_themes_framework_version_id'), ['framework_version_id'], unique=False)

    op.create_table('password_reset_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('created_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('expires_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('used_at', core.db.UTCDateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_password_reset_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_password_reset_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_password_reset_tokens_token_hash'))
    )
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_password_reset_tokens_user_id'), ['user_id'], unique=False)

    op.create_table('role_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('candidate', 'item_writer', 'item_reviewer', 'examiner', 'invigilator', 'admin', name=op.f('ck_role_grants_role'), native_enum=False, create_constraint=True, length=20), nullable=False),
    sa.Column('granted_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_role_grants_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_role_grants_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grants')),
    sa.UniqueConstraint('user_id', 'role', name=op.f('uq_role_grants_user_id_role'))
    )
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grants_user_id'), ['user_id'], unique=False)

    op.create_table('framework_standards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_version_id', sa.Integer(), nullable=False),
    sa.Column('theme_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('is_title_derived', sa.Boolean(), nullable=False),
    sa.Column('statement', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['framework_version_id'], ['framework_versions.id'], name=op.f('fk_framework_standards_framework_version_id_framework_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['theme_id'], ['framework_themes.id'], name=op.f('fk_framework_standards_theme_id_framework_themes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_standards')),
    sa.UniqueConstraint('framework_version_id', 'number', name=op.f('uq_framework_standards_framework_version_id_number'))
    )
    with op.batch_alter_table('framework_standards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_standards_framework_version_id'), ['framework_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_framework_standards_theme_id'), ['theme_id'], unique=False)

    op.create_table('framework_substandards',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('framework_version_id', sa.Integer(), nullable=False),
    sa.Column('standard_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=10), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['framework_version_id'], ['framework_versions.id'], name=op.f('fk_framework_substandards_framework_version_id_framework_versions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['standard_id'], ['framework_standards.id'], name=op.f('fk_framework_substandards_standard_id_framework_standards'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_framework_substandards')),
    sa.UniqueConstraint('framework_version_id', 'code', name=op.f('uq_framework_substandards_framework_version_id_code'))
    )
    with op.batch_alter_table('framework_substandards', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_framework_substandards_framework_version_id'), ['framework_version_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_framework_substandards_standard_id'), ['standard_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('framework_substandards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_substandards_standard_id'))
        batch_op.drop_index(batch_op.f('ix_framework_substandards_framework_version_id'))

    op.drop_table('framework_substandards')
    with op.batch_alter_table('framework_standards', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_standards_theme_id'))
        batch_op.drop_index(batch_op.f('ix_framework_standards_framework_version_id'))

    op.drop_table('framework_standards')
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_grants_user_id'))

    op.drop_table('role_grants')
    with op.batch_alter_table('password_reset_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_password_reset_tokens_user_id'))

    op.drop_table('password_reset_tokens')
    with op.batch_alter_table('framework_themes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_framework_themes_framework_version_id'))

    op.drop_table('framework_themes')
    op.drop_table('users')
    with op.batch_alter_table('login_attempts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_login_attempts_email'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_client_address'))
        batch_op.drop_index(batch_op.f('ix_login_attempts_attempted_at'))

    op.drop_table('login_attempts')
    op.drop_table('framework_versions')
    with op.batch_alter_table('audit_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_audit_entries_occurred_at'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_actor_id'))
        batch_op.drop_index(batch_op.f('ix_audit_entries_action'))

    op.drop_table('audit_entries')
