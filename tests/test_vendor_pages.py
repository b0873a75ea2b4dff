"""The vendor's pages: inbox, quoting (submit, revise, withdraw), declining, review replies and
the dashboard; never anyone else's requests or a competitor's amounts."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import QuoteRevision, QuoteStatus, RfqStatus
from app.services import quotes
from tests import factories
from tests.conftest import english, submit
from tests.deal_builders import (
    make_deal,
    quote_form,
    quote_terms,
)


def client_for(app, user):
    return english(app.test_client(user=user))


def test_the_inbox_lists_only_requests_to_the_vendors_own_plug_ins(app, db):
    deal = make_deal(vendors=2, quoted=0)
    first, second = (client_for(app, v) for v in deal.vendors)
    page = first.get("/vendor/rfqs").get_data(as_text=True)
    assert f'data-rfq="{deal.rfqs[0].id}"' in page
    assert f'data-rfq="{deal.rfqs[1].id}"' not in page
    assert deal.need.title in page and "¥100,000" in page  # the budget helps to qualify
    assert second.get(f"/vendor/rfqs/{deal.rfqs[0].id}").status_code == 404
    assert first.get("/vendor/").headers["Location"].endswith("/vendor/rfqs")


def test_an_empty_inbox_explains_where_requests_come_from(vendor_client):
    page = vendor_client.get("/vendor/rfqs").get_data(as_text=True)
    assert "No request waits for your answer." in page


def test_quoting_through_the_page(app, db):
    deal = make_deal(vendors=1, quoted=0)
    client = client_for(app, deal.vendors[0])
    url = f"/vendor/rfqs/{deal.rfqs[0].id}"
    page = client.get(url).get_data(as_text=True)
    assert "请按附件需求报价。" in page and "Send a quote" in page
    response = submit(client, f"{url}/quote", quote_form(), form_url=url)
    assert response.status_code == 302
    quote = quotes.live_quote(deal.rfqs[0])
    assert quote.first_year_total == 50000 and deal.rfqs[0].status == RfqStatus.QUOTED
    page = client.get(url).get_data(as_text=True)
    assert "¥50,000" in page and "Revise your quote" in page


def test_bad_quote_terms_are_shown_on_the_form(app, db):
    deal = make_deal(vendors=1, quoted=0)
    client = client_for(app, deal.vendors[0])
    url = f"/vendor/rfqs/{deal.rfqs[0].id}"
    data = quote_form(licence="-3", scope="", valid_until="2001-01-01")
    response = submit(client, f"{url}/quote", data, form_url=url)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Enter a whole number from 0 to 1000000000." in page
    assert "This field is required." in page
    data = quote_form(valid_until="2001-01-01")
    page = submit(client, f"{url}/quote", data, form_url=url).get_data(as_text=True)
    assert "The date must not be in the past." in page
    assert quotes.live_quote(deal.rfqs[0]) is None


def test_revising_through_the_page_keeps_the_history(app, db):
    deal = make_deal(vendors=1)
    client = client_for(app, deal.vendors[0])
    url = f"/vendor/rfqs/{deal.rfqs[0].id}"
    response = submit(client, f"{url}/quote", quote_form(licence=9000), form_url=url)
    assert response.status_code == 302
    db.session.refresh(deal.quotes[0])
    assert (deal.quotes[0].revision, deal.quotes[0].licence) == (2, 9000)
    assert db.session.scalar(sa.select(QuoteRevision.licence)) == 20000
    page = client.get(url).get_data(as_text=True)
    assert "Revision history" in page and "¥50,000" in page and "¥39,000" in page


def test_withdrawing_and_declining_through_the_pages(app, db):
    deal = make_deal(vendors=1)
    client = client_for(app, deal.vendors[0])
    url = f"/vendor/rfqs/{deal.rfqs[0].id}"
    quote = deal.quotes[0]
    response = submit(client, f"/vendor/quotes/{quote.id}/withdraw", {"reason": ""}, form_url=url)
    assert response.status_code == 302
    db.session.refresh(quote)
    assert quote.status == QuoteStatus.WITHDRAWN
    response = submit(client, f"{url}/decline", {"reason": ""}, form_url=url)
    assert response.status_code == 422 and "This field is required." in response.text
    response = submit(client, f"{url}/decline", {"reason": "产能已满"}, form_url=url)
    assert response.status_code == 302
    db.session.refresh(deal.rfqs[0])
    assert deal.rfqs[0].status == RfqStatus.DECLINED
    again = submit(client, f"{url}/decline", {"reason": "x"}, form_url=url)
    assert again.status_code == 409 and "You already declined this request" in again.text
    assert "You declined: 产能已满" in client.get(url).text


def test_competitors_never_see_each_others_amounts(app, db):
    deal = make_deal(vendors=2, quoted=0)
    quotes.submit_quote(deal.vendors[0], deal.rfqs[0], quote_terms(licence=77777))
    quotes.submit_quote(deal.vendors[1], deal.rfqs[1], quote_terms(licence=11111))
    db.session.commit()
    first = client_for(app, deal.vendors[0])
    own = first.get(f"/vendor/rfqs/{deal.rfqs[0].id}").get_data(as_text=True)
    assert "¥77,777" in own and "¥11,111" not in own
    assert first.get(f"/vendor/rfqs/{deal.rfqs[1].id}").status_code == 404
    assert first.get(f"/needs/{deal.need.id}/quotes").status_code == 403
    sme_page = client_for(app, deal.sme).get(f"/needs/{deal.need.id}/quotes").text
    assert "¥107,777" in sme_page and "¥41,111" in sme_page  # the SME sees both totals
    outsider = client_for(app, factories.sme_user())
    assert outsider.get(f"/needs/{deal.need.id}/quotes").status_code == 404


def test_replying_to_a_review_once(app, db):
    deal = make_deal(vendors=1, award=True, complete=True, review=True)
    client = client_for(app, deal.vendors[0])
    page = client.get("/vendor/reviews").get_data(as_text=True)
    assert "很好" in page and "Publish the reply" in page
    url = f"/vendor/reviews/{deal.review.id}/reply"
    assert (
        submit(client, url, {"text": "感谢您的信任"}, form_url="/vendor/reviews").status_code == 302
    )
    page = client.get("/vendor/reviews").get_data(as_text=True)
    assert "感谢您的信任" in page and "Publish the reply" not in page
    again = submit(client, url, {"text": "再次"}, form_url="/vendor/reviews")
    assert again.status_code == 409 and "already replied" in again.text


def test_the_dashboard_shows_win_rates(app, db):
    deal = make_deal(vendors=2, award=True)
    deal.listings[0].views = 12
    db.session.commit()
    page = client_for(app, deal.vendors[0]).get("/vendor/dashboard").get_data(as_text=True)
    assert 'data-stat="views">12<' in page and 'data-stat="awards">1<' in page
    assert 'data-stat="win_rate">100 %<' in page
    page = client_for(app, deal.vendors[1]).get("/vendor/dashboard").get_data(as_text=True)
    assert 'data-stat="win_rate">0 %<' in page
    empty = client_for(app, factories.vendor_user()).get("/vendor/dashboard").text
    assert "You have no plug-in yet." in empty and 'data-stat="win_rate">—<' in empty
