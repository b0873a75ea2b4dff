"""Requests for quotes, quotes, awards and engagements: the deal half of the marketplace loop.

States (DESIGN.md):

- request for quote: sent → quoted | declined | expired; quoted → awarded | lost
  (a withdrawn quote puts its request back to sent, so the vendor may quote again or decline);
- quote: submitted → accepted | rejected | withdrawn | expired; revisions keep the
  replaced version in ``QuoteRevision``;
- engagement: active → completed (the need then goes awarded → closed).

Who may: an SME acts on its own organisation's needs, a vendor on the requests addressed to
its own organisation; anyone else's object is "not found". Quote amounts are visible only to
the requesting SME, the quoting vendor and admins (:func:`can_see_quote`,
:func:`quotes_for_need`). Nothing here commits; each function is one transaction's worth.

Every state change locks the need first (:func:`app.services.transitions.lock_need`) and
checks the states it reads afterwards, so of two conflicting changes the second is refused
with what happened ("this quote was accepted before your withdrawal arrived"); caps are
counted under that lock.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.errors import DomainError, Forbidden, InvalidInput, NotFound
from app.extensions import db
from app.i18n.status_labels import status_label
from app.models import (
    PRICE_PARTS,
    Engagement,
    EngagementStatus,
    ListingStatus,
    Match,
    MatchStatus,
    Need,
    NeedStatus,
    Organisation,
    OrgKind,
    PluginListing,
    Quote,
    QuoteRevision,
    QuoteStatus,
    Rfq,
    RfqStatus,
    Role,
    User,
    Verification,
)
from app.models import fields as rules
from app.models.base import utcnow
from app.models.pools import Pool
from app.services import audit, plugin_hooks, subsidies
from app.services.matching import blocked_vendor_ids
from app.services.needs import require_sme
from app.services.notify import members, notify_all
from app.services.reasons import clean_reason
from app.services.recovery import require_verified
from app.services.transitions import lock_need

QUOTE_FIELDS = (*PRICE_PARTS, "delivery_weeks", "scope", "valid_until")
OPEN_RFQ = (RfqStatus.SENT, RfqStatus.QUOTED)


# --- who is who -------------------------------------------------------------------------


def require_vendor(user: User) -> Organisation:
    """The vendor organisation ``user`` acts for."""
    if user.role != Role.VENDOR or user.organisation is None:
        raise Forbidden(_("Only vendors can answer requests for quotes."))
    if user.organisation.kind != OrgKind.VENDOR:
        raise Forbidden(_("Only vendors can answer requests for quotes."))
    return user.organisation


def rfq_cap() -> int:
    return int(current_app.config.get("RFQ_CAP_PER_NEED", 5))


# --- requests for quotes (SME) ------------------------------------------------------------


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
    _see_need(user, need)
    return list(db.session.scalars(sa.select(Rfq).where(Rfq.need_id == need.id).order_by(Rfq.id)))


# --- the vendor's inbox ---------------------------------------------------------------------


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
    _vendor_owns(user, rfq)
    reason = clean_reason(reason, ask=_("Tell the enterprise why you decline."))
    lock_need(rfq.need_id)
    if rfq.status != RfqStatus.SENT:
        raise DomainError(_request_gone(rfq, "decline"))
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


# --- quotes (vendor) ------------------------------------------------------------------------


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
    _vendor_owns(user, rfq)
    require_verified(user)
    if rfq.need.organisation_id == user.organisation_id:
        raise Forbidden(_("You cannot quote for your own organisation."))
    values = clean_quote(fields)
    lock_need(rfq.need_id)
    if rfq.status != RfqStatus.SENT or rfq.need.status != NeedStatus.OPEN:
        raise DomainError(_request_gone(rfq, "quote"))
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
        raise DomainError(_quote_gone(quote, "revision"))
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
        raise DomainError(_quote_gone(quote, "withdrawal"))
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


# --- who sees amounts ---------------------------------------------------------------------


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
        _see_need(user, need)
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


# --- award and engagement (SME) -----------------------------------------------------------


def award(user: User, quote: Quote) -> Engagement:
    """Accept one quote: in one transaction the others are rejected, the need is awarded
    and an engagement starts.

    The need is locked and the states are read again under the lock, so of two concurrent
    awards of one need exactly one wins, and a quote submitted meanwhile is either rejected
    here or refused; the partial unique index on accepted quotes is the last line of defence.
    """
    org = require_sme(user)
    if quote.need.organisation_id != org.id:
        raise NotFound(_("No such quote."))
    if db.session.scalar(sa.select(Pool.id).where(Pool.lead_need_id == quote.need_id)):
        raise DomainError(
            _("This is a pooled request: each member accepts for itself on the pool's page.")
        )
    return award_for(user, quote)


def award_for(user: User, quote: Quote) -> Engagement:
    """The award itself, for callers that already checked ``user`` may award ``quote``:
    the SME (:func:`award`) or a pool's organiser for a member that agreed
    (:mod:`app.services.pools`)."""
    need = lock_need(quote.need_id)
    quotes = list(
        db.session.scalars(sa.select(Quote).where(Quote.need_id == need.id).order_by(Quote.id))
    )
    if need.status != NeedStatus.OPEN:
        raise DomainError(_need_gone(need, quote))
    if quote.status != QuoteStatus.SUBMITTED or quote_expired(quote):
        raise DomainError(_quote_gone(quote, "acceptance"))

    unanswered = list(
        db.session.scalars(
            sa.select(Rfq).where(Rfq.need_id == need.id, Rfq.status == RfqStatus.SENT)
        )
    )
    rejected = [q for q in quotes if q.id != quote.id and q.status == QuoteStatus.SUBMITTED]
    try:
        with db.session.begin_nested():  # a refused write undoes only this block
            quote.status = QuoteStatus.ACCEPTED
            quote.rfq.status = RfqStatus.AWARDED
            need.status = NeedStatus.AWARDED
            for other in rejected:
                other.status = QuoteStatus.REJECTED
                if other.rfq.status == RfqStatus.QUOTED:
                    other.rfq.status = RfqStatus.LOST
            for rfq in unanswered:
                rfq.status = RfqStatus.EXPIRED
            engagement = Engagement(
                need_id=need.id,
                quote_id=quote.id,
                listing_id=quote.rfq.listing_id,
                sme_id=need.organisation_id,
                vendor_id=quote.vendor_id,
                status=EngagementStatus.ACTIVE,
            )
            db.session.add(engagement)
            db.session.flush()
    except IntegrityError:
        raise DomainError(_("Another quote was accepted for this need a moment ago.")) from None
    subsidies.commit_on_award(user, engagement)
    audit.record(
        user,
        "need.awarded",
        need,
        quote_id=quote.id,
        engagement_id=engagement.id,
        total=quote.first_year_total,
        rejected=[q.id for q in rejected],
    )
    audit.record(user, "quote.accepted", quote, need_id=need.id)
    for other in rejected:
        audit.record(user, "quote.rejected", other, need_id=need.id)
    audit.record(user, "engagement.started", engagement, need_id=need.id, quote_id=quote.id)
    # here, not at the top: app.services.milestones imports this module
    from app.services.milestones import start_plan

    start_plan(engagement, quote)  # the quote's milestones become the engagement's plan
    notify_all(
        members(quote.vendor_id),
        "quote.accepted",
        link=f"/vendor/rfqs/{quote.rfq_id}",
        need=need.title,
    )
    for other in rejected:
        notify_all(
            members(other.vendor_id),
            "quote.rejected",
            link=f"/vendor/rfqs/{other.rfq_id}",
            need=need.title,
        )
    for rfq in unanswered:
        notify_all(
            members(rfq.vendor_id),
            "rfq.closed",
            link=f"/vendor/rfqs/{rfq.id}",
            need=need.title,
        )
    return engagement


def get_engagement(user: User, engagement_id: int) -> Engagement:
    """An engagement for one of its two parties or an admin."""
    engagement = db.session.get(Engagement, engagement_id)
    if engagement is None or not (
        user.role == Role.ADMIN
        or (user.role == Role.SME and engagement.sme_id == user.organisation_id)
        or (user.role == Role.VENDOR and engagement.vendor_id == user.organisation_id)
    ):
        raise NotFound(_("No such engagement."))
    return engagement


def engagement_for_need(need: Need) -> Engagement | None:
    """The need's engagement; a need that was never awarded has none (and costs no query)."""
    if not need.was_awarded:
        return None
    return db.session.scalar(sa.select(Engagement).where(Engagement.need_id == need.id))


def complete_engagement(user: User, engagement: Engagement) -> Engagement:
    """The SME confirms the work is done: engagement completed, need closed."""
    org = require_sme(user)
    if engagement.sme_id != org.id:
        raise NotFound(_("No such engagement."))
    lock_need(engagement.need_id)
    if engagement.status != EngagementStatus.ACTIVE:
        raise DomainError(_("This engagement is already completed."))
    # here, not at the top: app.services.milestones imports this module
    from app.services.milestones import require_all_accepted

    require_all_accepted(engagement)
    return finish_engagement(user, engagement)


def finish_engagement(actor: User, engagement: Engagement) -> Engagement:
    """Complete an active engagement (the SME's confirmation or its last milestone's
    acceptance): the need is closed, the vendor told. The caller holds the need's lock."""
    engagement.status = EngagementStatus.COMPLETED
    engagement.completed_at = utcnow()
    engagement.work_began_at = engagement.work_began_at or engagement.completed_at
    if engagement.need.status == NeedStatus.AWARDED:
        engagement.need.status = NeedStatus.CLOSED
    audit.record(actor, "engagement.completed", engagement, need_id=engagement.need_id)
    notify_all(
        members(engagement.vendor_id),
        "engagement.completed",
        link=f"/vendor/rfqs/{engagement.quote.rfq_id}",
        need=engagement.need.title,
    )
    return engagement


# --- the vendor's dashboard ---------------------------------------------------------------


@dataclass(frozen=True)
class ListingStats:
    listing: PluginListing
    views: int
    requests: int
    quotes: int  # requests the vendor answered with a quote
    awards: int

    @property
    def win_rate(self) -> float | None:
        """Awarded / quoted; None before the first quote."""
        return self.awards / self.quotes if self.quotes else None


def vendor_dashboard(user: User) -> list[ListingStats]:
    """Views, requests, quotes, awards and win rate per plug-in of the vendor."""
    return listing_stats(require_vendor(user))


def listing_stats(org: Organisation) -> list[ListingStats]:
    """The funnel per plug-in of a vendor organisation (its dashboard and public profile)."""
    quoted = sa.exists().where(Quote.rfq_id == Rfq.id, Quote.status != QuoteStatus.WITHDRAWN)
    rows = db.session.execute(
        sa.select(
            Rfq.listing_id,
            sa.func.count(Rfq.id),
            sa.func.count(Rfq.id).filter(quoted),
            sa.func.count(Rfq.id).filter(Rfq.status == RfqStatus.AWARDED),
        )
        .where(Rfq.vendor_id == org.id)
        .group_by(Rfq.listing_id)
    )
    counts = {listing_id: (r, q, a) for listing_id, r, q, a in rows}
    listings = db.session.scalars(
        sa.select(PluginListing)
        .where(PluginListing.vendor_id == org.id)
        .order_by(PluginListing.name, PluginListing.id)
    )
    return [ListingStats(item, item.views, *counts.get(item.id, (0, 0, 0))) for item in listings]


# --- helpers ------------------------------------------------------------------------------


def _see_need(user: User, need: Need) -> None:
    if user.role == Role.ADMIN:
        return
    if user.role != Role.SME or need.organisation_id != user.organisation_id:
        raise NotFound(_("No such need."))


def _vendor_owns(user: User, rfq: Rfq) -> None:
    org = require_vendor(user)
    if rfq.vendor_id != org.id:
        raise NotFound(_("No such request for quote."))


def _vendor_quote(user: User, quote: Quote) -> Rfq:
    org = require_vendor(user)
    if quote.vendor_id != org.id:
        raise NotFound(_("No such quote."))
    return quote.rfq


def _quote_gone(quote: Quote, arriving: str) -> str:
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
    return _("This quote is %(state)s: it can no longer be changed.", state=_s(quote))


def _need_gone(need: Need, quote: Quote) -> str:
    """Why a quote of ``need`` can no longer be accepted."""
    if need.status in (NeedStatus.AWARDED, NeedStatus.CLOSED):
        if quote.status == QuoteStatus.ACCEPTED:
            return _("This quote was already accepted.")
        return _("Another quote was accepted for this need before yours arrived.")
    if need.status == NeedStatus.CANCELLED:
        return _("This need was cancelled before your acceptance arrived.")
    return _("This need is %(state)s: a quote can no longer be accepted.", state=_s(need))


def _request_gone(rfq: Rfq, arriving: str) -> str:
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
    return _("This request is %(state)s: it cannot be quoted.", state=_s(rfq))


def _s(obj) -> str:
    return status_label(obj.status)
