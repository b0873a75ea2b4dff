"""Running outbox jobs: one job (claimed first), or every due job (the sweep).

Each job runs in an app context of its own, so it gets a fresh database session that is
removed afterwards, whatever happened: a database outage during one job cannot leave a
broken session (``PendingRollbackError``) behind for the next.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
import traceback
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask

from app.extensions import db
from app.jobs import outbox, tasks  # noqa: F401  (tasks: registers the built-in tasks)
from app.jobs.registry import MERGES, lookup
from app.models import OutboxJob
from app.models.base import utcnow

log = logging.getLogger("app.jobs")


def run_job(app: Flask, job_id: int) -> bool:
    """Claim and run job ``job_id``; False if another process has it or it is not due."""
    with app.app_context():
        try:
            if not outbox.claim(job_id):
                return False
            job = db.session.get(OutboxJob, job_id)
            task, payload = job.task, dict(job.payload or {})
        except Exception:
            log.exception("job %s could not be claimed", job_id)
            db.session.rollback()
            return False
        if task in MERGES:
            try:
                payload = outbox.merge_pending(job_id, MERGES[task])
            except Exception:  # merging only saves work: the job runs on its own payload
                log.exception("job %s could not take over the pending %s jobs", job_id, task)
                db.session.rollback()
        try:
            lookup(task)(payload)
            outbox.finish(job_id)
            db.session.commit()
        except Exception as exc:
            db.session.rollback()
            log.exception("job %s (%s) failed", job_id, task)
            error = "".join(traceback.format_exception_only(exc)).strip()
            try:
                status = outbox.fail(job_id, error)
                log.warning("job %s (%s) is %s: %s", job_id, task, status, error)
            except Exception:  # the database is gone too: the lease brings the job back
                log.exception("job %s: could not record its failure", job_id)
                db.session.rollback()
        return True
    # Leaving the app context removes the session (Flask-SQLAlchemy's teardown).


def run_due(app: Flask, limit: int = 1000) -> int:
    """The sweep: take back failed and lost jobs, then run every due job, oldest first.

    Returns how many jobs this call ran. Safe to run in several processes at once.
    """
    ran = 0
    with app.app_context():
        _schedule_tick(app)
        outbox.requeue_due()
        keep_days = int(app.config.get("JOBS_KEEP_DONE_DAYS", 7))
        outbox.purge_done(timedelta(days=keep_days))
    while ran < limit:
        with app.app_context():
            due = outbox.next_due(limit=1)
        if not due:
            break
        if run_job(app, due[0]):
            ran += 1
    return ran


def _schedule_tick(app: Flask) -> None:
    """Post the periodic ``tick`` job (expiry, reminders, overdue milestones, digests) every
    TICK_SECONDS.

    The sweep runs in the web process (JOBS=thread) and in ``flask jobs worker``, so time
    passes without cron; ``flask jobs tick`` does the same work on demand. 0 turns it off."""
    seconds = int(app.config.get("TICK_SECONDS", 300))
    if seconds <= 0:
        return
    recent = db.session.scalar(
        sa.select(OutboxJob.id)
        .where(
            OutboxJob.task == "tick", OutboxJob.created_at >= utcnow() - timedelta(seconds=seconds)
        )
        .limit(1)
    )
    if recent is None:
        outbox.post("tick", {}, dedupe_key="tick")
        db.session.commit()


class Sweeper:
    """A daemon thread that runs :func:`run_due` every ``interval`` seconds in this process."""

    def __init__(self, app: Flask, interval: float):
        self.app = app
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="outbox-sweeper", daemon=True)
        self.pid = os.getpid()

    def start(self) -> Sweeper:
        self._thread.start()
        atexit.register(self.stop)  # a process that exits lets a running sweep finish first
        return self

    def stop(self, timeout: float = 5.0) -> None:
        atexit.unregister(self.stop)
        self._stop.set()
        self._thread.join(timeout)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            try:
                ran = run_due(self.app)
                if ran:
                    log.info("outbox sweep ran %d jobs", ran)
            except Exception:  # a database outage: try again next time
                log.exception("outbox sweep failed")
