"""CLI helpers: one-line errors instead of tracebacks."""
from __future__ import annotations

import functools

import click

from core.errors import DomainError, ValidationFailed


def one_line_errors(command):
    """Turn domain errors into ``Error: …`` and exit status 1, after rolling back."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from core import db

        try:
            return command(*args, **kwargs)
        except DomainError as error:
            db.session().rollback()
            detail = ""
            if isinstance(error, ValidationFailed) and error.problems:
                detail = ": " + "; ".join(p.message for p in error.problems)
            raise click.ClickException(error.message + detail) from None

    return wrapper
