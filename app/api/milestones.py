"""Milestones in the API: an engagement's plan, deliver, accept, reject, settle a dispute.

Files are delivered through the plan page (multipart); the API lists them with each
milestone."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from app.api import serialize
from app.api.core import operation
from app.api.problems import STATE_PROBLEMS
from app.api.schemas import AttachmentOut, In, NonEmpty, Out, Reason, ReasonIn, UtcDateTime
from app.models import Milestone, Role
from app.models import fields as rules
from app.services import attachments, engagements, milestone_plans, milestones


class MilestoneOut(Out):
    id: int
    engagement_id: int
    position: int
    name: str
    share_pct: int = Field(description="Share of the quote's price, in per cent.")
    due_week: int = Field(description="Weeks after the award.")
    due_on: date | None
    criteria: str
    status: Literal["planned", "delivered", "accepted", "rejected", "disputed"]
    delivery_note: str | None
    delivered_at: UtcDateTime | None
    files: list[AttachmentOut] = Field(description="What the vendor delivered it with.")
    rejection_reason: str | None
    rejections: int
    resolution: str | None = Field(description="A platform admin's decision on a dispute.")


class MilestonePlanOut(Out):
    engagement_id: int
    items: list[MilestoneOut]


class DeliverIn(In):
    note: Annotated[rules.DELIVERY_NOTE.api(), NonEmpty]


class ResolveIn(In):
    decision: Literal["accept", "redeliver"]
    reason: Reason


def _out(milestone: Milestone) -> MilestoneOut:
    files = attachments.for_owner(milestone_ids=[milestone.id])
    plain = {
        name: getattr(milestone, name)
        for name in MilestoneOut.model_fields
        if name not in ("status", "files")
    }
    return MilestoneOut(
        **plain, status=str(milestone.status), files=[serialize.attachment(f) for f in files]
    )


@operation(
    "GET",
    "/engagements/<id:engagement_id>/milestones",
    summary="The engagement's plan of milestones",
    tag="Milestones",
    roles=(Role.SME, Role.VENDOR, Role.ADMIN),
    response=MilestonePlanOut,
    problems=(401, 403, 404),
)
def list_milestones(user, engagement_id: int):
    engagement = engagements.get_engagement(user, engagement_id)
    return MilestonePlanOut(
        engagement_id=engagement.id, items=[_out(m) for m in milestone_plans.plan_for(engagement)]
    )


def _visible(user, milestone_id: int) -> Milestone:
    milestone = milestones.get_milestone(milestone_id)
    engagements.get_engagement(user, milestone.engagement_id)  # 404 for anyone else's
    return milestone


@operation(
    "POST",
    "/milestones/<id:milestone_id>/deliver",
    summary="The vendor marks a milestone delivered, with a note",
    tag="Milestones",
    roles=(Role.VENDOR,),
    body=DeliverIn,
    response=MilestoneOut,
    problems=STATE_PROBLEMS,
    files=True,
)
def deliver_milestone(user, milestone_id: int, body: DeliverIn, uploads):
    """With files (reports, photos of the installation): multipart/form-data with ``note``
    and ``files``."""
    return _out(milestones.deliver(user, _visible(user, milestone_id), body.note, uploads))


@operation(
    "POST",
    "/milestones/<id:milestone_id>/accept",
    summary="The SME accepts a delivered milestone (the last one completes the engagement)",
    tag="Milestones",
    roles=(Role.SME,),
    response=MilestoneOut,
    problems=STATE_PROBLEMS,
)
def accept_milestone(user, milestone_id: int):
    return _out(milestones.accept(user, _visible(user, milestone_id)))


@operation(
    "POST",
    "/milestones/<id:milestone_id>/reject",
    summary="The SME rejects a delivered milestone with a reason (twice opens a dispute)",
    tag="Milestones",
    roles=(Role.SME,),
    body=ReasonIn,
    response=MilestoneOut,
    problems=STATE_PROBLEMS,
)
def reject_milestone(user, milestone_id: int, body: ReasonIn):
    return _out(milestones.reject(user, _visible(user, milestone_id), body.reason))


@operation(
    "POST",
    "/admin/milestones/<id:milestone_id>/resolve",
    summary="An admin settles a disputed milestone: accept it or ask for it again",
    tag="Admin",
    roles=(Role.ADMIN,),
    body=ResolveIn,
    response=MilestoneOut,
    problems=STATE_PROBLEMS,
)
def resolve_milestone(user, milestone_id: int, body: ResolveIn):
    milestone = milestones.get_milestone(milestone_id)
    return _out(milestones.resolve(user, milestone, body.decision, body.reason))
