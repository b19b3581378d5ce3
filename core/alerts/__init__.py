"""Security alerts (ASVS V11.1.8): configurable alerting when automated attacks or unusual activity
are detected.

Why a kernel piece in ``core`` and not a package in ``assessment``: the facts worth an alert are
heard at the bottom of the house. Lock-outs, throttling, recovery codes and second-factor resets are
audited through ``core.audit`` (which hands each entry to :func:`core.alerts.services.heard_audit`,
a dictionary look-up for the actions that mean nothing here, so no other write pays a query); failed
sign-ins are counted by ``assessment.accounts`` (layer 3), and refused requests by the error
handlers of the composition root. Every one of them may call down into ``core``, and none could
call up into a package above them, so the alerting lives where all of them can reach it.

- ``rules.py`` (pure): the kinds of alert, the settings read from configuration with their
  defaults, the thresholds and the throttle of repeats.
- ``models.py``: ``security_alerts`` (append-only: each alert raised, and where it was sent),
  ``alert_counters`` (counts in the database, so several app processes add up to one count) and
  ``alert_webhooks`` (the webhook outbox, delivered with the mail by ``cop mail send``).
- ``services.py``: raise an alert (log line, mail through the outbox, webhook through its outbox),
  the detectors' entry points, the admin's list and the webhook sender.
"""
