"""gunicorn's master fits the matcher before forking, so no worker fits its own (issue 17)."""

from __future__ import annotations

import logging

from app.services import matching
from matching import bridge
from tests import factories


def test_after_the_warm_up_a_first_ranking_fits_nothing(app, db, vendor, caplog):
    factories.listing(vendor, slug="warm-listing")
    app.extensions.pop("shuzhuan.matcher", None)
    with caplog.at_level(logging.INFO, logger="app.matching"):
        matching.warm_up(app)
        assert "matcher fitted on 1 published listings" in caplog.text
        caplog.clear()
        need = factories.need(factories.sme_user())
        matching.refresh_matches(need)
    assert "fitted" not in caplog.text  # the worker starts with the master's matcher
    assert bridge.dictionary.cache_info().currsize == 1  # the bilingual bridge is loaded
