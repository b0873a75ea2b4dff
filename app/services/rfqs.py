"""Requests for quotes: an SME asks up to ``RFQ_CAP_PER_NEED`` vendors of its matches, a
vendor answers with a quote (:mod:`app.services.quotes`) or declines.

States (DESIGN.md): sent → quoted | declined | expired; quoted → awarded | lost (a withdrawn
quote puts its request back to sent, so the vendor may quote again or decline).

Who may: an SME acts on its own organisation's needs, a vendor on the requests addressed to
its own organisation; anyone else's object is "not found". Nothing here commits. Every state
change locks the need first (:func:`app.services.transitions.lock_need`) and checks the states
it reads afterwards; the cap is counted under that lock.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.i18n.status_labels import status_label
from app.models import (
    ListingStatus,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Organisation,
    OrgKind,
    PluginListing,
    Rfq,
    RfqStatus,
    Role,
    User,
    Verification,
)
from app.models import fields as rules
from app.services import audit, plugin_hooks
from app.services.matching import blocked_vendor_ids
from app.services.needs import require_sme
from app.services.notify import members, notify_all
from app.services.reasons import clean_reason
from app.services.recovery import require_verified
from app.services.transitions import lock_need


def require_vendor(user: User) -> Organisation:
    """The vendor organisation ``user`` acts for."""
    if user.role != Role.VENDOR or user.organisation is None:
        raise Forbidden(_("Only vendors can answer requests for quotes."))
    if user.organisation.kind != OrgKind.VENDOR:
        raise Forbidden(_("Only vendors can answer requests for quotes."))
    return user.organisation


def rfq_cap() -> int:
    return int(current_app.config.get("RFQ_CAP_PER_NEED", 5))


def send_rfqs(user: User, need: Need, listing_ids: Iterable[int], message: str) -> list[Rfq]:
    """Ask the vendors of ``listing_ids`` to quote for ``need``, within the per-need cap."""
    org = require_sme(user)
    require_verified(user)
    if need.organisation_id != org.id:
        raise NotFound(_("No such need."))
    message = (message or "").strip()
    ids = list(dict.fromkeys(int(i) for i in listing_ids))
    errors: dict[str, list[str]] = {}
    if not ids:
        errors["listing_ids"] = [_("Choose at least one plug-in.")]
    if not message:
        errors["message"] = [_("Write a short message to the vendors.")]
    elif rules.MESSAGE.problem(message):
        errors["message"] = [rules.MESSAGE.problem(message)]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)

    need = lock_need(need.id)  # the cap is counted under the lock
    if need.status != NeedStatus.OPEN:
        raise DomainError(_("Requests for quotes can only be sent for an open need."))
    already = set(db.session.scalars(sa.select(Rfq.listing_id).where(Rfq.need_id == need.id)))
    cap = rfq_cap()
    left = cap - len(already)
    new_ids = [i for i in ids if i not in already]
    # Field errors, not conflicts: the form comes back with the ticks and the message kept.
    if len(new_ids) < len(ids):
        message = _("You already asked this plug-in's vendor for a quote.")
        raise InvalidInput(message, {"listing_ids": [message]})
    if len(new_ids) > left:
        message = _(
            "You can ask at most %(cap)s plug-ins per need for quotes; %(left)s left.",
            cap=cap,
            left=max(left, 0),
        )
        raise InvalidInput(message, {"listing_ids": [message]})
    listings = {
        item.id: item
        for item in db.session.scalars(sa.select(PluginListing).where(PluginListing.id.in_(ids)))
    }
    hidden = set(
        db.session.scalars(
            sa.select(Match.listing_id).where(
                Match.need_id == need.id, Match.status == MatchStatus.HIDDEN
            )
        )
    )
    blocked = blocked_vendor_ids(need)
    rfqs = []
    for listing_id in new_ids:
        listing = listings.get(listing_id)
        if listing is None or listing.status != ListingStatus.PUBLISHED:
            raise NotFound(_("No such plug-in in the catalogue."))
        if listing.id in hidden or listing.vendor_id in blocked:
            raise DomainError(_("“%(name)s” is not available for this need.", name=listing.name))
        if listing.vendor_id == org.id:
            raise Forbidden(_("You cannot ask your own organisation for a quote."))
        if listing.vendor.verification == Verification.SUSPENDED:
            raise DomainError(_("“%(name)s” is not available for this need.", name=listing.name))
        rfq = Rfq(
            need=need,
            listing=listing,
            vendor_id=listing.vendor_id,
            sender_id=user.id,
            message=message,
            status=RfqStatus.SENT,
        )
        db.session.add(rfq)
        db.session.flush()
        audit.record(user, "rfq.sent", rfq, need_id=need.id, listing=listing.slug)
        notify_all(
            members(listing.vendor_id),
            "rfq.received",
            link=f"/vendor/rfqs/{rfq.id}",
            name=listing.name,
            need=need.title,
        )
        plugin_hooks.announce_rfq(rfq)
        rfqs.append(rfq)
    return rfqs


def rfqs_for_need(user: User, need: Need) -> list[Rfq]:
    """The requests the SME sent for its need (statuses, no amounts)."""
    see_need(user, need)
    return list(
        db.session.scalars(
            sa.select(Rfq)
            .where(Rfq.need_id == need.id)
            .order_by(Rfq.id)
            # the need page names each request's plug-in and vendor: one statement, not 2 per row
            .options(joinedload(Rfq.listing), joinedload(Rfq.vendor))
        )
    )


def get_rfq_for_vendor(user: User, rfq_id: int) -> Rfq:
    """A request addressed to the user's organisation; anyone else's is 'not found'."""
    org = require_vendor(user)
    rfq = db.session.get(Rfq, rfq_id)
    if rfq is None or rfq.vendor_id != org.id:
        raise NotFound(_("No such request for quote."))
    return rfq


def vendor_inbox(user: User, statuses: Iterable[RfqStatus] | None = None) -> sa.Select:
    """Requests sent to the vendor's own plug-ins, newest first, optionally by status."""
    org = require_vendor(user)
    query = sa.select(Rfq).where(Rfq.vendor_id == org.id)
    if statuses is not None:
        query = query.where(Rfq.status.in_(list(statuses)))
    return query.order_by(Rfq.created_at.desc(), Rfq.id.desc())


def sme_requests(user: User, status: RfqStatus | str | None = None) -> sa.Select:
    """Requests the SME sent for any of its needs, newest first, optionally by status."""
    org = require_sme(user)
    query = sa.select(Rfq).join(Need, Rfq.need_id == Need.id)
    query = query.where(Need.organisation_id == org.id)
    if status is not None:
        query = query.where(Rfq.status == status)
    return query.order_by(Rfq.created_at.desc(), Rfq.id.desc())


def decline_rfq(user: User, rfq: Rfq, reason: str) -> Rfq:
    """The vendor will not quote: sent → declined, with a reason the SME reads."""
    vendor_owns(user, rfq)
    reason = clean_reason(reason, ask=_("Tell the enterprise why you decline."))
    lock_need(rfq.need_id)
    if rfq.status != RfqStatus.SENT:
        raise DomainError(request_gone(rfq, "decline"))
    rfq.status = RfqStatus.DECLINED
    rfq.decline_reason = reason
    audit.record(user, "rfq.declined", rfq, reason=reason)
    notify_all(
        members(rfq.need.organisation_id),
        "rfq.declined",
        link=f"/needs/{rfq.need_id}",
        vendor=rfq.vendor.name,
        need=rfq.need.title,
        reason=reason,
    )
    return rfq


def see_need(user: User, need: Need) -> None:
    if user.role == Role.ADMIN:
        return
    if user.role != Role.SME or need.organisation_id != user.organisation_id:
        raise NotFound(_("No such need."))


def vendor_owns(user: User, rfq: Rfq) -> None:
    org = require_vendor(user)
    if rfq.vendor_id != org.id:
        raise NotFound(_("No such request for quote."))


def request_gone(rfq: Rfq, arriving: str) -> str:
    """Why a vendor can no longer quote for or decline ``rfq``."""
    need = rfq.need
    if need.status in (NeedStatus.AWARDED, NeedStatus.CLOSED) and rfq.status != RfqStatus.AWARDED:
        return {
            "quote": _("The need was awarded to another vendor before your quote arrived."),
            "decline": _("The need was awarded to another vendor before your answer arrived."),
        }[arriving]
    if need.status == NeedStatus.CANCELLED:
        return {
            "quote": _("The enterprise cancelled the need before your quote arrived."),
            "decline": _("The enterprise cancelled the need before your answer arrived."),
        }[arriving]
    if rfq.status == RfqStatus.QUOTED:
        return {
            "quote": _("You already sent a quote for this request; revise it instead."),
            "decline": _("You sent a quote for this request; withdraw it before declining."),
        }[arriving]
    if rfq.status == RfqStatus.DECLINED:
        return _("You already declined this request.")
    if need.status != NeedStatus.OPEN:
        return _("The need is no longer open for quotes.")
    return _("This request is %(state)s: it cannot be quoted.", state=status_label(rfq.status))
