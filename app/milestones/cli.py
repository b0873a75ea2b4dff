"""`flask milestones overdue`: tell both parties about milestones past their due date.

Meant for cron (e.g. daily); idempotent, so running it twice a day sends nothing twice.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.extensions import db

milestones_cli = AppGroup("milestones", help="Milestones of engagements.")


@milestones_cli.command("overdue")
def overdue() -> None:
    """Notify SME and vendor once about each milestone due and not delivered."""
    from app.services.milestones import notify_overdue

    count = notify_overdue()
    db.session.commit()
    click.echo(f"{count} overdue milestone(s) announced.")
