"""The conversation of a request for quote: read, write, report."""

from __future__ import annotations

from app.api import serialize
from app.api.core import operation
from app.api.pagination import paginate
from app.api.problems import STATE_PROBLEMS
from app.api.schemas import (
    MessageIn,
    MessageOut,
    PageQuery,
    ThreadReportIn,
    ThreadReportOut,
    page_of,
)
from app.models import Role
from app.services import attachments, conversations


def _serialize_page(rows):
    files: dict[int, list] = {}
    for item in attachments.for_owner(message_ids=[m.id for m in rows]):
        files.setdefault(item.message_id, []).append(item)
    return [serialize.message(m, files.get(m.id)) for m in rows]


@operation(
    "GET",
    "/rfqs/<id:rfq_id>/messages",
    summary="The conversation of a request for quote, oldest first",
    tag="Conversations",
    roles=(Role.SME, Role.VENDOR, Role.ADMIN),
    query=(PageQuery,),
    response=page_of(MessageOut),
    problems=(401, 403, 404, 422),
)
def list_messages(user, rfq_id: int, query: PageQuery):
    """For the enterprise that sent the request and the vendor it was sent to; admins only
    once either party has reported the conversation."""
    rfq = conversations.get_thread(user, rfq_id)
    page = paginate(conversations.messages(rfq), query, lambda m: m)
    page["items"] = _serialize_page(page["items"])
    return page


@operation(
    "POST",
    "/rfqs/<id:rfq_id>/messages",
    summary="Write in the conversation of a request for quote",
    tag="Conversations",
    roles=(Role.SME, Role.VENDOR),
    body=MessageIn,
    response=MessageOut,
    status=201,
    problems=STATE_PROBLEMS,
    files=True,
)
def post_message(user, rfq_id: int, body: MessageIn, uploads):
    """The other party is notified (and mailed, per their preferences). Possible while the
    request is sent, quoted or awarded and its need is not cancelled. To attach files (a
    photo of the machine, a specification), send multipart/form-data: ``body`` and
    ``files``."""
    rfq = conversations.get_thread(user, rfq_id)
    message = conversations.post_message(user, rfq, body.body, uploads)
    return serialize.message(message, attachments.for_owner(message_ids=[message.id]))


@operation(
    "POST",
    "/rfqs/<id:rfq_id>/report",
    summary="Report the conversation to the platform admins",
    tag="Conversations",
    roles=(Role.SME, Role.VENDOR),
    body=ThreadReportIn,
    response=ThreadReportOut,
    status=201,
    problems=STATE_PROBLEMS,
)
def report(user, rfq_id: int, body: ThreadReportIn):
    """Admins can then read the conversation; once per user."""
    rfq = conversations.get_thread(user, rfq_id)
    row = conversations.report(user, rfq, body.reason)
    return ThreadReportOut(
        id=row.id, rfq_id=row.rfq_id, reason=row.reason, created_at=row.created_at
    )
