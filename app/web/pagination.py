"""Page numbers read from the query string once, clamped, for every paginated page."""

from __future__ import annotations

import sqlalchemy as sa
from flask import request
from flask_sqlalchemy.pagination import Pagination

from app.extensions import db
from app.models.fields import MAX_PAGE

MAX_PAGE_DIGITS = len(str(MAX_PAGE))


def page_number(name: str = "page") -> int:
    """``?page=`` as a number from 1 to MAX_PAGE: garbage is page 1, huge numbers the last."""
    raw = (request.args.get(name) or "").strip()
    if not raw.isdecimal() or not raw.isascii():
        return 1
    if len(raw) > MAX_PAGE_DIGITS:
        return MAX_PAGE
    return min(max(int(raw), 1), MAX_PAGE)


def paginate(query: sa.Select, per_page: int) -> Pagination:
    """One page of ``query``; an out-of-range page is an empty page, never an error."""
    return db.paginate(query, page=page_number(), per_page=per_page, error_out=False)
