"""Time passing: requests for quotes and quotes expire, and reminders go out, each once.

:func:`tick` is what the scheduler runs (``flask jobs tick`` from cron, or the outbox's
periodic ``tick`` job in the web process or the worker): every due transition, each in its
own transaction so one failure does not hold up the rest:

- a quote past its ``valid_until`` expires (submitted → expired); its request goes back to
  "sent", so the vendor may quote anew; both sides are told;
- a request nobody answered within ``RFQ_EXPIRY_DAYS`` expires (sent → expired);
- reminders: a request unanswered after ``RFQ_REMINDER_DAYS`` (to the vendor), a quote that
  expires within ``QUOTE_REMINDER_DAYS`` (to the SME), an invitation to review
  ``REVIEW_INVITATION_DAYS`` after completion (to the SME), the after value of a measured
  KPI ``OUTCOME_REMINDER_DAYS`` after completion (to the SME). A :class:`~app.models.Reminder`
  row, unique per kind and subject, makes each go out once;
- a milestone of an active engagement past its due date and not delivered: both parties are
  told once (``Milestone.overdue_notified_on``; :mod:`app.services.milestones`);
- the daily mail digests, and the removal of attachment files whose rows are gone.

Each transition locks the need first (``SELECT … FOR UPDATE``) and checks the state again
under the lock, as the award does, so an SME accepting a quote at the moment it expires
gets exactly one of the two outcomes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import (
    Engagement,
    EngagementStatus,
    Need,
    NeedStatus,
    Outcome,
    Quote,
    QuoteStatus,
    Reminder,
    Review,
    Rfq,
    RfqStatus,
)
from app.models.base import utcnow
from app.services import attachments, audit, email_channel, milestones
from app.services.notify import members, notify_all
from app.services.transitions import lock_need

log = logging.getLogger("app.expiry")


@dataclass
class TickReport:
    quotes_expired: int = 0
    rfqs_expired: int = 0
    reminders: int = 0
    milestones_overdue: int = 0
    digests: int = 0
    files_removed: int = 0

    def __str__(self) -> str:
        return ", ".join(
            f"{name.replace('_', ' ')}: {value}" for name, value in asdict(self).items()
        )


def _days(name: str, default: int) -> timedelta:
    return timedelta(days=int(current_app.config.get(name, default)))


# --- expiry -------------------------------------------------------------------------------


def expire_quote(quote_id: int, now: datetime) -> bool:
    """Expire one quote past its validity date; False when it no longer needs it."""
    quote = db.session.get(Quote, quote_id)
    if quote is None:
        return False
    need = lock_need(quote.need_id)  # re-reads the quote under the need's lock
    quote = db.session.get(Quote, quote_id)
    if quote.status != QuoteStatus.SUBMITTED or quote.valid_until >= now.date():
        return False
    quote.status = QuoteStatus.EXPIRED
    rfq = quote.rfq
    if rfq.status == RfqStatus.QUOTED:
        rfq.status = RfqStatus.SENT  # the vendor may send a new quote
    audit.record(None, "quote.expired", quote, valid_until=quote.valid_until.isoformat())
    params = {
        "vendor": quote.vendor.name,
        "need": need.title,
        "valid_until": quote.valid_until.isoformat(),
    }
    notify_all(
        members(need.organisation_id), "quote.expired", link=f"/needs/{need.id}/quotes", **params
    )
    notify_all(members(quote.vendor_id), "quote.expired", link=f"/vendor/rfqs/{rfq.id}", **params)
    return True


def expire_rfq(rfq_id: int, now: datetime) -> bool:
    """Expire a request nobody answered in time; False when it no longer needs it."""
    rfq = db.session.get(Rfq, rfq_id)
    if rfq is None:
        return False
    need = lock_need(rfq.need_id)
    rfq = db.session.get(Rfq, rfq_id)
    cutoff = now - _days("RFQ_EXPIRY_DAYS", 14)
    if rfq.status != RfqStatus.SENT or rfq.quotes or rfq.created_at > cutoff:
        return False
    rfq.status = RfqStatus.EXPIRED
    audit.record(None, "rfq.expired", rfq, need_id=need.id)
    params = {"vendor": rfq.vendor.name, "need": need.title}
    notify_all(members(need.organisation_id), "rfq.expired", link=f"/needs/{need.id}", **params)
    notify_all(members(rfq.vendor_id), "rfq.expired", link=f"/vendor/rfqs/{rfq.id}", **params)
    return True


def _due_quotes(now: datetime) -> list[int]:
    return list(
        db.session.scalars(
            sa.select(Quote.id).where(
                Quote.status == QuoteStatus.SUBMITTED, Quote.valid_until < now.date()
            )
        )
    )


def _due_rfqs(now: datetime) -> list[int]:
    cutoff = now - _days("RFQ_EXPIRY_DAYS", 14)
    return list(
        db.session.scalars(
            sa.select(Rfq.id).where(
                Rfq.status == RfqStatus.SENT,
                Rfq.created_at <= cutoff,
                ~sa.exists().where(Quote.rfq_id == Rfq.id),
            )
        )
    )


# --- reminders ----------------------------------------------------------------------------


def _once(kind: str, subject_id: int) -> bool:
    """Claim reminder ``kind`` for ``subject_id``; False when it went out before."""
    exists = db.session.scalar(
        sa.select(Reminder.id).where(Reminder.kind == kind, Reminder.subject_id == subject_id)
    )
    if exists is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Reminder(kind=kind, subject_id=subject_id))
    except IntegrityError:  # another tick claimed it a moment ago
        return False
    return True


@dataclass(frozen=True)
class _Reminder:
    subject_id: int  # the row the reminder is about (claimed once per kind)
    organisation_id: int  # whose members are told
    link: str
    params: dict


def _send_once(kind: str, reminders: Iterable[_Reminder]) -> int:
    """Notify each reminder not sent before; how many went out."""
    sent = 0
    for reminder in reminders:
        if _once(kind, reminder.subject_id):
            notify_all(
                members(reminder.organisation_id), kind, link=reminder.link, **reminder.params
            )
            sent += 1
    return sent


def remind_unanswered_rfqs(now: datetime) -> int:
    """Vendors hear about requests waiting for their quote for ``RFQ_REMINDER_DAYS``."""
    rows = db.session.scalars(
        sa.select(Rfq)
        .join(Need, Need.id == Rfq.need_id)
        .where(
            Rfq.status == RfqStatus.SENT,
            Rfq.created_at <= now - _days("RFQ_REMINDER_DAYS", 3),
            Need.status == NeedStatus.OPEN,
            ~sa.exists().where(Quote.rfq_id == Rfq.id),
        )
        .order_by(Rfq.id)
    )
    return _send_once(
        "reminder.rfq_unanswered",
        (
            _Reminder(
                rfq.id,
                rfq.vendor_id,
                f"/vendor/rfqs/{rfq.id}",
                {
                    "sme": rfq.need.organisation.name,
                    "need": rfq.need.title,
                    "days": (now - rfq.created_at).days,
                },
            )
            for rfq in rows.all()
        ),
    )


def remind_expiring_quotes(now: datetime) -> int:
    """SMEs hear about quotes that expire within ``QUOTE_REMINDER_DAYS``."""
    today = now.date()
    rows = db.session.scalars(
        sa.select(Quote)
        .join(Need, Need.id == Quote.need_id)
        .where(
            Quote.status == QuoteStatus.SUBMITTED,
            Quote.valid_until >= today,
            Quote.valid_until <= today + _days("QUOTE_REMINDER_DAYS", 2),
            Need.status == NeedStatus.OPEN,
        )
        .order_by(Quote.id)
    )
    return _send_once(
        "reminder.quote_expiring",
        (
            _Reminder(
                quote.id,
                quote.need.organisation_id,
                f"/needs/{quote.need_id}/quotes",
                {
                    "vendor": quote.vendor.name,
                    "need": quote.need.title,
                    "valid_until": quote.valid_until.isoformat(),
                },
            )
            for quote in rows.all()
        ),
    )


def _completed_before(now: datetime, setting: str, default: int, *where) -> list[Engagement]:
    return list(
        db.session.scalars(
            sa.select(Engagement)
            .where(
                Engagement.status == EngagementStatus.COMPLETED,
                Engagement.completed_at <= now - _days(setting, default),
                *where,
            )
            .order_by(Engagement.id)
        )
    )


def _about(engagement: Engagement) -> dict:
    return {"name": engagement.listing.name, "need": engagement.need.title}


def invite_reviews(now: datetime) -> int:
    """SMEs are invited to review a completed engagement they have not reviewed yet."""
    not_reviewed = ~sa.exists().where(Review.engagement_id == Engagement.id)
    rows = _completed_before(now, "REVIEW_INVITATION_DAYS", 1, not_reviewed)
    return _send_once(
        "reminder.review_invitation",
        (_Reminder(e.id, e.sme_id, f"/needs/engagements/{e.id}/review", _about(e)) for e in rows),
    )


def remind_outcomes(now: datetime) -> int:
    """SMEs are reminded, once, to record the after value of a KPI whose baseline they
    measured, ``OUTCOME_REMINDER_DAYS`` after completion (when a change has had time to show)."""
    unmeasured = sa.exists().where(Outcome.engagement_id == Engagement.id, Outcome.after.is_(None))
    rows = _completed_before(now, "OUTCOME_REMINDER_DAYS", 30, unmeasured)
    return _send_once(
        "reminder.outcome_after",
        (_Reminder(e.id, e.sme_id, f"/engagements/{e.id}/plan", _about(e)) for e in rows),
    )


# --- the tick -----------------------------------------------------------------------------


def tick(now: datetime | None = None) -> TickReport:
    """Run everything that is due, each step committed on its own."""
    now = now or utcnow()
    report = TickReport()
    for quote_id in _due_quotes(now):
        report.quotes_expired += _step(expire_quote, quote_id, now)
    for rfq_id in _due_rfqs(now):
        report.rfqs_expired += _step(expire_rfq, rfq_id, now)
    reminders = (remind_unanswered_rfqs, remind_expiring_quotes, invite_reviews, remind_outcomes)
    for remind in reminders:
        report.reminders += _step(remind, now)
    for milestone_id in milestones.overdue_ids(now):
        report.milestones_overdue += _step(milestones.announce_overdue, milestone_id, now)
    report.digests = _step(email_channel.send_digests, now)
    report.files_removed = _step(attachments.sweep_orphans, now)
    return report


def _step(function, *args) -> int:
    try:
        result = int(function(*args))
        db.session.commit()
        return result
    except Exception:
        db.session.rollback()
        log.exception("tick step %s%r failed", function.__name__, args)
        return 0
