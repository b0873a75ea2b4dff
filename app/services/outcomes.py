"""Marketplace outcomes as the learned ranker's training signal.

Each request for quote is one (need, plug-in) pair the SME judged worth asking; what
happened next grades it on the 0-3 scale of ``data-formats.md``:

=============================================================  =====
outcome of the pair                                            grade
=============================================================  =====
requested (a request for quote was sent, whatever its answer)    1
quoted (the vendor answered with a quote, not awarded)           1
awarded (the SME accepted the plug-in's quote)                   2
completed and reviewed with an overall rating ≥ 4                3
completed and reviewed with an overall rating 3                  2
completed and reviewed with an overall rating ≤ 2                0
=============================================================  =====

Measured outcomes move a completed pair one step, never more: up when every KPI whose
baseline was recorded before the work began improved, down when every one of them worsened
(mixed, unchanged or unmeasured KPIs move nothing; see
:func:`app.services.kpi_changes.verdicts`).
So a completed engagement without a review but with a measured gain grades 3, a 2-star one
with a measured gain 1, and a 5-star one stays 3.

A removed review counts as no review (the pair stays "awarded", 2). Plug-ins of the
catalogue that a need was never paired with are absent, which the trainer treats as not
relevant, as absent labels are in the benchmarks. Cancelled and draft needs are left out:
nobody judged their matches to the end.
"""

from __future__ import annotations

import dataclasses

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Engagement,
    EngagementStatus,
    Need,
    NeedStatus,
    PluginListing,
    Review,
    ReviewStatus,
    Rfq,
    RfqStatus,
)
from app.services import kpi_changes
from matching.precedents import Precedents
from matching.types import Need as NeedRecord

REQUESTED, QUOTED, AWARDED, EXCELLENT = 1, 1, 2, 3
SOURCE = "portal-outcomes"


def grade(
    rfq_status: str,
    engagement_status: str | None,
    rating: int | None,
    measured: bool | None = None,
) -> int:
    """The grade of one (need, plug-in) pair from its request's outcome (table above);
    ``measured``: the engagement's measured KPIs all improved (True), all worsened (False)."""
    if rfq_status == RfqStatus.AWARDED:
        graded = AWARDED
        completed = engagement_status == EngagementStatus.COMPLETED
        if completed and rating is not None:
            graded = EXCELLENT if rating >= 4 else 0 if rating <= 2 else AWARDED
        if completed and measured is not None:
            graded = min(EXCELLENT, graded + 1) if measured else max(0, graded - 1)
        return graded
    if rfq_status in (RfqStatus.QUOTED, RfqStatus.LOST):
        return QUOTED
    return REQUESTED


def precedents(triples: list[tuple[NeedRecord, str, int]]) -> Precedents | None:
    """The needs of ``triples`` whose plug-in was awarded or better, as the matcher's
    precedents (None if there is none): a request alone would only echo the ranking the
    SME was shown."""
    by_need: dict[str, NeedRecord] = {}
    for record, slug, graded in triples:
        need = by_need.setdefault(record.id, dataclasses.replace(record, relevant={}))
        need.relevant[slug] = max(graded, need.relevant.get(slug, 0))
    found = Precedents(min_grade=AWARDED, top_grade=EXCELLENT).fit(list(by_need.values()))
    return found if found.n_precedents_ else None


def training_triples() -> list[tuple[NeedRecord, str, int]]:
    """(need record, listing slug, grade 0-3) for every request for quote ever sent."""
    rows = db.session.execute(
        sa.select(
            Rfq.need_id,
            PluginListing.slug,
            Rfq.status,
            Engagement.status,
            Review.rating,
            Engagement.id,
        )
        .join(PluginListing, PluginListing.id == Rfq.listing_id)
        .join(Need, Need.id == Rfq.need_id)
        .outerjoin(
            Engagement,
            sa.and_(Engagement.need_id == Rfq.need_id, Engagement.listing_id == Rfq.listing_id),
        )
        .outerjoin(
            Review,
            sa.and_(Review.engagement_id == Engagement.id, Review.status != ReviewStatus.REMOVED),
        )
        .where(Need.status.not_in([NeedStatus.CANCELLED, NeedStatus.DRAFT]))
        .order_by(Rfq.need_id, PluginListing.slug)
    ).all()
    needs = {
        need.id: need.to_record()
        for need in db.session.scalars(sa.select(Need).where(Need.id.in_({r[0] for r in rows})))
    }
    measured = kpi_changes.verdicts()
    return [
        (
            needs[need_id],
            slug,
            grade(rfq_status, engagement_status, rating, measured.get(engagement_id)),
        )
        for need_id, slug, rfq_status, engagement_status, rating, engagement_id in rows
    ]
