"""The outbox table's state changes: post a job, claim it, finish or fail it, retry it.

Every change is one conditional ``UPDATE … WHERE status = …``, so of two processes racing
for a job exactly one sees its row change (``rowcount`` 1) and runs it; the other moves on.
On PostgreSQL the sweep also picks candidates ``FOR UPDATE SKIP LOCKED`` so concurrent
sweeps do not queue behind each other's row locks.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session

from app.extensions import db
from app.models import JobStatus, OutboxJob
from app.models.base import utcnow

log = logging.getLogger("app.jobs")

# Ids of jobs posted in a session's transaction, dispatched once it commits (dispatch.py).
POSTED_KEY = "shuzhuan.outbox.posted"
ERROR_CHARS = 4000


def post(
    task: str,
    payload: dict[str, Any] | None = None,
    *,
    dedupe_key: str | None = None,
    session: Session | None = None,
) -> OutboxJob:
    """Write a job into the current transaction; it runs only if that transaction commits.

    ``payload`` must be JSON-serialisable. With ``dedupe_key``, a job with the same task and
    key that is still pending is returned instead of writing a second one (best effort: two
    racing transactions may both write one, which is harmless because tasks are idempotent).
    """
    session = session or db.session
    if dedupe_key is not None:
        existing = session.scalar(
            sa.select(OutboxJob).where(
                OutboxJob.task == task,
                OutboxJob.dedupe_key == dedupe_key,
                OutboxJob.status == JobStatus.PENDING,
            )
        )
        if existing is not None:
            return existing
    job = OutboxJob(task=task, payload=dict(payload or {}), dedupe_key=dedupe_key)
    session.add(job)
    session.flush()  # the id is what the dispatcher hands on after the commit
    session.info.setdefault(POSTED_KEY, []).append(job.id)
    return job


def submit(task: str, payload: dict[str, Any] | None = None, *, dedupe_key: str | None = None):
    """Post a job in a transaction of its own and commit it now (it is then dispatched).

    For work discovered outside any change, e.g. while answering a search from a damaged
    index: the request's own transaction may never commit.
    """
    with Session(db.engine) as session:
        job_id = post(task, payload, dedupe_key=dedupe_key, session=session).id
        session.commit()
    return job_id


def _setting(name: str, default: int) -> int:
    return int(current_app.config.get(name, default))


def claim(job_id: int, now: datetime | None = None) -> bool:
    """Take pending job ``job_id`` for this process: True if this call won it."""
    now = now or utcnow()
    lease = timedelta(seconds=_setting("JOBS_LEASE_SECONDS", 900))
    claimed = db.session.execute(
        sa.update(OutboxJob)
        .where(
            OutboxJob.id == job_id,
            OutboxJob.status == JobStatus.PENDING,
            OutboxJob.run_after <= now,
        )
        .values(
            status=JobStatus.RUNNING,
            attempts=OutboxJob.attempts + 1,
            started_at=now,
            lease_until=now + lease,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return claimed == 1


def merge_pending(job_id: int, key: str) -> dict[str, Any]:
    """Take over the other pending jobs of running job ``job_id``'s task: their
    ``payload[key]`` lists join its own, they are marked done (``merged_into``), and this is
    committed before the work starts, so if this job's process dies its lease brings the
    merged payload back. Returns the payload to run.

    Each take-over is a conditional update (still pending?), so a job another process
    claimed in the meantime stays its own, on SQLite (no row locks) as on PostgreSQL."""
    job = db.session.get(OutboxJob, job_id, populate_existing=True)
    now = utcnow()
    candidates = db.session.execute(
        sa.select(OutboxJob.id, OutboxJob.payload)
        .where(
            OutboxJob.task == job.task,
            OutboxJob.status == JobStatus.PENDING,
            OutboxJob.id != job_id,
            OutboxJob.run_after <= now,
        )
        .order_by(OutboxJob.id)
    ).all()
    items = set(job.payload.get(key, ()))
    merged = 0
    for other_id, payload in candidates:
        taken = db.session.execute(
            sa.update(OutboxJob)
            .where(OutboxJob.id == other_id, OutboxJob.status == JobStatus.PENDING)
            .values(
                status=JobStatus.DONE,
                payload={**payload, "merged_into": job_id},
                finished_at=now,
            )
            .execution_options(synchronize_session=False)
        ).rowcount
        if taken:
            items.update(payload.get(key, ()))
            merged += 1
    if merged:
        job.payload = {**job.payload, key: sorted(items)}
        log.info("job %s takes over %d pending %s jobs", job_id, merged, job.task)
    payload = dict(job.payload)
    db.session.commit()
    return payload


def next_due(limit: int = 1, now: datetime | None = None) -> list[int]:
    """Ids of pending jobs whose time has come, oldest first (skipping rows others lock)."""
    query = (
        sa.select(OutboxJob.id)
        .where(OutboxJob.status == JobStatus.PENDING, OutboxJob.run_after <= (now or utcnow()))
        .order_by(OutboxJob.id)
        .limit(limit)
        .with_for_update(skip_locked=True)  # ignored by SQLite, whose writers are serialised
    )
    ids = list(db.session.scalars(query))
    db.session.commit()
    return ids


def finish(job_id: int) -> None:
    """Mark a running job done (in the transaction that holds the task's last changes)."""
    db.session.execute(
        sa.update(OutboxJob)
        .where(OutboxJob.id == job_id, OutboxJob.status == JobStatus.RUNNING)
        .values(status=JobStatus.DONE, finished_at=utcnow(), lease_until=None, last_error=None)
        .execution_options(synchronize_session=False)
    )


def backoff(attempts: int) -> timedelta:
    """Wait before attempt ``attempts + 1``: JOBS_RETRY_SECONDS doubled per attempt, capped."""
    base = _setting("JOBS_RETRY_SECONDS", 10)
    return timedelta(
        seconds=min(base * 2 ** max(attempts - 1, 0), _setting("JOBS_RETRY_MAX", 3600))
    )


def fail(job_id: int, error: str) -> JobStatus | None:
    """Record a failed attempt: failed (retried after its backoff) or, out of attempts, dead."""
    job = db.session.get(OutboxJob, job_id, populate_existing=True)
    if job is None or job.status != JobStatus.RUNNING:
        db.session.rollback()
        return None
    now = utcnow()
    out_of_attempts = job.attempts >= _setting("JOBS_MAX_ATTEMPTS", 5)
    job.status = JobStatus.DEAD if out_of_attempts else JobStatus.FAILED
    job.last_error = error[-ERROR_CHARS:]
    job.run_after = now + backoff(job.attempts)
    job.lease_until = None
    job.finished_at = now
    db.session.commit()
    return job.status


def requeue_due(now: datetime | None = None) -> int:
    """Failed jobs whose backoff has passed, and running jobs whose process was lost
    (lease expired), become pending again; a lost job out of attempts is dead."""
    now = now or utcnow()
    retried = db.session.execute(
        sa.update(OutboxJob)
        .where(OutboxJob.status == JobStatus.FAILED, OutboxJob.run_after <= now)
        .values(status=JobStatus.PENDING)
        .execution_options(synchronize_session=False)
    ).rowcount
    lost = db.session.execute(
        sa.update(OutboxJob)
        .where(OutboxJob.status == JobStatus.RUNNING, OutboxJob.lease_until < now)
        .values(
            status=sa.case(
                (OutboxJob.attempts >= _setting("JOBS_MAX_ATTEMPTS", 5), JobStatus.DEAD.value),
                else_=JobStatus.PENDING.value,
            ),
            last_error="its process stopped while running it (lease expired)",
            lease_until=None,
            run_after=now,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    if lost:
        log.warning("%d running jobs were lost with their process: taken back", lost)
    return retried + lost


def retry(job_ids: Sequence[int]) -> list[int]:
    """An admin's retry: failed or dead jobs become pending now, with fresh attempts.

    Returns the ids that changed (done, running and pending jobs are left alone). The caller
    commits; the jobs are then dispatched like new ones.
    """
    ids = list(
        db.session.scalars(
            sa.select(OutboxJob.id).where(
                OutboxJob.id.in_(list(job_ids)),
                OutboxJob.status.in_([JobStatus.FAILED, JobStatus.DEAD]),
            )
        )
    )
    if ids:
        db.session.execute(
            sa.update(OutboxJob)
            .where(OutboxJob.id.in_(ids), OutboxJob.status.in_([JobStatus.FAILED, JobStatus.DEAD]))
            .values(status=JobStatus.PENDING, attempts=0, run_after=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.info.setdefault(POSTED_KEY, []).extend(ids)
    return ids


@dataclass(frozen=True)
class JobCounts:
    pending: int = 0
    running: int = 0
    done: int = 0
    failed: int = 0
    dead: int = 0

    @property
    def stuck(self) -> int:
        """Jobs an admin should look at."""
        return self.failed + self.dead


def counts() -> JobCounts:
    rows = db.session.execute(
        sa.select(OutboxJob.status, sa.func.count()).group_by(OutboxJob.status)
    )
    return JobCounts(**{str(status): n for status, n in rows})


def listing(statuses: Sequence[JobStatus] | None = None) -> sa.Select:
    """Jobs newest first, optionally only those in ``statuses``."""
    query = sa.select(OutboxJob).order_by(OutboxJob.id.desc())
    if statuses:
        query = query.where(OutboxJob.status.in_(list(statuses)))
    return query


def purge_done(older_than: timedelta) -> int:
    """Forget done jobs older than ``older_than`` (the table is a log, not an archive)."""
    removed = db.session.execute(
        sa.delete(OutboxJob)
        .where(OutboxJob.status == JobStatus.DONE, OutboxJob.finished_at < utcnow() - older_than)
        .execution_options(synchronize_session=False)
    ).rowcount
    db.session.commit()
    return removed
