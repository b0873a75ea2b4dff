"""Moderation by platform admins: listings, vendors, matches, reviews, the audit log."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.api import serialize
from app.api.core import operation
from app.api.pagination import paginate
from app.api.problems import STATE_PROBLEMS
from app.api.schemas import (
    AuditOut,
    AuditQuery,
    MatchOut,
    OptionalReasonIn,
    OrganisationOut,
    PageQuery,
    PluginOut,
    ReasonIn,
    ReviewOut,
    page_of,
)
from app.errors import NotFound
from app.extensions import db
from app.models import Match, PluginListing, Review, Role
from app.services import audit, listings, match_moderation, review_moderation, vendors
from app.services.rows import get_or_404

AuditPage = page_of(AuditOut)
ADMIN = (Role.ADMIN,)


def _listing(slug: str) -> PluginListing:
    listing = db.session.scalar(sa.select(PluginListing).where(PluginListing.slug == slug))
    if listing is None:
        raise NotFound(_("No such plug-in listing."))
    return listing


@operation(
    "POST",
    "/admin/plugins/<slug>/approve",
    summary="Publish a listing waiting for review",
    tag="Admin",
    roles=ADMIN,
    response=PluginOut,
    problems=STATE_PROBLEMS,
)
def approve_plugin(user, slug: str):
    listing = _listing(slug)
    listings.approve(user, listing)
    return serialize.plugin(listing)


@operation(
    "POST",
    "/admin/plugins/<slug>/reject",
    summary="Reject a listing waiting for review, with a reason",
    tag="Admin",
    roles=ADMIN,
    body=ReasonIn,
    response=PluginOut,
    problems=STATE_PROBLEMS,
)
def reject_plugin(user, slug: str, body: ReasonIn):
    listing = _listing(slug)
    listings.reject(user, listing, body.reason)
    return serialize.plugin(listing)


@operation(
    "POST",
    "/admin/vendors/<id:org_id>/verify",
    summary="Verify a pending (or reinstate a suspended) vendor organisation",
    tag="Admin",
    roles=ADMIN,
    response=OrganisationOut,
    problems=STATE_PROBLEMS,
)
def verify_vendor(user, org_id: int):
    """``org_id`` is the organisation's id (``organisation.id`` of its accounts,
    ``vendor.id`` of its plug-ins)."""
    org = vendors.get_vendor(org_id)
    vendors.verify(user, org)
    return serialize.organisation(org)


@operation(
    "POST",
    "/admin/vendors/<id:org_id>/suspend",
    summary="Suspend a vendor organisation; its listings leave the catalogue",
    tag="Admin",
    roles=ADMIN,
    body=ReasonIn,
    response=OrganisationOut,
    problems=STATE_PROBLEMS,
)
def suspend_vendor(user, org_id: int, body: ReasonIn):
    org = vendors.get_vendor(org_id)
    vendors.suspend(user, org, body.reason)
    return serialize.organisation(org)


@operation(
    "POST",
    "/admin/vendors/<id:org_id>/reject",
    summary="Reject a pending verification request with a reason; the vendor may re-apply",
    tag="Admin",
    roles=ADMIN,
    body=ReasonIn,
    response=OrganisationOut,
    problems=STATE_PROBLEMS,
)
def reject_vendor(user, org_id: int, body: ReasonIn):
    org = vendors.get_vendor(org_id)
    vendors.reject(user, org, body.reason)
    return serialize.organisation(org)


@operation(
    "POST",
    "/admin/matches/<id:match_id>/pin",
    summary="Put a match first in the SME's list",
    tag="Admin",
    roles=ADMIN,
    body=OptionalReasonIn,
    body_required=False,
    response=MatchOut,
    problems=STATE_PROBLEMS,
)
def pin_match(user, match_id: int, body: OptionalReasonIn):
    match = get_or_404(Match, match_id)
    return serialize.match(match_moderation.pin_match(user, match, body.reason))


@operation(
    "POST",
    "/admin/matches/<id:match_id>/hide",
    summary="Take a match out of the SME's list, with a reason",
    tag="Admin",
    roles=ADMIN,
    body=ReasonIn,
    response=MatchOut,
    problems=STATE_PROBLEMS,
)
def hide_match(user, match_id: int, body: ReasonIn):
    match = get_or_404(Match, match_id)
    return serialize.match(match_moderation.hide_match(user, match, body.reason))


@operation(
    "POST",
    "/admin/reviews/<id:review_id>/remove",
    summary="Remove a flagged review (it stops counting)",
    tag="Admin",
    roles=ADMIN,
    body=ReasonIn,
    response=ReviewOut,
    problems=STATE_PROBLEMS,
)
def remove_review(user, review_id: int, body: ReasonIn):
    review = get_or_404(Review, review_id)
    return serialize.review(review_moderation.remove_review(user, review, body.reason))


@operation(
    "POST",
    "/admin/reviews/<id:review_id>/keep",
    summary="Keep a flagged review published",
    tag="Admin",
    roles=ADMIN,
    body=ReasonIn,
    response=ReviewOut,
    problems=STATE_PROBLEMS,
)
def keep_review(user, review_id: int, body: ReasonIn):
    review = get_or_404(Review, review_id)
    return serialize.review(review_moderation.keep_review(user, review, body.reason))


@operation(
    "GET",
    "/admin/audit",
    summary="The audit log, newest first",
    tag="Admin",
    roles=ADMIN,
    query=(AuditQuery, PageQuery),
    response=AuditPage,
    problems=(401, 403, 422),
)
def audit_log(user, query):
    filters, page = query
    subject_type = subject_id = None
    if filters.subject:
        subject_type, _sep, number = filters.subject.partition(":")
        subject_id = int(number) if number else None
    source = audit.audit_query(
        actor=filters.actor,
        action=filters.action or None,
        subject_type=subject_type,
        subject_id=subject_id,
    )
    return paginate(source, page, serialize.audit_event)
