"""Automated flags: face counts from snapshots, the policy run over the log, flags stored for review."""
