"""Needs and their matches: the SME's own, every one for admins."""

from __future__ import annotations

from app.api import serialize
from app.api.core import operation
from app.api.pagination import paginate
from app.api.schemas import (
    MatchOut,
    NeedIn,
    NeedOut,
    NeedPatch,
    NeedQuery,
    PageQuery,
    ReasonIn,
    page_of,
)
from app.models import Role
from app.services import match_moderation, matching, needs

NeedPage = page_of(NeedOut)
MatchPage = page_of(MatchOut)
SME_OR_ADMIN = (Role.SME, Role.ADMIN)


@operation(
    "POST",
    "/needs",
    summary="Post a need (it is matched at once)",
    tag="Needs",
    roles=(Role.SME,),
    body=NeedIn,
    response=NeedOut,
    status=201,
    problems=(400, 401, 403, 413, 422),
)
def create_need(user, body: NeedIn):
    """Every need field of data-formats.md; ``lang`` is detected when left out."""
    return serialize.need(needs.create_need(user, body.model_dump()))


@operation(
    "GET",
    "/needs",
    summary="List needs: an SME's own, every need for admins",
    tag="Needs",
    roles=SME_OR_ADMIN,
    query=(NeedQuery, PageQuery),
    response=NeedPage,
    problems=(401, 403, 422),
)
def list_needs(user, query):
    filters, page = query
    if user.role == Role.ADMIN:
        source = match_moderation.needs_query(status=filters.status)
    else:
        source = needs.my_needs(user, filters.status)
    return paginate(source, page, serialize.need)


@operation(
    "GET",
    "/needs/<id:need_id>",
    summary="One need",
    tag="Needs",
    roles=SME_OR_ADMIN,
    response=NeedOut,
    problems=(401, 403, 404),
)
def get_need(user, need_id: int):
    return serialize.need(needs.get_for_viewer(user, need_id))


@operation(
    "PATCH",
    "/needs/<id:need_id>",
    summary="Edit an open or draft need (it is matched again)",
    tag="Needs",
    roles=(Role.SME,),
    body=NeedPatch,
    response=NeedOut,
    problems=(400, 401, 403, 404, 409, 413, 422),
)
def update_need(user, need_id: int, body: NeedPatch):
    """Only the fields sent change; a field sent as null is cleared."""
    need = needs.get_for_sme(user, need_id)
    fields = need.need_fields()
    fields.update(body.model_dump(exclude_unset=True))
    return serialize.need(needs.update_need(user, need, fields))


@operation(
    "POST",
    "/needs/<id:need_id>/cancel",
    summary="Cancel an open or draft need",
    tag="Needs",
    roles=(Role.SME,),
    body=ReasonIn,
    response=NeedOut,
    problems=(400, 401, 403, 404, 409, 413, 422),
)
def cancel_need(user, need_id: int, body: ReasonIn):
    """Outstanding requests for quotes and quotes end with it; the vendors are told why."""
    need = needs.get_for_sme(user, need_id)
    return serialize.need(needs.cancel_need(user, need, body.reason))


@operation(
    "GET",
    "/needs/<id:need_id>/matches",
    summary="The ranked, explained matches of a need",
    tag="Needs",
    roles=SME_OR_ADMIN,
    query=(PageQuery,),
    response=MatchPage,
    problems=(401, 403, 404, 422),
)
def list_matches(user, need_id: int, query: PageQuery):
    """Pinned matches first, then by rank. The SME sees the visible ones; admins see
    hidden ones too (to pin or hide them)."""
    need = needs.get_for_viewer(user, need_id)
    rows = (
        match_moderation.all_matches(need)
        if user.role == Role.ADMIN
        else matching.visible_matches(need)
    )
    return paginate(rows, query, serialize.match)
