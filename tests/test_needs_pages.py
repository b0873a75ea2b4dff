"""The SME's pages: post, edit, draft and cancel needs; capability help; explained matches;
requests for quotes; the side-by-side comparison; awarding."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.models import (
    AuditEvent,
    Need,
    NeedStatus,
    Notification,
    QuoteStatus,
    Rfq,
    RfqStatus,
)
from app.services import quotes
from tests import factories
from tests.conftest import csrf_token, submit
from tests.deal_builders import make_deal, quote_terms

CHINESE_NEED = {
    "title": "打样单太小，染缸起订量太大",
    "description": "客户打样只要1公斤布，可我们的染缸最少要2吨一缸，排产全靠老师傅记在本子上。",
    "lang": "",
    "industry": "C17",
    "region": "CN-JX",
    "company_size": "small",
    "employees": "160",
    "budget_max": "100000",
    "timeline_weeks": "12",
    "maturity_level": "1",
    "submit": "1",
}


def test_the_list_helps_a_newcomer_on(sme_client):
    page = sme_client.get("/needs/").get_data(as_text=True)
    assert "You have not posted a need yet" in page and 'href="/needs/new"' in page


def test_the_form_starts_from_the_organisation_profile(sme_client):
    page = sme_client.get("/needs/new").get_data(as_text=True)
    assert '<option selected value="C17">' in page or 'value="C17" selected' in page


def test_posting_a_chinese_need_matches_it_at_once(sme_client, sme, db):
    vendor = factories.vendor_user()
    listing = factories.listing(vendor)
    response = submit(sme_client, "/needs/new", CHINESE_NEED)
    assert response.status_code == 302
    need = db.session.scalar(sa.select(Need))
    assert (need.status, need.lang, need.budget_max) == (NeedStatus.OPEN, "zh", 100000)
    assert need.author_id == sme.id and need.organisation_id == sme.organisation_id
    assert [m.listing_id for m in need.matches] == [listing.id]
    assert (
        db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.subject_type == "Need"))
        == "need.posted"
    )
    page = sme_client.get(response.headers["Location"]).get_data(as_text=True)
    assert listing.name in page and need.matches[0].explanation in page
    assert "no reviews yet" in page and 'name="listing_ids"' in page


def test_an_english_need_is_detected_as_english(sme_client, db):
    data = {**CHINESE_NEED, "title": "Stock control", "description": "We lose track of stock."}
    submit(sme_client, "/needs/new", data)
    assert db.session.scalar(sa.select(Need.lang)) == "en"


def test_a_draft_is_kept_unmatched_until_posted(sme_client, db):
    factories.listing(factories.vendor_user())
    data = {**CHINESE_NEED, "draft": "1"}
    data.pop("submit")
    response = submit(sme_client, "/needs/new", data)
    need = db.session.scalar(sa.select(Need))
    assert need.status == NeedStatus.DRAFT and need.matches == []
    assert "Post it to see the plug-ins" in sme_client.get(response.headers["Location"]).text
    submit(sme_client, f"/needs/{need.id}/post", {}, form_url=f"/needs/{need.id}")
    db.session.refresh(need)
    assert need.status == NeedStatus.OPEN and len(need.matches) == 1
    response = submit(sme_client, f"/needs/{need.id}/post", {}, form_url=f"/needs/{need.id}")
    assert response.status_code == 409 and "Only a draft can be posted" in response.text


def test_missing_and_bad_fields_are_shown_next_to_the_field(sme_client, db):
    data = {**CHINESE_NEED, "title": "", "budget_max": "-5", "region": "CN-XX"}
    response = submit(sme_client, "/needs/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "This field is required." in page and "Not a valid choice." in page
    assert "A first-year budget starts at 500 CNY" in page
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) == 0


def test_suggestions_are_proposed_with_their_words_not_ticked(sme_client, db):
    data = {**CHINESE_NEED, "suggest": "1"}
    data.pop("submit")
    response = submit(sme_client, "/needs/new", data)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.findall(r"<input checked [^>]*name=\"capabilities\"", page) == []
    proposal = re.search(
        r'<li class="sz-suggestion" data-code="production.planning">(.*?)</li>', page, re.S
    )
    assert proposal is not None
    box = re.search(
        r'id="([^"]+)"[^>]*value="production.planning"|value="production.planning"[^>]*id="([^"]+)"',
        page,
    )
    assert f'for="{box.group(1) or box.group(2)}"' in proposal.group(1)  # a click ticks it
    assert "<q>排产</q>" in proposal.group(1)  # the words that suggested it
    assert "nothing is chosen for you" in page
    assert db.session.scalar(sa.select(sa.func.count(Need.id))) == 0  # nothing saved


def test_the_suggestion_endpoint_answers_json(sme_client):
    token = csrf_token(sme_client, "/needs/new")
    response = sme_client.post(
        "/needs/suggest",
        json={"text": "We need to track stock in our warehouse"},
        headers={"X-CSRFToken": token},
    )
    assert response.status_code == 200
    codes = [s["code"] for s in response.json["suggestions"]]
    assert codes[0] == "supply.warehouse"
    assert response.json["suggestions"][0]["label"].startswith("Warehouse")
    assert response.json["suggestions"][0]["words"] == ["stock", "warehouse"]


def test_editing_refreshes_the_matches_and_audits(sme_client, sme, db):
    need = factories.need(sme)
    listing = factories.listing(factories.vendor_user(), capabilities=["supply.warehouse"])
    data = {
        **CHINESE_NEED,
        "title": "仓库库存管理",
        "description": "仓库库存对不上，需要扫码出入库的仓储管理系统。",
        "capabilities": "supply.warehouse",
    }
    response = submit(sme_client, f"/needs/{need.id}/edit", data)
    assert response.status_code == 302
    db.session.refresh(need)
    assert need.capabilities == ["supply.warehouse"] and need.title == "仓库库存管理"
    assert listing.id in [m.listing_id for m in need.matches]
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "need.edited"))
    assert "capabilities" in event.data["changed"]


def test_an_awarded_need_cannot_be_edited_or_cancelled(app, db):
    deal = make_deal(vendors=1, award=True)
    client = app.test_client(user=deal.sme)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    response = submit(client, f"/needs/{deal.need.id}/edit", CHINESE_NEED, form_url="/")
    assert response.status_code == 409 and "can no longer be edited" in response.text
    response = submit(client, f"/needs/{deal.need.id}/cancel", {"reason": "x"}, form_url="/")
    assert (
        response.status_code == 409
        and "A quote was accepted before your cancellation arrived" in response.text
    )


def test_cancelling_ends_requests_and_tells_the_vendors(app, db):
    deal = make_deal(vendors=2, quoted=1)
    client = app.test_client(user=deal.sme)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = f"/needs/{deal.need.id}/cancel"
    assert "This field is required." in submit(client, url, {"reason": ""}).text
    assert submit(client, url, {"reason": "预算冻结"}).status_code == 302
    db.session.refresh(deal.need)
    assert deal.need.status == NeedStatus.CANCELLED and deal.need.cancel_reason == "预算冻结"
    statuses = [db.session.get(Rfq, r.id).status for r in deal.rfqs]
    assert statuses == [RfqStatus.LOST, RfqStatus.EXPIRED]
    assert deal.quotes[0].status == QuoteStatus.REJECTED
    for vendor in deal.vendors:
        assert (
            db.session.scalar(
                sa.select(Notification.kind)
                .where(Notification.user_id == vendor.id)
                .order_by(Notification.id.desc())
            )
            == "need.cancelled"
        )


def test_requesting_quotes_from_the_need_page(sme_client, sme, db):
    vendors = [factories.vendor_user() for _ in range(3)]
    listings = [factories.listing(v) for v in vendors]
    submit(sme_client, "/needs/new", CHINESE_NEED)
    need = db.session.scalar(sa.select(Need))
    response = submit(
        sme_client,
        f"/needs/{need.id}/rfqs",
        {"listing_ids": [str(item.id) for item in listings], "message": "请报价，谢谢"},
        form_url=f"/needs/{need.id}",
    )
    assert response.status_code == 302
    rfqs = db.session.scalars(sa.select(Rfq).order_by(Rfq.id)).all()
    assert [r.listing_id for r in rfqs] == [item.id for item in listings]
    assert all(r.message == "请报价，谢谢" for r in rfqs)
    page = sme_client.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "quote requested" in page and "You may ask 2 more vendors" in page


def test_one_request_for_quotes_reads_in_the_singular(sme_client, sme, db):
    listing = factories.listing(factories.vendor_user())
    need = factories.need(sme)
    response = submit(
        sme_client,
        f"/needs/{need.id}/rfqs",
        {"listing_ids": [str(listing.id)], "message": "Please quote."},
        form_url=f"/needs/{need.id}",
        follow_redirects=True,
    )
    assert "Sent 1 request for quotes. We will tell you when the quote arrives." in response.text
    assert "1 requests" not in response.text


def test_request_problems_come_back_as_messages(sme_client, sme, db):
    listing = factories.listing(factories.vendor_user())
    need = factories.need(sme)
    url = f"/needs/{need.id}/rfqs"
    page = f"/needs/{need.id}"
    data = {"listing_ids": [str(listing.id)], "message": ""}
    response = submit(sme_client, url, data, form_url=page)
    assert response.status_code == 422 and "This field is required." in response.text
    data["message"] = "hi"
    submit(sme_client, url, data, form_url=page)
    response = submit(sme_client, url, data, form_url=page)
    assert response.status_code == 422 and "already asked" in response.text


def test_the_comparison_shows_quotes_side_by_side(app, db):
    deal = make_deal(vendors=3, quoted=2)
    quotes.revise_quote(
        deal.vendors[1], deal.quotes[1], {**_terms(), "licence": 5000, "delivery_weeks": 3}
    )
    db.session.commit()
    client = app.test_client(user=deal.sme)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    page = client.get(f"/needs/{deal.need.id}/quotes").get_data(as_text=True)
    assert page.count("data-quote=") == 2
    assert "¥50,000" in page and "¥35,000" in page  # first-year totals
    assert "lowest" in page and "fastest" in page and "revised" in page
    assert "Accept this quote" in page
    assert "no reviews yet" in page
    assert deal.vendors[2].organisation.name in page  # the request still waiting


def test_the_comparison_without_quotes_says_what_happens_next(sme_client, sme):
    need = factories.need(sme)
    page = sme_client.get(f"/needs/{need.id}/quotes").get_data(as_text=True)
    assert "No quotes yet." in page


def test_awarding_from_the_comparison(app, db):
    deal = make_deal(vendors=2)
    client = app.test_client(user=deal.sme)
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    url = f"/needs/{deal.need.id}/quotes"
    response = submit(client, f"/needs/quotes/{deal.quotes[1].id}/award", {}, form_url=url)
    assert response.status_code == 302
    db.session.refresh(deal.need)
    assert deal.need.status == NeedStatus.AWARDED
    assert [q.status for q in deal.quotes] == [QuoteStatus.REJECTED, QuoteStatus.ACCEPTED]
    page = client.get(f"/needs/{deal.need.id}").get_data(as_text=True)
    assert "Mark the work completed" in page
    again = submit(client, f"/needs/quotes/{deal.quotes[0].id}/award", {}, form_url=url)
    assert (
        again.status_code == 409
        and "Another quote was accepted for this need before yours arrived" in again.text
    )


def test_someone_elses_need_is_not_found(sme_client):
    other = factories.need(factories.sme_user())
    for url in (f"/needs/{other.id}", f"/needs/{other.id}/quotes", "/needs/999999"):
        response = sme_client.get(url)
        assert response.status_code == 404 and "No such need." in response.text


def _terms():

    return quote_terms()
