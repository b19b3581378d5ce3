"""Retention of invigilation evidence: media files are deleted after a period that follows the
release of results, unless an open appeal or an open incident holds them (``rules.py`` decides,
``services.purge`` does it and records what it deleted in the invigilation's log)."""
