"""A catalogue change re-matches only the open needs it can affect, with the same result as
re-matching every open need."""

from __future__ import annotations

import sqlalchemy as sa

from app.models import ListingStatus, Match, Need
from app.services import listings as listing_service
from app.services import matching
from tests import factories

TOPICS = [
    ("染缸排产", "按染缸容量自动拼缸排产，支持小批量打样单。", ["production.planning"], "C17"),
    ("仓库扫码", "扫码出入库，库存实时对账，手机盘点。", ["supply.warehouse"], "C33"),
]


def _catalogue(vendor) -> None:
    for n in range(2 * 22):  # more of each topic than a need shows
        name, summary, caps, industry = TOPICS[n % len(TOPICS)]
        factories.listing(
            vendor,
            slug=f"cat-{n}",
            name=f"{name} {n}",
            # A different length per listing gives every listing its own score: no ties, so
            # any two rankings of the same catalogue agree on the order.
            summary=summary + "，专业服务" * n,
            capabilities=caps,
            industries=[industry],
        )


def _needs(sme) -> list[Need]:
    texts = [
        ("染缸排不过来", "客户打样1公斤，染缸最少2吨，想自动拼缸排产。", "C17"),
        ("库存对不上", "仓库出入库靠手写，库存总对不上，想扫码管理。", "C33"),
        ("扫码盘点", "手机扫码盘点仓库，出入库实时对账。", "C33"),
    ]
    return [
        factories.need(sme, title=t, description=d, industry=i, capabilities=[])
        for t, d, i in texts
    ]


def _snapshot(db) -> dict[int, list[tuple[str, int]]]:
    db.session.expire_all()
    out: dict[int, list[tuple[str, int]]] = {}
    rows = db.session.execute(
        sa.select(Match.need_id, Match.rank, Match.listing_id).order_by(Match.need_id, Match.rank)
    )
    for need_id, rank, listing_id in rows:
        out.setdefault(need_id, []).append((listing_id, rank))
    return out


def test_a_new_listing_rematches_only_the_needs_it_can_enter_and_agrees_with_a_full_rematch(
    db, vendor, sme
):
    _catalogue(vendor)
    needs = _needs(sme)
    matching.refresh_open_needs()
    assert all(len(n.matches) == matching.MATCHES_PER_NEED for n in needs)  # full lists
    before = {n.id: n.matched_at for n in needs}

    new = factories.listing(
        vendor,
        slug="new-dye",
        name="染缸拼缸排产大师",
        summary="打样单和大货按染缸自动拼缸排产，1公斤打样也能排。",
        capabilities=["production.planning"],
        industries=["C17"],
    )
    rematched = matching.rematch_for_listings([new.slug])
    db.session.commit()
    assert 0 < rematched < len(needs)
    db.session.expire_all()
    untouched = [n for n in needs if db.session.get(Need, n.id).matched_at == before[n.id]]
    assert untouched  # the warehouse needs were not ranked again
    dye = db.session.get(Need, needs[0].id)
    assert new.id in {m.listing_id for m in dye.matches}

    incremental = _snapshot(db)
    matching.refresh_open_needs()
    assert _snapshot(db) == incremental  # the same as re-matching everything


def test_a_suspended_listing_leaves_the_needs_that_showed_it(db, vendor, sme, admin):
    _catalogue(vendor)
    needs = _needs(sme)
    matching.refresh_open_needs()
    shown = db.session.scalar(sa.select(Match).where(Match.need_id == needs[1].id, Match.rank == 1))
    listing = shown.listing
    showing = {
        m.need_id for m in db.session.scalars(sa.select(Match).where(Match.listing == listing))
    }

    listing_service.suspend(admin, listing, "Misleading claims")
    db.session.commit()  # the outbox job runs (sync) and re-matches
    db.session.expire_all()
    assert not db.session.scalars(sa.select(Match).where(Match.listing_id == listing.id)).all()
    assert showing  # and those were the needs touched
    assert listing.status == ListingStatus.SUSPENDED
