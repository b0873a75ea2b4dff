"""Measured outcomes: the SME records a KPI's baseline while the engagement is active and
its value after the work once it is completed; reviews show the change, listing and vendor
pages the median changes. The KPIs offered are data (:mod:`app.services.kpi_table`).

A recorded value may be corrected while it can still change honestly: a baseline until the
work begins (afterwards the badge "recorded before the work began" would vouch for a value
chosen later), a value after the work until the engagement is reviewed (the review showed
it). A correction keeps one row per KPI, takes the server's time again and is audited with
the old and the new value.

Each recording is a change under the engagement's need: it locks the need first
(:func:`app.services.transitions.lock_need`), checks who may and from which state, records
the server's time (never the client's), audits once, in the caller's one transaction
(nothing here commits). Of two recordings of the same value, exactly one wins; the other
is told the value was recorded first.

A baseline recorded before the engagement's ``work_began_at`` (its first delivery, or its
completion) carries the badge "baseline recorded before the work began". How the values
read, and the verdicts the learned ranker reads, are :mod:`app.services.kpi_changes`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.errors import DomainError, InvalidInput, NotFound
from app.extensions import db
from app.models import Engagement, EngagementStatus, Outcome, Review, User
from app.models import fields as rules
from app.models.base import utcnow
from app.models.kpis import MAX_OUTCOMES
from app.services import audit
from app.services.kpi_table import Kpi, kpis_for
from app.services.needs import require_sme
from app.services.transitions import lock_need

# --- what may be measured ------------------------------------------------------------------


def options(engagement: Engagement) -> list[Kpi]:
    """The KPIs offered for an engagement: its need's and its listing's capabilities'."""
    capabilities = [*(engagement.need.capabilities or []), *(engagement.listing.capabilities or [])]
    return kpis_for(capabilities)


def outcomes_of(engagement: Engagement) -> list[Outcome]:
    return list(
        db.session.scalars(
            sa.select(Outcome).where(Outcome.engagement_id == engagement.id).order_by(Outcome.id)
        )
    )


def _owned(user: User, engagement: Engagement) -> None:
    org = require_sme(user)
    if engagement.sme_id != org.id:
        raise NotFound(_("No such engagement."))


def _kpi(engagement: Engagement, code: Any) -> Kpi:
    offered = {kpi.code: kpi for kpi in options(engagement)}
    kpi = offered.get(code) if isinstance(code, str) else None
    if kpi is None:
        message = _("Choose a KPI from the list.")
        raise InvalidInput(message, {"kpi": [message]})
    return kpi


def _value(kpi: Kpi, value: Any) -> float:
    if value is None or value == "":
        message = _("Enter the measured value.")
        raise InvalidInput(message, {"value": [message]})
    if problem := rules.KPI_VALUE.problem(value, high=kpi.high):
        raise InvalidInput(problem, {"value": [problem]})
    return float(value)


def _under_lock(
    user: User, engagement: Engagement, kpi_code: str, value: Any
) -> tuple[Engagement, Kpi, float, Outcome | None, list[Outcome]]:
    """Check who asks and what was sent, lock the need, and read the engagement, this KPI's
    outcome (None when not recorded) and all its recorded outcomes again under the lock."""
    _owned(user, engagement)
    kpi = _kpi(engagement, kpi_code)
    number = _value(kpi, value)
    lock_need(engagement.need_id)
    engagement = db.session.get(Engagement, engagement.id)
    taken = outcomes_of(engagement)
    outcome = next((o for o in taken if o.kpi == kpi.code), None)
    return engagement, kpi, number, outcome, taken


# --- the recordings ------------------------------------------------------------------------


def record_baseline(user: User, engagement: Engagement, kpi_code: str, value: Any) -> Outcome:
    """The SME records a KPI's value before (or while) the work is done; once per KPI."""
    engagement, kpi, number, outcome, taken = _under_lock(user, engagement, kpi_code, value)
    if engagement.status != EngagementStatus.ACTIVE:
        raise DomainError(_("The work is completed: a baseline is recorded before it ends."))
    if outcome is not None:
        raise DomainError(_("The baseline of this KPI is already recorded."))
    if len(taken) >= MAX_OUTCOMES:
        raise DomainError(_("At most %(n)s KPIs per engagement.", n=MAX_OUTCOMES))
    outcome = Outcome(
        engagement_id=engagement.id,
        kpi=kpi.code,
        baseline=number,
        baseline_at=utcnow(),
        recorded_by_id=user.id,
    )
    db.session.add(outcome)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:
        raise DomainError(_("The baseline of this KPI is already recorded.")) from None
    audit.record(
        user,
        "outcome.baseline_recorded",
        outcome,
        engagement_id=engagement.id,
        kpi=kpi.code,
        value=number,
    )
    return outcome


def record_after(user: User, engagement: Engagement, kpi_code: str, value: Any) -> Outcome:
    """The SME records a KPI's value after the work, once the engagement is completed;
    once per KPI, and only for a KPI whose baseline was recorded."""
    engagement, kpi, number, outcome, _taken = _under_lock(user, engagement, kpi_code, value)
    if outcome is None:
        raise DomainError(_("Record the baseline of this KPI first: there is nothing to compare."))
    if outcome.after is not None:
        raise DomainError(_("The value after the work was already recorded for this KPI."))
    if engagement.status != EngagementStatus.COMPLETED:
        raise DomainError(
            _("The value after the work is recorded once the engagement is completed.")
        )
    outcome.after = number
    outcome.after_at = utcnow()
    audit.record(
        user,
        "outcome.after_recorded",
        outcome,
        engagement_id=engagement.id,
        kpi=kpi.code,
        value=number,
    )
    return outcome


def _correct(
    user: User,
    engagement: Engagement,
    kpi_code: str,
    value: Any,
    field: str,
    may_change: Callable[[Engagement, Outcome], None],
) -> Outcome:
    """Correct ``field`` ("baseline" or "after") of a recorded KPI under the need's lock;
    ``may_change`` raises when the value may no longer change."""
    engagement, kpi, number, outcome, _taken = _under_lock(user, engagement, kpi_code, value)
    if outcome is None:
        raise DomainError(_("Nothing is recorded for this KPI yet: record it first."))
    may_change(engagement, outcome)
    old = getattr(outcome, field)
    if number == old:
        message = _("This is the value already recorded: enter the corrected value.")
        raise InvalidInput(message, {"value": [message]})
    setattr(outcome, field, number)
    setattr(outcome, f"{field}_at", utcnow())
    audit.record(
        user,
        f"outcome.{field}_corrected",
        outcome,
        engagement_id=engagement.id,
        kpi=kpi.code,
        old=old,
        value=number,
    )
    return outcome


def correct_baseline(user: User, engagement: Engagement, kpi_code: str, value: Any) -> Outcome:
    """The SME corrects a KPI's baseline, only before the work began (its first delivery or
    the completion): a baseline changed later would not be the one recorded before it."""

    def may_change(engagement: Engagement, outcome: Outcome) -> None:
        if not baseline_correctable(engagement):
            raise DomainError(
                _(
                    "The work has begun: a baseline can no longer be corrected, or the review "
                    "would show it as recorded before the work."
                )
            )

    return _correct(user, engagement, kpi_code, value, "baseline", may_change)


def correct_after(user: User, engagement: Engagement, kpi_code: str, value: Any) -> Outcome:
    """The SME corrects a KPI's value after the work, until the engagement is reviewed."""

    def may_change(engagement: Engagement, outcome: Outcome) -> None:
        if outcome.after is None:
            raise DomainError(_("The value after the work is not recorded yet: record it first."))
        if reviewed(engagement):
            raise DomainError(
                _("The engagement is reviewed: the value after the work it showed stays as it is.")
            )

    return _correct(user, engagement, kpi_code, value, "after", may_change)


def reviewed(engagement: Engagement) -> bool:
    """Whether the engagement's review was submitted (whatever became of it since)."""
    found = db.session.scalar(sa.select(Review.id).where(Review.engagement_id == engagement.id))
    return found is not None


def baseline_correctable(engagement: Engagement) -> bool:
    """Whether a baseline may still be corrected (the pages offer the form only then)."""
    return engagement.status == EngagementStatus.ACTIVE and engagement.work_began_at is None
