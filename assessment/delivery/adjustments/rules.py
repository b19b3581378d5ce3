"""What a candidate may ask for, and how a request reads in words. Pure: no Flask, no SQLAlchemy."""
from __future__ import annotations

EXTRA_TIME_CHOICES = (0, 10, 15, 25, 33, 50, 100)  # per cent; 25 % is the usual recommendation
TEXT_SIZES = {"": "Standard", "large": "Large (150%)", "x-large": "Very large (200%)"}
COLOUR_SCHEMES = {"": "Standard (dark text on white)", "cream": "Dark text on cream",
                  "dark": "Light text on dark grey", "yellow-on-black": "Yellow text on black"}


def describe(request) -> list[str]:
    """The adjustments asked for, in words (``request`` is anything with an adjustment request's fields)."""
    found = []
    if request.extra_time_pct:
        found.append(f"{request.extra_time_pct}% extra time")
    if request.rest_breaks:
        found.append("Rest breaks that stop the clock")
    if request.text_size:
        found.append(f"Text size: {TEXT_SIZES.get(request.text_size, request.text_size)}")
    if request.colour_scheme:
        found.append(f"Colour scheme: {COLOUR_SCHEMES.get(request.colour_scheme, request.colour_scheme)}")
    if request.uses_screen_reader:
        found.append("Uses a screen reader")
    if request.other:
        found.append(f"Other: {request.other}")
    return found
