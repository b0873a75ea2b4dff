"""Verified reviews: written by the SME of a completed engagement, answered, flagged."""

from __future__ import annotations

from app.api import serialize
from app.api.core import operation
from app.api.problems import STATE_PROBLEMS
from app.api.schemas import FlagIn, FlagOut, ReplyIn, ReviewIn, ReviewOut
from app.models import Role
from app.services import engagements, reviews


@operation(
    "POST",
    "/engagements/<id:engagement_id>/review",
    summary="Review the vendor of a completed engagement (once)",
    tag="Reviews",
    roles=(Role.SME,),
    body=ReviewIn,
    response=ReviewOut,
    status=201,
    problems=STATE_PROBLEMS,
)
def create_review(user, engagement_id: int, body: ReviewIn):
    """Overall rating and four dimensions, 1 to 5 stars each, and an optional text."""
    engagement = engagements.get_engagement(user, engagement_id)
    return serialize.review(reviews.create_review(user, engagement, body.model_dump()))


@operation(
    "POST",
    "/reviews/<id:review_id>/reply",
    summary="The reviewed vendor's public reply (once)",
    tag="Reviews",
    roles=(Role.VENDOR,),
    body=ReplyIn,
    response=ReviewOut,
    problems=STATE_PROBLEMS,
)
def reply(user, review_id: int, body: ReplyIn):
    review = reviews.get_review(review_id)
    return serialize.review(reviews.reply(user, review, body.text))


@operation(
    "POST",
    "/reviews/<id:review_id>/flag",
    summary="Ask the admins to look at a review",
    tag="Reviews",
    body=FlagIn,
    response=FlagOut,
    status=201,
    problems=STATE_PROBLEMS,
)
def flag(user, review_id: int, body: FlagIn):
    """Any signed-in user but its author, once per user."""
    review = reviews.get_review(review_id)
    return serialize.flag(reviews.flag(user, review, body.reason))
