"""Quotes: a vendor's structured answer to a request, revised or withdrawn while it is live.

States (DESIGN.md): submitted → accepted | rejected | withdrawn | expired; revisions keep the
replaced version in ``QuoteRevision``. Amounts are visible only to the requesting SME, the
quoting vendor and admins (:func:`can_see_quote`, :func:`quotes_for_need`). Nothing here
commits; every change locks the need first, so of two conflicting changes the second is
refused with what happened first (:func:`quote_gone`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.i18n.status_labels import status_label
from app.models import (
    PRICE_PARTS,
    Need,
    NeedStatus,
    Quote,
    QuoteRevision,
    QuoteStatus,
    Rfq,
    RfqStatus,
    Role,
    User,
)
from app.models import fields as rules
from app.services import audit
from app.services.notify import members, notify_all
from app.services.reasons import clean_reason
from app.services.recovery import require_verified
from app.services.rfqs import request_gone, require_vendor, see_need, vendor_owns
from app.services.transitions import lock_need

QUOTE_FIELDS = (*PRICE_PARTS, "delivery_weeks", "scope", "valid_until")


def clean_quote(fields: Mapping[str, Any], *, today: date | None = None) -> dict[str, Any]:
    """Validate a quote's structured breakdown; InvalidInput names every bad field."""
    today = today or date.today()
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for part in (*PRICE_PARTS, "delivery_weeks"):
        raw = fields.get(part)
        if raw in (None, "") and part != "delivery_weeks":
            raw = 0
        try:
            value = int(raw)
            if isinstance(raw, float) and not raw.is_integer():
                raise ValueError
        except (TypeError, ValueError):
            errors[part] = [_("Enter a whole number.")]
            continue
        problem = (rules.DELIVERY_WEEKS if part == "delivery_weeks" else rules.AMOUNT).problem(
            value
        )
        if problem:
            errors[part] = [problem]
            continue
        values[part] = value
    if not errors and sum(values[p] for p in PRICE_PARTS) <= 0:
        errors["licence"] = [_("A quote needs a price: fill in at least one amount.")]
    scope = (fields.get("scope") or "").strip()
    if not scope:
        errors["scope"] = [_("Describe what the price includes.")]
    elif rules.MESSAGE.problem(scope):
        errors["scope"] = [rules.MESSAGE.problem(scope)]
    values["scope"] = scope
    valid_until = fields.get("valid_until")
    if isinstance(valid_until, str):
        try:
            valid_until = date.fromisoformat(valid_until)
        except ValueError:
            valid_until = None
    if not isinstance(valid_until, date):
        errors["valid_until"] = [_("Enter the date until which the quote is valid.")]
    elif valid_until < today:
        errors["valid_until"] = [_("The date must not be in the past.")]
    values["valid_until"] = valid_until
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    return values


def submit_quote(user: User, rfq: Rfq, fields: Mapping[str, Any]) -> Quote:
    """Answer a request with a structured quote: request sent → quoted."""
    vendor_owns(user, rfq)
    require_verified(user)
    if rfq.need.organisation_id == user.organisation_id:
        raise Forbidden(_("You cannot quote for your own organisation."))
    values = clean_quote(fields)
    lock_need(rfq.need_id)
    if rfq.status != RfqStatus.SENT or rfq.need.status != NeedStatus.OPEN:
        raise DomainError(request_gone(rfq, "quote"))
    quote = Quote(
        rfq=rfq,
        need_id=rfq.need_id,
        vendor_id=rfq.vendor_id,
        author_id=user.id,
        status=QuoteStatus.SUBMITTED,
        revision=1,
        **values,
    )
    db.session.add(quote)
    rfq.status = RfqStatus.QUOTED
    db.session.flush()
    audit.record(user, "quote.submitted", quote, rfq_id=rfq.id, total=quote.first_year_total)
    notify_all(
        members(rfq.need.organisation_id),
        "quote.received",
        link=f"/needs/{rfq.need_id}/quotes",
        vendor=rfq.vendor.name,
        need=rfq.need.title,
    )
    return quote


def revise_quote(user: User, quote: Quote, fields: Mapping[str, Any]) -> Quote:
    """Replace a live quote's terms; the replaced version is kept as a revision."""
    rfq = _vendor_quote(user, quote)
    require_verified(user)
    values = clean_quote(fields)
    lock_need(quote.need_id)
    if quote.status != QuoteStatus.SUBMITTED:
        raise DomainError(quote_gone(quote, "revision"))
    if quote.need.status != NeedStatus.OPEN:
        raise DomainError(_("The need is no longer open for quotes."))
    db.session.add(
        QuoteRevision(
            quote=quote,
            revision=quote.revision,
            **{name: getattr(quote, name) for name in QUOTE_FIELDS},
        )
    )
    before = quote.first_year_total
    for name, value in values.items():
        setattr(quote, name, value)
    quote.revision += 1
    quote.author_id = user.id
    audit.record(
        user,
        "quote.revised",
        quote,
        revision=quote.revision,
        total_before=before,
        total=quote.first_year_total,
    )
    notify_all(
        members(quote.need.organisation_id),
        "quote.revised",
        link=f"/needs/{quote.need_id}/quotes",
        vendor=rfq.vendor.name,
        need=quote.need.title,
    )
    return quote


def withdraw_quote(user: User, quote: Quote, reason: str = "") -> Quote:
    """Take a live quote back; its request is open again (quote anew or decline)."""
    rfq = _vendor_quote(user, quote)
    reason = clean_reason(reason, required=False) or ""
    lock_need(quote.need_id)
    if quote.status != QuoteStatus.SUBMITTED:
        raise DomainError(quote_gone(quote, "withdrawal"))
    quote.status = QuoteStatus.WITHDRAWN
    if rfq.status == RfqStatus.QUOTED:
        rfq.status = RfqStatus.SENT
    audit.record(user, "quote.withdrawn", quote, reason=reason or None)
    notify_all(
        members(quote.need.organisation_id),
        "quote.withdrawn",
        link=f"/needs/{quote.need_id}/quotes",
        vendor=rfq.vendor.name,
        need=quote.need.title,
    )
    return quote


def live_quote(rfq: Rfq) -> Quote | None:
    """The request's current quote (submitted or accepted), if any."""
    for quote in reversed(rfq.quotes):
        if quote.status in (QuoteStatus.SUBMITTED, QuoteStatus.ACCEPTED):
            return quote
    return None


def can_see_quote(user: User | None, quote: Quote) -> bool:
    """Amounts are for the requesting SME, the quoting vendor and admins only."""
    if user is None or not getattr(user, "is_authenticated", True):
        return False
    if user.role == Role.ADMIN:
        return True
    if user.role == Role.VENDOR:
        return quote.vendor_id == user.organisation_id
    if user.role == Role.SME:
        return quote.need.organisation_id == user.organisation_id
    return False


def get_quote(user: User, quote_id: int) -> Quote:
    """A quote its viewer may see; anyone else gets 'not found'."""
    quote = db.session.get(Quote, quote_id)
    if quote is None or not can_see_quote(user, quote):
        raise NotFound(_("No such quote."))
    return quote


def quotes_for_need(user: User, need: Need, *, include_closed: bool = False) -> list[Quote]:
    """The quotes ``user`` may see for ``need``: all of them for its SME and admins, only
    their own for a vendor. Live ones (submitted or accepted) unless ``include_closed``."""
    query = sa.select(Quote).where(Quote.need_id == need.id).order_by(Quote.id)
    if not include_closed:
        query = query.where(Quote.status.in_([QuoteStatus.SUBMITTED, QuoteStatus.ACCEPTED]))
    if user.role == Role.VENDOR:
        query = query.where(Quote.vendor_id == user.organisation_id)
    elif user.role != Role.ADMIN:
        see_need(user, need)
    return list(db.session.scalars(query))


def quote_expired(quote: Quote, today: date | None = None) -> bool:
    """Expired, or past its validity date and not yet expired by the scheduled job."""
    if quote.status == QuoteStatus.EXPIRED:
        return True
    return quote.status == QuoteStatus.SUBMITTED and quote.valid_until < (today or date.today())


def comparable_quotes(user: User, need: Need) -> list[Quote]:
    """What the compare page shows: the live quotes, and an expired one while its request
    has no newer quote (marked expired, without an Accept button)."""
    quotes = quotes_for_need(user, need, include_closed=True)
    live_rfqs = {
        q.rfq_id for q in quotes if q.status in (QuoteStatus.SUBMITTED, QuoteStatus.ACCEPTED)
    }
    return [
        q
        for q in quotes
        if q.status in (QuoteStatus.SUBMITTED, QuoteStatus.ACCEPTED)
        or (q.status == QuoteStatus.EXPIRED and q.rfq_id not in live_rfqs)
    ]


def _vendor_quote(user: User, quote: Quote) -> Rfq:
    org = require_vendor(user)
    if quote.vendor_id != org.id:
        raise NotFound(_("No such quote."))
    return quote.rfq


def quote_gone(quote: Quote, arriving: str) -> str:
    """Why a quote can no longer be accepted, revised or withdrawn: what happened first."""
    status = quote.status
    if status == QuoteStatus.EXPIRED or quote_expired(quote):
        when = quote.valid_until.isoformat()
        return {
            "acceptance": _(
                "This quote expired on %(date)s and can no longer be accepted; ask the vendor "
                "for a new one.",
                date=when,
            ),
            "revision": _("This quote expired on %(date)s: send a new quote instead.", date=when),
            "withdrawal": _("This quote already expired on %(date)s.", date=when),
        }[arriving]
    if status == QuoteStatus.ACCEPTED:
        return {
            "acceptance": _("This quote was already accepted."),
            "revision": _("This quote was accepted before your revision arrived."),
            "withdrawal": _("This quote was accepted before your withdrawal arrived."),
        }[arriving]
    if status == QuoteStatus.WITHDRAWN:
        return {
            "acceptance": _("The vendor withdrew this quote before your acceptance arrived."),
            "revision": _("This quote was withdrawn before your revision arrived."),
            "withdrawal": _("This quote was already withdrawn."),
        }[arriving]
    if status == QuoteStatus.REJECTED:
        return {
            "acceptance": _("This quote was declined when the need was awarded or cancelled."),
            "revision": _(
                "This quote was declined before your revision arrived: the need was awarded "
                "to another quote or cancelled."
            ),
            "withdrawal": _(
                "This quote was declined before your withdrawal arrived: the need was awarded "
                "to another quote or cancelled."
            ),
        }[arriving]
    return _(
        "This quote is %(state)s: it can no longer be changed.", state=status_label(quote.status)
    )
