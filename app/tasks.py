"""Work that runs in the background (see app.jobs): each task is one transaction."""

from __future__ import annotations

import logging

from app.extensions import db

log = logging.getLogger("app.tasks")


def catalogue_changed(slugs: list[str]) -> None:
    """Bring the search index and the open needs' matches in step with changed listings."""
    from app.services import matching, search

    search.sync_listings(slugs)
    refreshed = matching.refresh_open_needs()
    db.session.commit()
    log.info("%d listings changed: %d open needs re-matched", len(slugs), refreshed)


def match_need(need_id: int) -> None:
    from app.models import Need
    from app.services import matching

    need = db.session.get(Need, need_id)
    if need is not None:
        matching.refresh_matches(need)
        db.session.commit()


def run_task(task: str, *args) -> None:
    """Entry point for RQ workers: runs in the worker's app (see `flask jobs worker`)."""
    from flask import has_app_context

    if has_app_context():
        globals()[task](*args)
        return
    from app import create_app

    with create_app().app_context():
        globals()[task](*args)
