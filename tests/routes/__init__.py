"""The route × role table, one module per area so that areas never edit the same file.

Each area module defines ``ROUTES: dict[endpoint, Route]`` and may define
``build_context(db, make_user, framework) -> dict`` whose values fill ``{placeholders}`` in URLs.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass, field

from core.roles import Role

PUBLIC = "public"
SIGNED_IN = "signed-in"


@dataclass(frozen=True)
class Route:
    url: str
    allowed: frozenset[Role] | str
    method: str = "GET"
    ok: int = 200  # the status when allowed
    ok_signed_in: int | None = None  # when a signed-in person gets something else (a redirect onwards)
    data: dict = field(default_factory=dict)


def roles(*names: Role) -> frozenset[Role]:
    return frozenset(names)


def area_modules():
    for info in pkgutil.iter_modules(__path__):
        yield importlib.import_module(f"{__name__}.{info.name}")


def all_routes() -> dict[str, Route]:
    merged: dict[str, Route] = {}
    for module in area_modules():
        overlap = set(merged) & set(module.ROUTES)
        assert not overlap, f"{module.__name__} repeats {overlap}"
        merged.update(module.ROUTES)
    return merged


def build_context(db, make_user, framework) -> dict:
    context: dict = {}
    for module in area_modules():
        builder = getattr(module, "build_context", None)
        if builder is not None:
            context.update(builder(db, make_user, framework))
    return context
