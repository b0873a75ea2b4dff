"""Requests for quotes, quotes, awards and engagements."""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.api import serialize
from app.api.core import operation
from app.api.pagination import paginate
from app.api.problems import STATE_PROBLEMS
from app.api.schemas import (
    AcceptOut,
    EngagementOut,
    OptionalReasonIn,
    PageQuery,
    QuoteIn,
    QuoteOut,
    ReasonIn,
    RfqIn,
    RfqOut,
    RfqQuery,
    page_of,
)
from app.errors import NotFound
from app.extensions import db
from app.models import PluginListing, Rfq, RfqStatus, Role
from app.services import engagements as engagement_service
from app.services import milestone_plans, needs
from app.services import quotes as quote_service
from app.services import rfqs as rfq_service

RfqPage = page_of(RfqOut)
QuotePage = page_of(QuoteOut)


@operation(
    "POST",
    "/needs/<id:need_id>/rfqs",
    summary="Ask a matched plug-in's vendor for a quote",
    tag="Deals",
    roles=(Role.SME,),
    body=RfqIn,
    response=RfqOut,
    status=201,
    problems=STATE_PROBLEMS,
)
def send_rfq(user, need_id: int, body: RfqIn):
    """At most ``RFQ_CAP_PER_NEED`` (5) requests per need, one per plug-in; the need must be
    open and the plug-in published, not hidden or blocked for it."""
    need = needs.get_for_sme(user, need_id)
    listing_id = db.session.scalar(
        sa.select(PluginListing.id).where(PluginListing.slug == body.plugin)
    )
    # An unknown slug goes to the service as an id no listing has: it answers "not found".
    rfqs = rfq_service.send_rfqs(user, need, [listing_id or 0], body.message)
    return serialize.rfq(rfqs[0])


@operation(
    "GET",
    "/rfqs",
    summary="Requests for quotes: a vendor's inbox, an SME's sent requests",
    tag="Deals",
    roles=(Role.VENDOR, Role.SME),
    query=(RfqQuery, PageQuery),
    response=RfqPage,
    problems=(401, 403, 422),
)
def list_rfqs(user, query):
    filters, page = query
    if user.role == Role.VENDOR:
        statuses = [RfqStatus(filters.status)] if filters.status else None
        rows = rfq_service.vendor_inbox(user, statuses)
    else:
        rows = rfq_service.sme_requests(user, filters.status)
    return paginate(rows, page, serialize.rfq)


def _rfq_for(user, rfq_id: int) -> Rfq:
    if user.role == Role.VENDOR:
        return rfq_service.get_rfq_for_vendor(user, rfq_id)
    rfq = db.session.get(Rfq, rfq_id)
    if rfq is None:
        raise NotFound(_("No such request for quote."))
    try:
        needs.get_for_sme(user, rfq.need_id)
    except NotFound:
        raise NotFound(_("No such request for quote.")) from None
    return rfq


@operation(
    "GET",
    "/rfqs/<id:rfq_id>",
    summary="One request for quote, with its live quote",
    tag="Deals",
    roles=(Role.VENDOR, Role.SME),
    response=RfqOut,
    problems=(401, 403, 404),
)
def get_rfq(user, rfq_id: int):
    return serialize.rfq(_rfq_for(user, rfq_id))


@operation(
    "POST",
    "/rfqs/<id:rfq_id>/quotes",
    summary="Answer a request with a structured quote",
    tag="Deals",
    roles=(Role.VENDOR,),
    body=QuoteIn,
    response=QuoteOut,
    status=201,
    problems=STATE_PROBLEMS,
)
def submit_quote(user, rfq_id: int, body: QuoteIn):
    """Amounts in whole CNY (first-year total = licence + implementation + training +
    annual fees, at least one above 0); ``valid_until`` not in the past. Optional
    ``milestones`` (at most 8, shares adding up to 100 %) become the engagement's plan at
    the award."""
    rfq = rfq_service.get_rfq_for_vendor(user, rfq_id)
    quote = quote_service.submit_quote(user, rfq, body.model_dump(exclude={"milestones"}))
    milestone_plans.set_quote_plan(user, quote, [m.model_dump() for m in body.milestones])
    return serialize.quote(quote)


@operation(
    "POST",
    "/rfqs/<id:rfq_id>/decline",
    summary="Decline a request, with a reason the SME reads",
    tag="Deals",
    roles=(Role.VENDOR,),
    body=ReasonIn,
    response=RfqOut,
    problems=STATE_PROBLEMS,
)
def decline_rfq(user, rfq_id: int, body: ReasonIn):
    rfq = rfq_service.get_rfq_for_vendor(user, rfq_id)
    return serialize.rfq(rfq_service.decline_rfq(user, rfq, body.reason))


@operation(
    "GET",
    "/needs/<id:need_id>/quotes",
    summary="The quotes for a need, side by side",
    tag="Deals",
    roles=(Role.SME, Role.ADMIN),
    query=(PageQuery,),
    response=QuotePage,
    problems=(401, 403, 404, 422),
)
def list_quotes(user, need_id: int, query: PageQuery):
    """Every quote of the need (live ones and those accepted, rejected, withdrawn)."""
    need = needs.get_for_viewer(user, need_id)
    return paginate(
        quote_service.quotes_for_need(user, need, include_closed=True), query, serialize.quote
    )


@operation(
    "POST",
    "/quotes/<id:quote_id>/accept",
    summary="Award a quote: the others are declined, an engagement starts",
    tag="Deals",
    roles=(Role.SME,),
    response=AcceptOut,
    problems=STATE_PROBLEMS,
)
def accept_quote(user, quote_id: int):
    quote = quote_service.get_quote(user, quote_id)
    return {"engagement": serialize.engagement(engagement_service.award(user, quote))}


@operation(
    "POST",
    "/quotes/<id:quote_id>/withdraw",
    summary="Withdraw a submitted quote",
    tag="Deals",
    roles=(Role.VENDOR,),
    body=OptionalReasonIn,
    body_required=False,
    response=QuoteOut,
    problems=STATE_PROBLEMS,
)
def withdraw_quote(user, quote_id: int, body: OptionalReasonIn):
    """The request is open again: the vendor may quote anew or decline."""
    quote = quote_service.get_quote(user, quote_id)
    return serialize.quote(quote_service.withdraw_quote(user, quote, body.reason or ""))


@operation(
    "POST",
    "/engagements/<id:engagement_id>/complete",
    summary="Confirm the work is done (the need closes)",
    tag="Deals",
    roles=(Role.SME,),
    response=EngagementOut,
    problems=STATE_PROBLEMS,
)
def complete_engagement(user, engagement_id: int):
    engagement = engagement_service.get_engagement(user, engagement_id)
    return serialize.engagement(engagement_service.complete_engagement(user, engagement))
