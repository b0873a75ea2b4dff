"""A pooled request through the JSON API: three SMEs join, a vendor quotes with volume
tiers, two members accept (one itself, one through the organiser)."""

from __future__ import annotations

from tests import factories
from tests.api.conftest import assert_problem
from tests.deal_builders import quote_terms


def test_three_join_a_vendor_sets_tiers_and_two_accept(api_for, db):
    smes = [factories.sme_user() for _ in range(3)]
    organiser, second, third = (api_for(u) for u in smes)
    created = organiser.post(
        "/pools",
        json={
            "title": "章贡区染厂：小批量染色排产",
            "description": "几家染厂一起找排产系统。",
            "budget_max": 80000,
            "capabilities": ["production.planning"],
            "sites": 2,
        },
    )
    assert created.status_code == 201, created.get_json()
    pool = created.get_json()
    assert pool["status"] == "joining" and pool["members"][0]["sites"] == 2
    joinable = second.get("/pools?scope=joinable").get_json()["items"]
    assert [p["id"] for p in joinable] == [pool["id"]]
    assert second.post(f"/pools/{pool['id']}/join", json={"sites": 1}).status_code == 200
    assert (
        third.post(f"/pools/{pool['id']}/join", json={"company_size": "medium"}).status_code == 200
    )
    seen = second.get(f"/pools/{pool['id']}").get_json()
    assert [m["organisation"] is None for m in seen["members"]] == [True, False, True]

    vendor = factories.vendor_user()
    listing = factories.listing(vendor)
    rfq = organiser.post(
        f"/needs/{pool['need']['id']}/rfqs", json={"plugin": listing.slug, "message": "三家一起"}
    ).get_json()
    vendor_api = api_for(vendor)
    terms = {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in quote_terms().items()}
    quote = vendor_api.post(f"/rfqs/{rfq['id']}/quotes", json=terms).get_json()
    tiers = vendor_api.request(
        "PUT",
        f"/quotes/{quote['id']}/tiers",
        json={"tiers": [{"min_members": 3, "price": 40000}, {"min_members": 2, "price": 45000}]},
    )
    assert tiers.status_code == 200, tiers.get_json()
    assert [t["min_members"] for t in tiers.get_json()["tiers"]] == [2, 3]
    bad = vendor_api.request(
        "PUT", f"/quotes/{quote['id']}/tiers", json={"tiers": [{"min_members": 1, "price": 1}]}
    )
    assert_problem(bad, 422, "tiers.0.min_members")

    assert_problem(second.post(f"/pools/{pool['id']}/quotes/{quote['id']}/accept"), 409)
    assert organiser.post(f"/pools/{pool['id']}/close-joining").get_json()["status"] == "open"
    prices = second.get(f"/pools/{pool['id']}/quotes").get_json()["items"]
    assert prices[0]["members"] == 3 and prices[0]["price_per_member"] == 40000
    accepted = second.post(f"/pools/{pool['id']}/quotes/{quote['id']}/accept")
    assert accepted.status_code == 200, accepted.get_json()
    assert third.post(f"/pools/{pool['id']}/quotes/{quote['id']}/agree").status_code == 200
    awarded = organiser.post(f"/pools/{pool['id']}/quotes/{quote['id']}/award-agreed")
    assert awarded.status_code == 200, awarded.get_json()
    (engagement,) = awarded.get_json()["engagements"]
    assert engagement["sme_id"] == smes[2].organisation_id
    final = organiser.get(f"/pools/{pool['id']}").get_json()
    assert final["status"] == "awarded"
    assert [m["status"] for m in final["members"]] == ["joined", "awarded", "awarded"]
    assert [m["price"] for m in final["members"]] == [None, 40000, 40000]
    # The pool's quote is never awarded as a whole: members accept it one by one.
    assert_problem(organiser.post(f"/quotes/{quote['id']}/accept"), 409)
    assert_problem(api_for(factories.sme_user(region="CN-ZJ")).get(f"/pools/{pool['id']}"), 404)
