"""Small query helpers every service and view shares."""

from __future__ import annotations

from typing import TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import NotFound
from app.extensions import db
from app.models.fields import INT32_MAX

Model = TypeVar("Model")


def get_or_404(model: type[Model], object_id: int | None) -> Model:
    """The row of ``model`` with ``object_id``, or NotFound (a 404 page or problem)."""
    in_range = isinstance(object_id, int) and 1 <= object_id <= INT32_MAX  # no OverflowError
    found = db.session.get(model, object_id) if in_range else None
    if found is None:
        raise NotFound(_("We could not find what you were looking for."))
    return found


def count_rows(query: sa.Select) -> int:
    """How many rows ``query`` returns, counted by the database."""
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(query.order_by(None).subquery())
    )


def contains(q: str | None, *columns: sa.ColumnElement) -> sa.ColumnElement:
    """A case-insensitive "any of ``columns`` contains ``q``" filter for the admin lists, with
    ``%`` and ``_`` taken literally; true when nothing was typed."""
    if not q or not q.strip():
        return sa.true()
    term = "%" + like_escaped(q.strip().lower()) + "%"
    return sa.or_(*(sa.func.lower(column).like(term, escape="\\") for column in columns))


def like_escaped(text: str) -> str:
    """``text`` for a LIKE pattern, its wildcards taken literally (escape character ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
