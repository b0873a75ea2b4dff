"""The command groups' base: a database that is not migrated yet gets a sentence, not a
traceback."""

from __future__ import annotations

import click
import sqlalchemy as sa
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask import current_app
from flask.cli import AppGroup, ScriptInfo

from app.extensions import db

UPGRADE_HINT = "The database is not set up yet (or not up to date): run `flask db upgrade` first."


def schema_is_current() -> bool:
    """True when the database carries the newest migration."""
    config = current_app.extensions["migrate"].migrate.get_config()
    heads = set(ScriptDirectory.from_config(config).get_heads())
    with db.engine.connect() as connection:
        current = set(MigrationContext.configure(connection).get_current_heads())
    return current == heads


class CommandGroup(AppGroup):
    """An ``AppGroup`` whose commands answer "run flask db upgrade" on a missing schema."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as exc:
            # The command's own app context has ended by now: look again in a new one.
            with ctx.ensure_object(ScriptInfo).load_app().app_context():
                try:
                    current = schema_is_current()
                except sa.exc.SQLAlchemyError:
                    current = False
            if current:
                raise
            raise click.ClickException(UPGRADE_HINT) from exc
