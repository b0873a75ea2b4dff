"""Tasks for the outbox tests: they record every run, so "exactly once" can be checked."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.jobs.registry import TASKS, task
from app.models import JobStatus, OutboxJob

RUNS: Counter = Counter()
FAILURES: dict[str, int] = {}  # key → how many more runs must fail
_lock = threading.Lock()


@task("test.record")
def record(payload: dict) -> None:
    """Counts its runs per payload key; fails while FAILURES says so."""
    with _lock:
        RUNS[payload["key"]] += 1
        if FAILURES.get(payload["key"], 0) > 0:
            FAILURES[payload["key"]] -= 1
            raise RuntimeError(f"planned failure of {payload['key']}")


MERGED: list[list[str]] = []  # the keys of each run of the merging task


@task("test.merge", merges="keys")
def merge(payload: dict) -> None:
    """Records the keys it ran on; fails while FAILURES["merge"] says so."""
    with _lock:
        MERGED.append(sorted(payload["keys"]))
        if FAILURES.get("merge", 0) > 0:
            FAILURES["merge"] -= 1
            raise RuntimeError("planned failure of the merged run")


@pytest.fixture(autouse=True)
def _fresh_counters():
    RUNS.clear()
    FAILURES.clear()
    MERGED.clear()
    yield
    assert "test.record" in TASKS


def job_states() -> dict[int, JobStatus]:
    db.session.expire_all()
    return {i: s for i, s in db.session.execute(sa.select(OutboxJob.id, OutboxJob.status))}


def jobs_of(task_name: str) -> list[OutboxJob]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            sa.select(OutboxJob).where(OutboxJob.task == task_name).order_by(OutboxJob.id)
        )
    )
