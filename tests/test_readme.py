"""README.md tells the truth about the demo data: every demo account is in its table, and its
figures for the demo bank are what ``cop items stats`` prints after ``cop demo load``."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from sqlalchemy import create_engine

README = Path(__file__).resolve().parents[1] / "README.md"

# README column → the path into ``cop items stats --json``
STATS_COLUMNS = {
    "case studies": ("case_studies",),
    "items": ("items",),
    "approved": ("by_status", "approved"),
    "in review": ("by_status", "in_review"),
    "changes requested": ("by_status", "changes_requested"),
    "draft": ("by_status", "draft"),
}


def readme_tables() -> list[list[list[str]]]:
    """Every Markdown table of the README, as rows of cells (the separator row left out)."""
    tables, current = [], []
    for line in README.read_text(encoding="utf-8").splitlines():
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", cell) for cell in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def table_headed(first_cell: str) -> list[list[str]]:
    matches = [table for table in readme_tables() if table[0][0] == first_cell]
    assert len(matches) == 1, f"README.md should have one table whose first column is {first_cell!r}"
    return matches[0]


def test_the_readme_lists_every_demo_account():
    from assessment.demo import DEMO_ACCOUNTS

    listed = {re.sub(r"`", "", row[0]) for row in table_headed("sign in as")[1:]}
    assert listed == {email for email, _name, _roles in DEMO_ACCOUNTS}


@pytest.fixture(scope="module")
def demo_stats(tmp_path_factory) -> dict:
    from assessment.app import create_app
    from assessment.models import metadata

    url = f"sqlite:///{tmp_path_factory.mktemp('readme') / 'demo.sqlite3'}"
    engine = create_engine(url)
    metadata.create_all(engine)
    engine.dispose()
    app = create_app({"TESTING": True, "DATABASE_URL": url, "PASSWORD_HASH_PROFILE": "fast",
                      "SECRET_KEY": "readme-test-secret"})
    runner = app.test_cli_runner()
    # The bank's counts do not depend on the scored sitting, so its 30 s of simulation is left out.
    loaded = runner.invoke(args=["demo", "load", "--password", "a demo password for the readme test",
                                 "--without-scored-sitting"])
    assert loaded.exit_code == 0, loaded.output
    stats = runner.invoke(args=["items", "stats", "--json"])
    assert stats.exit_code == 0, stats.output
    app.extensions["cop.db"].engine.dispose()
    return json.loads(stats.output)


def test_the_readme_counts_are_the_demo_banks(demo_stats):
    header, *rows = table_headed("case studies")
    assert len(rows) == 1 and set(header) == set(STATS_COLUMNS)
    for column, cell in zip(header, rows[0]):
        expected = demo_stats
        for key in STATS_COLUMNS[column]:
            expected = expected[key]
        assert int(cell) == expected, f"README.md says {cell} {column}; cop items stats says {expected}"
