"""The matching engine as the portal uses it.

One fitted :class:`matching.Matcher` per process is kept in step with the published listings
in the database: it is fitted once, then updated incrementally from the listings changed since
(publish, edit, suspend), from review changes (vendor quality) and from outcomes (the needs
whose plug-ins were awarded are its precedents). Matches are stored per need
with their score components, explanation and model version; admins' pins and hides survive
every refresh.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from datetime import datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import contains_eager

from app.errors import NotFound
from app.extensions import db
from app.models import (
    Engagement,
    ListingStatus,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Outcome,
    PluginListing,
    Review,
    VendorBlock,
)
from app.models.base import utcnow
from app.services import plugin_hooks, ranker_models, subsidies, transitions
from app.services.ratings import vendor_ratings
from matching.explain import explain, lang_of
from matching.matcher import Match as RankedMatch
from matching.matcher import Matcher
from matching.model import default_model
from matching.precedents import ALIKE, Precedents
from matching.ranker import PairwiseRanker
from matching.reverse import score_bounds
from matching.types import Need as MatchingNeed

log = logging.getLogger("app.matching")

MATCHES_PER_NEED = 20


class CatalogueMatcher:
    """A process's matcher, refreshed lazily when the catalogue or the reviews change."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._matcher: Matcher | None = None
        self._listings_seen: datetime | None = None
        self._reviews_seen: tuple | None = None
        self._ranker_seen: tuple[int, str] | None = None
        self._outcomes_seen: tuple | None = None
        self._default_ranker: PairwiseRanker | None = None

    def get(self) -> Matcher:
        with self._lock:
            listings_stamp = db.session.scalar(sa.select(sa.func.max(PluginListing.updated_at)))
            if self._matcher is None or self._listings_seen is None:
                self._fit()
            elif listings_stamp != self._listings_seen:
                self._apply_changes()
            outcomes_stamp = tuple(db.session.execute(_outcomes_stamp()).one())
            reviews_stamp = outcomes_stamp[:2]
            if reviews_stamp != self._reviews_seen:
                self._matcher.set_quality(_quality())
                self._reviews_seen = reviews_stamp
            if outcomes_stamp != self._outcomes_seen:
                self._matcher.set_params(precedents=_precedents())
                self._outcomes_seen = outcomes_stamp
            self._load_ranker()
            self._listings_seen = listings_stamp
            return self._matcher

    def reset(self) -> None:
        with self._lock:
            self._matcher = None
            self._reviews_seen = self._ranker_seen = self._outcomes_seen = None

    def _fit(self) -> None:
        listings = db.session.scalars(_published()).all()
        # The shipped model (capability readers + bounded ranker, `make model`); a ranker
        # promoted in the portal replaces its ranker in _load_ranker.
        self._matcher = default_model().matcher().fit([item.to_offering() for item in listings])
        self._default_ranker = self._matcher.ranker_
        self._ranker_seen = self._outcomes_seen = None
        log.info("matcher fitted on %d published listings", len(listings))

    def _apply_changes(self) -> None:
        changed = db.session.scalars(
            sa.select(PluginListing).where(PluginListing.updated_at >= self._listings_seen)
        ).all()
        for item in changed:
            if item.status == ListingStatus.PUBLISHED:
                self._matcher.upsert(item.to_offering())
            else:
                self._matcher.remove(item.slug)
        self._reviews_seen = None  # new listings need their vendors' quality too

    def _load_ranker(self) -> None:
        # The live trained model (if any) is a row; every process follows it on its next
        # ranking. Without one the engine's default ranker ranks.
        stamp = ranker_models.live_stamp()
        if stamp == self._ranker_seen:
            return
        try:
            model = ranker_models.live_model() if stamp else None
            self._matcher.load_ranker(
                ranker_models.ranker_of(model) if model else self._default_ranker
            )
        except (ValueError, KeyError, TypeError):
            log.exception("ignoring unreadable ranker model %s", stamp)
        self._ranker_seen = stamp


def _published() -> sa.Select:
    return sa.select(PluginListing).where(PluginListing.status == ListingStatus.PUBLISHED)


def _outcomes_stamp() -> sa.Select:
    """Count and latest change of reviews (vendor quality; its first two values), then of
    engagements and measured KPIs: together they change whenever what a pair grades does
    (a request alone grades below a precedent). One query per ranking for both."""
    return sa.select(
        *(
            sa.select(aggregate).scalar_subquery()
            for table in (Review, Engagement, Outcome)
            for aggregate in (sa.func.count(table.id), sa.func.max(table.updated_at))
        )
    )


def _precedents() -> Precedents | None:
    """The portal's own outcomes as precedents (app.services.outcomes.precedents). The
    shipped model's precedents are market-train's needs, over another catalogue."""
    # here, not at the top: outcomes → kpi_changes → kpis → needs imports this module
    from app.services.outcomes import precedents, training_triples

    return precedents(training_triples())


def _quality() -> dict[str, float]:
    ratings = vendor_ratings()
    rows = db.session.execute(
        sa.select(PluginListing.slug, PluginListing.vendor_id).where(
            PluginListing.status == ListingStatus.PUBLISHED
        )
    )
    return {slug: ratings[vid].bayesian for slug, vid in rows if vid in ratings}


def engine() -> Matcher:
    """This process's matcher, in step with the database."""
    holder = current_app.extensions.setdefault("shuzhuan.matcher", CatalogueMatcher())
    return holder.get()


def _blocked_vendors(need: Need) -> sa.Select:
    """The vendors blocked for ``need`` or everywhere."""
    return sa.select(VendorBlock.vendor_id).where(
        sa.or_(VendorBlock.need_id == need.id, VendorBlock.need_id.is_(None))
    )


def blocked_vendor_ids(need: Need) -> set[int]:
    return set(db.session.scalars(_blocked_vendors(need)))


def refresh_matches(need: Need) -> list[Match]:
    """Rank the catalogue for ``need`` and store the result; pins and hides are kept.

    What the budget limit kept out is stored beside the matches (``need.over_budget``),
    so the need page tells it without ranking anything."""
    blocked = blocked_vendor_ids(need)
    # The budget may count on a chosen subsidy programme; the engine just sees a budget.
    record = subsidies.record_for_matching(need)
    matcher = engine()
    ranked = matcher.rank(record, k=MATCHES_PER_NEED + 10)
    listings = {
        item.slug: item
        for item in db.session.scalars(
            _published().where(PluginListing.slug.in_([m.offering_id for m in ranked]))
        )
    }
    existing = {m.listing_id: m for m in need.matches}
    kept: set[int] = set()
    rank = 0
    for result in ranked:
        listing = listings.get(result.offering_id)
        if listing is None or listing.vendor_id in blocked or rank >= MATCHES_PER_NEED:
            continue
        rank += 1
        hooks = plugin_hooks.hook_results(listing, need)  # stored: pages never call hooks
        explanation = _explanation(need, record, listing, result, hooks["estimate"])
        match = existing.get(listing.id)
        if match is None:
            match = Match(need=need, listing=listing, status=MatchStatus.SHOWN)
            db.session.add(match)
        match.rank = rank
        match.score = result.score
        # The calibrated probability rides with the score parts (all numbers in [0, 1]);
        # the need page reads its confidence level from it (match_view.confidence).
        match.components = (
            result.components
            if result.probability is None
            else {**result.components, "probability": result.probability}
        )
        match.explanation = explanation
        match.hook_results = hooks
        match.model_version = result.model_version
        kept.add(listing.id)
    for listing_id, match in existing.items():
        if listing_id not in kept and match.status == MatchStatus.SHOWN:
            db.session.delete(match)
    need.matched_at = utcnow()
    db.session.flush()
    visible = visible_matches(need)
    need.over_budget = over_budget_fitting(
        matcher, record, {m.listing.slug for m in visible}, blocked
    )
    return visible


WEAK_TEXT = 0.15  # below this much word likeness and without a shared capability: weak


def word_likeness(components: dict) -> float:
    """How much the need's words support a match: as written, or through the dictionary
    translation across languages (the ``bridge`` component)."""
    return max(float(components.get("text", 0.0)), float(components.get("bridge", 0.0)))


def supported(components: dict) -> bool:
    """Whether the words or a capability both sides share support a match."""
    return word_likeness(components) >= WEAK_TEXT or float(components.get("capability", 0.0)) > 0


def over_budget_fitting(
    matcher: Matcher, record: MatchingNeed, shown: set[str], blocked: set[int]
) -> list[str]:
    """Slugs of published plug-ins the 2x budget limit removed that would fit otherwise.

    The need is ranked again without its budget; dropped offerings among those leaders that
    the words or a capability support, not shown and not of a blocked vendor, are what the
    need page offers to show. ``record`` carries the budget matching used.
    """
    if not record.budget_max:
        return []
    dropped = set(matcher.dropped_ids(record, "over_budget_limit"))
    if not dropped:
        return []
    unbounded = dataclasses.replace(record, budget_max=None)
    fitting = [
        result.offering_id
        for result in matcher.rank(unbounded, k=MATCHES_PER_NEED)
        if result.offering_id in dropped
        and result.offering_id not in shown
        and supported(result.components)
    ]
    if not fitting:
        return []
    allowed = set(
        db.session.scalars(
            sa.select(PluginListing.slug).where(
                PluginListing.slug.in_(fitting),
                PluginListing.status == ListingStatus.PUBLISHED,
                PluginListing.vendor_id.not_in(blocked),
            )
        )
    )
    return [slug for slug in fitting if slug in allowed]


def _explanation(
    need: Need,
    record: MatchingNeed,
    listing: PluginListing,
    result: RankedMatch,
    estimate: dict[str, Any] | None,
) -> str:
    """The engine's sentence, told again with the plug-in's instant estimate when it has one,
    so the budget clause and the estimate beside it on the page agree."""
    if estimate is None:
        return result.explanation
    offering = dataclasses.replace(
        listing.to_offering(), price_min=estimate["price_min"], price_max=estimate["price_max"]
    )
    rating = vendor_ratings([listing.vendor_id]).get(listing.vendor_id)
    return explain(
        record,
        offering,
        result.components,
        result.terms,
        result.capabilities,
        result.reasons,
        rating.bayesian if rating else None,
        lang_of(record),
    )


def refresh_open_needs() -> int:
    """Re-match every open need (a long job: each need in a transaction of its own)."""
    need_ids = list(
        db.session.scalars(
            sa.select(Need.id).where(Need.status == NeedStatus.OPEN).order_by(Need.id)
        )
    )
    return _rematch(need_ids)


def _rematch(need_ids: list[int]) -> int:
    """Re-match each of ``need_ids`` that is still open, under its lock, in a transaction of
    its own (``transitions.run``: a deadlock or lock timeout is retried): a long job never
    holds a need, or SQLite's write lock, for longer than one ranking, and two jobs
    re-matching the same need take turns instead of inserting its matches twice. Returns
    how many were re-matched."""
    return sum(
        transitions.run(lambda need_id=need_id: _rematch_one(need_id)) for need_id in need_ids
    )


def _rematch_one(need_id: int) -> bool:
    try:
        need = transitions.lock_need(need_id)
    except NotFound:  # deleted since the job listed it
        return False
    if need.status != NeedStatus.OPEN:
        return False
    refresh_matches(need)
    return True


def rematch_for_listings(slugs: list[str], among: set[int] | None = None) -> int:
    """Re-match only the open needs (of ``among``, if given) that the changed listings
    ``slugs`` can affect.

    Those are the needs that show one of them now (it changed, or left the catalogue) or
    name it in their over-budget note, and, for each one that is published, the needs whose
    last shown match it can beat: :func:`matching.reverse.score_bounds` bounds its score for
    every open need in one vectorised pass, and only where the bound beats that need's
    weakest shown score (or the need shows fewer than MATCHES_PER_NEED) is the need ranked
    again, each in a transaction of its own. Returns how many needs were re-matched.
    """
    matcher = engine()
    open_needs = sa.select(Need).where(Need.status == NeedStatus.OPEN)
    if among is not None:
        open_needs = open_needs.where(Need.id.in_(among))
    needs = {need.id: need for need in db.session.scalars(open_needs)}
    shown: dict[int, list[tuple[str, float]]] = {need_id: [] for need_id in needs}
    rows = db.session.execute(
        sa.select(Match.need_id, PluginListing.slug, Match.score)
        .join(Match.listing)
        .join(Match.need)
        .where(Need.id.in_(needs), Match.status != MatchStatus.HIDDEN)
    )
    for need_id, slug, score in rows:
        shown[need_id].append((slug, score))
    order = list(needs)
    records = [needs[i].to_record() for i in order]
    shown_ids = [[slug for slug, _score in shown[i]] for i in order]
    floors = np.array(
        [
            min(score for _slug, score in shown[i])
            if len(shown[i]) >= MATCHES_PER_NEED
            else -np.inf
            for i in order
        ]
    )
    affected = {i for i in order if any(slug in slugs for slug, _score in shown[i])}
    # A need whose over-budget note names a changed listing tells it again.
    affected.update(i for i in order if set(needs[i].over_budget or ()) & set(slugs))
    for slug in slugs:
        bounds = score_bounds(matcher, slug, records, shown_ids)
        affected.update(order[j] for j in np.flatnonzero(bounds > floors).tolist())
    ids = sorted(affected)
    db.session.commit()  # the reads above end here: each need is locked and re-matched alone
    done = _rematch(ids)
    log.info("%d listings: %d of %d open needs re-matched", len(slugs), done, len(order))
    return done


def rematch_alike(need_ids: list[int]) -> int:
    """Re-match the open needs alike the needs ``need_ids``, whose award just made them
    precedents, where the awarded plug-in can now enter their matches or already shows:
    their stored matches then carry what a similar need chose, without waiting for their
    next edit. Alike: a likeness the precedent view counts (matching.precedents.ALIKE).
    Returns how many needs were re-matched."""
    precedents = engine().precedents  # in step with the outcomes just committed
    sources = np.array([], dtype=np.int64)
    if precedents is not None:
        sources = np.flatnonzero(np.isin(precedents.ids_, [str(i) for i in need_ids]))
    if not len(sources):
        return 0
    rows = db.session.execute(
        sa.select(Need.id, Need.title, Need.description).where(
            Need.status == NeedStatus.OPEN, Need.id.not_in(need_ids)
        )
    )
    alike = set()
    for need_id, title, description in rows:
        record = MatchingNeed(id=str(need_id), description=description, title=title)
        if precedents.likeness(record)[sources].max() >= ALIKE:
            alike.add(need_id)
    awarded = db.session.scalars(
        sa.select(PluginListing.slug)
        .join(Engagement, Engagement.listing_id == PluginListing.id)
        .where(Engagement.need_id.in_(need_ids))
    ).all()
    return rematch_for_listings(sorted(set(awarded)), among=alike) if alike else 0


def visible_matches(need: Need) -> list[Match]:
    """What the SME sees: published listings, pins first, nothing hidden or blocked."""
    query = (
        sa.select(Match)
        .join(Match.listing)
        .where(
            Match.need_id == need.id,
            Match.status != MatchStatus.HIDDEN,
            PluginListing.status == ListingStatus.PUBLISHED,
            PluginListing.vendor_id.not_in(_blocked_vendors(need)),  # in the same statement
        )
        .order_by((Match.status == MatchStatus.PINNED).desc(), Match.rank)
        # The page and the API show each match's listing and vendor: one query, not 2 per match.
        .options(contains_eager(Match.listing).joinedload(PluginListing.vendor))
    )
    return list(db.session.scalars(query))
