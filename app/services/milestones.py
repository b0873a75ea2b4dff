"""Milestones tied to acceptance: the vendor proposes them with a quote, the award turns them
into the engagement's plan, the vendor delivers each with a note (and files), the SME accepts
or rejects it with a reason, and the engagement completes when every milestone is accepted.

States: planned → delivered → accepted | rejected; rejected → delivered …; the second
rejection disputes the milestone, and only an admin settles a dispute (accepted as
delivered, or delivered again), with an audited decision and a reason both parties read.

Every transition is a change under the engagement's need: it locks the need first
(:func:`app.services.transitions.lock_need`, which re-reads everything), then checks who may
and from which state, changes, audits and notifies once, in the caller's one transaction
(nothing here commits). Of two conflicting transitions — an acceptance and a rejection of
one delivery, two acceptances of the last milestone — exactly one wins; the other is told
what happened first. The plan itself (proposed, copied, started) is
app.services.milestone_plans.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
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
    User,
)
from app.models import fields as rules
from app.models.base import utcnow
from app.models.milestones import DISPUTE_AFTER_REJECTIONS
from app.services import attachments, audit
from app.services.attachments import Upload
from app.services.engagements import finish_engagement
from app.services.milestone_plans import plan_for
from app.services.needs import require_sme
from app.services.notify import admins, members, notify_all
from app.services.reasons import clean_reason
from app.services.rfqs import require_vendor
from app.services.roles import require_admin
from app.services.transitions import lock_need

DECISIONS = ("accept", "redeliver")  # an admin's ways out of a dispute


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
    return milestone, milestone.engagement


def _require_active(engagement: Engagement) -> None:
    """After the milestone's own state (which says more about what happened first)."""
    if engagement.status != EngagementStatus.ACTIVE:
        raise DomainError(_("This engagement is completed; its milestones are closed."))


def _refusal(milestone: Milestone, arriving: str) -> str:
    """Why ``arriving`` (delivery, acceptance, rejection, resolution) no longer applies:
    what happened to the milestone first."""
    status = milestone.status
    if arriving == "resolution":
        if milestone.resolution is not None:
            return _("This dispute was settled before your decision arrived.")
        return _("Only a disputed milestone can be settled.")
    if status == MilestoneStatus.ACCEPTED:
        return {
            "delivery": _("This milestone is already accepted."),
            "acceptance": _("This milestone was already accepted."),
            "rejection": _("This milestone was accepted before your rejection arrived."),
        }[arriving]
    if status == MilestoneStatus.DISPUTED:
        return {
            "delivery": _("This milestone is in dispute: a platform admin decides first."),
            "acceptance": _(
                "This milestone went to a platform admin before your acceptance arrived."
            ),
            "rejection": _("This milestone is already in dispute: a platform admin decides."),
        }[arriving]
    if status == MilestoneStatus.REJECTED:
        return {
            "acceptance": _("This milestone was rejected before your acceptance arrived."),
            "rejection": _("This milestone was already rejected."),
        }[arriving]
    if status == MilestoneStatus.DELIVERED:
        return _("This milestone is already delivered; the enterprise is asked to accept it.")
    return _("This milestone is not delivered yet.")


def _plan_link(engagement: Engagement) -> str:
    """Both parties (and admins) read the same plan page."""
    return f"/engagements/{engagement.id}/plan"


def _tell(users, kind: str, milestone: Milestone, engagement: Engagement, **params: Any) -> None:
    """Notify ``users`` about ``milestone``: the plan page, its name and the need's title."""
    notify_all(
        users,
        kind,
        link=_plan_link(engagement),
        name=milestone.name,
        need=engagement.need.title,
        **params,
    )


def clean_note(note: str | None) -> str:
    text = (note or "").strip()
    if not text:
        message = _("Say what you delivered and where the enterprise finds it.")
        raise InvalidInput(message, {"note": [message]})
    if problem := rules.DELIVERY_NOTE.problem(text):
        raise InvalidInput(problem, {"note": [problem]})
    return text


def deliver(user: User, milestone: Milestone, note: str, files: Iterable[Upload] = ()) -> Milestone:
    """The vendor says a planned (or rejected) milestone is delivered, with a note and
    optionally files (checked and stored as attachments of the milestone)."""
    org = require_vendor(user)
    if milestone.engagement.vendor_id != org.id:
        raise NotFound(_("No such milestone."))
    note = clean_note(note)
    files = list(files)
    milestone, engagement = _locked(milestone)
    if not milestone.is_open:
        raise DomainError(_refusal(milestone, "delivery"))
    _require_active(engagement)
    stored = attachments.store(user, files, milestone=milestone)
    milestone.status = MilestoneStatus.DELIVERED
    milestone.delivery_note = note
    milestone.delivered_at = utcnow()
    engagement.work_began_at = engagement.work_began_at or milestone.delivered_at
    audit.record(
        user,
        "milestone.delivered",
        milestone,
        engagement_id=engagement.id,
        files=[a.filename for a in stored],
    )
    _tell(members(engagement.sme_id), "milestone.delivered", milestone, engagement)
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
        raise DomainError(_refusal(milestone, "acceptance"))
    _require_active(engagement)
    milestone.status = MilestoneStatus.ACCEPTED
    milestone.decided_at = utcnow()
    audit.record(user, "milestone.accepted", milestone, engagement_id=engagement.id)
    _tell(members(engagement.vendor_id), "milestone.accepted", milestone, engagement)
    _complete_when_all_accepted(user, engagement)
    return milestone


def _complete_when_all_accepted(actor: User, engagement: Engagement) -> None:
    if all(m.status == MilestoneStatus.ACCEPTED for m in plan_for(engagement)):
        finish_engagement(actor, engagement)


def reject(user: User, milestone: Milestone, reason: str) -> Milestone:
    """The SME rejects a delivered milestone with a reason; the second rejection disputes it."""
    _sme_owns(user, milestone)
    reason = clean_reason(reason, ask=_("Tell the vendor what is missing."))
    milestone, engagement = _locked(milestone)
    if milestone.status != MilestoneStatus.DELIVERED:
        raise DomainError(_refusal(milestone, "rejection"))
    _require_active(engagement)
    milestone.rejections += 1
    milestone.rejection_reason = reason
    milestone.decided_at = utcnow()
    disputed = milestone.rejections >= DISPUTE_AFTER_REJECTIONS
    milestone.status = MilestoneStatus.DISPUTED if disputed else MilestoneStatus.REJECTED
    kind = "milestone.disputed" if disputed else "milestone.rejected"
    audit.record(
        user,
        kind,
        milestone,
        reason=reason,
        engagement_id=engagement.id,
        rejections=milestone.rejections,
    )
    _tell(members(engagement.vendor_id), kind, milestone, engagement, reason=reason)
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
    """An admin settles a disputed milestone: accepted as delivered (the last acceptance
    completes the engagement), or to be delivered again (its rejection count starts
    afresh). One audited decision with its reason; both parties are told why."""
    require_admin(admin)
    if decision not in DECISIONS:
        raise InvalidInput(_("Choose a decision."), {"decision": [_("Choose a decision.")]})
    reason = clean_reason(reason, ask=_("Give both parties the reason for your decision."))
    milestone, engagement = _locked(milestone)
    if milestone.status != MilestoneStatus.DISPUTED:
        raise DomainError(_refusal(milestone, "resolution"))
    _require_active(engagement)
    milestone.resolution = reason
    milestone.resolved_by_id = admin.id
    milestone.decided_at = utcnow()
    if decision == "accept":
        milestone.status = MilestoneStatus.ACCEPTED
    else:
        milestone.status = MilestoneStatus.REJECTED
        milestone.rejections = 0
    audit.record(
        admin,
        "milestone.resolved",
        milestone,
        reason=reason,
        decision=decision,
        engagement_id=engagement.id,
    )
    _tell(
        [*members(engagement.sme_id), *members(engagement.vendor_id)],
        "milestone.resolved_accepted" if decision == "accept" else "milestone.resolved_redo",
        milestone,
        engagement,
        reason=reason,
    )
    if decision == "accept":
        _complete_when_all_accepted(admin, engagement)
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


# --- time passes (app.services.expiry.tick) --------------------------------------------------


def overdue_ids(now: datetime) -> list[int]:
    """Milestones of active engagements past their due date, not delivered, not yet told."""
    return list(
        db.session.scalars(
            sa.select(Milestone.id)
            .join(Engagement, Engagement.id == Milestone.engagement_id)
            .where(
                Engagement.status == EngagementStatus.ACTIVE,
                Milestone.status.in_((MilestoneStatus.PLANNED, MilestoneStatus.REJECTED)),
                Milestone.due_on < now.date(),
                Milestone.overdue_notified_on.is_(None),
            )
            .order_by(Milestone.id)
        )
    )


def announce_overdue(milestone_id: int, now: datetime) -> bool:
    """Tell both parties once that a milestone is overdue; False when it no longer is, or
    another tick told them first (the check is made again under the need's lock)."""
    milestone = db.session.get(Milestone, milestone_id)
    if milestone is None or milestone.engagement_id is None:
        return False
    lock_need(milestone.engagement.need_id)
    milestone = db.session.get(Milestone, milestone_id)
    engagement = milestone.engagement
    today = now.date()
    if (
        engagement.status != EngagementStatus.ACTIVE
        or not milestone.is_open
        or milestone.overdue_notified_on is not None
        or milestone.due_on is None
        or milestone.due_on >= today
    ):
        return False
    milestone.overdue_notified_on = today
    audit.record(None, "milestone.overdue", milestone, due_on=milestone.due_on.isoformat())
    _tell(
        [*members(engagement.sme_id), *members(engagement.vendor_id)],
        "milestone.overdue",
        milestone,
        engagement,
        due=milestone.due_on.isoformat(),
    )
    return True
