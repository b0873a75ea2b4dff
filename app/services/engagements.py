"""The award and the engagement: an SME accepts one quote, the need is awarded, and the
engagement runs active → completed (the need then goes awarded → closed), through its
milestones when the quote planned them.

Nothing here commits; the award locks the need, checks the quote and the need again under the
lock, and refuses the loser of a race with what happened first ("another quote was accepted").
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from app.errors import DomainError, NotFound
from app.extensions import db
from app.i18n.status_labels import status_label
from app.jobs.outbox import post
from app.models import (
    Engagement,
    EngagementStatus,
    Need,
    NeedStatus,
    Quote,
    QuoteStatus,
    Rfq,
    RfqStatus,
    Role,
    User,
)
from app.models.base import utcnow
from app.models.pools import Pool
from app.services import audit, subsidies
from app.services.milestone_plans import require_all_accepted, start_plan
from app.services.needs import require_sme
from app.services.notify import members, notify_all
from app.services.quotes import quote_expired, quote_gone
from app.services.transitions import lock_need


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
        raise DomainError(quote_gone(quote, "acceptance"))

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
    start_plan(engagement, quote)  # the quote's milestones become the engagement's plan
    # The need is now a precedent: the open needs alike it are re-matched after the commit.
    post("rematch_alike", {"need_ids": [need.id]})
    # Every vendor asked hears how it ended for them: accepted, declined, or closed unanswered.
    told = [(quote.vendor_id, "quote.accepted", quote.rfq_id)]
    told += [(other.vendor_id, "quote.rejected", other.rfq_id) for other in rejected]
    told += [(rfq.vendor_id, "rfq.closed", rfq.id) for rfq in unanswered]
    for vendor_id, kind, rfq_id in told:
        notify_all(members(vendor_id), kind, link=f"/vendor/rfqs/{rfq_id}", need=need.title)
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


def _need_gone(need: Need, quote: Quote) -> str:
    """Why a quote of ``need`` can no longer be accepted."""
    if need.status in (NeedStatus.AWARDED, NeedStatus.CLOSED):
        if quote.status == QuoteStatus.ACCEPTED:
            return _("This quote was already accepted.")
        return _("Another quote was accepted for this need before yours arrived.")
    if need.status == NeedStatus.CANCELLED:
        return _("This need was cancelled before your acceptance arrived.")
    return _(
        "This need is %(state)s: a quote can no longer be accepted.",
        state=status_label(need.status),
    )
