"""Page numbers read from the query string once, clamped, for every paginated page."""

from __future__ import annotations

import itertools

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


def page_window(page: int, pages: int, around: int = 2) -> list[int | None]:
    """The page numbers a pager links: the first, the last and ``around`` either side of
    ``page``; ``None`` stands for the numbers left out (a catalogue of 10,000 has 834 pages)."""
    shown = sorted({1, pages, *range(max(page - around, 1), min(page + around, pages) + 1)})
    window: list[int | None] = [shown[0]]
    for previous, number in itertools.pairwise(shown):
        if number - previous == 2:
            window.append(previous + 1)  # a gap of one page shows the page, not "…"
        elif number - previous > 2:
            window.append(None)
        window.append(number)
    return window
