"""Vendor organisations through verification: unverified → pending → verified → suspended."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.catalogue_events import catalogue_changed
from app.errors import DomainError, Forbidden, InvalidInput
from app.extensions import db
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
from plugins.uscc import normalize_uscc, uscc_problems


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
    if org.verification not in (Verification.UNVERIFIED, Verification.PENDING):
        raise DomainError(_("Your organisation is already %(state)s.", state=org.verification))
    org.uscc = check_uscc(uscc)
    org.verification = Verification.PENDING
    audit.record(user, "vendor.verification_requested", org, uscc=org.uscc)
    notify_all(admins(), "vendor.verification_requested", link="/admin/vendors", name=org.name)
    return org


def _vendor_org(admin: User, org: Organisation) -> None:
    require_admin(admin)
    if org.kind != OrgKind.VENDOR:
        raise DomainError(_("Only vendor organisations are verified."))


def verify(admin: User, org: Organisation) -> None:
    _vendor_org(admin, org)
    if org.verification not in (Verification.PENDING, Verification.SUSPENDED):
        raise DomainError(_("Only a pending or suspended vendor can be verified."))
    if not org.uscc:
        raise DomainError(_("The vendor has not given a unified social credit code."))
    was_suspended = org.verification == Verification.SUSPENDED
    org.verification = Verification.VERIFIED
    org.verified_at = utcnow()
    audit.record(admin, "vendor.verified", org, reinstated=was_suspended)
    notify_all(members(org.id), "vendor.verified", link="/auth/profile", name=org.name)
    _restore_listings(org)


def suspend(admin: User, org: Organisation, reason: str) -> None:
    _vendor_org(admin, org)
    reason = clean_reason(reason, ask=_("Give the vendor a reason."))
    if org.verification == Verification.SUSPENDED:
        raise DomainError(_("This vendor is already suspended."))
    org.verification = Verification.SUSPENDED
    audit.record(admin, "vendor.suspended", org, reason=reason)
    notify_all(
        members(org.id),
        "vendor.suspended",
        link="/auth/profile",
        name=org.name,
        reason=reason,
    )
    _suspend_listings(org, reason)


VENDOR_SUSPENDED = "vendor suspended: "


def _suspend_listings(org: Organisation, reason: str) -> None:
    """A suspended vendor's published listings leave search and matching at once."""
    for listing in _listings(org, ListingStatus.PUBLISHED):
        listing.status = ListingStatus.SUSPENDED
        listing.rejection_reason = VENDOR_SUSPENDED + reason
        catalogue_changed(listing.slug)


def _restore_listings(org: Organisation) -> None:
    """Re-verifying brings back exactly the listings the vendor's suspension took down."""
    for listing in _listings(org, ListingStatus.SUSPENDED):
        if (listing.rejection_reason or "").startswith(VENDOR_SUSPENDED):
            listing.status = ListingStatus.PUBLISHED
            listing.rejection_reason = None
            catalogue_changed(listing.slug)


def _listings(org: Organisation, status: ListingStatus) -> list[PluginListing]:
    return list(
        db.session.scalars(
            sa.select(PluginListing).where(
                PluginListing.vendor_id == org.id, PluginListing.status == status
            )
        )
    )
