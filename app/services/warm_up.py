"""Preparing a gunicorn process before it serves, so no user's request pays a cold start.

The master fits the matcher before it forks (``preload_app``): every worker starts with the
fitted catalogue, its arrays shared copy-on-write. Each worker then, before it takes
requests, rehearses a posted need inside a transaction that is rolled back: its own database
connection is opened and warmed (PostgreSQL caches a table's catalogue entries per
connection), and the statements a need runs are compiled. Without it a worker's first need
took about 0.1 s longer than the later ones (`python -m app.bench.workers`).
"""

from __future__ import annotations

import logging
import os
import secrets
import time

from flask import Flask

from app.extensions import db
from app.models import Organisation, OrgKind, Role, User, Verification
from app.services import matching, needs, plugin_hooks
from matching.types import Need as MatchingNeed

log = logging.getLogger("app.matching")

# What a worker logs once it is warm (``python -m app.bench.workers`` waits for it).
READY_LINE = "ready to serve: rehearsed a need"

WARM_UP_NEED = MatchingNeed(
    id="warm-up",
    title="库存总是对不上 / stock never matches",
    description="仓库出入库靠手写，想用扫码管理。Our warehouse records are on paper.",
)


def before_fork(app: Flask) -> None:
    """Fit ``app``'s matcher now, in the master, and close its database connections
    (they are not shared across a fork, so the pool is emptied)."""
    with app.app_context():
        started = time.perf_counter()
        try:
            _matcher_in_step()
        except Exception:  # no database yet, or not migrated: each worker fits when it can
            log.warning("could not fit the matcher before the workers fork", exc_info=True)
        else:
            log.info("matcher fitted before forking (%.1f s)", time.perf_counter() - started)
        db.session.remove()
        db.engine.dispose()


def before_serving(app: Flask) -> None:
    """Rehearse a posted need in this worker and roll it back (nothing is kept).

    The matcher is brought in step first, before anything is written: without preload (or
    if the master could not fit) each worker fits here, and must not hold SQLite's write
    lock meanwhile. Plug-ins' hooks are not called for the made-up need. Never raises: a
    worker that cannot rehearse serves all the same (gunicorn would stop on an error here).
    """
    try:
        with app.app_context():
            started = time.perf_counter()
            try:
                _matcher_in_step()
                with plugin_hooks.hooks_off():
                    _rehearse_a_need()
            except Exception:  # an empty or unmigrated database: the first request pays
                log.warning("could not rehearse a need before serving", exc_info=True)
            else:
                elapsed = time.perf_counter() - started
                log.info("worker %d %s in %.2f s", os.getpid(), READY_LINE, elapsed)
            finally:
                db.session.rollback()
                db.session.remove()
    except Exception:
        log.warning("could not prepare the worker before serving", exc_info=True)


def _matcher_in_step() -> None:
    # A bilingual need also loads what a first ranking would load lazily (the bridge's
    # dictionary, the stemmer).
    matching.engine().rank(WARM_UP_NEED, k=1)


def _rehearse_a_need() -> None:
    org = Organisation(kind=OrgKind.SME, verification=Verification.UNVERIFIED, name="warm-up")
    user = User(
        email=f"warm-up-{secrets.token_hex(8)}@example.invalid",
        name="warm-up",
        role=Role.SME,
        password_hash="!",  # no password matches: the row never outlives the rollback anyway
        organisation=org,
    )
    db.session.add_all([org, user])
    db.session.flush()
    needs.create_need(
        user,
        {
            "title": WARM_UP_NEED.title,
            "description": WARM_UP_NEED.description,
            "industry": "C33",
            "region": "CN-ZJ",
            "budget_max": 50_000,
        },
    )
