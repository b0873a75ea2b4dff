"""Catalogue changes, turned into outbox jobs in the transaction that makes them.

Services call :func:`catalogue_changed` for each listing they publish, edit, suspend or
retire. When the transaction commits, two jobs are written with it: one brings the search
index in step with those listings, one updates the open needs' matches they affect. A
rolled-back change writes nothing, so it never reaches the index.
"""

from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import Session

from app.extensions import db
from app.jobs.outbox import post

_KEY = "shuzhuan.catalogue_changes"


def catalogue_changed(slug: str) -> None:
    """Record that listing ``slug`` changed in the current transaction."""
    db.session.info.setdefault(_KEY, set()).add(slug)


@event.listens_for(Session, "before_commit")
def _write_jobs(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint is released: the outer transaction is still open
    slugs = session.info.pop(_KEY, None)
    if slugs:
        payload = {"slugs": sorted(slugs)}
        post("index_listings", payload, session=session)
        post("rematch_listings", payload, session=session)


@event.listens_for(Session, "after_rollback")
def _forget(session: Session) -> None:
    if not session.in_nested_transaction():  # a savepoint's rollback keeps the outer changes
        session.info.pop(_KEY, None)
