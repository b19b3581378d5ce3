"""Fixtures for check-in: a booked candidate of an invigilated sitting, pictures made with Pillow."""
from __future__ import annotations

import io

import pytest

from core.roles import Role


def picture(fmt: str = "JPEG", size=(64, 48), colour=(200, 120, 40)) -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


@pytest.fixture
def jpeg() -> bytes:
    return picture("JPEG")


@pytest.fixture
def candidate(db, invigilated_sitting, booked_candidate):
    return booked_candidate(invigilated_sitting, name="Cara Candidate")


@pytest.fixture
def invigilator(make_user):
    return make_user(Role.INVIGILATOR, name="Ivo Invigilator")


@pytest.fixture
def store(app):
    return app.extensions["cop.media"]
