"""One rating everywhere: the Bayesian average with its review count, re-indexed on reviews."""

from __future__ import annotations

from app.extensions import db
from app.services import reviews
from tests.deal_builders import make_deal


def _reviewed(rating: int):
    deal = make_deal(vendors=1, award=True, complete=True)
    scores = {"quality": rating, "cost": rating, "timeliness": rating, "support": rating}
    reviews.create_review(deal.sme, deal.engagement, {"rating": rating, **scores, "text": "…"})
    db.session.commit()
    return deal.listings[0]


def test_catalogue_card_plugin_page_and_need_page_show_the_same_rating(client, db):
    good, poor = _reviewed(5), _reviewed(1)
    # Platform mean 3; five "average" reviews of prior: (5·3 + 5) / 6 and (5·3 + 1) / 6.
    expected = {good.slug: "3.3", poor.slug: "2.7"}
    found = client.get("/solutions/").get_data(as_text=True)  # the index, after the jobs
    for slug, shown in expected.items():
        card = found[found.index(f"/solutions/{slug}") :][:1500]
        assert f"★</span> {shown}</span> (1 verified review)" in card
        page = client.get(f"/solutions/{slug}").get_data(as_text=True)
        assert f"★</span> {shown}</span> (1 verified review)" in page
    assert "5.0" not in found
