"""``cop users …``"""
from __future__ import annotations

import getpass
import secrets

import click
from flask import current_app
from flask.cli import AppGroup

from core import db
from core.cli import one_line_errors
from core.clock import utcnow
from core.roles import SYSTEM, Role
from assessment.accounts import services

users_cli = AppGroup("users", help="Create accounts and grant roles.")

ROLE_CHOICE = click.Choice([r.value for r in Role])


@users_cli.command("create")
@click.argument("email")
@click.option("--role", "roles", multiple=True, type=ROLE_CHOICE, required=True, help="Repeat for several roles.")
@click.option("--name", "full_name", default="", help="Full name (defaults to the part of the email before @).")
@click.option("--password", default=None, help="Omit to be asked, or to generate one with --generate-password.")
@click.option("--generate-password", is_flag=True, help="Generate a password and print it once.")
@one_line_errors
def create_user(email, roles, full_name, password, generate_password):
    """Create an account holding ROLE(s)."""
    if generate_password:
        password = secrets.token_urlsafe(15)
    elif password is None:
        password = getpass.getpass("Password for the new account: ")
    user = services.create_user(db.session(), actor=SYSTEM, email=email, full_name=full_name or email.split("@")[0],
                                password=password, roles={Role(r) for r in roles}, now=utcnow(),
                                hash_profile=current_app.config["PASSWORD_HASH_PROFILE"])
    db.session().commit()
    click.echo(f"Created {user.email} with roles: {', '.join(sorted(user.roles))}")
    if generate_password:
        click.echo(f"Password (shown once): {password}")


@users_cli.command("grant")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
@one_line_errors
def grant(email, role):
    """Grant ROLE to the account EMAIL."""
    user = services.find_user_by_email(db.session(), email)
    if user is None:
        raise click.ClickException(f"There is no account for {email}.")
    services.grant_role(db.session(), actor=SYSTEM, user_id=user.id, role=Role(role), now=utcnow())
    db.session().commit()
    click.echo(f"Granted {role} to {user.email}")


@users_cli.command("revoke")
@click.argument("email")
@click.argument("role", type=ROLE_CHOICE)
@one_line_errors
def revoke(email, role):
    """Remove ROLE from the account EMAIL."""
    user = services.find_user_by_email(db.session(), email)
    if user is None:
        raise click.ClickException(f"There is no account for {email}.")
    services.revoke_role(db.session(), actor=SYSTEM, user_id=user.id, role=Role(role), now=utcnow())
    db.session().commit()
    click.echo(f"Revoked {role} from {user.email}")
