"""Files through the API: attach to a need or a quote (multipart), download with a token.

Messages and milestone deliveries take files the same way, on their own endpoints.
"""

from __future__ import annotations

from pydantic import BaseModel

from app.api import serialize
from app.api.core import operation
from app.api.problems import STATE_PROBLEMS
from app.api.schemas import AttachmentOut, Out
from app.attachments.serving import serve
from app.models import Role
from app.services import attachments, needs, quotes


class AttachmentList(Out):
    items: list[AttachmentOut]


def _listed(rows) -> BaseModel:
    return AttachmentList(items=[serialize.attachment(row) for row in rows])


@operation(
    "POST",
    "/needs/<id:need_id>/attachments",
    summary="Attach specifications, drawings or photos to your need",
    tag="Attachments",
    roles=(Role.SME,),
    response=AttachmentList,
    status=201,
    problems=STATE_PROBLEMS,
    files=True,
)
def attach_to_need(user, need_id: int, uploads):
    """Send the files as multipart/form-data in the field ``files``; each is checked by
    its content (PDF, office documents, images)."""
    need = needs.get_for_sme(user, need_id)
    return _listed(attachments.attach_to_need(user, need, attachments.required(uploads)))


@operation(
    "POST",
    "/quotes/<id:quote_id>/attachments",
    summary="Attach your offer document to your live quote",
    tag="Attachments",
    roles=(Role.VENDOR,),
    response=AttachmentList,
    status=201,
    problems=STATE_PROBLEMS,
    files=True,
)
def attach_to_quote(user, quote_id: int, uploads):
    """Send the files as multipart/form-data in the field ``files``."""
    quote = quotes.get_quote(user, quote_id)
    return _listed(attachments.attach_to_quote(user, quote, attachments.required(uploads)))


@operation(
    "GET",
    "/attachments/<id:attachment_id>",
    summary="Download a file you may see",
    tag="Attachments",
    roles=(Role.SME, Role.VENDOR, Role.ADMIN),
    problems=(401, 403, 404),
    media_type="application/octet-stream",
)
def download(user, attachment_id: int):
    """The need's SME and the vendors it asked; a quote's parties; a conversation's parties
    (admins once it is reported); a milestone's engagement parties."""
    return serve(attachments.get_for(user, attachment_id))
