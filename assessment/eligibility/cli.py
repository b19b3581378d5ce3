"""``cop eligibility check FACTS.json``: the engine's decision on a file of facts (one object, or a
list of them checked case by case), as JSON. Bad input gives one line on stderr and exit status 2."""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from assessment.eligibility import rules
from core.clock import LONDON, utcnow

eligibility_cli = AppGroup("eligibility", help="The register's eligibility rules.")


class BadInput(click.ClickException):
    """``Error: …`` on one line, exit status 2 (the input, not the system, is at fault)."""

    exit_code = 2


@eligibility_cli.command("check")
@click.argument("facts_file", metavar="FACTS.json")
@click.option("--date", "on", metavar="YYYY-MM-DD",
              help="Decide as on this date (default: today in the UK). It chooses the rule set.")
@click.option("--rules", "named", metavar="|".join(rules.RULE_SETS),
              help="Apply this rule set whatever the date or the facts say.")
def check(facts_file: str, on: str | None, named: str | None):
    """Print the eligibility decision on the facts in FACTS.json (a list of facts gives a list)."""
    day = _date(on, "--date") if on else utcnow().astimezone(LONDON).date()
    if named is not None and named not in rules.RULE_SETS:
        raise BadInput(f"--rules must be one of {', '.join(rules.RULE_SETS)} (got \"{named}\").")
    available_from = _date(current_app.config["ELIGIBILITY_CERTIFICATE_AVAILABLE_FROM"],
                           "ELIGIBILITY_CERTIFICATE_AVAILABLE_FROM")
    document = _read(Path(facts_file))
    cases = document if isinstance(document, list) else [document]
    decisions = []
    for number, raw in enumerate(cases, start=1):
        try:
            decisions.append(rules.check(raw, on=day, certificate_available_from=available_from, rules=named))
        except rules.FactsError as error:
            where = f"case {number} of {len(cases)}: " if isinstance(document, list) else ""
            raise BadInput(f"{facts_file}: {where}{error}") from None
    click.echo(json.dumps(decisions if isinstance(document, list) else decisions[0], indent=2, ensure_ascii=False))


def _read(path: Path) -> object:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BadInput(f"{path}: is a folder, not a file") from None
    except UnicodeDecodeError:
        raise BadInput(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise BadInput(f"{path}: cannot be read ({error.strerror})") from None
    try:
        return json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as error:
        raise BadInput(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") from None
    except ValueError as error:
        raise BadInput(f"{path}: not valid JSON ({error})") from None
    except RecursionError:
        raise BadInput(f"{path}: not valid JSON (nested too deeply)") from None


def _no_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _date(value: object, name: str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise BadInput(f"{name} must be a date as YYYY-MM-DD (got \"{value}\").") from None
