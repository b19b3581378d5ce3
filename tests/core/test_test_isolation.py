"""Parallel test processes (pytest-xdist workers) share nothing on disk or in PostgreSQL."""
from __future__ import annotations

import os
from pathlib import Path

from tests.cop_testing import own_schema

REPO = Path(__file__).resolve().parents[2]


def test_uploads_go_to_a_folder_of_this_process_outside_the_checkout(app):
    folder = Path(app.config["UPLOAD_FOLDER"]).resolve()
    assert REPO not in folder.parents
    assert f"cop-test-uploads-{os.getpid()}-" in folder.name
    assert folder.is_dir()


def test_postgresql_schemas_are_per_process():
    assert own_schema("cop_test").endswith(f"_{os.getpid()}")
