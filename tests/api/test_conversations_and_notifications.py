"""Conversations and notifications through the JSON API."""

from __future__ import annotations

import pytest

from tests import factories
from tests.api.conftest import ApiClient, assert_problem
from tests.deal_builders import make_deal


@pytest.fixture
def deal(db):
    """An SME, a vendor and the request for quote between them, not answered yet."""
    made = make_deal(vendors=1, quoted=0)
    return made.sme, made.vendors[0], made.rfqs[0]


def test_messages_in_the_api(app, db, deal, api_for):
    sme, vendor, rfq = deal
    sme_api, vendor_api = api_for(sme), api_for(vendor)
    posted = sme_api.post(f"/rfqs/{rfq.id}/messages", json={"body": "When can you start?"})
    assert posted.status_code == 201, posted.get_json()
    assert posted.get_json()["side"] == "sme"
    listed = vendor_api.get(f"/rfqs/{rfq.id}/messages").get_json()
    assert [m["body"] for m in listed["items"]] == ["When can you start?"]
    other = api_for(factories.vendor_user())
    assert other.get(f"/rfqs/{rfq.id}/messages").status_code == 404
    assert vendor_api.post(f"/rfqs/{rfq.id}/messages", json={"body": ""}).status_code == 422
    reported = vendor_api.post(f"/rfqs/{rfq.id}/report", json={"reason": "spam"})
    assert reported.status_code == 201
    admin_api = api_for(factories.admin_user())
    assert admin_api.get(f"/rfqs/{rfq.id}/messages").status_code == 200


def test_notifications_list_count_and_mark_read(db, deal, api_for):
    sme, vendor, rfq = deal
    vendor_api = api_for(vendor)
    assert vendor_api.get("/notifications/unread-count").get_json() == {"unread": 1}
    listed = vendor_api.get("/notifications").get_json()
    [item] = listed["items"]
    assert item["kind"] == "rfq.received" and item["read_at"] is None
    assert "New request for quote" in item["text"] and item["link"] == f"/vendor/rfqs/{rfq.id}"
    read = vendor_api.post(f"/notifications/{item['id']}/read")
    assert read.status_code == 200 and read.get_json()["read_at"].endswith("Z")
    assert (
        vendor_api.get("/notifications", query_string={"unread": "true"}).get_json()["total"] == 0
    )
    assert vendor_api.get("/notifications/unread-count").get_json() == {"unread": 0}
    # Someone else's notification is not found; reading all marks the rest.
    assert_problem(api_for(sme).post(f"/notifications/{item['id']}/read"), 404)
    api_for(sme).post(f"/rfqs/{rfq.id}/messages", json={"body": "hello"})
    assert vendor_api.post("/notifications/read-all").get_json() == {"marked": 1}
    assert_problem(factories_anon(vendor_api).get("/notifications"), 401)


def factories_anon(api):

    return ApiClient(api.client)
