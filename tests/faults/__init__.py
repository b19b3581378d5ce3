"""Faults survived, each a test (issue 14): the app killed, PostgreSQL restarted, the media store full
or read-only, the client's clock hours wrong, a candidate offline for ten minutes. Each ends with the
figure that matters: acknowledged answers lost = 0 (docs/faults.md)."""
