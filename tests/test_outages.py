"""Degrade, don't fail: an unreachable database answers 503 with Retry-After and heals by
itself; an unreachable rate-limit storage falls back to counting in memory."""

from __future__ import annotations

import logging
import runpy
import socket
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from app import create_app
from app.api.openapi import document
from app.extensions import db as _db
from app.extensions import limiter
from chaos.proxy import TcpProxy
from tests import dbutil
from tests.conftest import english


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def portal(url: str, tmp_path, **config):
    return create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": url,
            "SEARCH_INDEX_DIR": str(tmp_path / "search"),
            "LOG_LEVEL": "WARNING",
            "JOBS": "sync",
            **config,
        }
    )


def assert_unavailable(client) -> None:
    api = client.get("/api/v1/plugins")
    assert api.status_code == 503, api.text
    assert api.mimetype == "application/problem+json"
    assert api.headers["Retry-After"].isdigit()
    assert api.get_json()["type"].endswith("/unavailable")
    token = client.post("/api/v1/auth/token", json={"email": "a@b.cn", "password": "x" * 12})
    assert token.status_code == 503 and "Retry-After" in token.headers
    page = client.get("/solutions/some-plugin")
    assert page.status_code == 503 and page.headers["Retry-After"].isdigit()
    assert "cannot reach its database" in page.text
    chinese = client.get("/solutions/some-plugin", headers={"Accept-Language": "zh"})
    assert chinese.status_code == 503 and "暂时无法连接数据库" in chinese.text


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_an_unreachable_database_answers_503_on_pages_and_the_api(backend, tmp_path):
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path}/no-such-folder/portal.sqlite"
    else:
        url = f"postgresql+psycopg://postgres@127.0.0.1:{closed_port()}/shuzhuan"
    app = portal(url, tmp_path)
    try:
        assert_unavailable(english(app.test_client()))
    finally:
        with app.app_context():
            _db.engine.dispose()


@pytest.mark.skipif(not dbutil.is_postgres(dbutil.base_url()), reason="cuts a proxy to PostgreSQL")
def test_a_database_outage_answers_503_and_heals_without_a_restart(app, db, tmp_path):
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432).start()
    through = portal(url.set(port=proxy.port).render_as_string(hide_password=False), tmp_path)
    try:
        client = english(through.test_client())
        assert client.get("/api/v1/plugins").status_code == 200  # the pool holds a connection
        proxy.cut()
        assert_unavailable(client)
        proxy.restore()
        assert client.get("/api/v1/plugins").status_code == 200
        assert client.get("/solutions/").status_code == 200
    finally:
        proxy.stop()
        with through.app_context():
            _db.engine.dispose()


def test_the_rate_limiter_falls_back_to_memory_when_redis_is_down(app, db, tmp_path, caplog):
    limited = portal(
        app.config["SQLALCHEMY_DATABASE_URI"],
        tmp_path,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{closed_port()}/0",
        API_TOKEN_RATE_LIMIT="3 per minute",
    )
    try:
        client = english(limited.test_client())
        body = {"email": "nobody@example.com", "password": "wrong password"}
        with caplog.at_level(logging.WARNING):
            codes = [client.post("/api/v1/auth/token", json=body).status_code for _ in range(4)]
        assert codes == [401, 401, 401, 429]  # still limited, counted in memory
        assert any("falling back to in-memory" in r.getMessage() for r in caplog.records)
    finally:
        with limited.app_context():
            _db.engine.dispose()
        # The limiter is one object for every app of the process: leave it as the suite's.
        portal(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path, RATELIMIT_ENABLED=False)
        limiter.enabled = False


def test_the_http_servers_limits_are_the_ones_the_api_documents(app):
    """gunicorn answers 414/431 itself; the OpenAPI document must say so, with its figures."""

    settings = runpy.run_path(str(Path(__file__).resolve().parent.parent / "gunicorn.conf.py"))
    assert settings["limit_request_line"] == 8190
    assert settings["limit_request_fields"] == 100
    assert settings["limit_request_field_size"] == 8190
    with app.test_request_context():
        doc = document()
    assert (
        "8,190 bytes" in doc["info"]["description"] and "100 header" in doc["info"]["description"]
    )
    shared = doc["components"]["responses"]
    assert "Retry-After" in shared["Unavailable"]["headers"]
    for path, methods in doc["paths"].items():
        if path == "/openapi.json":
            continue
        for method, operation in methods.items():
            for code in ("414", "431", "503"):
                assert code in operation["responses"], (method, path, code)
