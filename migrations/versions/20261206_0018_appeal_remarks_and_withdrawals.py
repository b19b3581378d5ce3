"""appeal remarks and withdrawals: re-mark requests heard by marking, the ``appeal`` marking round,
appeal withdrawals

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06

The round CHECK on ``script_marks`` is replaced to admit ``appeal`` (frozen lists below). On SQLite a
batch alteration copies the table and loses its append-only triggers with the old copy, so they are
read first and put back (as in 0007).
"""
from alembic import op
import sqlalchemy as sa
import core.db
from core import append_only


revision = '0018'
down_revision = '0017'
branch_labels = None
depends_on = None

APPEND_ONLY = ("marking_remark_requests", "appeal_withdrawals")
ROUNDS_BEFORE = ("first", "second", "third", "seed")
ROUNDS_AFTER = ROUNDS_BEFORE + ("appeal",)


def _triggers(table: str) -> list[str]:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return []
    return list(bind.execute(sa.text("SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table "
                                     "AND sql IS NOT NULL"), {"table": table}).scalars())


def _round_check(values: tuple[str, ...]) -> None:
    listed = ", ".join(f"'{value}'" for value in values)
    triggers = _triggers('script_marks')
    with op.batch_alter_table('script_marks', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_script_marks_marking_round'), type_='check')
        batch_op.create_check_constraint(op.f('ck_script_marks_marking_round'), f"round IN ({listed})")
    for sql in triggers:
        op.execute(sql)


def upgrade() -> None:
    op.create_table('marking_remark_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('attempt_id', sa.Integer(), nullable=False),
    sa.Column('sitting_id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('requested_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_marking_remark_requests_appeal_id_appeals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['attempt_id'], ['attempts.id'], name=op.f('fk_marking_remark_requests_attempt_id_attempts'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['sitting_id'], ['sittings.id'], name=op.f('fk_marking_remark_requests_sitting_id_sittings'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_marking_remark_requests')),
    sa.UniqueConstraint('appeal_id', name=op.f('uq_marking_remark_requests_appeal_id'))
    )
    with op.batch_alter_table('marking_remark_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_marking_remark_requests_attempt_id'), ['attempt_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_marking_remark_requests_sitting_id'), ['sitting_id'], unique=False)

    op.create_table('appeal_withdrawals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('appeal_id', sa.Integer(), nullable=False),
    sa.Column('withdrawn_by_id', sa.Integer(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('withdrawn_at', core.db.UTCDateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['appeal_id'], ['appeals.id'], name=op.f('fk_appeal_withdrawals_appeal_id_appeals'), ondelete='RESTRICT'),
    sa.ForeignKeyConstraint(['withdrawn_by_id'], ['users.id'], name=op.f('fk_appeal_withdrawals_withdrawn_by_id_users'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appeal_withdrawals')),
    sa.UniqueConstraint('appeal_id', name=op.f('uq_appeal_withdrawals_appeal_id'))
    )
    connection = op.get_bind()
    for table in APPEND_ONLY:
        append_only.create_triggers(connection, table)
    _round_check(ROUNDS_AFTER)


def downgrade() -> None:
    # Appeal marks cannot survive the narrower CHECK; the append-only guard is lifted to remove them.
    connection = op.get_bind()
    append_only.drop_triggers(connection, 'script_marks')
    op.execute(sa.text("DELETE FROM script_marks WHERE round = 'appeal'"))
    append_only.create_triggers(connection, 'script_marks')
    _round_check(ROUNDS_BEFORE)
    for table in reversed(APPEND_ONLY):
        append_only.drop_triggers(connection, table)
    op.drop_table('appeal_withdrawals')
    with op.batch_alter_table('marking_remark_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_marking_remark_requests_sitting_id'))
        batch_op.drop_index(batch_op.f('ix_marking_remark_requests_attempt_id'))
    op.drop_table('marking_remark_requests')
