"""The WSGI entry point gunicorn imports in each worker."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_a_worker_freezes_what_starting_made_so_full_collections_skip_it(tmp_path):
    """Without the freeze, each worker under 5,000 candidates stopped every thread for a full
    collection of 150–390 ms every second or two (docs/performance.md, issue 13's eighth pass)."""
    probe = ("import gc, assessment.wsgi; "
             "print(gc.get_freeze_count(), len(gc.get_objects(generation=2)))")
    env = {**os.environ, "COP_DATABASE_URL": f"sqlite:///{tmp_path / 'cop.sqlite'}", "COP_SECRET_KEY": "test only"}
    found = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True,
                           check=True)
    frozen, left = (int(n) for n in found.stdout.split())
    assert frozen > 100_000  # the modules, the mappers, the app
    assert left < frozen // 100  # almost nothing left for a full collection to walk
