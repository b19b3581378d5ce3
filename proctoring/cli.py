"""``cop invigilation …``: the group. Each command lives beside what it does (``verify`` with the
log, ``analyse`` with the flags, ``purge`` with retention) and is added to this group in the
composition root (``assessment/cli.py``), so no module here needs to know all of them."""
from __future__ import annotations

from flask.cli import AppGroup

invigilation_cli = AppGroup("invigilation", help="Remote invigilation: the evidence log, flags and retention.")
