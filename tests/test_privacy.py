"""PIPL: a signed-in user downloads their data and deletes their account, cleanly."""

from __future__ import annotations

import json

import sqlalchemy as sa

from app.models import (
    AuditEvent,
    ListingStatus,
    NeedStatus,
    QuoteStatus,
    Review,
    RfqStatus,
    Role,
    User,
)
from tests import factories
from tests.conftest import english, submit
from tests.deal_builders import make_deal

DELETE = "/auth/privacy/delete"


def _delete(client, password=factories.PASSWORD, confirm=True):
    data = {"password": password, **({"confirm": "y"} if confirm else {})}
    return submit(client, DELETE, data, form_url="/auth/privacy")


def test_a_user_downloads_everything_stored_about_them(app, db, sme, sme_client):
    factories.need(sme, title="打样单太小")
    response = sme_client.get("/auth/privacy/export")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == sme.email
    assert data["organisation"]["name"] == sme.organisation.name
    assert len(data["sessions"]) == 1
    assert [n["title"] for n in data["needs_written"]] == ["打样单太小"]
    assert {"api_tokens", "notifications", "reviews_written", "activity"} <= set(data)


def test_the_export_is_only_for_the_signed_in_user(client):
    assert client.get("/auth/privacy/export").status_code == 302


def test_deleting_asks_for_the_password_and_a_confirmation(sme_client, sme, db):
    wrong = _delete(sme_client, password="not my password")
    assert wrong.status_code == 422 and "This is not your password." in wrong.text
    unticked = _delete(sme_client, confirm=False)
    assert unticked.status_code == 422
    assert "Tick the box to confirm" in unticked.text
    assert db.session.get(User, sme.id) is not None


def test_an_sme_leaves_cleanly_reviews_stay_anonymised_and_the_admins_see_it(app, db):
    done = make_deal(vendors=1, award=True, complete=True, review=True)
    review_id = done.review.id
    sme = done.sme
    sme_id, email = sme.id, sme.email
    open_need = factories.need(sme)
    owner = english(app.test_client(user=sme))
    copied = owner.get_cookie("session").value
    response = _delete(owner)
    assert response.status_code == 302
    assert db.session.get(User, sme_id) is None
    db.session.refresh(open_need)
    assert open_need.status == NeedStatus.CANCELLED
    review = db.session.get(Review, review_id)
    assert review is not None and review.author_id is None and not review.show_reviewer_name
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "account.deleted"))
    assert event.subject_id == sme_id and event.data["needs_cancelled"] == 1
    stale = english(app.test_client())
    stale.set_cookie("session", copied)
    assert stale.get("/needs/").status_code == 302
    login = submit(stale, "/auth/login", {"email": email, "password": factories.PASSWORD})
    assert login.status_code == 422


def test_a_vendor_leaves_cleanly_through_the_services(app, db):
    deal = make_deal(vendors=2, quoted=1)
    quoted_id = deal.vendors[0].id
    for vendor in deal.vendors:
        assert _delete(english(app.test_client(user=vendor))).status_code == 302
    for item in (*deal.quotes, *deal.rfqs, *deal.listings):
        db.session.refresh(item)
    assert deal.quotes[0].status == QuoteStatus.WITHDRAWN
    assert deal.rfqs[1].status == RfqStatus.DECLINED
    assert {item.status for item in deal.listings} == {ListingStatus.RETIRED}
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(User.id == quoted_id)) == 0


def test_no_one_leaves_in_the_middle_of_an_engagement(app, db):
    deal = make_deal(vendors=1, award=True)
    response = _delete(english(app.test_client(user=deal.sme)))
    assert response.status_code == 409 and "engagement is still under way" in response.text
    assert db.session.get(User, deal.sme.id) is not None


def test_a_colleague_keeps_the_organisations_deals(app, db, sme):

    need = factories.need(sme)
    colleague = User(email="colleague@example.com", name="Wang", role=Role.SME)
    colleague.set_password(factories.PASSWORD)
    colleague.organisation_id = sme.organisation_id
    db.session.add(colleague)
    db.session.commit()
    assert _delete(english(app.test_client(user=sme))).status_code == 302
    db.session.refresh(need)
    assert need.status == NeedStatus.OPEN
