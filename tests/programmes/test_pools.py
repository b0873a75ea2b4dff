"""Pooled requests: three SMEs of one industry and province join a pool, a vendor quotes a
per-member price with volume tiers, two members accept (one for itself, one through the
organiser), each with its own engagement and review; the group is matched as one need."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.extensions import db as _db
from app.models import Engagement, MemberStatus, Need, NeedStatus, Pool, PoolStatus, Review
from app.services import engagements, pool_awards, pools, quotes, reviews, rfqs
from tests import factories
from tests.conftest import english, submit
from tests.deal_builders import quote_terms

POOL = {
    "title": "章贡区染厂：小批量染色排产",
    "description": "几家染厂都被1公斤打样单和2吨起缸的矛盾困扰，想一起找排产系统。",
    "budget_max": 80000,
    "capabilities": ["production.planning"],
}


def _three_member_pool():
    smes = [factories.sme_user(employees=n) for n in (160, 40, 320)]
    pool = pools.open_pool(smes[0], POOL, {"company_size": "small", "sites": 2})
    pools.join(smes[1], pool, {"company_size": "micro", "sites": 1})
    pools.join(smes[2], pool, {"company_size": "medium", "sites": 3})
    _db.session.commit()
    return smes, pool


def _quoted(pool, organiser):
    vendor = factories.vendor_user()
    listing = factories.listing(vendor)
    rfq = rfqs.send_rfqs(organiser, pool.lead_need, [listing.id], "三家染厂一起报价")[0]
    # 40,000 one-off + 10,000 a year = 50,000 per member alone.
    quote = quotes.submit_quote(vendor, rfq, quote_terms())
    pools.set_tiers(
        vendor, quote, [{"min_members": 2, "price": 45000}, {"min_members": 3, "price": 40000}]
    )
    return vendor, quote


def test_three_join_a_vendor_quotes_tiers_and_two_accept(app, db):
    smes, pool = _three_member_pool()
    lead = pool.lead_need
    assert lead.company_size == "medium" and lead.employees == 520  # matched as one need
    assert lead.industry == "C17" and lead.region == "CN-JX"
    _vendor, quote = _quoted(pool, smes[0])
    _db.session.commit()
    with pytest.raises(DomainError, match="closes joining"):
        pool_awards.accept(smes[1], pool, quote)
    pools.close_joining(smes[0], pool)
    _db.session.commit()

    prices = pools.pool_quotes(smes[1], pool)
    assert [(p.members, p.price, p.tier.min_members) for p in prices] == [(3, 40000, 3)]
    first = pool_awards.accept(smes[1], pool, quote)  # the second member, for itself
    pool_awards.agree(smes[2], pool, quote)
    _db.session.commit()
    (second,) = pool_awards.award_agreed(smes[0], pool, quote)  # the organiser, for the third
    _db.session.commit()

    for engagement, sme in ((first, smes[1]), (second, smes[2])):
        assert engagement.sme_id == sme.organisation_id
        assert engagement.quote.first_year_total == 40000
        assert engagement.need.status == NeedStatus.AWARDED
    assert db.session.scalar(sa.select(sa.func.count(Engagement.id))) == 2
    statuses = sorted(str(m.status) for m in db.session.get(Pool, pool.id).active_members)
    assert statuses == ["awarded", "awarded", "joined"]
    assert db.session.get(Pool, pool.id).status == PoolStatus.AWARDED
    assert db.session.get(Need, lead.id).status == NeedStatus.AWARDED
    # The pool's quote stays open: the organiser may still accept it for itself.
    assert pool_awards.accept(smes[0], pool, quote).quote.first_year_total == 40000
    _db.session.commit()

    # Reviews stay per member: each reviews its own engagement, once.
    engagements.complete_engagement(smes[1], first)
    review = reviews.create_review(
        smes[1],
        first,
        {"rating": 4, "quality": 4, "cost": 5, "timeliness": 4, "support": 4, "text": "拼缸准"},
    )
    _db.session.commit()
    assert review.engagement.sme_id == smes[1].organisation_id
    with pytest.raises(NotFound):
        reviews.create_review(smes[2], first, {"rating": 5})
    assert db.session.scalar(sa.select(sa.func.count(Review.id))) == 1


def test_the_pool_quote_cannot_be_awarded_as_a_whole(db):
    smes, pool = _three_member_pool()
    _vendor, quote = _quoted(pool, smes[0])
    with pytest.raises(DomainError, match="pooled request"):
        engagements.award(smes[0], quote)


def test_only_the_same_industry_and_province_join_and_a_member_accepts_once(db):
    smes, pool = _three_member_pool()
    outsider = factories.sme_user(region="CN-ZJ")
    with pytest.raises(Forbidden):
        pools.join(outsider, pool, {"sites": 1})
    with pytest.raises(DomainError, match="already a member"):
        pools.join(smes[1], pool, {"sites": 1})
    with pytest.raises(NotFound):
        pools.get_pool(outsider, pool.id)
    _vendor, quote = _quoted(pool, smes[0])
    pools.close_joining(smes[0], pool)
    pool_awards.accept(smes[1], pool, quote)
    with pytest.raises(DomainError, match="already accepted"):
        pool_awards.accept(smes[1], pool, quote)
    with pytest.raises(Forbidden):
        pool_awards.award_agreed(smes[1], pool, quote)


def test_tiers_never_charge_more_members_more(db):
    smes, pool = _three_member_pool()
    vendor, quote = _quoted(pool, smes[0])

    with pytest.raises(InvalidInput):
        pools.set_tiers(
            vendor, quote, [{"min_members": 2, "price": 40000}, {"min_members": 3, "price": 45000}]
        )
    with pytest.raises(InvalidInput):
        pools.set_tiers(vendor, quote, [{"min_members": 1, "price": 40000}])
    with pytest.raises(InvalidInput):
        pools.set_tiers(vendor, quote, [{"min_members": 2, "price": 60000}])  # above the quote


def test_members_leave_only_while_joining_and_the_group_is_rematched(db):
    smes, pool = _three_member_pool()
    pools.leave(smes[2], pool)
    assert pool.lead_need.company_size == "small" and pool.lead_need.employees == 200
    with pytest.raises(DomainError, match="organiser cannot leave"):
        pools.leave(smes[0], pool)
    pools.close_joining(smes[0], pool)
    with pytest.raises(DomainError):
        pools.leave(smes[1], pool)


def test_pool_pages_in_english_and_chinese(app, db):
    smes, pool = _three_member_pool()
    vendor, quote = _quoted(pool, smes[0])
    _db.session.commit()
    member = english(app.test_client(user=smes[1]))
    page = member.get(f"/programmes/pools/{pool.id}").get_data(as_text=True)
    assert 'data-member-price="45000"' not in page  # three members: the 3+ tier applies
    assert 'data-member-price="40000"' in page and "Price per member with 3 members" in page
    vendor_client = english(app.test_client(user=vendor))
    rfq_page = vendor_client.get(f"/vendor/rfqs/{quote.rfq_id}").get_data(as_text=True)
    assert "Pooled request: 3 members, 6 sites" in rfq_page
    member.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh-CN"
    page = member.get(f"/programmes/pools/{pool.id}").get_data(as_text=True)
    assert "每家成员的价格（3家成员时）" in page

    organiser = english(app.test_client(user=smes[0]))
    url = f"/programmes/pools/{pool.id}"
    assert submit(organiser, f"{url}/close", {}, form_url=url).status_code == 302
    accepted = submit(member, f"{url}/quotes/{quote.id}/accept", {}, form_url=url)
    assert accepted.status_code == 302
    page = member.get(url).get_data(as_text=True)
    assert 'data-my-price="40000"' in page


def test_an_sme_opens_a_pool_and_another_joins_through_the_pages(app, db):
    first, second = factories.sme_user(), factories.sme_user()
    client = english(app.test_client(user=first))
    response = submit(
        client,
        "/programmes/pools/new",
        {**POOL, "budget_max": "80000", "company_size": "small", "sites": "2"},
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    pool_id = int(re.search(r"/pools/(\d+)$", response.headers["Location"]).group(1))
    other = english(app.test_client(user=second))
    listed = other.get("/programmes/pools/").get_data(as_text=True)
    assert f'data-pool="{pool_id}"' in listed
    url = f"/programmes/pools/{pool_id}"
    joined = submit(other, f"{url}/join", {"company_size": "micro", "sites": "1"}, form_url=url)
    assert joined.status_code == 302
    pool = db.session.get(Pool, pool_id)
    assert [m.status for m in pool.active_members] == [MemberStatus.JOINED] * 2
    assert pool.lead_need.matches is not None


def test_a_members_request_is_written_in_the_vendors_language(app, db):
    smes, pool = _three_member_pool()
    vendor, quote = _quoted(pool, smes[0])
    vendor.locale, smes[1].locale = "en", "zh"
    pools.close_joining(smes[0], pool)
    with app.test_request_context(headers={"Accept-Language": "zh"}):  # the member reads Chinese
        engagement = pool_awards.accept(smes[1], pool, quote)
        assert engagement.quote.rfq.message == f"Pooled request #{pool.id}, 3 members"
