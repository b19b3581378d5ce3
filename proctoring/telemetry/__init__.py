"""What the exam player sends during an invigilated attempt (browser events, heartbeats, webcam
snapshots) and how the server takes it in: ``api.py`` (the JSON ingest API), ``schemas.py`` (its
shapes), ``services.py`` (bounds, idempotency, the after-end grace, appending to the log) and
``cli.py`` (``cop invigilation verify``)."""
