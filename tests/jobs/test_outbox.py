"""The outbox: jobs live and die with their transaction, run once, are retried, then dead."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from app.errors import DomainError, Forbidden
from app.extensions import db as _db
from app.jobs import outbox
from app.jobs.registry import TASKS, task
from app.jobs.runner import run_due, run_job
from app.models import AuditEvent, JobStatus, ListingStatus, OutboxJob
from app.models.base import utcnow
from app.services import job_admin, listings
from tests import factories
from tests.jobs.conftest import FAILURES, MERGED, RUNS, job_states, jobs_of


def unsent_job(db, key: str, **fields) -> int:
    """A committed job nobody was told about: what a lost hand-off leaves behind."""
    job = OutboxJob(task="test.record", payload={"key": key}, **fields)
    db.session.add(job)
    db.session.commit()
    return job.id


def test_a_job_runs_only_after_the_transaction_that_wrote_it_commits(db):
    job = outbox.post("test.record", {"key": "a"})
    assert RUNS["a"] == 0
    db.session.commit()
    assert RUNS["a"] == 1
    assert job_states() == {job.id: JobStatus.DONE}


def test_a_rolled_back_job_never_existed(db):
    outbox.post("test.record", {"key": "ghost"})
    db.session.rollback()
    db.session.commit()
    assert RUNS["ghost"] == 0
    assert job_states() == {}


def test_a_released_savepoint_does_not_dispatch_early(db):
    with db.session.begin_nested():
        outbox.post("test.record", {"key": "inner"})
    assert RUNS["inner"] == 0  # the outer transaction is still open
    db.session.commit()
    assert RUNS["inner"] == 1


def test_ids_order_jobs_as_their_transactions_wrote_them(db):
    first = outbox.post("test.record", {"key": "1"}).id
    db.session.commit()
    second = outbox.post("test.record", {"key": "2"}).id
    db.session.commit()
    assert first < second


def test_a_dedupe_key_keeps_one_pending_job(db, app):
    app.config.update(JOBS="rq", REDIS_URL="redis://127.0.0.1:1/0")  # nothing listens there
    try:
        one = outbox.post("test.record", {"key": "d"}, dedupe_key="rebuild")
        two = outbox.post("test.record", {"key": "d"}, dedupe_key="rebuild")
        db.session.commit()
    finally:
        app.config.update(JOBS="sync")
    assert one.id == two.id
    assert len(jobs_of("test.record")) == 1


def test_backoff_doubles_per_attempt_up_to_its_cap(app):
    with app.app_context():
        assert [outbox.backoff(n).total_seconds() for n in (1, 2, 3)] == [10, 20, 40]
        assert outbox.backoff(30) == timedelta(seconds=3600)


def test_a_failing_job_is_retried_with_backoff_then_dead_until_an_admin_retries(db, app, admin):
    FAILURES["flaky"] = 10
    job = outbox.post("test.record", {"key": "flaky"})
    db.session.commit()
    stored = jobs_of("test.record")[0]
    assert stored.status == JobStatus.FAILED and stored.attempts == 1
    assert "planned failure of flaky" in stored.last_error
    assert timedelta(seconds=9) < stored.run_after - utcnow() <= timedelta(seconds=10)
    assert run_due(app) == 0  # not due before its backoff has passed

    app.config.update(JOBS_RETRY_SECONDS=0, JOBS_MAX_ATTEMPTS=3)
    try:
        db.session.execute(sa.update(OutboxJob).values(run_after=utcnow()))  # time passes
        db.session.commit()
        run_due(app)  # failed → pending → running → failed (attempt 2)
        run_due(app)  # attempt 3: out of attempts
        assert jobs_of("test.record")[0].status == JobStatus.DEAD
        assert run_due(app) == 0  # dead jobs wait for an admin
        assert RUNS["flaky"] == 3
    finally:
        app.config.update(JOBS_RETRY_SECONDS=10, JOBS_MAX_ATTEMPTS=5)

    FAILURES["flaky"] = 0  # the cause is fixed
    assert job_admin.retry_jobs(admin, [job.id]) == [job.id]
    db.session.commit()  # dispatched like a new job
    stored = jobs_of("test.record")[0]
    assert stored.status == JobStatus.DONE and stored.attempts == 1
    assert RUNS["flaky"] == 4
    retry = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "job.retry"))
    assert retry.actor_id == admin.id and retry.subject_id == job.id


def test_retrying_a_job_that_has_not_failed_is_refused(db, admin):

    job_id = unsent_job(db, "fine")
    with pytest.raises(DomainError, match="nothing to retry"):
        job_admin.retry_jobs(admin, [job_id])


def test_only_admins_retry(db, sme):

    job_id = unsent_job(db, "x", status=JobStatus.DEAD)
    with pytest.raises(Forbidden):
        job_admin.retry_jobs(sme, [job_id])


def test_the_sweep_runs_a_job_whose_hand_off_was_lost(db, app):
    job_id = unsent_job(db, "lost")
    assert run_due(app) == 1
    assert RUNS["lost"] == 1
    assert job_states() == {job_id: JobStatus.DONE}
    assert run_due(app) == 0  # done is done


def test_a_job_whose_process_died_is_taken_back_when_its_lease_runs_out(db, app):
    now = utcnow()
    lost = unsent_job(db, "died", status=JobStatus.RUNNING, attempts=1, lease_until=now)
    alive = unsent_job(
        db, "busy", status=JobStatus.RUNNING, attempts=1, lease_until=now + timedelta(hours=1)
    )
    run_due(app)
    assert RUNS == {"died": 1}
    assert job_states() == {lost: JobStatus.DONE, alive: JobStatus.RUNNING}


def test_two_runners_racing_for_one_job_run_it_once(db, app):
    job_id = unsent_job(db, "race")
    barrier = threading.Barrier(4)
    won: list[bool] = []

    def runner() -> None:
        barrier.wait()
        won.append(run_job(app, job_id))

    threads = [threading.Thread(target=runner) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(won) == [False, False, False, True]
    assert RUNS["race"] == 1
    assert job_states() == {job_id: JobStatus.DONE}


def test_a_job_that_loses_its_database_connection_does_not_break_the_next(db, app):

    @task("test.lose_connection")
    def lose_connection(payload: dict) -> None:
        # The database goes away in the middle of the job's transaction.
        _db.session.execute(sa.select(OutboxJob.id)).all()
        _db.session.connection().connection.dbapi_connection.close()
        _db.session.execute(sa.select(OutboxJob.id)).all()

    try:
        broken = outbox.post("test.lose_connection", {})
        after = outbox.post("test.record", {"key": "after"})
        db.session.commit()
    finally:
        TASKS.pop("test.lose_connection")
    states = job_states()
    assert states[broken.id] in (JobStatus.FAILED, JobStatus.RUNNING)  # running: lease brings it
    assert states[after.id] == JobStatus.DONE
    assert RUNS["after"] == 1


def _merging_jobs(db, *keys: str) -> list[int]:
    jobs = [OutboxJob(task="test.merge", payload={"keys": [key]}) for key in keys]
    db.session.add_all(jobs)
    db.session.commit()
    return [job.id for job in jobs]


def test_pending_jobs_of_a_merging_task_run_once_together(db, app):
    # A burst of catalogue changes is one re-matching, not one per change.
    first, second, third = _merging_jobs(db, "a", "b", "c")
    assert run_job(app, first)
    assert MERGED == [["a", "b", "c"]]
    assert set(job_states().values()) == {JobStatus.DONE}
    merged = db.session.get(OutboxJob, second)
    assert merged.payload == {"keys": ["b"], "merged_into": first}
    assert not run_job(app, second) and not run_job(app, third)  # their hand-offs come late
    assert MERGED == [["a", "b", "c"]]


def test_a_merged_run_that_fails_runs_again_with_every_merged_payload(db, app):
    first, second = _merging_jobs(db, "a", "b")
    FAILURES["merge"] = 1
    assert run_job(app, first)
    assert job_states() == {first: JobStatus.FAILED, second: JobStatus.DONE}
    db.session.get(OutboxJob, first).run_after = utcnow()
    db.session.commit()
    assert run_due(app) == 1
    assert MERGED == [["a", "b"], ["a", "b"]]  # "b" was not lost with the failed run
    assert job_states()[first] == JobStatus.DONE


def test_a_catalogue_change_writes_its_jobs_with_the_change(db, vendor, admin, client):
    listing = factories.listing(
        vendor, slug="outboxed", name="出站箱排产系统", status=ListingStatus.PENDING_REVIEW
    )
    listings.approve(admin, listing)
    assert jobs_of("index_listings") == []  # nothing before the commit
    db.session.commit()
    index_job, rematch_job = jobs_of("index_listings") + jobs_of("rematch_listings")
    assert index_job.payload == {"slugs": ["outboxed"]} == rematch_job.payload
    assert index_job.id < rematch_job.id
    assert {index_job.status, rematch_job.status} == {JobStatus.DONE}
    page = client.get("/solutions/", query_string={"q": "出站箱"}).get_data(as_text=True)
    assert "outboxed" in page


def test_flask_jobs_list_run_and_retry(db, app):
    dead = unsent_job(db, "cli", status=JobStatus.DEAD, attempts=5, last_error="boom")
    waiting = unsent_job(db, "cli-wait")
    runner = app.test_cli_runner()

    listed = runner.invoke(args=["jobs", "list", "--status", "dead"])
    assert listed.exit_code == 0, listed.output
    assert "dead 1" in listed.output and str(dead) in listed.output and "boom" in listed.output

    ran = runner.invoke(args=["jobs", "run"])
    assert ran.exit_code == 0 and "1 jobs run" in ran.output
    assert RUNS == {"cli-wait": 1}

    retried = runner.invoke(args=["jobs", "retry", str(dead), str(waiting)])
    assert retried.exit_code == 0, retried.output
    assert "1 jobs retried" in retried.output and f"left alone: {waiting}" in retried.output
    assert RUNS["cli"] == 1
    assert job_states() == {dead: JobStatus.DONE, waiting: JobStatus.DONE}

    nothing = runner.invoke(args=["jobs", "retry", "--all-stuck"])
    assert nothing.exit_code == 1 and "nothing to retry" in nothing.output
