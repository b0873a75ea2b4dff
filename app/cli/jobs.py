"""`flask jobs worker|run|list|retry`: run, watch and retry the outbox's jobs."""

from __future__ import annotations

import logging
import signal
import threading

import click
from flask import current_app
from redis.exceptions import RedisError
from rq import SimpleWorker
from rq.exceptions import StopRequested

from app.cli.base import CommandGroup
from app.errors import DomainError
from app.extensions import db
from app.jobs import outbox
from app.jobs.dispatch import rq_queue
from app.jobs.runner import Sweeper, run_due
from app.models import JobStatus
from app.services import expiry, job_admin

log = logging.getLogger("app.jobs")

jobs_cli = CommandGroup("jobs", help="Background jobs (the outbox).")


@jobs_cli.command("worker")
@click.option("--burst", is_flag=True, help="Run what is queued and due, then stop.")
@click.option(
    "--sweep-every",
    type=click.FloatRange(min=0.1),
    default=None,
    help="Seconds between sweeps of the outbox table (default JOBS_SWEEP_SECONDS).",
)
def worker(burst: bool, sweep_every: float | None) -> None:
    """Run jobs handed on through Redis (JOBS=rq) and sweep the outbox table for the rest.

    The sweep runs due jobs whose hand-off was lost (Redis down or restarted, a web process
    killed), retries failed ones after their backoff and takes back jobs of a lost process,
    so with Redis down jobs still run, from the table.
    """
    app = current_app._get_current_object()
    interval = sweep_every or float(app.config.get("JOBS_SWEEP_SECONDS", 30))
    if burst:
        _drain_queue(app)
        ran = run_due(app)
        click.echo(f"Swept the outbox: {ran} jobs run.")
        return
    stop = threading.Event()
    sweeper = Sweeper(app, interval).start()
    try:
        while not stop.is_set():
            # Ours between RQ's runs (RQ installs its own while it runs, and leaves them):
            # SIGTERM or SIGINT then asks this loop to stop, whatever Redis is doing.
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stop.set())
            try:
                _drain_queue(app, burst=False, stop=stop)
            except RedisError as exc:  # RQ retries a lost connection itself once it runs
                log.warning("Redis is unreachable (%s); sweeping only, retrying", exc)
            except StopRequested:  # RQ's handler, still installed after its loop ended
                stop.set()
            stop.wait(interval)  # RQ gave up on Redis (a timeout, an error): start it again
    finally:
        sweeper.stop()


def _drain_queue(app, burst: bool = True, stop: threading.Event | None = None) -> None:
    """Run the queue's jobs (until it is empty with ``burst``); a warm shut-down asked of
    RQ (SIGTERM or SIGINT while it runs: the job in hand finishes first) sets ``stop``."""
    queue = rq_queue(app)
    try:
        worker = _Worker([queue], connection=queue.connection)  # RQ reads Redis here already
        worker.stop_event = stop
        worker.work(burst=burst)
    except RedisError as exc:
        if not burst:
            raise
        click.echo(f"Redis is unreachable ({exc}); running jobs from the outbox table.")


class _Worker(SimpleWorker):
    """RQ's worker that runs jobs in this process (each job opens its own app context) and
    passes a warm shut-down on to the ``flask jobs worker`` loop."""

    stop_event: threading.Event | None = None

    def handle_warm_shutdown_request(self) -> None:
        if self.stop_event is not None:
            self.stop_event.set()
        super().handle_warm_shutdown_request()


@jobs_cli.command("run")
def run() -> None:
    """Run every due job now, in this process (one sweep), and say how many ran."""
    ran = run_due(current_app._get_current_object())
    click.echo(f"{ran} jobs run.")


STATUS_CHOICE = click.Choice([s.value for s in JobStatus])


@jobs_cli.command("list")
@click.option("--status", "statuses", multiple=True, type=STATUS_CHOICE, help="Only these.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
def list_jobs(statuses: tuple[str, ...], limit: int) -> None:
    """The newest jobs: id, status, task, attempts, next run, last error."""
    c = outbox.counts()
    click.echo(
        f"pending {c.pending} · running {c.running} · done {c.done} · "
        f"failed {c.failed} · dead {c.dead}"
    )
    query = outbox.listing([JobStatus(s) for s in statuses]).limit(limit)
    for job in db.session.scalars(query):
        error = (job.last_error or "").splitlines()[-1:] or [""]
        click.echo(
            f"{job.id:>7}  {job.status:<8} {job.task:<22} attempts={job.attempts} "
            f"run_after={job.run_after:%Y-%m-%d %H:%M:%S}  {error[0][:80]}"
        )


@jobs_cli.command("retry")
@click.argument("job_ids", nargs=-1, type=int)
@click.option("--all-stuck", is_flag=True, help="Every failed and dead job.")
def retry(job_ids: tuple[int, ...], all_stuck: bool) -> None:
    """Run failed or dead jobs again (with fresh attempts)."""
    if all_stuck:
        job_ids = tuple(job_admin.stuck_job_ids())
    elif not job_ids:
        raise click.UsageError("name job ids or pass --all-stuck")
    try:
        retried = job_admin.retry_jobs(None, job_ids)
    except DomainError as exc:
        raise click.ClickException(exc.message) from None
    db.session.commit()  # dispatches them like new jobs
    skipped = sorted(set(job_ids) - set(retried))
    click.echo(f"{len(retried)} jobs retried.")
    if skipped:
        click.echo(f"Not failed or dead, left alone: {', '.join(map(str, skipped))}")


@jobs_cli.command("tick")
def tick() -> None:
    """Expire requests for quotes and quotes, send reminders, overdue milestone notices and
    digests (for cron)."""
    click.echo(f"Tick: {expiry.tick()}.")
