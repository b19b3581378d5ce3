"""invigilation log: the kind stored_unreadable

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-10

The player now tells the invigilation log when it finds invigilation records kept on the device that
it cannot open (damaged, or altered by hand): until now they were only moved aside in the browser.
The kind's CHECK is replaced with one that admits the new value.
"""
from alembic import op

from core import append_only


revision = '0026'
down_revision = '0025'
branch_labels = None
depends_on = None

TABLE = 'invigilation_events'
CHECK = 'ck_invigilation_events_invigilation_log_kind'
# The values at this revision, frozen here (LogKind may grow; each new value brings its migration).
BEFORE = ('consent_given', 'consent_withdrawn', 'checkin_photo', 'checkin_id_photo', 'checkin_room_scan',
          'checkin_rules_acknowledged', 'checkin_submitted', 'checkin_approved', 'checkin_rejected',
          'checkin_waived', 'snapshot', 'recording_chunk', 'heartbeat', 'tab_hidden', 'tab_visible', 'window_blur',
          'window_focus', 'fullscreen_exit', 'copy', 'cut', 'paste', 'print', 'context_menu', 'devtools_open',
          'second_screen', 'network_offline', 'network_online', 'camera_ended', 'page_closing', 'faces_counted',
          'message_sent', 'message_acknowledged', 'action_taken', 'end_requested', 'end_confirmed',
          'end_cancelled', 'evidence_viewed', 'media_purged')
AFTER = BEFORE + ('stored_unreadable',)


def _replace_check(batch_op, values: tuple[str, ...]) -> None:
    listed = ', '.join(f"'{value}'" for value in values)
    batch_op.drop_constraint(op.f(CHECK), type_='check')
    batch_op.create_check_constraint(op.f(CHECK), f'kind IN ({listed})')


def _restore_guards() -> None:
    """On SQLite the batch copied the table, and dropping the old copy dropped its append-only
    triggers: put them back. PostgreSQL altered the table in place and kept them."""
    if op.get_bind().dialect.name == 'sqlite':
        append_only.create_triggers(op.get_bind(), TABLE)


def upgrade() -> None:
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        _replace_check(batch_op, AFTER)
    _restore_guards()


def downgrade() -> None:
    # Rows of the new kind would break the old CHECK; they are evidence and are not deleted here,
    # so a downgrade over such rows fails, loudly, rather than losing them.
    with op.batch_alter_table(TABLE, schema=None) as batch_op:
        _replace_check(batch_op, BEFORE)
    _restore_guards()
