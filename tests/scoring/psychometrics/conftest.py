"""Shared loaders for the psychometrics tests: public data sets (tests/data/psychometrics) and R fixtures."""

import csv
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT / "tests" / "data" / "psychometrics"
FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _read(path: Path):
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0][1:], rows[1:]


@pytest.fixture(scope="session")
def scored():
    """scored(name) -> (items, candidates × items float matrix; blank → NaN)."""

    def load(name: str):
        path = DATA / f"{name}_scored.csv" if (DATA / f"{name}_scored.csv").exists() else FIXTURES / f"{name}.csv"
        items, rows = _read(path)
        return items, np.array([[float(v) if v != "" else np.nan for v in r[1:]] for r in rows])

    return load


@pytest.fixture(scope="session")
def choices():
    """choices(name) -> (items, candidates × items object array of options, keys, options)."""

    def load(name: str):
        items, rows = _read(DATA / f"{name}_responses.csv")
        with open(DATA / f"{name}_key.csv", newline="", encoding="utf-8") as fh:
            key = {r["item"]: r for r in csv.DictReader(fh)}
        return (items, np.array([r[1:] for r in rows], dtype=object), [key[i]["key"] for i in items],
                [key[i]["options"].split("|") for i in items])

    return load


@pytest.fixture(scope="session")
def fixture():
    """fixture(name) -> the JSON R produced (tools/reference/make_fixtures.R)."""

    def load(name: str):
        return json.loads((FIXTURES / name).read_text(encoding="utf-8"))

    return load


@pytest.fixture
def data_dir():
    return DATA


@pytest.fixture
def fixtures_dir():
    return FIXTURES
