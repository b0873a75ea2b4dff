"""JOBS=rq with faults: Redis stopped between commit and dispatch, restarted empty, a job
handed on twice. A private redis-server per test; the shared one is never touched."""

from __future__ import annotations

import re

import pytest
from redis import Redis
from rq import Queue

from app.jobs import outbox
from app.models import JobStatus, ListingStatus
from app.services import search as search_service
from tests import factories
from tests.conftest import csrf_token
from tests.jobs.conftest import RUNS, job_states, jobs_of
from tests.redis_server import RedisServer


@pytest.fixture
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture
def rq_mode(app, redis_server):
    app.config.update(JOBS="rq", REDIS_URL=redis_server.url, JOBS_QUEUE="shuzhuan-test")
    yield redis_server
    app.config.update(JOBS="sync")


def queued(server: RedisServer) -> int:
    return Queue("shuzhuan-test", connection=Redis.from_url(server.url)).count


def search(client, words: str) -> str:
    response = client.get("/solutions/", query_string={"q": words})
    assert response.status_code == 200
    return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))


def approve(admin_client, listing) -> int:
    token = csrf_token(admin_client, "/admin/listings")
    response = admin_client.post(
        f"/admin/listings/{listing.id}/approve", data={"csrf_token": token}
    )
    return response.status_code


def test_redis_down_after_the_commit_loses_no_job(db, app, vendor, admin_client, client, rq_mode):
    first = factories.listing(
        vendor, slug="rq-one", name="甲号排产测试系统", status=ListingStatus.PENDING_REVIEW
    )
    second = factories.listing(
        vendor, slug="rq-two", name="乙号排产测试系统", status=ListingStatus.PENDING_REVIEW
    )
    for n in range(4):
        factories.listing(vendor, slug=f"rq-base-{n}", name=f"基础排产 {n}")
    search_service.rebuild_if_damaged()  # the index exists before the changes

    assert approve(admin_client, first) == 302
    # Re-index, re-match and the vendor's notification (e-mail): handed to Redis after the
    # commit, not run inline.
    assert queued(rq_mode) == 3
    rq_mode.stop()  # Redis dies, without persistence: the queued hand-offs are gone

    assert approve(admin_client, second) == 302  # not a 500: the change is saved
    states = job_states()
    assert len(states) == 6 and set(states.values()) == {JobStatus.PENDING}
    # (Search may show the first already: every index also follows the committed change log,
    # app.services.catalogue_log; what must not be lost is the jobs themselves.)

    rq_mode.start()  # back, empty
    assert queued(rq_mode) == 0
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    # Five runs: the second re-matching is merged into the first (one pass for both).
    assert "5 jobs run" in result.output
    indexed, rematched = jobs_of("index_listings"), jobs_of("rematch_listings")
    assert [(j.status, j.attempts) for j in indexed] == [(JobStatus.DONE, 1)] * 2
    assert [(j.status, j.attempts) for j in rematched] == [(JobStatus.DONE, 1), (JobStatus.DONE, 0)]
    assert rematched[0].payload["slugs"] == ["rq-one", "rq-two"]
    assert rematched[1].payload["merged_into"] == rematched[0].id
    assert "甲号排产测试系统" in search(client, "甲号 排产")
    assert "乙号排产测试系统" in search(client, "乙号 排产")


def test_a_job_handed_on_twice_runs_once(db, app, rq_mode):
    job = outbox.post("test.record", {"key": "twice"})
    db.session.commit()
    assert queued(rq_mode) == 1
    outbox.post("test.record", {"key": "other"})
    db.session.commit()

    # The sweep gets there first (as when a hand-off looks lost), then the RQ worker.
    result = app.test_cli_runner().invoke(args=["jobs", "run"])
    assert "2 jobs run" in result.output
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "0 jobs run" in result.output
    assert queued(rq_mode) == 0  # the RQ worker consumed both hand-offs, and skipped them
    assert RUNS == {"twice": 1, "other": 1}
    assert job_states()[job.id] == JobStatus.DONE


def test_the_worker_runs_queued_jobs_through_redis(db, app, rq_mode):
    outbox.post("test.record", {"key": "via-redis"})
    db.session.commit()
    assert RUNS["via-redis"] == 0 and queued(rq_mode) == 1
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert RUNS["via-redis"] == 1
    assert "0 jobs run" in result.output  # nothing left for the sweep


def test_with_redis_never_up_the_worker_runs_jobs_from_the_table(db, app, rq_mode):
    rq_mode.stop()
    outbox.post("test.record", {"key": "table"})
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "worker", "--burst"])
    assert result.exit_code == 0, result.output
    assert "Redis is unreachable" in result.output and "1 jobs run" in result.output
    assert RUNS["table"] == 1
