"""Fixtures: the app, a clean database per test, clients logged in per role, factories."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask, has_app_context
from flask.testing import FlaskClient
from flask_login import FlaskLoginClient
from flask_migrate import upgrade

from app import create_app
from app.extensions import db as _db
from app.services import sessions
from tests import dbutil, factories

# The browser test needs Chromium and takes a while: `make e2e` runs it (SHUZHUAN_E2E=1).
collect_ignore = [] if os.environ.get("SHUZHUAN_E2E") == "1" else ["e2e"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Everything that touches the app's database runs again against PostgreSQL in CI.
    for item in items:
        if {"app", "db"} & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> Iterator[str]:
    url = dbutil.base_url()
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if dbutil.is_postgres(url):
        try:
            dbutil.check_reachable(url)
        except Exception as exc:  # CI must fail, not skip, when PostgreSQL is down
            pytest.exit(f"PostgreSQL at TEST_DATABASE_URL is unreachable: {exc}", returncode=3)
        with dbutil.scratch_postgres_database(url, worker) as scratch:
            yield scratch
    else:
        yield "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


class RequestClient(FlaskLoginClient):
    """Runs each request in its own app context, as a server does.

    ``app.test_client(user=u)`` signs ``u`` in as the login page does: a live session row
    (see app.services.sessions) and its token in the cookie.

    Otherwise the test's app context (and its ``g`` caches and database session) would
    leak into every request. Objects the test holds are expired afterwards, so reads
    see what the request committed.
    """

    def __init__(self, *args, **kwargs):
        user = kwargs.get("user")
        super().__init__(*args, **kwargs)
        if user is not None:
            with self.application.app_context():
                token = sessions.start(_db.session.merge(user))
                _db.session.commit()
            with self.session_transaction() as sess:
                sess[sessions.SESSION_KEY] = token

    def open(self, *args, **kwargs):
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            _db.session.expire_all()
        return response


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory) -> Iterator[Flask]:

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "testing-secret",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": False,
            "LOG_LEVEL": "WARNING",
            "JOBS": "sync",
            "MAIL_BACKEND": "locmem",
            "TICK_SECONDS": 0,  # tests run the tick themselves
            "DEV_MAIL_PAGE": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "SEARCH_INDEX_DIR": str(tmp_path_factory.mktemp("search")),
            "MATCHING_CHECK_SET": None,  # tests that train make their own labelled cases
            "ATTACHMENTS_DIR": str(tmp_path_factory.mktemp("attachments")),
        }
    )
    app.test_client_class = RequestClient
    with app.app_context():
        upgrade()  # the schema comes from the migrations, as in production
    yield app
    with app.app_context():
        _db.engine.dispose()


@pytest.fixture
def db(app) -> Iterator:
    """The database, emptied after each test (and the in-memory mail outbox with it)."""
    app.extensions["mailman"].outbox = []
    with app.app_context():
        yield _db
        empty_database()
    _forget_process_caches(app)


def empty_database() -> None:
    """Delete every row (in the current app context), children first."""
    _db.session.remove()
    with _db.engine.begin() as conn:
        for table in reversed(_db.metadata.sorted_tables):
            conn.execute(table.delete())


def _forget_process_caches(app: Flask) -> None:
    """Production never deletes listings; tests empty the tables, so start caches afresh
    (the unwritten plug-in page views too: they name listings that are gone)."""
    for key in ("shuzhuan.matcher", "shuzhuan.search", "shuzhuan.plugins", "shuzhuan.view_counts"):
        cached = app.extensions.pop(key, None)
        if key == "shuzhuan.search" and cached is not None:
            cached.close()  # its pooled searchers hold the index files open
        if key == "shuzhuan.view_counts" and cached is not None:
            cached.stop()
    shutil.rmtree(Path(app.config["SEARCH_INDEX_DIR"]) / "search", ignore_errors=True)


def english(client: FlaskClient) -> FlaskClient:
    """Tests read English pages unless they ask for Chinese (the site default)."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def client(app, db) -> FlaskClient:
    return english(app.test_client())


def _client_for(app: Flask, user) -> FlaskClient:
    return english(app.test_client(user=user))


@pytest.fixture
def sme(db):
    return factories.sme_user()


@pytest.fixture
def vendor(db):
    return factories.vendor_user()


@pytest.fixture
def admin(db):
    return factories.admin_user()


@pytest.fixture
def sme_client(app, sme) -> FlaskClient:
    return _client_for(app, sme)


@pytest.fixture
def vendor_client(app, vendor) -> FlaskClient:
    return _client_for(app, vendor)


@pytest.fixture
def admin_client(app, admin) -> FlaskClient:
    return _client_for(app, admin)


CSRF_RE = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def csrf_token(client: FlaskClient, url: str) -> str:
    """The CSRF token of the form on ``url``, as a browser would submit it."""
    page = client.get(url)
    assert page.status_code == 200, (url, page.status_code)
    match = CSRF_RE.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {url}"
    return match.group(1)


def submit(client: FlaskClient, url: str, data: dict, *, form_url: str | None = None, **kw):
    """Post ``data`` to ``url`` with the token of the form shown on ``form_url`` (or ``url``)."""
    token = csrf_token(client, form_url or url)
    return client.post(url, data={**data, "csrf_token": token}, **kw)
