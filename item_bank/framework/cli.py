"""``cop framework …``"""
from __future__ import annotations

import json
from pathlib import Path

import click
from flask.cli import AppGroup

from core import db
from core.cli import one_line_errors
from core.clock import utcnow
from core.roles import SYSTEM
from item_bank.framework import services
from item_bank.framework.rules import BUNDLED_FRAMEWORK
from item_bank.framework.schemas import FrameworkSchema

framework_cli = AppGroup("framework", help="The Standards of Proficiency.")


def read_framework_file(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise click.ClickException(f"{path}: no such file") from None
    except IsADirectoryError:
        raise click.ClickException(f"{path}: is a folder, not a file") from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{path}: not UTF-8 text") from None
    except OSError as error:
        raise click.ClickException(f"{path}: cannot be read ({error.strerror or error})") from None
    except json.JSONDecodeError as error:
        raise click.ClickException(f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})") \
            from None
    except RecursionError:
        raise click.ClickException(f"{path}: not valid JSON (nested too deeply)") from None
    except ValueError as error:  # e.g. a number of more than 4,300 digits
        raise click.ClickException(f"{path}: not valid JSON ({error})") from None


@framework_cli.command("import")
@click.argument("path", type=click.Path(path_type=Path), default=BUNDLED_FRAMEWORK)
@one_line_errors
def import_command(path: Path):
    """Load a framework version from PATH (default: the bundled Standards of Proficiency)."""
    outcome = services.import_framework(db.session(), actor=SYSTEM, document=read_framework_file(path), now=utcnow())
    db.session().commit()
    version = outcome.framework_version
    verb = "Imported" if outcome.created else "Already loaded:"
    click.echo(f"{verb} {version.name} {version.version} — {outcome.n_standards} standards, "
               f"{outcome.n_substandards} sub-standards")


@framework_cli.command("show")
@click.option("--version", default=None, help="A version label; default: the current version.")
@click.option("--json", "as_json", is_flag=True, help="Print the API's JSON.")
@one_line_errors
def show(version, as_json):
    """Print the framework, theme by theme."""
    framework = services.get_framework(db.session(), version)
    if as_json:
        click.echo(json.dumps(FrameworkSchema().dump(framework), indent=2, ensure_ascii=False))
        return
    click.echo(f"{framework.name} ({framework.version})")
    for theme in framework.themes:
        click.echo(f"\n[{theme.code}] {theme.title}")
        for standard in theme.standards:
            derived = " (title derived)" if standard.is_title_derived else ""
            click.echo(f"  {standard.number}. {standard.title}{derived}")
            for sub in standard.substandards:
                click.echo(f"     {sub.code}  {sub.text}")
