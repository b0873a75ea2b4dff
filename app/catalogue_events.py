"""Catalogue changes, announced only after the database commit that made them.

Services call :func:`catalogue_changed` for a listing they publish, edit, suspend or retire.
The slugs wait in the session until it commits; then the search index and the open needs'
matches are refreshed as a background job. A rolled-back change is forgotten, so it never
reaches the index.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db

_KEY = "shuzhuan.catalogue_changes"


def catalogue_changed(slug: str) -> None:
    db.session.info.setdefault(_KEY, set()).add(slug)


@event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint released inside the operation: nothing is committed yet
    slugs = session.info.pop(_KEY, None)
    if slugs:
        from app.jobs import enqueue

        enqueue("catalogue_changed", sorted(slugs))


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's rollback keeps the outer changes
        session.info.pop(_KEY, None)
