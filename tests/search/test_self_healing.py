"""A damaged, deleted or unwritable index never turns into a 500 or an empty catalogue: the
search answers from an older generation or the database while the outbox rebuilds it."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.jobs.runner import run_due
from app.models import JobStatus, ListingStatus, OutboxJob
from app.models.base import utcnow
from app.search.fallback import search_documents
from app.search.index import CatalogueIndex
from app.search.storage import IndexMissing, IndexUnreadable
from app.services import listings, search
from tests import factories
from tests.search.conftest import catalogue


def _garble(generation: Path) -> None:
    for path in generation.iterdir():
        path.write_bytes(b"\0garbage" * 50)


def _current(index: CatalogueIndex) -> Path:
    return index.root / index._current_generation()


# ------------------------------------------------------------------- the fallback search


@pytest.mark.parametrize(
    ("q", "filters"),
    [
        ("排产", {}),
        ("maintenance", {}),
        ("vibration maintenance", {}),  # ranked OR: the listing with one of the words too
        ("印染 排产", {}),
        ("", {"region": ["CN-ZJ"]}),
        ("", {"capability": ["equipment.maintenance"], "industry": ["C33"]}),
        ("warehouse stock", {"price_band": ["gt200k"]}),
    ],
)
def test_the_fallback_finds_what_the_index_finds_with_the_same_facets(built, q, filters):
    indexed = built.search(q, filters=filters, per_page=50)
    fallback = search_documents(catalogue(), q, filters=filters, per_page=50)
    assert {h.slug for h in fallback.hits} == {h.slug for h in indexed.hits}
    assert fallback.total == indexed.total
    for facet, values in indexed.facets.items():
        assert {(v.code, v.count) for v in fallback.facets[facet]} == {
            (v.code, v.count) for v in values
        }, facet
    assert "fallback" in fallback.notices


def test_the_fallback_sorts_pages_and_relaxes_like_the_index(built):
    by_price = search_documents(catalogue(), "", sort="price_asc", per_page=2, page=2)
    indexed = built.search("", sort="price_asc", per_page=2, page=2)
    assert [h.slug for h in by_price.hits] == [h.slug for h in indexed.hits]
    relaxed = search_documents(catalogue(), "maintenance 排产")
    assert "relaxed" in relaxed.notices and relaxed.total > 0
    assert "<mark>" in str(search_documents(catalogue(), "maintenance").hits[0].name_html)


# ------------------------------------------------------------------ the index on its own


def test_a_damaged_current_generation_is_answered_by_the_previous_one(fresh):
    fresh.rebuild(catalogue()[:3])  # a second generation; the first is kept beside it
    _garble(_current(fresh))
    result = fresh.search("")
    assert result.total == len(catalogue())  # the older, fuller generation
    assert "stale" in result.notices


def test_an_index_with_no_readable_generation_says_so(fresh):
    _garble(_current(fresh))
    with pytest.raises(IndexUnreadable):
        fresh.search("排产")
    shutil.rmtree(fresh.root)
    with pytest.raises(IndexMissing):
        fresh.search("排产")


# ---------------------------------------------------------------------- through the portal


@pytest.fixture
def published(db, vendor):
    items = [
        factories.listing(vendor, slug="heal-aps", name="自愈排产系统"),
        factories.listing(vendor, slug="heal-mes", name="自愈车间执行系统"),
        factories.listing(vendor, slug="heal-wms", name="Self-healing warehouse", lang="en"),
    ]
    search.rebuild_if_damaged()
    db.session.commit()
    return items


def _browse(client, **query) -> dict:
    response = client.get("/api/v1/plugins", query_string=query)
    assert response.status_code == 200
    return response.get_json()


def _rebuild_jobs(db) -> list[OutboxJob]:
    db.session.expire_all()
    return list(
        db.session.scalars(sa.select(OutboxJob).where(OutboxJob.task == search.REBUILD_TASK))
    )


def test_garbage_index_files_still_answer_with_results_and_the_index_comes_back(
    db, client, published
):
    index = search.catalogue_index()
    assert _browse(client)["total"] == 3
    _garble(_current(index))
    page = client.get("/solutions/", query_string={"q": "自愈 排产"})
    assert page.status_code == 200
    assert "heal-aps" in page.get_data(as_text=True)
    assert [job.status for job in _rebuild_jobs(db)] == [JobStatus.DONE]  # ran inline (sync)
    assert index.healthy()
    assert _browse(client, q="自愈")["total"] == 2
    assert "Search is being repaired" not in client.get("/solutions/").get_data(as_text=True)


def test_a_deleted_index_folder_never_shows_an_empty_catalogue(db, client, published, app):
    shutil.rmtree(search.index_directory())
    assert _browse(client)["total"] == 3
    assert search.catalogue_index().doc_count() == 3  # rebuilt through the outbox


def test_an_index_emptied_behind_our_back_is_noticed_by_its_count(db, client, published):
    search.catalogue_index().rebuild([])  # a healthy index that holds nothing
    body = _browse(client)
    assert body["total"] == 3 and {i["slug"] for i in body["items"]} >= {"heal-aps"}
    assert search.catalogue_index().doc_count() == 3


def test_while_the_rebuild_waits_searches_answer_from_the_database(db, app, client, published):
    app.config.update(JOBS="rq", REDIS_URL="redis://127.0.0.1:1/0")  # the worker is away
    try:
        _garble(_current(search.catalogue_index()))
        for _ in range(3):
            assert _browse(client, q="warehouse")["total"] == 1
        page = client.get("/solutions/", query_string={"q": "自愈"}).get_data(as_text=True)
        assert "Search is being repaired" in page and "heal-mes" in page
        jobs = _rebuild_jobs(db)
        assert [job.status for job in jobs] == [JobStatus.PENDING]  # asked once, not thrice
    finally:
        app.config.update(JOBS="sync")
    run_due(app)
    assert search.catalogue_index().healthy()


def test_a_failed_index_write_is_retried_from_the_outbox(db, app, vendor, admin, client, published):
    original = CatalogueIndex._write
    calls = {"n": 0}

    def failing_once(self, directory, ops):
        calls["n"] += 1
        if calls["n"] == 1:
            raise OSError(28, "No space left on device")
        return original(self, directory, ops)

    new = factories.listing(
        vendor, slug="heal-new", name="重试写入排产", status=ListingStatus.PENDING_REVIEW
    )
    CatalogueIndex._write = failing_once
    try:
        listings.approve(admin, new)
        db.session.commit()
    finally:
        CatalogueIndex._write = original
    job = db.session.scalar(sa.select(OutboxJob).where(OutboxJob.task == "index_listings"))
    assert job.status == JobStatus.FAILED and "No space left" in job.last_error
    db.session.execute(sa.update(OutboxJob).values(run_after=utcnow()))  # its backoff passes
    db.session.commit()
    run_due(app)
    db.session.refresh(job)
    assert job.status == JobStatus.DONE
    assert [i["slug"] for i in _browse(client, q="重试写入")["items"]] == ["heal-new"]
