"""Security headers read off real responses, and pages that satisfy their own CSP."""

from __future__ import annotations

import re

import pytest

from app import create_app
from tests import factories
from tests.conftest import english
from tests.deal_builders import make_deal
from tests.page_walk import object_values, page_urls

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.IGNORECASE)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.IGNORECASE)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']?\s*javascript:""", re.IGNORECASE)


def _assert_headers(response) -> None:
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "object-src 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/solutions/",
        "/auth/login",
        "/api/v1/docs",
        "/api/v1/openapi.json",
        "/api/v1/plugins",
        "/api/v1/needs",
        "/no-such-page",
        "/api/v1/nothing-here",
        "/static/css/shuzhuan.css",
    ],
)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    _assert_headers(response)
    response.close()


def test_error_and_post_responses_carry_them_too(client):
    _assert_headers(client.post("/auth/login", data={}))  # CSRF refusal, 400
    _assert_headers(client.post("/api/v1/auth/token", data="[", content_type="application/json"))


def test_hsts_only_in_production(client, app, database_url):
    assert "Strict-Transport-Security" not in client.get("/").headers
    prod = create_app(
        "production",
        {
            "SECRET_KEY": "x" * 40,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LOG_JSON": False,
            "JOBS": "sync",  # no outbox sweeper thread outliving the test's database
        },
    )
    response = prod.test_client().get("/healthz")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_signed_in_pages_are_not_cached(sme_client):
    assert sme_client.get("/needs/").headers["Cache-Control"] == "no-store"


def test_no_page_needs_inline_script_style_or_handlers(app, db):

    deal = make_deal(vendors=2)
    clients = {
        "anonymous": english(app.test_client()),
        "sme": english(app.test_client(user=deal.sme)),
        "vendor": english(app.test_client(user=deal.vendors[0])),
        "admin": english(app.test_client(user=factories.admin_user())),
    }
    checked = 0
    for who, client in clients.items():
        for url in page_urls(app, object_values(deal)):
            response = client.get(url)
            if response.mimetype != "text/html" or response.status_code != 200:
                continue
            page = response.get_data(as_text=True)
            checked += 1
            for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER, JS_URL):
                found = pattern.search(page)
                assert found is None, (who, url, page[found.start() - 80 : found.end() + 80])
    assert checked > 30


def test_the_scripts_and_styles_the_pages_load_are_served(client):
    page = client.get("/api/v1/docs").get_data(as_text=True)
    for src in re.findall(r'(?:src|href)="(/[^"]+\.(?:js|css))"', page):
        response = client.get(src)
        assert response.status_code == 200, src
        response.close()
