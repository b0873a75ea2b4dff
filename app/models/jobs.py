"""The transactional outbox: background work written in the transaction that causes it."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import enum_column, utcnow


class JobStatus(enum.StrEnum):
    """pending → running → done | failed → pending (after its backoff) … → dead."""

    PENDING = "pending"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # waits for ``run_after``, then becomes pending again
    DEAD = "dead"  # out of attempts: waits for an admin's retry


class OutboxJob(db.Model):
    """One unit of background work; ``id`` orders jobs as their transactions wrote them."""

    __tablename__ = "outbox_jobs"
    __table_args__ = (
        sa.Index("ix_outbox_jobs_status_run_after", "status", "run_after"),
        sa.Index("ix_outbox_jobs_dedupe_key", "dedupe_key"),
        sa.CheckConstraint("attempts >= 0", name="attempts_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task: Mapped[str] = mapped_column(sa.String(60))
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200))
    status: Mapped[JobStatus] = mapped_column(
        enum_column(JobStatus, "job_status"), default=JobStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    run_after: Mapped[datetime] = mapped_column(default=utcnow)
    # A running job whose lease ran out was lost with its process: the sweep takes it back.
    lease_until: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]

    def __repr__(self) -> str:
        return f"<OutboxJob {self.id} {self.task} {self.status}>"
