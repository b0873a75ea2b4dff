"""Pages do only the work they need (issue 17): statements that do not grow with what a
page lists, and no write on a GET."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Need, User
from app.services import matching, rfqs, view_counts
from tests import factories
from tests.api.conftest import ApiClient, token_for
from tests.conftest import english
from tests.dbutil import statements

WRITES = ("INSERT", "UPDATE", "DELETE")


def _need_with_matches(sme, n: int):
    for _ in range(n):
        factories.listing(factories.vendor_user())
    need = factories.need(sme)
    matching.refresh_matches(need)
    db.session.commit()
    return need


def _count(get, url: str) -> int:
    get(url)  # the first request warms this process's caches (matcher, plug-ins, search)
    db.session.expire_all()
    with statements(db.engine) as seen:
        response = get(url)
    assert response.status_code == 200
    return len(seen)


@pytest.fixture
def two_needs(sme):
    few = _need_with_matches(sme, 2)
    many = _need_with_matches(sme, 10)  # the first need's listings match it too: 12
    assert (len(matching.visible_matches(few)), len(matching.visible_matches(many))) == (2, 12)
    return few, many


def test_the_need_page_costs_the_same_with_2_or_12_matches(sme_client, two_needs):
    few, many = (_count(sme_client.get, f"/needs/{need.id}") for need in two_needs)
    assert many == few
    # Issue 17's target: the session with its user and organisation, the need, its matches
    # with listings and vendors, requests, quotes, ratings, files, the bell, and the
    # programme panel (pool, programmes, subsidy choice, latest assessment).
    assert many <= 12


def test_the_need_page_costs_the_same_with_1_or_4_requests_for_quotes(sme_client, sme):
    costs, sme_id = [], sme.id
    for asked in (1, 4):
        owner = db.session.get(User, sme_id)
        need_id = factories.need(owner).id
        listing_ids = [factories.listing(factories.vendor_user()).id for _ in range(asked)]
        rfqs.send_rfqs(owner, db.session.get(Need, need_id), listing_ids, "请报价")
        db.session.commit()
        db.session.expunge_all()  # as in a new request: none of them is in the session
        costs.append(_count(sme_client.get, f"/needs/{need_id}"))
    assert costs[0] == costs[1]


def test_the_matches_api_costs_the_same_with_2_or_12_matches(app, sme, two_needs):
    api = ApiClient(english(app.test_client()), token_for(sme))
    few, many = (_count(api.get, f"/api/v1/needs/{need.id}/matches") for need in two_needs)
    assert many == few


def test_a_plugin_page_view_is_counted_later_not_written_by_the_get(client, vendor):
    listing = factories.listing(vendor, slug="quiet-reader")
    client.get("/solutions/quiet-reader")
    with statements(db.engine) as seen:
        assert client.get("/solutions/quiet-reader").status_code == 200
        assert client.get("/solutions/quiet-reader").status_code == 200
    assert not [s for s in seen if s.lstrip().upper().startswith(WRITES)]
    assert view_counts.flush() == 3
    db.session.refresh(listing)
    assert listing.views == 3
    assert view_counts.flush() == 0  # written once


def test_views_a_failed_write_could_not_store_are_kept_for_the_next(client, vendor):
    listing = factories.listing(vendor, slug="kept-views")
    client.get("/solutions/kept-views")
    buffer = view_counts.buffer()
    sa.event.listen(db.engine, "before_cursor_execute", _refuse_updates)
    try:
        assert buffer.flush() == 0  # the database is away
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", _refuse_updates)
    assert buffer.pending() == {listing.id: 1}
    assert buffer.flush() == 1


def _refuse_updates(conn, cursor, statement, *args) -> None:
    if statement.lstrip().upper().startswith("UPDATE"):
        raise sa.exc.OperationalError(statement, {}, Exception("database went away"))
