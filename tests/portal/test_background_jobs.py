"""Catalogue changes reach the search index through a Redis-backed worker (JOBS=rq)."""

from __future__ import annotations

import re
import uuid

import pytest

from app.catalogue_events import catalogue_changed
from tests import factories


@pytest.fixture
def redis_url():
    from redis import Redis
    from redis.exceptions import ConnectionError as RedisDown

    url = "redis://127.0.0.1:6379/0"
    try:
        Redis.from_url(url).ping()
    except RedisDown as exc:  # CI provides Redis; failing loudly beats skipping silently
        pytest.fail(f"Redis is not reachable at {url}: {exc}")
    return url


def test_a_published_listing_is_indexed_by_the_worker(app, db, vendor, client, redis_url):
    from redis import Redis
    from rq import Queue, SimpleWorker

    queue_name = f"test-{uuid.uuid4().hex[:8]}"
    connection = Redis.from_url(redis_url)
    app.config.update(JOBS="rq", REDIS_URL=redis_url, JOBS_QUEUE=queue_name)

    def search() -> str:
        response = client.get("/solutions/", query_string={"q": "排队排产测试"})
        assert response.status_code == 200
        return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))  # no highlight markup

    try:
        search()  # the index exists before the change
        listing = factories.listing(vendor, slug="queued-aps", name="排队排产测试系统")
        catalogue_changed(listing.slug)
        db.session.commit()
        queue = Queue(queue_name, connection=connection)
        assert queue.count == 1  # enqueued after the commit, not run inline
        assert "排队排产测试系统" not in search()
        SimpleWorker([queue], connection=connection).work(burst=True)
        assert "排队排产测试系统" in search()
    finally:
        app.config.update(JOBS="sync")
        Queue(queue_name, connection=connection).delete(delete_jobs=True)
