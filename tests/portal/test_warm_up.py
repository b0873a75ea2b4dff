"""gunicorn's processes warm up before they serve (issue 17): the master fits the matcher
before forking, so no worker fits its own; each worker rehearses a need and keeps nothing."""

from __future__ import annotations

import logging

import sqlalchemy as sa

from app.models import AuditEvent, Match, Need, Notification, Organisation, OutboxJob, User
from app.services import matching, warm_up
from matching import bridge
from tests import factories


def test_after_the_warm_up_a_first_ranking_fits_nothing(app, db, vendor, caplog):
    factories.listing(vendor, slug="warm-listing")
    app.extensions.pop("shuzhuan.matcher", None)
    with caplog.at_level(logging.INFO, logger="app.matching"):
        warm_up.before_fork(app)
        assert "matcher fitted on 1 published listings" in caplog.text
        caplog.clear()
        need = factories.need(factories.sme_user())
        matching.refresh_matches(need)
    assert "fitted" not in caplog.text  # the worker starts with the master's matcher
    assert bridge.dictionary.cache_info().currsize == 1  # the bilingual bridge is loaded


def test_a_workers_rehearsed_need_leaves_no_trace(app, db, vendor, caplog):
    factories.listing(vendor, slug="warm-listing", capabilities=["supply.warehouse"])
    db.session.commit()
    tables = (User, Organisation, Need, Match, AuditEvent, Notification, OutboxJob)

    def counts():
        return [db.session.scalar(sa.select(sa.func.count()).select_from(t)) for t in tables]

    before = counts()
    with caplog.at_level(logging.WARNING, logger="app.matching"):
        warm_up.before_serving(app)
    assert caplog.text == ""  # the rehearsal ran through: a need was posted and matched
    assert counts() == before
