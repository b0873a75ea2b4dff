"""Vendor organisations through verification.

States: unverified → pending → verified → suspended (→ verified again); pending → rejected,
with a reason, → pending again when the vendor corrects it and re-applies.

Tiers of a verified vendor (:func:`verification_tier`): 1 the credit code was checked by an
admin; 2 the business documents were reviewed too; 3 on top of that, an on-platform track
record of completed engagements with good verified reviews.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.jobs.catalogue import catalogue_changed
from app.models import (
    ListingStatus,
    Organisation,
    OrgKind,
    PluginListing,
    Role,
    User,
    Verification,
)
from app.models.base import utcnow
from app.services import audit
from app.services.notify import admins, members, notify_all
from app.services.reasons import clean_reason
from app.services.roles import require_admin
from app.services.rows import contains, get_or_404
from plugins.uscc import normalize_uscc, uscc_problems

# A rejected vendor may correct its details and ask again.
REQUESTABLE = (Verification.UNVERIFIED, Verification.PENDING, Verification.REJECTED)
TRACK_RECORD_ENGAGEMENTS = 3  # completed engagements for tier 3
TRACK_RECORD_MIN_RATING = 4.0  # their mean verified rating


def check_uscc(code: str) -> str:
    """The normalised unified social credit code, or InvalidInput naming the problem."""
    problems = uscc_problems(code or "")
    if problems:
        message = _("Not a valid unified social credit code: %(problem)s", problem=problems[0])
        raise InvalidInput(message, {"uscc": [message]})
    return normalize_uscc(code)


def request_verification(user: User, uscc: str) -> Organisation:
    org = user.organisation
    if user.role != Role.VENDOR or org is None or org.kind != OrgKind.VENDOR:
        raise Forbidden(_("Only vendors can ask for verification."))
    if org.verification not in REQUESTABLE:
        raise DomainError(_("Your organisation is already %(state)s.", state=org.verification))
    reapplying = org.verification == Verification.REJECTED
    org.uscc = check_uscc(uscc)
    org.verification = Verification.PENDING
    org.verification_reason = None
    audit.record(user, "vendor.verification_requested", org, uscc=org.uscc, reapplied=reapplying)
    notify_all(admins(), "vendor.verification_requested", link="/admin/vendors", name=org.name)
    return org


def get_vendor(org_id: int) -> Organisation:
    """The vendor organisation ``org_id``; any other organisation is "no such vendor" (404),
    the same answer on the admin pages and in the API."""
    org = get_or_404(Organisation, org_id)
    if org.kind != OrgKind.VENDOR:
        raise NotFound(_("No such vendor."))
    return org


def _vendor_org(admin: User, org: Organisation) -> None:
    require_admin(admin)
    if org.kind != OrgKind.VENDOR:
        raise NotFound(_("No such vendor."))


def verify(admin: User, org: Organisation, *, documents_reviewed: bool = False) -> None:
    """Verify a pending vendor (its credit code checked) or reinstate a suspended one."""
    _vendor_org(admin, org)
    if org.verification not in (Verification.PENDING, Verification.SUSPENDED):
        raise DomainError(_("Only a pending or suspended vendor can be verified."))
    if not org.uscc:
        raise DomainError(_("The vendor has not given a unified social credit code."))
    was_suspended = org.verification == Verification.SUSPENDED
    org.verification = Verification.VERIFIED
    org.verified_at = utcnow()
    org.verification_reason = None
    if documents_reviewed and org.documents_reviewed_at is None:
        org.documents_reviewed_at = utcnow()
    audit.record(
        admin,
        "vendor.verified",
        org,
        reinstated=was_suspended,
        documents_reviewed=org.documents_reviewed_at is not None,
    )
    notify_all(members(org.id), "vendor.verified", link="/auth/profile", name=org.name)
    _restore_listings(org)


def mark_documents_reviewed(admin: User, org: Organisation) -> None:
    """Tier 2: an admin has reviewed a verified vendor's business documents."""
    _vendor_org(admin, org)
    if org.verification != Verification.VERIFIED:
        raise DomainError(_("Only a verified vendor's documents can be marked reviewed."))
    if org.documents_reviewed_at is not None:
        raise DomainError(_("This vendor's documents are already marked reviewed."))
    org.documents_reviewed_at = utcnow()
    audit.record(admin, "vendor.documents_reviewed", org)
    notify_all(members(org.id), "vendor.documents_reviewed", link="/auth/profile", name=org.name)


def reject(admin: User, org: Organisation, reason: str) -> None:
    """Refuse a verification request with a reason; the vendor may correct it and re-apply.

    Unlike a suspension this takes nothing down: the vendor was never verified.
    """
    _vendor_org(admin, org)
    reason = clean_reason(reason, ask=_("Give the vendor a reason."))
    if org.verification != Verification.PENDING:
        raise DomainError(_("Only a pending verification request can be rejected."))
    org.verification = Verification.REJECTED
    org.verification_reason = reason
    audit.record(admin, "vendor.verification_rejected", org, reason=reason)
    notify_all(
        members(org.id),
        "vendor.verification_rejected",
        link="/vendor/listings/",
        name=org.name,
        reason=reason,
    )


def suspend(admin: User, org: Organisation, reason: str) -> None:
    _vendor_org(admin, org)
    reason = clean_reason(reason, ask=_("Give the vendor a reason."))
    if org.verification == Verification.SUSPENDED:
        raise DomainError(_("This vendor is already suspended."))
    if org.verification != Verification.VERIFIED:
        raise DomainError(_("Only a verified vendor can be suspended; reject a request instead."))
    org.verification = Verification.SUSPENDED
    org.verification_reason = reason
    audit.record(admin, "vendor.suspended", org, reason=reason)
    notify_all(
        members(org.id),
        "vendor.suspended",
        link="/auth/profile",
        name=org.name,
        reason=reason,
    )
    _suspend_listings(org, reason)


def _suspend_listings(org: Organisation, reason: str) -> None:
    """A suspended vendor's published listings leave search and matching at once."""
    for listing in _listings(org, ListingStatus.PUBLISHED):
        listing.status = ListingStatus.SUSPENDED
        listing.rejection_reason = reason
        listing.suspended_with_vendor = True
        catalogue_changed(listing.slug)


def _restore_listings(org: Organisation) -> None:
    """Re-verifying brings back exactly the listings the vendor's suspension took down."""
    for listing in _listings(org, ListingStatus.SUSPENDED):
        if listing.suspended_with_vendor:
            listing.status = ListingStatus.PUBLISHED
            listing.rejection_reason = None
            listing.suspended_with_vendor = False
            catalogue_changed(listing.slug)


def _listings(org: Organisation, status: ListingStatus) -> list[PluginListing]:
    return list(
        db.session.scalars(
            sa.select(PluginListing).where(
                PluginListing.vendor_id == org.id, PluginListing.status == status
            )
        )
    )


def verification_tier(org: Organisation, completed: int, rating_mean: float | None) -> int:
    """0 not verified; 1 credit code checked; 2 documents reviewed; 3 track record too."""
    if org.verification != Verification.VERIFIED:
        return 0
    if org.documents_reviewed_at is None:
        return 1
    good_record = (
        completed >= TRACK_RECORD_ENGAGEMENTS
        and rating_mean is not None
        and rating_mean >= TRACK_RECORD_MIN_RATING
    )
    return 3 if good_record else 2


def _vendors() -> sa.Select:
    return sa.select(Organisation).where(Organisation.kind == OrgKind.VENDOR)


def pending_verification() -> list[Organisation]:
    """Vendors waiting for verification, longest waiting first."""
    query = _vendors().where(Organisation.verification == Verification.PENDING)
    return list(db.session.scalars(query.order_by(Organisation.updated_at, Organisation.id)))


def admin_query(q: str | None = None, status: str | None = None) -> sa.Select:
    """Vendors for the admin list, newest first; ``q`` searches name and credit code."""
    query = _vendors()
    if status:
        query = query.where(Organisation.verification == Verification(status))
    uscc = sa.func.coalesce(Organisation.uscc, "")
    query = query.where(contains(q, Organisation.name, uscc))
    return query.order_by(Organisation.created_at.desc(), Organisation.id.desc())
