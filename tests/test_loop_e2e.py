"""The whole marketplace loop through the pages, as an SME and three vendors would live it."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import (
    AuditEvent,
    EngagementStatus,
    Need,
    NeedStatus,
    Notification,
    QuoteStatus,
    Review,
    Rfq,
    RfqStatus,
)
from tests import factories
from tests.conftest import english, submit
from tests.deal_builders import quote_form


def _notified(db, user) -> list[str]:
    return list(
        db.session.scalars(
            sa.select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def test_need_to_review_and_reply(app, db, sme, admin):
    vendors = [factories.vendor_user() for _ in range(3)]
    listings = [
        factories.listing(vendors[0], name="小批量染色排产系统"),
        factories.listing(vendors[1], name="纺织印染 MES 排产"),
        factories.listing(vendors[2], name="柔性排产 APS 云"),
    ]
    unrelated = factories.listing(
        factories.vendor_user(),
        name="餐饮门店收银",
        summary="餐厅点餐与收银。",
        capabilities=["sales.ecommerce"],
        industries=["H62"],
    )
    owner = english(app.test_client(user=sme))
    clients = [english(app.test_client(user=v)) for v in vendors]

    # 1. The SME posts a need in Chinese, without knowing the categories.
    response = submit(
        owner,
        "/needs/new",
        {
            "title": "打样单太小，染缸起订量太大",
            "description": "客户打样只要1公斤布，可我们的染缸最少要2吨一缸，"
            "排产全靠老师傅记在本子上。",
            "industry": "C17",
            "region": "CN-JX",
            "company_size": "small",
            "budget_max": "100000",
            "timeline_weeks": "12",
            "submit": "1",
        },
    )
    need = db.session.scalar(sa.select(Need))
    assert response.status_code == 302 and need.status == NeedStatus.OPEN and need.lang == "zh"

    # 2. It sees explained matches: the dyeing planners, first.
    page = owner.get(f"/needs/{need.id}").get_data(as_text=True)
    shown = [m.listing_id for m in need.matches]
    assert set(shown[:3]) == {item.id for item in listings}
    assert unrelated.id not in shown[:3]
    for match in need.matches[:3]:
        assert match.explanation and match.explanation in page

    # 3. It asks the three vendors for quotes, with a message.
    submit(
        owner,
        f"/needs/{need.id}/rfqs",
        {"listing_ids": [str(item.id) for item in listings], "message": "请在两周内报价。"},
        form_url=f"/needs/{need.id}",
    )
    rfqs = db.session.scalars(sa.select(Rfq).order_by(Rfq.id)).all()
    assert [r.status for r in rfqs] == [RfqStatus.SENT] * 3
    for vendor, client, rfq in zip(vendors, clients, rfqs, strict=True):
        assert f'data-rfq="{rfq.id}"' in client.get("/vendor/rfqs").text
        assert _notified(db, vendor) == ["rfq.received"]
        assert "打样单太小" in client.get("/vendor/rfqs").text

    # 4. Two vendors quote (one revises), the third declines.
    for client, rfq, licence in zip(clients[:2], rfqs[:2], (30000, 12000), strict=True):
        url = f"/vendor/rfqs/{rfq.id}"
        assert (
            submit(client, f"{url}/quote", quote_form(licence=licence), form_url=url).status_code
            == 302
        )
    url = f"/vendor/rfqs/{rfqs[1].id}"
    submit(clients[1], f"{url}/quote", quote_form(licence=10000, delivery_weeks=4), form_url=url)
    url = f"/vendor/rfqs/{rfqs[2].id}"
    submit(clients[2], f"{url}/decline", {"reason": "本季度产能已满"}, form_url=url)
    assert _notified(db, sme) == [
        "quote.received",
        "quote.received",
        "quote.revised",
        "rfq.declined",
    ]

    # 5. The SME compares side by side and awards the cheaper, faster one.
    page = owner.get(f"/needs/{need.id}/quotes").get_data(as_text=True)
    assert "¥60,000" in page and "¥40,000" in page and "本季度产能已满" in page
    quotes = {q.vendor_id: q for r in rfqs for q in r.quotes}
    winner = quotes[vendors[1].organisation_id]
    response = submit(
        owner, f"/needs/quotes/{winner.id}/award", {}, form_url=f"/needs/{need.id}/quotes"
    )
    assert response.status_code == 302
    db.session.refresh(need)
    assert need.status == NeedStatus.AWARDED
    assert winner.status == QuoteStatus.ACCEPTED
    assert quotes[vendors[0].organisation_id].status == QuoteStatus.REJECTED
    assert _notified(db, vendors[1])[-1] == "quote.accepted"
    assert _notified(db, vendors[0])[-1] == "quote.rejected"

    # 6. The work is done: the SME marks it completed and reviews the vendor.
    from app.services.engagements import engagement_for_need

    engagement = engagement_for_need(need)
    response = submit(
        owner, f"/needs/engagements/{engagement.id}/complete", {}, form_url=f"/needs/{need.id}"
    )
    assert response.headers["Location"].endswith(f"/needs/engagements/{engagement.id}/review")
    db.session.refresh(engagement)
    assert engagement.status == EngagementStatus.COMPLETED
    review_url = f"/needs/engagements/{engagement.id}/review"
    submit(
        owner,
        review_url,
        {
            "rating": "5",
            "quality": "5",
            "cost": "4",
            "timeliness": "5",
            "support": "4",
            "text": "打样单和大货终于能混排了。",
        },
    )
    review = db.session.scalar(sa.select(Review))
    assert (review.rating, review.vendor_id) == (5, vendors[1].organisation_id)
    assert _notified(db, vendors[1])[-1] == "review.received"

    # 7. The vendor replies once; the SME reads the reply on its need page.
    submit(
        clients[1],
        f"/vendor/reviews/{review.id}/reply",
        {"text": "谢谢赖总的信任！"},
        form_url="/vendor/reviews",
    )
    assert _notified(db, sme)[-1] == "review.replied"
    page = owner.get(f"/needs/{need.id}").get_data(as_text=True)
    assert "谢谢赖总的信任！" in page and "打样单和大货终于能混排了。" in page
    db.session.refresh(need)
    assert need.status == NeedStatus.CLOSED

    # Every step left its audit trail.
    trail = set(db.session.scalars(sa.select(AuditEvent.action)))
    assert {
        "need.posted",
        "rfq.sent",
        "quote.submitted",
        "quote.revised",
        "rfq.declined",
        "need.awarded",
        "quote.accepted",
        "quote.rejected",
        "engagement.started",
        "engagement.completed",
        "review.published",
        "review.replied",
    } <= trail
    # The notification pages render every message with its parameters filled in.
    text = owner.get("/notifications/").get_data(as_text=True)
    assert "replied to your review" in text and "…" not in text
    text = clients[1].get("/notifications/").get_data(as_text=True)
    assert "5-star review" in text and "…" not in text
