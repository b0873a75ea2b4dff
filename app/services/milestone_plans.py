"""A milestone plan: proposed by the vendor with a quote, carried into a pooled request's
member quotes, made the engagement's plan at the award, and the rule that an engagement with a
plan completes only when every milestone is accepted. The deliveries and decisions on each
milestone are app.services.milestones."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError, InvalidInput, NotFound
from app.extensions import db
from app.models import Attachment, Engagement, Milestone, MilestoneStatus, Quote, QuoteStatus, User
from app.models import fields as rules
from app.models.base import utcnow
from app.models.milestones import MAX_MILESTONES
from app.services import attachments, audit
from app.services.rfqs import require_vendor
from app.services.transitions import lock_need

PLAN_FIELDS = ("name", "share_pct", "due_week", "criteria")


def clean_plan(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """The milestones a vendor proposes, checked: blank rows are dropped; each named row
    needs a share of the price, a due week and acceptance criteria (the bounds are the
    rules of :mod:`app.models.fields`); the shares add up to 100 %."""
    plan: list[dict[str, Any]] = []
    errors: dict[str, list[str]] = {}
    for index, row in enumerate(rows):
        name = (row.get("name") or "").strip()
        criteria = (row.get("criteria") or "").strip()
        share, week = row.get("share_pct"), row.get("due_week")
        if not (name or criteria or share or week):
            continue
        problems = []
        if not name:
            problems.append(_("Name each milestone."))
        elif problem := rules.MILESTONE_NAME.problem(name):
            problems.append(problem)
        if not criteria:
            problems.append(_("Say how the enterprise will accept it."))
        elif problem := rules.ACCEPTANCE_CRITERIA.problem(criteria):
            problems.append(problem)
        if share is None:
            problems.append(_("Give its share of the price in per cent."))
        elif problem := rules.MILESTONE_SHARE.problem(share):
            problems.append(problem)
        if week is None:
            problems.append(_("Give the week after the award it is due."))
        elif problem := rules.MILESTONE_DUE_WEEK.problem(week):
            problems.append(problem)
        if problems:
            errors[f"milestones-{index}"] = problems
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
    """Replace the milestones proposed with the vendor's submitted quote (none is allowed)."""
    org = require_vendor(user)
    if quote.vendor_id != org.id:
        raise NotFound(_("No such quote."))
    plan = clean_plan(rows)
    lock_need(quote.need_id)
    quote = db.session.get(Quote, quote.id)
    if quote.status != QuoteStatus.SUBMITTED:
        raise DomainError(_("Milestones go with a submitted quote; this one is settled."))
    before = [{k: getattr(m, k) for k in PLAN_FIELDS} for m in quote_plan(quote)]
    if before == [{k: m[k] for k in PLAN_FIELDS} for m in plan]:
        return quote_plan(quote)  # unchanged (a revision that kept the plan)
    db.session.execute(sa.delete(Milestone).where(Milestone.quote_id == quote.id))
    milestones = [
        Milestone(quote_id=quote.id, position=i, status=MilestoneStatus.PLANNED, **fields)
        for i, fields in enumerate(plan, start=1)
    ]
    db.session.add_all(milestones)
    audit.record(user, "quote.milestones_proposed", quote, count=len(milestones))
    return milestones


def copy_plan(source: Quote, target: Quote) -> None:
    """A pooled request's member quote carries the pool quote's plan (app.services.pools)."""
    db.session.add_all(
        Milestone(
            quote_id=target.id,
            position=m.position,
            status=MilestoneStatus.PLANNED,
            **{k: getattr(m, k) for k in PLAN_FIELDS},
        )
        for m in quote_plan(source)
    )
    db.session.flush()


def quote_plan(quote: Quote) -> list[Milestone]:
    return list(
        db.session.scalars(
            sa.select(Milestone).where(Milestone.quote_id == quote.id).order_by(Milestone.position)
        )
    )


def start_plan(engagement: Engagement, quote: Quote, *, today: date | None = None) -> None:
    """At the award (under the need's lock): the accepted quote's milestones become the
    engagement's plan, each due ``due_week`` weeks from today."""
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


def files_of(plan: Iterable[Milestone]) -> dict[int, list[Attachment]]:
    """The files each milestone was delivered with, by milestone id."""
    files: dict[int, list[Attachment]] = {}
    for item in attachments.for_owner(milestone_ids=[m.id for m in plan]):
        files.setdefault(item.milestone_id, []).append(item)
    return files


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
