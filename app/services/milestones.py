"""Milestones tied to acceptance: the vendor proposes them with a quote, the award turns them
into the engagement's plan, the vendor delivers each with a note, the SME accepts or rejects
it with a reason, and the engagement completes when every milestone is accepted.

Every transition locks the need the engagement belongs to first (the transition mechanism
of :mod:`app.services.transitions`), then checks who may and from which state, changes it,
audits and notifies, in the caller's one transaction. A milestone rejected twice is
disputed; only an admin resolves a dispute, with an audited decision and a reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError, InvalidInput, NotFound
from app.extensions import db
from app.models import (
    Engagement,
    EngagementStatus,
    Milestone,
    MilestoneStatus,
    Quote,
    User,
)
from app.models.base import utcnow
from app.models.milestones import DISPUTE_AFTER_REJECTIONS, MAX_DUE_WEEK, MAX_MILESTONES
from app.services import audit
from app.services.deals import require_vendor
from app.services.needs import require_sme
from app.services.notify import admins, members, notify_all
from app.services.reasons import clean_reason
from app.services.roles import require_admin
from app.services.transitions import lock_need

MAX_NAME = 200
MAX_CRITERIA = 2000
DECISIONS = ("accept", "redeliver")  # an admin's ways out of a dispute


# --- the plan proposed with a quote --------------------------------------------------------


def clean_plan(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The milestones a vendor proposes, checked: blank rows are dropped; each named row
    needs a share of 1-100 %, a due week and acceptance criteria; the shares add up to 100."""
    plan: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        name = (row.get("name") or "").strip()
        criteria = (row.get("criteria") or "").strip()
        share, week = row.get("share_pct"), row.get("due_week")
        if not (name or criteria or share or week):
            continue
        key = f"milestones-{index}"
        problems = []
        if not name or len(name) > MAX_NAME:
            problems.append(_("Name each milestone (at most %(n)s characters).", n=MAX_NAME))
        if not criteria or len(criteria) > MAX_CRITERIA:
            problems.append(
                _(
                    "Say how the enterprise will accept it (at most %(n)s characters).",
                    n=MAX_CRITERIA,
                )
            )
        if not isinstance(share, int) or not 1 <= share <= 100:
            problems.append(_("Give its share of the price, 1 to 100 %."))
        if not isinstance(week, int) or not 1 <= week <= MAX_DUE_WEEK:
            problems.append(_("Give the week it is due, 1 to %(n)s.", n=MAX_DUE_WEEK))
        if problems:
            errors[key] = problems
        plan.append({"name": name, "criteria": criteria, "share_pct": share, "due_week": week})
    if len(plan) > MAX_MILESTONES:
        errors["milestones"] = [_("At most %(n)s milestones.", n=MAX_MILESTONES)]
    if plan and not errors and sum(m["share_pct"] for m in plan) != 100:
        errors["milestones"] = [
            _(
                "The shares add up to %(total)s %%; they must add up to 100 %%.",
                total=sum(m["share_pct"] for m in plan),
            )
        ]
    if errors:
        raise InvalidInput(_("Please correct the milestones."), errors)
    return plan


def set_quote_plan(user: User, quote: Quote, rows: Iterable[Mapping[str, Any]]) -> list[Milestone]:
    """Replace the milestones proposed with the vendor's live quote (none is allowed)."""
    org = require_vendor(user)
    if quote.vendor_id != org.id:
        raise NotFound(_("No such quote."))
    plan = clean_plan(rows)
    if any(m.engagement_id is not None for m in quote_plan(quote)):
        raise DomainError(_("The plan of an awarded quote is the engagement's; it is fixed."))
    db.session.execute(sa.delete(Milestone).where(Milestone.quote_id == quote.id))
    milestones = [
        Milestone(quote_id=quote.id, position=i, status=MilestoneStatus.PLANNED, **fields)
        for i, fields in enumerate(plan, start=1)
    ]
    db.session.add_all(milestones)
    if milestones:
        audit.record(user, "quote.milestones_proposed", quote, count=len(milestones))
    return milestones


def quote_plan(quote: Quote) -> list[Milestone]:
    return list(
        db.session.scalars(
            sa.select(Milestone).where(Milestone.quote_id == quote.id).order_by(Milestone.position)
        )
    )


def start_plan(engagement: Engagement, quote: Quote, *, today: date | None = None) -> None:
    """At the award: the accepted quote's milestones become the engagement's plan."""
    start = today or utcnow().date()
    for milestone in quote_plan(quote):
        milestone.engagement_id = engagement.id
        milestone.due_on = start + timedelta(weeks=milestone.due_week)


def plan_for(engagement: Engagement) -> list[Milestone]:
    return list(
        db.session.scalars(
            sa.select(Milestone)
            .where(Milestone.engagement_id == engagement.id)
            .order_by(Milestone.position)
        )
    )


def require_all_accepted(engagement: Engagement) -> None:
    """An engagement with a plan completes only when every milestone is accepted."""
    waiting = [m for m in plan_for(engagement) if m.status != MilestoneStatus.ACCEPTED]
    if waiting:
        raise DomainError(
            _(
                "%(n)s milestone(s) are not accepted yet, e.g. “%(name)s”.",
                n=len(waiting),
                name=waiting[0].name,
            )
        )


# --- the transitions ---------------------------------------------------------------------


def get_milestone(milestone_id: int) -> Milestone:
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.engagement_id is None:
        raise NotFound(_("No such milestone."))
    return milestone


def _locked(milestone: Milestone) -> tuple[Milestone, Engagement]:
    """The milestone and its engagement, read again under the need's lock."""
    lock_need(milestone.engagement.need_id)
    milestone = db.session.get(Milestone, milestone.id)
    engagement = milestone.engagement
    if engagement.status != EngagementStatus.ACTIVE:
        raise DomainError(_("This engagement is completed; its milestones are closed."))
    return milestone, engagement


def _state(milestone: Milestone) -> str:
    from app.status_labels import status_label

    return status_label(milestone.status)


def _plan_link(engagement: Engagement) -> str:
    """Both parties (and admins) read the same plan page."""
    return f"/engagements/{engagement.id}/plan"


def deliver(user: User, milestone: Milestone, note: str) -> Milestone:
    """The vendor says a planned (or rejected) milestone is delivered, with a note."""
    org = require_vendor(user)
    if milestone.engagement.vendor_id != org.id:
        raise NotFound(_("No such milestone."))
    note = clean_reason(note, ask=_("Say what you delivered and where the enterprise finds it."))
    milestone, engagement = _locked(milestone)
    if not milestone.is_open:
        raise DomainError(
            _("This milestone is %(state)s; it cannot be delivered now.", state=_state(milestone))
        )
    milestone.status = MilestoneStatus.DELIVERED
    milestone.delivery_note = note
    milestone.delivered_at = utcnow()
    audit.record(user, "milestone.delivered", milestone, engagement_id=engagement.id)
    notify_all(
        members(engagement.sme_id),
        "milestone.delivered",
        link=_plan_link(engagement),
        name=milestone.name,
        need=engagement.need.title,
    )
    return milestone


def _sme_owns(user: User, milestone: Milestone) -> None:
    org = require_sme(user)
    if milestone.engagement.sme_id != org.id:
        raise NotFound(_("No such milestone."))


def accept(user: User, milestone: Milestone) -> Milestone:
    """The SME accepts a delivered milestone; the last acceptance completes the engagement."""
    _sme_owns(user, milestone)
    milestone, engagement = _locked(milestone)
    if milestone.status != MilestoneStatus.DELIVERED:
        raise DomainError(
            _(
                "Only a delivered milestone can be accepted (this one is %(state)s).",
                state=_state(milestone),
            )
        )
    _accepted(user, milestone, engagement)
    return milestone


def _accepted(actor: User, milestone: Milestone, engagement: Engagement) -> None:
    milestone.status = MilestoneStatus.ACCEPTED
    milestone.decided_at = utcnow()
    audit.record(actor, "milestone.accepted", milestone, engagement_id=engagement.id)
    notify_all(
        members(engagement.vendor_id),
        "milestone.accepted",
        link=_plan_link(engagement),
        name=milestone.name,
        need=engagement.need.title,
    )
    if all(m.status == MilestoneStatus.ACCEPTED for m in plan_for(engagement)):
        from app.services.deals import finish_engagement

        finish_engagement(actor, engagement)


def reject(user: User, milestone: Milestone, reason: str) -> Milestone:
    """The SME rejects a delivered milestone with a reason; the second rejection disputes it."""
    _sme_owns(user, milestone)
    reason = clean_reason(reason, ask=_("Tell the vendor what is missing."))
    milestone, engagement = _locked(milestone)
    if milestone.status != MilestoneStatus.DELIVERED:
        raise DomainError(
            _(
                "Only a delivered milestone can be rejected (this one is %(state)s).",
                state=_state(milestone),
            )
        )
    milestone.rejections += 1
    milestone.rejection_reason = reason
    milestone.decided_at = utcnow()
    disputed = milestone.rejections >= DISPUTE_AFTER_REJECTIONS
    milestone.status = MilestoneStatus.DISPUTED if disputed else MilestoneStatus.REJECTED
    audit.record(
        user,
        "milestone.disputed" if disputed else "milestone.rejected",
        milestone,
        reason=reason,
        engagement_id=engagement.id,
        rejections=milestone.rejections,
    )
    notify_all(
        members(engagement.vendor_id),
        "milestone.disputed" if disputed else "milestone.rejected",
        link=_plan_link(engagement),
        name=milestone.name,
        need=engagement.need.title,
        reason=reason,
    )
    if disputed:
        notify_all(
            admins(),
            "milestone.dispute_opened",
            link="/admin/disputes",
            name=milestone.name,
            need=engagement.need.title,
        )
    return milestone


def resolve(admin: User, milestone: Milestone, decision: str, reason: str) -> Milestone:
    """An admin settles a disputed milestone: accepted as delivered, or to be delivered
    again (its rejection count starts afresh). The decision and its reason are audited."""
    require_admin(admin)
    if decision not in DECISIONS:
        raise InvalidInput(_("Choose a decision."), {"decision": [_("Choose a decision.")]})
    reason = clean_reason(reason, ask=_("Give both parties the reason for your decision."))
    milestone, engagement = _locked(milestone)
    if milestone.status != MilestoneStatus.DISPUTED:
        raise DomainError(_("Only a disputed milestone can be resolved."))
    milestone.resolution = reason
    milestone.resolved_by_id = admin.id
    audit.record(
        admin,
        "milestone.resolved",
        milestone,
        reason=reason,
        decision=decision,
        engagement_id=engagement.id,
    )
    for org_id in (engagement.sme_id, engagement.vendor_id):
        notify_all(
            members(org_id),
            "milestone.resolved_accepted" if decision == "accept" else "milestone.resolved_redo",
            link=_plan_link(engagement),
            name=milestone.name,
            reason=reason,
        )
    if decision == "accept":
        _accepted(admin, milestone, engagement)
    else:
        milestone.status = MilestoneStatus.REJECTED
        milestone.rejections = 0
    return milestone


def disputes() -> list[Milestone]:
    """Disputed milestones, oldest first: the admins' queue."""
    return list(
        db.session.scalars(
            sa.select(Milestone)
            .where(Milestone.status == MilestoneStatus.DISPUTED)
            .order_by(Milestone.decided_at, Milestone.id)
        )
    )


# --- time passes --------------------------------------------------------------------------


def notify_overdue(today: date | None = None) -> int:
    """Tell both parties once about each milestone past its due date and not delivered.

    Idempotent: a milestone already told about is skipped, so running it twice (or from a
    retried job) sends nothing twice. Returns how many milestones were announced.
    """
    today = today or utcnow().date()
    due = list(
        db.session.scalars(
            sa.select(Milestone)
            .join(Engagement, Engagement.id == Milestone.engagement_id)
            .where(
                Engagement.status == EngagementStatus.ACTIVE,
                Milestone.status.in_((MilestoneStatus.PLANNED, MilestoneStatus.REJECTED)),
                Milestone.due_on < today,
                Milestone.overdue_notified_on.is_(None),
            )
            .order_by(Milestone.id)
        )
    )
    for milestone in due:
        engagement = milestone.engagement
        lock_need(engagement.need_id)
        milestone = db.session.get(Milestone, milestone.id)
        if milestone.overdue_notified_on is not None or not milestone.is_open:
            continue  # another run got here first
        milestone.overdue_notified_on = today
        audit.record(None, "milestone.overdue", milestone, due_on=milestone.due_on.isoformat())
        for org_id, link in (
            (engagement.sme_id, _plan_link(engagement)),
            (engagement.vendor_id, _plan_link(engagement)),
        ):
            notify_all(
                members(org_id),
                "milestone.overdue",
                link=link,
                name=milestone.name,
                need=engagement.need.title,
                due=milestone.due_on.isoformat(),
            )
    return len(due)
