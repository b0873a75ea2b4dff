"""Shared set-ups for the marketplace-loop tests: a need with requests, quotes, an award.

Imported by the needs, deals, reviews, vendor and end-to-end tests; holds no tests itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from app.extensions import db
from app.models import Engagement, Need, PluginListing, Quote, Review, Rfq, User
from app.services import engagements, quotes, reviews, rfqs
from tests import data, factories
from tests.data import quote_terms


def quote_form(**changes) -> dict:
    """The quote terms as a browser posts them."""
    return {
        k: (v.isoformat() if isinstance(v, date) else str(v))
        for k, v in quote_terms(**changes).items()
    }


@dataclass
class Deal:
    sme: User
    need: Need
    vendors: list[User]
    listings: list[PluginListing]
    rfqs: list[Rfq] = field(default_factory=list)
    quotes: list[Quote] = field(default_factory=list)
    engagement: Engagement | None = None
    review: Review | None = None


def make_deal(
    *,
    vendors: int = 2,
    quoted: int | None = None,
    award: bool = False,
    complete: bool = False,
    review: bool = False,
    sme: User | None = None,
) -> Deal:
    """An open need of a new SME with requests to ``vendors`` plug-ins, ``quoted`` of them
    answered (default: all), optionally awarded to the first, completed and reviewed."""
    sme = sme or factories.sme_user()
    vendor_users = [factories.vendor_user() for _ in range(vendors)]
    listings = [factories.listing(v) for v in vendor_users]
    need = factories.need(sme)
    deal = Deal(sme, need, vendor_users, listings)
    deal.rfqs = rfqs.send_rfqs(sme, need, [item.id for item in listings], "请按附件需求报价。")
    db.session.commit()
    for rfq, vendor in list(zip(deal.rfqs, vendor_users, strict=True))[
        : vendors if quoted is None else quoted
    ]:
        deal.quotes.append(quotes.submit_quote(vendor, rfq, quote_terms()))
    db.session.commit()
    if award:
        deal.engagement = engagements.award(sme, deal.quotes[0])
        db.session.commit()
    if complete:
        engagements.complete_engagement(sme, deal.engagement)
        db.session.commit()
    if review:
        deal.review = reviews.create_review(
            sme,
            deal.engagement,
            data.review(text="很好"),
        )
        db.session.commit()
    return deal
