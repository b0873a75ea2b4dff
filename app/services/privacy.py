"""Personal information rights (PIPL arts. 45 and 47): a copy of one's data, and deletion.

:func:`export_data` gathers everything the portal holds about a person: the account, the
organisation profile they act for, their sign-ins, API tokens, notifications, the needs,
requests, quotes, reviews and flags they wrote, and the audit trail of what they did.

:func:`delete_account` closes what is still open through the same service functions the
pages use (the last member of an enterprise cancels its open needs; the last member of a
vendor declines its waiting requests, withdraws its live quotes and retires its listings),
refuses while an engagement is under way (the other party relies on it), keeps the person's
reviews but anonymised, records ``account.deleted`` in the admins' audit log, and deletes
the account row: sessions, tokens and notifications go with it, authorship links become
empty. Nothing here commits.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError, Forbidden, InvalidInput
from app.extensions import db
from app.models import (
    ApiToken,
    AuditEvent,
    Engagement,
    EngagementStatus,
    ListingStatus,
    Need,
    Notification,
    OrgKind,
    PluginListing,
    Quote,
    QuoteStatus,
    Review,
    ReviewFlag,
    Rfq,
    RfqStatus,
    Role,
    User,
    UserSession,
    UserStatus,
)
from app.services import audit, listings, needs, quotes, rfqs
from app.services.accounts import PROFILE_FIELDS
from app.services.sessions import end_all_sessions

FORMAT_VERSION = 1
QUOTE_COLUMNS = (
    "id", "rfq_id", "status", "revision", "licence", "implementation", "training",
    "annual_fees", "delivery_weeks", "scope", "valid_until", "created_at",
)  # fmt: skip
REVIEW_COLUMNS = (
    "id", "engagement_id", "rating", "quality", "cost", "timeliness", "support", "text",
    "status", "show_reviewer_name", "created_at",
)  # fmt: skip
NEED_COLUMNS = (
    "id", "status", "title", "description", "lang", "industry", "region", "company_size",
    "employees", "budget_max", "timeline_weeks", "capabilities", "maturity_level",
    "cancel_reason", "created_at", "updated_at",
)  # fmt: skip


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "value") and isinstance(value.value, str):  # enums
        return value.value
    return value


def _row(obj: Any, columns: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(obj, name)) for name in columns}


def _all(query: sa.Select) -> list[Any]:
    return list(db.session.scalars(query))


def export_data(user: User) -> dict[str, Any]:
    """Everything stored about ``user``, as plain JSON-ready data."""
    org = user.organisation
    return {
        "format": "shuzhuan-personal-data",
        "version": FORMAT_VERSION,
        "account": _row(
            user,
            ("id", "email", "name", "role", "status", "locale", "created_at", "last_login_at"),
        ),
        "organisation": (
            {"id": org.id, "kind": _plain(org.kind), **_row(org, PROFILE_FIELDS)} if org else None
        ),
        "sessions": [
            _row(s, ("created_at",))
            for s in _all(sa.select(UserSession).where(UserSession.user_id == user.id))
        ],
        "api_tokens": [
            _row(t, ("name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at"))
            for t in _all(sa.select(ApiToken).where(ApiToken.user_id == user.id))
        ],
        "notifications": [
            _row(n, ("kind", "params", "link", "created_at", "read_at"))
            for n in _all(sa.select(Notification).where(Notification.user_id == user.id))
        ],
        "needs_written": [
            _row(n, NEED_COLUMNS) for n in _all(sa.select(Need).where(Need.author_id == user.id))
        ],
        "requests_for_quotes_sent": [
            _row(r, ("id", "need_id", "listing_id", "message", "status", "created_at"))
            for r in _all(sa.select(Rfq).where(Rfq.sender_id == user.id))
        ],
        "quotes_written": [
            _row(q, QUOTE_COLUMNS) for q in _all(sa.select(Quote).where(Quote.author_id == user.id))
        ],
        "reviews_written": [
            _row(r, REVIEW_COLUMNS)
            for r in _all(sa.select(Review).where(Review.author_id == user.id))
        ],
        "review_flags": [
            _row(f, ("review_id", "reason", "created_at"))
            for f in _all(sa.select(ReviewFlag).where(ReviewFlag.user_id == user.id))
        ],
        "activity": [
            _row(e, ("action", "subject_type", "subject_id", "reason", "created_at"))
            for e in _all(
                sa.select(AuditEvent)
                .where(AuditEvent.actor_id == user.id)
                .order_by(AuditEvent.created_at, AuditEvent.id)
            )
        ],
    }


def _last_member(user: User) -> bool:
    """No other active account acts for the user's organisation."""
    if user.organisation_id is None:
        return False
    others = db.session.scalar(
        sa.select(sa.func.count(User.id)).where(
            User.organisation_id == user.organisation_id,
            User.id != user.id,
            User.status == UserStatus.ACTIVE,
        )
    )
    return not others


def delete_account(user: User, password: str, *, confirmed: bool) -> None:
    """Delete ``user``'s account for good, after closing what it leaves open."""
    if user.role == Role.ADMIN:
        raise Forbidden(_("A platform admin account is removed by another admin."))
    errors: dict[str, list[str]] = {}
    if not user.check_password(password or ""):
        errors["password"] = [_("This is not your password.")]
    if not confirmed:
        errors["confirm"] = [_("Tick the box to confirm that you want your account deleted.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)

    org = user.organisation
    closed: dict[str, int] = {}
    if org is not None and _last_member(user):
        _refuse_while_engaged(org.id)
        closed = _close_open_business(user, org.kind)
        org.contact_email = None  # the person's address; the firm's profile stays
    for review in _all(sa.select(Review).where(Review.author_id == user.id)):
        review.show_reviewer_name = False  # stays published, without its author
    audit.record(
        user,
        "account.deleted",
        user,
        role=user.role.value,
        organisation_id=user.organisation_id,
        **closed,
    )
    end_all_sessions(user)
    db.session.delete(user)
    db.session.flush()


def _refuse_while_engaged(org_id: int) -> None:
    active = db.session.scalar(
        sa.select(Engagement.id).where(
            Engagement.status == EngagementStatus.ACTIVE,
            sa.or_(Engagement.sme_id == org_id, Engagement.vendor_id == org_id),
        )
    )
    if active is not None:
        raise DomainError(
            _(
                "An engagement is still under way: complete it first (or ask the platform), "
                "so the other party is not left without a contact."
            )
        )


def _close_open_business(user: User, kind: OrgKind) -> dict[str, int]:
    """Close the organisation's open deals through the services; how many of each."""
    reason = _("The account behind this was deleted.")
    if kind == OrgKind.SME:
        open_needs = _all(
            sa.select(Need).where(
                Need.organisation_id == user.organisation_id,
                Need.status.in_(needs.CANCELLABLE),
            )
        )
        for need in open_needs:
            needs.cancel_need(user, need, reason)
        return {"needs_cancelled": len(open_needs)}
    if kind == OrgKind.VENDOR:
        live = _all(
            sa.select(Quote)
            .join(Rfq, Quote.rfq_id == Rfq.id)
            .where(Rfq.vendor_id == user.organisation_id, Quote.status == QuoteStatus.SUBMITTED)
        )
        for quote in live:
            quotes.withdraw_quote(user, quote, reason)
        waiting = _all(
            sa.select(Rfq).where(
                Rfq.vendor_id == user.organisation_id, Rfq.status == RfqStatus.SENT
            )
        )
        for rfq in waiting:
            rfqs.decline_rfq(user, rfq, reason)
        listed = _all(
            sa.select(PluginListing).where(
                PluginListing.vendor_id == user.organisation_id,
                PluginListing.status != ListingStatus.RETIRED,
            )
        )
        for listing in listed:
            listings.retire(user, listing, reason)
        return {
            "quotes_withdrawn": len(live),
            "requests_declined": len(waiting),
            "listings_retired": len(listed),
        }
    return {}
