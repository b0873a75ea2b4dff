"""The conversation of a request for quote: the SME and the addressed vendor write to each
other before and after the quote (scope questions, a site visit, a photo of the machine).

Who may read: the members of the SME that owns the need and of the addressed vendor;
platform admins only once either party has reported the thread. Who may write: the two
parties, while the request is alive (sent, quoted, awarded) and the need is not cancelled.
A new message notifies the other side's members (mailed per their preferences). Nothing
here commits.
"""

from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError, InvalidInput, NotFound
from app.extensions import db
from app.models import Message, NeedStatus, Rfq, RfqStatus, Role, ThreadReport, User
from app.services import attachments, audit
from app.services.attachments import Upload
from app.services.notify import admins, members, notify_all
from app.services.reasons import clean_reason

SME, VENDOR = "sme", "vendor"
MAX_BODY = 5000
EXCERPT = 80
WRITABLE = (RfqStatus.SENT, RfqStatus.QUOTED, RfqStatus.AWARDED)


def side_of(user: User, rfq: Rfq) -> str | None:
    """Which party ``user`` acts for in this conversation, if any."""
    if user.role == Role.SME and rfq.need.organisation_id == user.organisation_id:
        return SME
    if user.role == Role.VENDOR and rfq.vendor_id == user.organisation_id:
        return VENDOR
    return None


def is_reported(rfq: Rfq) -> bool:
    return (
        db.session.scalar(sa.select(ThreadReport.id).where(ThreadReport.rfq_id == rfq.id).limit(1))
        is not None
    )


def get_thread(user: User, rfq_id: int) -> Rfq:
    """The request whose conversation ``user`` may read; anyone else's is 'not found'."""
    rfq = db.session.get(Rfq, rfq_id)
    if rfq is None:
        raise NotFound(_("No such conversation."))
    if side_of(user, rfq) is not None:
        return rfq
    if user.role == Role.ADMIN and is_reported(rfq):
        return rfq
    raise NotFound(_("No such conversation."))


def messages(rfq: Rfq) -> list[Message]:
    return list(
        db.session.scalars(
            sa.select(Message)
            .where(Message.rfq_id == rfq.id)
            .order_by(Message.created_at, Message.id)
        )
    )


def can_write(rfq: Rfq) -> bool:
    return rfq.status in WRITABLE and rfq.need.status != NeedStatus.CANCELLED


def post_message(user: User, rfq: Rfq, body: str, files: Iterable[Upload] = ()) -> Message:
    """Add a message (and its attachments) to the conversation and tell the other side."""
    side = side_of(user, rfq)
    if side is None:
        raise NotFound(_("No such conversation."))
    body = (body or "").strip()
    files = list(files)
    if not body and not files:
        message = _("Write a message or attach a file.")
        raise InvalidInput(message, {"body": [message]})
    if len(body) > MAX_BODY:
        message = _("At most %(n)s characters.", n=MAX_BODY)
        raise InvalidInput(message, {"body": [message]})
    if not can_write(rfq):
        raise DomainError(_("This request for quote is closed: the conversation is read-only."))
    message = Message(rfq_id=rfq.id, author_id=user.id, side=side, body=body)
    db.session.add(message)
    db.session.flush()
    stored = attachments.store(user, files, message=message)
    audit.record(user, "message.posted", message, rfq_id=rfq.id, files=len(stored))
    other = rfq.vendor_id if side == SME else rfq.need.organisation_id
    excerpt = body if len(body) <= EXCERPT else body[: EXCERPT - 1] + "…"
    notify_all(
        members(other),
        "message.received",
        link=thread_link(rfq, SME if side == VENDOR else VENDOR),
        author=rfq.need.organisation.name if side == SME else rfq.vendor.name,
        need=rfq.need.title,
        excerpt=excerpt or _("(a file)"),
    )
    return message


def thread_link(rfq: Rfq, side: str) -> str:
    """Where each party reads the conversation: beside the request (vendor) or on its own
    page next to the need's quotes (SME)."""
    return f"/vendor/rfqs/{rfq.id}#conversation" if side == VENDOR else f"/conversations/{rfq.id}"


def report(user: User, rfq: Rfq, reason: str) -> ThreadReport:
    """A party asks the platform to look at the conversation; admins may then read it."""
    if side_of(user, rfq) is None:
        raise NotFound(_("No such conversation."))
    reason = clean_reason(reason, ask=_("Tell the platform what is wrong."))
    already = db.session.scalar(
        sa.select(ThreadReport.id).where(
            ThreadReport.rfq_id == rfq.id, ThreadReport.reporter_id == user.id
        )
    )
    if already is not None:
        raise DomainError(_("You already reported this conversation."))
    row = ThreadReport(rfq_id=rfq.id, reporter_id=user.id, reason=reason)
    db.session.add(row)
    audit.record(user, "thread.reported", row, rfq_id=rfq.id, reason=reason)
    notify_all(
        admins(),
        "thread.reported",
        link=f"/conversations/{rfq.id}",
        need=rfq.need.title,
        reason=reason,
    )
    return row


def reports(rfq: Rfq) -> list[ThreadReport]:
    return list(
        db.session.scalars(
            sa.select(ThreadReport).where(ThreadReport.rfq_id == rfq.id).order_by(ThreadReport.id)
        )
    )


def reported_threads() -> list[tuple[Rfq, int, object]]:
    """Reported conversations for admins: the request, how many reports, the latest one."""
    rows = db.session.execute(
        sa.select(Rfq, sa.func.count(ThreadReport.id), sa.func.max(ThreadReport.created_at))
        .join(ThreadReport, ThreadReport.rfq_id == Rfq.id)
        .group_by(Rfq.id)
        .order_by(sa.func.max(ThreadReport.created_at).desc())
    ).all()
    return [(rfq, count, latest) for rfq, count, latest in rows]


def record_admin_read(user: User, rfq: Rfq) -> None:
    """Admins reading a private conversation leave a trace in the audit log."""
    if user.role == Role.ADMIN and side_of(user, rfq) is None:
        audit.record(user, "thread.read_by_admin", rfq)


def message_counts(rfq_ids: Iterable[int]) -> dict[int, int]:
    ids = list(rfq_ids)
    if not ids:
        return {}
    return dict(
        db.session.execute(
            sa.select(Message.rfq_id, sa.func.count(Message.id))
            .where(Message.rfq_id.in_(ids))
            .group_by(Message.rfq_id)
        ).all()
    )
