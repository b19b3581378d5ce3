"""several attempts per practice sitting (one per try); one attempt per real sitting

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-05

The unique (sitting, candidate) becomes a unique (sitting, candidate, attempt number), and a CHECK
allows a number above 1 only on a practice attempt: ``attempts.is_practice`` is copied from the
sitting when the attempt starts (filled here for the attempts that exist).

SQLite changes a constraint by copying the table and dropping the old one. ``attempts`` is the
parent of slots, steps and events, and with foreign keys enforced that drop would first delete
(or, with RESTRICT, refuse to delete) every child row; so foreign keys are switched off for the
copy and checked afterwards.
"""
from contextlib import contextmanager

from alembic import op
import sqlalchemy as sa
import core.db  # noqa: F401


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


@contextmanager
def _copying_attempts_safely():
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        yield
        return
    # Only effective outside a transaction: SQLite (non-transactional DDL in Alembic) starts each
    # migration afresh, and nothing has written yet. Refuse rather than lose evidence if it did not take.
    op.execute("PRAGMA foreign_keys=OFF")
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("Could not switch SQLite foreign keys off to copy the attempts table; "
                           "run this migration on its own (cop db upgrade 0006).")
    yield
    broken = bind.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"Copying the attempts table broke foreign keys: {broken[:5]}")
    op.execute("PRAGMA foreign_keys=ON")  # takes effect once this migration's transaction ends


def upgrade() -> None:
    with _copying_attempts_safely():
        with op.batch_alter_table('attempts', schema=None) as batch_op:
            batch_op.add_column(sa.Column('attempt_no', sa.Integer(), nullable=False, server_default='1'))
            batch_op.add_column(sa.Column('is_practice', sa.Boolean(), nullable=False, server_default=sa.false()))
        op.execute("UPDATE attempts SET is_practice = (SELECT sittings.is_practice FROM sittings "
                   "WHERE sittings.id = attempts.sitting_id)")
        with op.batch_alter_table('attempts', schema=None) as batch_op:
            batch_op.alter_column('attempt_no', server_default=None)
            batch_op.alter_column('is_practice', server_default=None)
            batch_op.drop_constraint(batch_op.f('uq_attempts_sitting_id_candidate_id'), type_='unique')
            batch_op.create_unique_constraint(batch_op.f('uq_attempts_sitting_id_candidate_id_attempt_no'),
                                              ['sitting_id', 'candidate_id', 'attempt_no'])
            batch_op.create_check_constraint(batch_op.f('ck_attempts_one_attempt_unless_practice'),
                                             'is_practice OR attempt_no = 1')
            batch_op.create_check_constraint(batch_op.f('ck_attempts_attempt_no_positive'), 'attempt_no >= 1')


def downgrade() -> None:
    repeated = op.get_bind().exec_driver_sql(
        "SELECT COUNT(*) FROM attempts WHERE attempt_no > 1").scalar()
    if repeated:
        # The old schema holds one attempt per candidate and sitting, and attempts are evidence:
        # they are never deleted to make a downgrade fit.
        raise RuntimeError(f"{repeated} practice attempts are second or later tries, which the schema before "
                           "0006 cannot hold; downgrading would lose them.")
    with _copying_attempts_safely():
        with op.batch_alter_table('attempts', schema=None) as batch_op:
            batch_op.drop_constraint(batch_op.f('ck_attempts_attempt_no_positive'), type_='check')
            batch_op.drop_constraint(batch_op.f('ck_attempts_one_attempt_unless_practice'), type_='check')
            batch_op.drop_constraint(batch_op.f('uq_attempts_sitting_id_candidate_id_attempt_no'), type_='unique')
            batch_op.create_unique_constraint(batch_op.f('uq_attempts_sitting_id_candidate_id'),
                                              ['sitting_id', 'candidate_id'])
            batch_op.drop_column('is_practice')
            batch_op.drop_column('attempt_no')
