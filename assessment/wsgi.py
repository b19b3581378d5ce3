"""The WSGI entry point for gunicorn: ``gunicorn assessment.wsgi:app``."""
import gc

from assessment.app import create_app

app = create_app()

# What starting made (modules, the ORM's mappers, the app: about 240,000 objects) lives as long as the
# worker. Frozen, it is out of the cyclic collector's way, so a full collection walks only what requests
# made since. Before, under 5,000 candidates each worker stopped all its threads for a full collection
# of 150–390 ms every second or two: the tail of the autosave's latency (docs/performance.md, issue 13's
# eighth pass).
gc.collect()
gc.freeze()
