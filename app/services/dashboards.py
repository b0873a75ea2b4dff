"""The figures behind the vendor's and the admins' dashboards, week by week.

Weeks start on Monday (ISO weeks) and the window is the last ``WEEKS`` weeks including the
current one. Timestamps are read for the window and bucketed in Python, which is the same on
SQLite and PostgreSQL and cheap at dashboard sizes (one row per request, quote or need).
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Engagement,
    Match,
    Need,
    NeedStatus,
    Quote,
    Rfq,
    RfqStatus,
    User,
)
from app.models.base import utcnow
from app.services.rfqs import require_vendor
from app.services.roles import require_admin
from app.services.suggestions import suggest_capabilities
from app.services.vendor_profiles import response_hours_by_listing
from app.services.vendor_stats import ListingStats, listing_stats

WEEKS = 12
HEAT_COLUMNS = 8  # the most demanded provinces / industries shown
HEAT_ROWS = 10  # the most demanded capabilities shown


def week_starts(today: date, weeks: int = WEEKS) -> list[date]:
    """The Mondays of the last ``weeks`` weeks, oldest first, the current week last."""
    monday = today - timedelta(days=today.weekday())
    return [monday - timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def weekly_counts(moments: Iterable[datetime], starts: list[date]) -> list[int]:
    """How many of ``moments`` fall in each week of ``starts`` (others are ignored)."""
    index = {start: i for i, start in enumerate(starts)}
    counts = [0] * len(starts)
    for moment in moments:
        day = moment.date()
        i = index.get(day - timedelta(days=day.weekday()))
        if i is not None:
            counts[i] += 1
    return counts


def _since(starts: list[date]) -> datetime:
    return datetime.combine(starts[0], datetime.min.time())


def _first_quotes(where) -> sa.Subquery:
    return (
        sa.select(Quote.rfq_id, sa.func.min(Quote.created_at).label("quoted_at"))
        .where(where)
        .group_by(Quote.rfq_id)
        .subquery()
    )


# --- the vendor -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ListingRow:
    stats: ListingStats
    response_hours: float | None


@dataclass(frozen=True)
class VendorDashboard:
    weeks: list[date]
    requests: list[int]  # requests for quotes received
    quotes: list[int]  # requests answered with a first quote
    wins: list[int]  # awards
    listings: list[ListingRow]


def vendor_dashboard(user: User, *, today: date | None = None) -> VendorDashboard:
    org = require_vendor(user)
    starts = week_starts(today or utcnow().date())
    since = _since(starts)
    first = _first_quotes(Quote.vendor_id == org.id)
    requests = db.session.scalars(
        sa.select(Rfq.created_at).where(Rfq.vendor_id == org.id, Rfq.created_at >= since)
    )
    quotes = db.session.scalars(sa.select(first.c.quoted_at).where(first.c.quoted_at >= since))
    wins = db.session.scalars(
        sa.select(Engagement.created_at).where(
            Engagement.vendor_id == org.id, Engagement.created_at >= since
        )
    )
    hours = response_hours_by_listing(org.id)
    return VendorDashboard(
        weeks=starts,
        requests=weekly_counts(requests, starts),
        quotes=weekly_counts(quotes, starts),
        wins=weekly_counts(wins, starts),
        listings=[ListingRow(s, hours.get(s.listing.id)) for s in listing_stats(org)],
    )


# --- the platform ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Demand:
    """Posted needs counted by capability (rows) and province or industry (columns)."""

    capabilities: list[str]
    columns: list[str]
    counts: list[list[int]]


@dataclass(frozen=True)
class AdminDashboard:
    weeks: list[date]
    posted: list[int]  # needs posted (not drafts)
    awarded: list[int]  # awards
    first_quote_hours: list[float | None]  # median, by the week the need was posted
    median_first_quote_hours: float | None
    matches: int  # matches shown for needs posted in the window
    matched_requests: int  # of those, how many the SME asked for a quote
    requests: int  # requests for quotes sent in the window
    awarded_requests: int  # of those, how many won the award
    by_region: Demand
    by_industry: Demand

    @property
    def match_to_request(self) -> float | None:
        return self.matched_requests / self.matches if self.matches else None

    @property
    def request_to_award(self) -> float | None:
        return self.awarded_requests / self.requests if self.requests else None


def need_capabilities(need: Need) -> list[str]:
    """The capabilities a need asks for: those chosen, or else the best one read from its text."""
    if need.capabilities:
        return list(need.capabilities)
    # Suggestions are calibrated probabilities, already at least SUGGEST_THRESHOLD.
    best = suggest_capabilities(f"{need.title}\n{need.description}", need.lang)[:1]
    return [code for code, _ in best]


def _demand(needs: list[Need], column_of) -> Demand:
    cells: dict[tuple[str, str], int] = defaultdict(int)
    by_column: Counter[str] = Counter()
    by_capability: Counter[str] = Counter()
    for need in needs:
        column = column_of(need)
        if not column:
            continue
        for code in need_capabilities(need):
            cells[code, column] += 1
            by_column[column] += 1
            by_capability[code] += 1
    columns = [c for c, _ in by_column.most_common(HEAT_COLUMNS)]
    capabilities = [c for c, _ in by_capability.most_common(HEAT_ROWS)]
    return Demand(
        capabilities, columns, [[cells[code, c] for c in columns] for code in capabilities]
    )


def admin_dashboard(user: User, *, today: date | None = None) -> AdminDashboard:
    require_admin(user)
    starts = week_starts(today or utcnow().date())
    since = _since(starts)
    needs = list(
        db.session.scalars(
            sa.select(Need).where(Need.created_at >= since, Need.status != NeedStatus.DRAFT)
        )
    )
    awards = db.session.scalars(
        sa.select(Engagement.created_at).where(Engagement.created_at >= since)
    )

    # Time to first quote, per need: from posting to the earliest quote of any vendor.
    first = _first_quotes(Quote.created_at >= since)
    firsts = db.session.execute(
        sa.select(Need.created_at, sa.func.min(first.c.quoted_at))
        .join(Rfq, Rfq.need_id == Need.id)
        .join(first, first.c.rfq_id == Rfq.id)
        .where(Need.created_at >= since)
        .group_by(Need.id, Need.created_at)
    ).all()
    hours_by_week: dict[int, list[float]] = defaultdict(list)
    for posted, quoted in firsts:
        day = posted.date()
        week = day - timedelta(days=day.weekday())
        if week in starts:
            hours_by_week[starts.index(week)].append((quoted - posted).total_seconds() / 3600)
    all_hours = [h for hours in hours_by_week.values() for h in hours]

    need_ids = [n.id for n in needs]
    matches = db.session.scalar(
        sa.select(sa.func.count(Match.id)).where(Match.need_id.in_(need_ids))
    )
    matched_requests = db.session.scalar(
        sa.select(sa.func.count(Rfq.id))
        .join(Match, sa.and_(Match.need_id == Rfq.need_id, Match.listing_id == Rfq.listing_id))
        .where(Rfq.need_id.in_(need_ids))
    )
    requests, awarded_requests = db.session.execute(
        sa.select(
            sa.func.count(Rfq.id), sa.func.count(Rfq.id).filter(Rfq.status == RfqStatus.AWARDED)
        ).where(Rfq.created_at >= since)
    ).one()
    return AdminDashboard(
        weeks=starts,
        posted=weekly_counts((n.created_at for n in needs), starts),
        awarded=weekly_counts(awards, starts),
        first_quote_hours=[
            statistics.median(hours_by_week[i]) if hours_by_week.get(i) else None
            for i in range(len(starts))
        ],
        median_first_quote_hours=statistics.median(all_hours) if all_hours else None,
        matches=matches or 0,
        matched_requests=matched_requests or 0,
        requests=requests or 0,
        awarded_requests=awarded_requests or 0,
        by_region=_demand(needs, lambda n: n.region),
        by_industry=_demand(needs, lambda n: n.industry),
    )
