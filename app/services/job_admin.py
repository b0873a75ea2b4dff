"""Admins' view of the outbox: retrying what is stuck."""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError
from app.extensions import db
from app.jobs import outbox
from app.models import JobStatus, OutboxJob, User
from app.services import audit
from app.services.roles import require_admin


def retry_jobs(admin: User | None, job_ids: Sequence[int]) -> list[int]:
    """Run failed or dead jobs again with fresh attempts, once the caller commits.

    ``admin`` is None for the operator at the command line. Jobs that are pending, running
    or done are left alone (retrying them would change nothing); if none of ``job_ids`` is
    failed or dead the answer is a 409 that says so.
    """
    if admin is not None:
        require_admin(admin)
    rows = db.session.execute(
        sa.select(OutboxJob.id, OutboxJob.status).where(OutboxJob.id.in_(list(job_ids)))
    )
    before = {job_id: status for job_id, status in rows}
    retried = outbox.retry(job_ids)
    if not retried:
        raise DomainError(_("None of these jobs has failed: there is nothing to retry."))
    for job in db.session.scalars(sa.select(OutboxJob).where(OutboxJob.id.in_(retried))):
        audit.record(admin, "job.retry", job, task=job.task, was=str(before[job.id]))
    return retried


def stuck_job_ids() -> list[int]:
    """Every failed or dead job."""
    return list(
        db.session.scalars(
            sa.select(OutboxJob.id).where(OutboxJob.status.in_([JobStatus.FAILED, JobStatus.DEAD]))
        )
    )
