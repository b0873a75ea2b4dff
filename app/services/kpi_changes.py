"""Measured outcomes as readers see them: each KPI's change in words and units ("on-time
delivery 82 % → 95 %, +13 points"), the changes of the engagements on a page, the median
changes of a listing or a vendor, and the verdicts the learned ranker reads. Recording the
values is app.services.kpis."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from app.extensions import db
from app.i18n import current_lang
from app.models import Engagement, EngagementStatus, Outcome
from app.services.kpi_table import KPIS, Kpi
from app.services.kpis import outcomes_of


def _number(value: float) -> str:
    return format_decimal(round(value, 2), format="#,##0.##")


def _with_unit(value: float, kpi: Kpi, lang: str) -> str:
    unit = kpi.unit(lang)
    glue = "" if unit == "%" and lang == "zh" else " "
    return f"{_number(value)}{glue}{unit}"


def _signed(value: float) -> str:
    if value > 0:
        return f"+{_number(value)}"
    if value < 0:
        return f"−{_number(-value)}"
    return "±0"


def _delta(kpi: Kpi, before: float, after: float) -> tuple[str, float] | None:
    """("points" | "percent", the change), or None when a relative change means nothing."""
    if kpi.is_percent:
        return "points", after - before
    if before == 0:
        return None
    return "percent", (after - before) / before * 100


def _delta_text(kind: str, change: float) -> str:
    if kind == "points":
        one = abs(round(change, 2)) == 1  # "+1 point", "+0.5 points", "+13 points"
        return ngettext(
            "%(change)s point", "%(change)s points", 1 if one else 2, change=_signed(change)
        )
    return _("%(change)s %%", change=_signed(change))


def _improved(kpi: Kpi, change: float) -> bool | None:
    if change == 0:
        return None
    return (change > 0) == kpi.higher_is_better


@dataclass(frozen=True)
class Change:
    """One measured outcome as a reader sees it."""

    outcome: Outcome
    kpi: Kpi
    name: str
    before: str  # "82 %"
    after: str | None  # "95 %"
    change: str | None  # "+13 points"
    improved: bool | None  # better for the enterprise (None: no change or not measured yet)
    before_work: bool  # the baseline was recorded before the work began

    @property
    def text(self) -> str:
        """ "On-time delivery 82 % → 95 %" """
        if self.after is None:
            return f"{self.name} {self.before}"
        return f"{self.name} {self.before} → {self.after}"


def before_work(outcome: Outcome, engagement: Engagement) -> bool:
    """The baseline was recorded before the first delivery (or the completion)."""
    began = engagement.work_began_at
    return began is None or outcome.baseline_at < began


def describe(outcome: Outcome, engagement: Engagement) -> Change:
    kpi = KPIS[outcome.kpi]
    lang = current_lang()
    delta = _delta(kpi, outcome.baseline, outcome.after) if outcome.after is not None else None
    return Change(
        outcome=outcome,
        kpi=kpi,
        name=kpi.name(lang),
        before=_with_unit(outcome.baseline, kpi, lang),
        after=None if outcome.after is None else _with_unit(outcome.after, kpi, lang),
        change=_delta_text(*delta) if delta else None,
        improved=_improved(kpi, delta[1]) if delta else None,
        before_work=before_work(outcome, engagement),
    )


def _measured(*conditions) -> list[tuple[Outcome, Engagement]]:
    """Outcomes with both values, of completed engagements."""
    return list(
        db.session.execute(
            sa.select(Outcome, Engagement)
            .join(Engagement, Engagement.id == Outcome.engagement_id)
            .where(
                Outcome.after.is_not(None),
                Engagement.status == EngagementStatus.COMPLETED,
                *conditions,
            )
            .order_by(Outcome.id)
        )
    )


def changes(engagement: Engagement) -> list[Change]:
    """Every outcome of an engagement (measured or waiting for its after value)."""
    return [describe(o, engagement) for o in outcomes_of(engagement)]


def measured_by_engagement(engagement_ids: Iterable[int]) -> dict[int, list[Change]]:
    """The measured changes of these engagements (for the reviews on a page), by engagement."""
    ids = list(set(engagement_ids))
    found: dict[int, list[Change]] = {}
    if not ids:
        return found
    for outcome, engagement in _measured(Outcome.engagement_id.in_(ids)):
        found.setdefault(engagement.id, []).append(describe(outcome, engagement))
    return found


def verdicts() -> dict[int, bool]:
    """Completed engagements whose measured KPIs with a baseline recorded before the work
    all improved (True) or all worsened (False); the others are absent (nothing measured so,
    nothing changed, or the KPIs disagree). The learned ranker's training reads this."""
    seen: dict[int, set[bool]] = {}
    for outcome, engagement in _measured():
        if not before_work(outcome, engagement):
            continue  # a baseline taken once the work showed its effect proves nothing
        better = _improved(KPIS[outcome.kpi], outcome.after - outcome.baseline)
        if better is not None:
            seen.setdefault(engagement.id, set()).add(better)
    return {engagement_id: found.pop() for engagement_id, found in seen.items() if len(found) == 1}


@dataclass(frozen=True)
class KpiSummary:
    kpi: Kpi
    name: str
    count: int
    median: str | None  # "+13 points"; None when no relative change can be computed
    improved: bool | None


@dataclass(frozen=True)
class Summary:
    count: int  # measured outcomes
    before_work: int  # of which the baseline was recorded before the work began
    kpis: list[KpiSummary]  # the most measured first

    def __bool__(self) -> bool:
        return self.count > 0


def summary(*, listing_id: int | None = None, vendor_id: int | None = None) -> Summary:
    """The measured outcomes of a listing's (or a vendor's) completed engagements: how many,
    and the median change of each KPI."""
    conditions = []
    if listing_id is not None:
        conditions.append(Engagement.listing_id == listing_id)
    if vendor_id is not None:
        conditions.append(Engagement.vendor_id == vendor_id)
    rows = _measured(*conditions)
    lang = current_lang()
    grouped: dict[str, list[Outcome]] = {}
    for outcome, _engagement in rows:
        grouped.setdefault(outcome.kpi, []).append(outcome)
    lines = []
    for code, outcomes in sorted(grouped.items(), key=lambda item: (-len(item[1]), item[0])):
        kpi = KPIS[code]
        deltas = [d for o in outcomes if (d := _delta(kpi, o.baseline, o.after))]
        median = statistics.median(d[1] for d in deltas) if deltas else None
        lines.append(
            KpiSummary(
                kpi=kpi,
                name=kpi.name(lang),
                count=len(outcomes),
                median=_delta_text(deltas[0][0], median) if deltas else None,
                improved=_improved(kpi, median) if deltas else None,
            )
        )
    return Summary(
        count=len(rows),
        before_work=sum(before_work(o, e) for o, e in rows),
        kpis=lines,
    )
