"""`flask users …` and `flask demo …` commands; each command is one transaction."""

from __future__ import annotations

import click

from app.cli.base import CommandGroup
from app.errors import DomainError
from app.extensions import db
from app.services.accounts import create_admin as create
from app.services.demo import DEMO_PASSWORD, demo_accounts, load_demo

users_cli = CommandGroup("users", help="Manage accounts.")
demo_cli = CommandGroup("demo", help="Demo data for a first run.")


@users_cli.command("create-admin")
@click.option("--email", prompt=True, help="The admin's e-mail address.")
@click.option(
    "--password",
    prompt=True,
    hide_input=True,
    confirmation_prompt=True,
    help="At least 10 characters.",
)
@click.option("--name", default="Admin", show_default=True)
def create_admin(email: str, password: str, name: str) -> None:
    """Create a platform admin (no prompts when --email and --password are given)."""
    if len(password) < 10:
        raise click.BadParameter("use at least 10 characters", param_hint="--password")
    try:
        user = create(email, password, name)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()
    click.echo(f"Admin {user.email} created.")


@demo_cli.command("load")
def demo_load() -> None:
    """Load the demo marketplace (idempotent: a second run changes nothing)."""
    created = load_demo()
    db.session.commit()
    click.echo(f"Demo data: {created} new records." if created else "Demo data already loaded.")
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, role, org in demo_accounts():
        click.echo(f"  {role:<7} {email:<28} {org}")
