"""`flask jobs worker`: process background jobs from Redis (when JOBS=rq)."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import AppGroup

jobs_cli = AppGroup("jobs", help="Background jobs.")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop when the queue is empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker inside this app (re-indexing, re-matching after catalogue changes)."""
    from redis import Redis
    from rq import Queue, SimpleWorker

    connection = Redis.from_url(current_app.config["REDIS_URL"])
    # SimpleWorker runs jobs in this process, inside the app context the CLI set up.
    SimpleWorker(
        [Queue(current_app.config.get("JOBS_QUEUE", "shuzhuan"), connection=connection)],
        connection=connection,
    ).work(burst=burst)
