"""One pagination for every list: ``?page=&per_page=`` (at most 100) answered as
``{"items": [...], "page": n, "per_page": n, "total": n}``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import sqlalchemy as sa

from app.api.schemas import PageQuery
from app.extensions import db


def paginate(
    source: sa.Select | Sequence[Any], query: PageQuery, serialize: Callable[[Any], Any]
) -> dict[str, Any]:
    """A page of ``source`` (a query, or a list the services already filtered)."""
    offset = (query.page - 1) * query.per_page
    if isinstance(source, sa.Select):
        total = db.session.scalar(
            sa.select(sa.func.count()).select_from(source.order_by(None).subquery())
        )
        rows = list(db.session.scalars(source.limit(query.per_page).offset(offset)))
    else:
        total = len(source)
        rows = list(source[offset : offset + query.per_page])
    return {
        "items": [serialize(row) for row in rows],
        "page": query.page,
        "per_page": query.per_page,
        "total": total or 0,
    }
