"""One pagination for every list: ``?page=&per_page=`` (at most 100) answered as
``{"items": [...], "page": n, "per_page": n, "total": n}``.

Queries are paged by the database (Flask-SQLAlchemy's ``db.paginate``, as the pages do);
lists that a service already filtered in Python are sliced.
"""

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
    if isinstance(source, sa.Select):
        page = db.paginate(source, page=query.page, per_page=query.per_page, error_out=False)
        rows, total = page.items, page.total
    else:
        offset = (query.page - 1) * query.per_page
        rows, total = source[offset : offset + query.per_page], len(source)
    return page_body([serialize(row) for row in rows], query, total)


def page_body(items: list[Any], query: PageQuery, total: int | None) -> dict[str, Any]:
    """The list envelope every paged endpoint answers with."""
    return {"items": items, "page": query.page, "per_page": query.per_page, "total": total or 0}
