"""Pooled requests: open one, join it, close joining, volume tiers, accept per member."""

from __future__ import annotations

from app.api import serialize
from app.api.core import operation
from app.api.pagination import paginate
from app.api.problems import STATE_PROBLEMS
from app.api.schemas import (
    AcceptOut,
    PageQuery,
    PoolAwardOut,
    PoolIn,
    PoolMemberIn,
    PoolMemberOut,
    PoolOut,
    PoolQuery,
    PoolQuoteOut,
    TiersIn,
    TiersOut,
    page_of,
)
from app.models import Quote, Role
from app.services import pool_awards, pools, quotes
from app.services.rows import get_or_404

PoolPage = page_of(PoolOut)
PoolQuotePage = page_of(PoolQuoteOut)
NEED_KEYS = ("title", "description", "lang", "budget_max", "timeline_weeks", "capabilities")


@operation(
    "POST",
    "/pools",
    summary="Open a pooled request for your industry and province",
    tag="Pools",
    roles=(Role.SME,),
    body=PoolIn,
    response=PoolOut,
    status=201,
    problems=STATE_PROBLEMS,
)
def open_pool(user, body: PoolIn):
    """The group need is matched at once; SMEs of the same industry and province are
    invited. Send requests for quotes on ``need.id`` as for any need."""
    data = body.model_dump()
    pool = pools.open_pool(
        user,
        {k: data[k] for k in NEED_KEYS},
        {"company_size": body.company_size, "sites": body.sites},
    )
    return serialize.pool(pool, user)


@operation(
    "GET",
    "/pools",
    summary="Your pools, or those you can join",
    tag="Pools",
    roles=(Role.SME,),
    query=(PoolQuery, PageQuery),
    response=PoolPage,
    problems=(401, 403, 422),
)
def list_pools(user, query):
    filters, page = query
    rows = pools.joinable(user) if filters.scope == "joinable" else pools.my_pools(user)
    return paginate(rows, page, lambda p: serialize.pool(p, user))


@operation(
    "GET",
    "/pools/<id:pool_id>",
    summary="One pool with its members",
    tag="Pools",
    response=PoolOut,
    problems=(401, 404),
)
def get_pool(user, pool_id: int):
    return serialize.pool(pools.get_pool(user, pool_id), user)


@operation(
    "POST",
    "/pools/<id:pool_id>/join",
    summary="Join a pool with your size and sites",
    tag="Pools",
    roles=(Role.SME,),
    body=PoolMemberIn,
    body_required=False,
    response=PoolMemberOut,
    problems=STATE_PROBLEMS,
)
def join(user, pool_id: int, body: PoolMemberIn):
    pool = pools.get_pool(user, pool_id)
    member = pools.join(user, pool, body.model_dump())
    return serialize.pool_member(member, True)


@operation(
    "POST",
    "/pools/<id:pool_id>/leave",
    summary="Leave a pool while it takes members",
    tag="Pools",
    roles=(Role.SME,),
    response=PoolMemberOut,
    problems=STATE_PROBLEMS,
)
def leave(user, pool_id: int):
    pool = pools.get_pool(user, pool_id)
    return serialize.pool_member(pools.leave(user, pool), True)


@operation(
    "POST",
    "/pools/<id:pool_id>/close-joining",
    summary="Close joining: the member count is fixed and sets the volume tier",
    tag="Pools",
    roles=(Role.SME,),
    response=PoolOut,
    problems=STATE_PROBLEMS,
)
def close_joining(user, pool_id: int):
    pool = pools.get_pool(user, pool_id)
    return serialize.pool(pools.close_joining(user, pool), user)


@operation(
    "PUT",
    "/quotes/<id:quote_id>/tiers",
    summary="Set the volume tiers of a quote for a pool",
    tag="Pools",
    roles=(Role.VENDOR,),
    body=TiersIn,
    response=TiersOut,
    problems=STATE_PROBLEMS,
)
def set_tiers(user, quote_id: int, body: TiersIn):
    """From ``min_members`` members on, each pays ``price``; more members never pay more."""
    quote = quotes.get_quote(user, quote_id)
    tiers = pools.set_tiers(user, quote, [t.model_dump() for t in body.tiers])
    return {"quote_id": quote.id, "tiers": [serialize.tier(t) for t in tiers]}


@operation(
    "GET",
    "/pools/<id:pool_id>/quotes",
    summary="The pool's quotes with the price per member at today's member count",
    tag="Pools",
    query=(PageQuery,),
    response=PoolQuotePage,
    problems=(401, 404, 422),
)
def pool_quotes(user, pool_id: int, query: PageQuery):
    pool = pools.get_pool(user, pool_id)
    return paginate(pools.pool_quotes(user, pool), query, serialize.pool_price)


def _pool_and_quote(user, pool_id: int, quote_id: int):
    # The services refuse a quote that is not this pool's.
    return pools.get_pool(user, pool_id), get_or_404(Quote, quote_id)


@operation(
    "POST",
    "/pools/<id:pool_id>/quotes/<id:quote_id>/accept",
    summary="Accept a pool quote for your own enterprise",
    tag="Pools",
    roles=(Role.SME,),
    response=AcceptOut,
    problems=STATE_PROBLEMS,
)
def accept(user, pool_id: int, quote_id: int):
    """Your own need, quote (at the tier price) and engagement are created and awarded."""
    pool, quote = _pool_and_quote(user, pool_id, quote_id)
    return {"engagement": serialize.engagement(pool_awards.accept(user, pool, quote))}


@operation(
    "POST",
    "/pools/<id:pool_id>/quotes/<id:quote_id>/agree",
    summary="Agree to a pool quote so the organiser can award it for you",
    tag="Pools",
    roles=(Role.SME,),
    response=PoolMemberOut,
    problems=STATE_PROBLEMS,
)
def agree(user, pool_id: int, quote_id: int):
    pool, quote = _pool_and_quote(user, pool_id, quote_id)
    return serialize.pool_member(pool_awards.agree(user, pool, quote), True)


@operation(
    "POST",
    "/pools/<id:pool_id>/quotes/<id:quote_id>/award-agreed",
    summary="The organiser awards a quote for every member that agreed to it",
    tag="Pools",
    roles=(Role.SME,),
    response=PoolAwardOut,
    problems=STATE_PROBLEMS,
)
def award_agreed(user, pool_id: int, quote_id: int):
    pool, quote = _pool_and_quote(user, pool_id, quote_id)
    engagements = pool_awards.award_agreed(user, pool, quote)
    return {"engagements": [serialize.engagement(e) for e in engagements]}
