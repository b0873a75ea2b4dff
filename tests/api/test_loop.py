"""The whole marketplace loop through the API, as three parties and an admin."""

from __future__ import annotations

from tests import factories
from tests.api import helpers
from tests.api.conftest import ApiClient, assert_problem
from tests.mailbox import confirm_address


def login(anon: ApiClient, email: str, password: str = helpers.PASSWORD) -> ApiClient:
    response = anon.post("/auth/token", json={"email": email, "password": password})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["token"].startswith("szt_") and body["expires_at"].endswith("Z")
    return ApiClient(anon.client.application.test_client(), body["token"])


def test_the_whole_loop(anon, db):
    # Register an SME, two vendors (one only flags) and have an admin.
    sme_data, vendor_data = helpers.account("sme"), helpers.account("vendor")
    created = anon.post("/accounts", json=sme_data)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["organisation"]["kind"] == "sme"
    created = anon.post("/accounts", json=vendor_data)
    assert created.status_code == 201, created.get_json()
    vendor_org = created.get_json()["organisation"]
    assert vendor_org["verification"] == "pending"
    other_data = helpers.account("vendor")
    assert anon.post("/accounts", json=other_data).status_code == 201
    admin_user = factories.admin_user()

    # Both confirm their addresses from the mails they got (needed to ask for and send quotes).
    assert created.get_json()["email_verified"] is False
    for data in (sme_data, vendor_data):
        confirm_address(anon.client, data["email"])

    sme = login(anon, sme_data["email"])
    vendor = login(anon, vendor_data["email"])
    other = login(anon, other_data["email"])
    admin = login(anon, admin_user.email, factories.PASSWORD)

    # The vendor lists a plug-in; the admin verifies the vendor and approves it.
    submitted = vendor.post("/plugins", json=helpers.plugin())
    assert submitted.status_code == 201, submitted.get_json()
    slug = submitted.get_json()["slug"]
    assert submitted.get_json()["status"] == "pending_review"
    assert_problem(anon.get(f"/plugins/{slug}"), 404)
    assert vendor.get(f"/plugins/{slug}").status_code == 200  # its own, in review

    verified = admin.post(f"/admin/vendors/{vendor_org['id']}/verify")
    assert verified.get_json()["verification"] == "verified"
    approved = admin.post(f"/admin/plugins/{slug}/approve")
    assert approved.status_code == 200 and approved.get_json()["status"] == "published"

    shown = anon.get(f"/plugins/{slug}")
    assert shown.status_code == 200 and shown.get_json()["rating"] is None
    found = anon.get(
        "/plugins", query_string={"q": "染缸排产", "capability": "production.planning"}
    )
    assert slug in [item["slug"] for item in found.get_json()["items"]]

    # The SME posts a need and sees the plug-in matched, with an explanation.
    posted = sme.post("/needs", json=helpers.need())
    assert posted.status_code == 201, posted.get_json()
    need_id = posted.get_json()["id"]
    matches = sme.get(f"/needs/{need_id}/matches").get_json()
    match = next(m for m in matches["items"] if m["plugin"]["slug"] == slug)
    assert match["rank"] >= 1 and match["explanation"] and match["components"]

    # The admin pins the match; the SME asks the vendor for a quote.
    pinned = admin.post(f"/admin/matches/{match['id']}/pin", json={"reason": "good fit"})
    assert pinned.get_json()["status"] == "pinned"
    sent = sme.post(f"/needs/{need_id}/rfqs", json={"plugin": slug, "message": "请报价"})
    assert sent.status_code == 201, sent.get_json()
    rfq_id = sent.get_json()["id"]

    # The vendor sees it in its inbox and quotes.
    inbox = vendor.get("/rfqs").get_json()
    assert [r["id"] for r in inbox["items"]] == [rfq_id]
    assert other.get("/rfqs").get_json()["total"] == 0
    quoted = vendor.post(f"/rfqs/{rfq_id}/quotes", json=helpers.quote())
    assert quoted.status_code == 201, quoted.get_json()
    quote = quoted.get_json()
    assert quote["first_year_total"] == 50000

    # The SME compares and accepts: an engagement starts; it completes and reviews.
    quotes = sme.get(f"/needs/{need_id}/quotes").get_json()
    assert [q["id"] for q in quotes["items"]] == [quote["id"]]
    accepted = sme.post(f"/quotes/{quote['id']}/accept")
    assert accepted.status_code == 200, accepted.get_json()
    engagement = accepted.get_json()["engagement"]
    assert engagement["status"] == "active" and engagement["plugin"] == slug
    assert sme.get(f"/needs/{need_id}").get_json()["status"] == "awarded"
    assert_problem(sme.post(f"/quotes/{quote['id']}/accept"), 409)

    done = sme.post(f"/engagements/{engagement['id']}/complete")
    assert done.get_json()["status"] == "completed"
    assert sme.get(f"/needs/{need_id}").get_json()["status"] == "closed"
    reviewed = sme.post(f"/engagements/{engagement['id']}/review", json=helpers.review())
    assert reviewed.status_code == 201, reviewed.get_json()
    review_id = reviewed.get_json()["id"]
    assert anon.get(f"/plugins/{slug}").get_json()["rating"]["count"] == 1

    # The vendor replies once; another vendor flags; the admin keeps the review.
    replied = vendor.post(f"/reviews/{review_id}/reply", json={"text": "感谢反馈！"})
    assert replied.get_json()["vendor_reply"] == "感谢反馈！"
    assert_problem(vendor.post(f"/reviews/{review_id}/reply", json={"text": "again"}), 409)
    flagged = other.post(f"/reviews/{review_id}/flag", json={"reason": "looks fake"})
    assert flagged.status_code == 201, flagged.get_json()
    kept = admin.post(f"/admin/reviews/{review_id}/keep", json={"reason": "verified deal"})
    assert kept.get_json()["status"] == "published"

    # Everything is in the audit log.
    audit = admin.get("/admin/audit", query_string={"subject": f"Review:{review_id}"}).get_json()
    actions = {event["action"] for event in audit["items"]}
    assert {"review.published", "review.replied", "review.flagged", "review.kept"} <= actions
    assert admin.get("/admin/audit", query_string={"action": "need.awarded"}).get_json()["total"]


def test_decline_withdraw_cancel_and_moderation(anon, db, api_for, sme, vendor, admin):
    sme_api, vendor_api, admin_api = api_for(sme), api_for(vendor), api_for(admin)
    listing = factories.listing(vendor)
    need = sme_api.post("/needs", json=helpers.need()).get_json()
    rfq = sme_api.post(
        f"/needs/{need['id']}/rfqs", json={"plugin": listing.slug, "message": "请报价"}
    ).get_json()
    quote = vendor_api.post(f"/rfqs/{rfq['id']}/quotes", json=helpers.quote()).get_json()
    withdrawn = vendor_api.post(f"/quotes/{quote['id']}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.get_json()["status"] == "withdrawn"
    assert vendor_api.get(f"/rfqs/{rfq['id']}").get_json()["status"] == "sent"
    declined = vendor_api.post(f"/rfqs/{rfq['id']}/decline", json={"reason": "fully booked"})
    assert declined.get_json()["status"] == "declined"
    assert sme_api.get(f"/rfqs/{rfq['id']}").get_json()["decline_reason"] == "fully booked"

    matches = admin_api.get(f"/needs/{need['id']}/matches").get_json()["items"]
    hidden = admin_api.post(f"/admin/matches/{matches[0]['id']}/hide", json={"reason": "spam"})
    assert hidden.get_json()["status"] == "hidden"
    visible = sme_api.get(f"/needs/{need['id']}/matches").get_json()["items"]
    assert matches[0]["id"] not in [m["id"] for m in visible]

    patched = sme_api.patch(f"/needs/{need['id']}", json={"budget_max": 150000})
    assert patched.status_code == 200 and patched.get_json()["budget_max"] == 150000
    assert patched.get_json()["title"] == need["title"]
    cancelled = sme_api.post(f"/needs/{need['id']}/cancel", json={"reason": "plans changed"})
    assert cancelled.get_json()["status"] == "cancelled"
    assert_problem(sme_api.patch(f"/needs/{need['id']}", json={"title": "again"}), 409)

    vendor.organisation.uscc = helpers.uscc()
    db.session.commit()
    assert vendor_api.post("/plugins", json=helpers.plugin(id="to-reject")).status_code == 201
    assert_problem(admin_api.post("/admin/plugins/to-reject/reject", json={}), 422, "reason")
    rejected = admin_api.post("/admin/plugins/to-reject/reject", json={"reason": "too vague"})
    assert rejected.get_json()["status"] == "rejected"
    suspended = admin_api.post(
        f"/admin/vendors/{vendor.organisation_id}/suspend", json={"reason": "fraud"}
    )
    assert suspended.get_json()["verification"] == "suspended"
    assert_problem(anon.get(f"/plugins/{listing.slug}"), 404)
