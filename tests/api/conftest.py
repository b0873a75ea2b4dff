"""Fixtures for the JSON API: bearer-token clients per role and problem assertions."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from app.extensions import db as _db
from app.services import tokens
from tests.conftest import english

PROBLEM_KEYS = {"type", "title", "status", "detail", "errors"}


class ApiClient:
    """A test client that speaks JSON with a bearer token (or none)."""

    def __init__(self, client: FlaskClient, token: str | None = None):
        self.client = client
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def request(self, method: str, path: str, json: Any = None, headers=None, **kw):
        url = path if path.startswith("/api/") else "/api/v1" + path
        if json is not None:
            kw["json"] = json
        return self.client.open(url, method=method, headers=self.headers(headers), **kw)

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, json=None, **kw):
        return self.request("POST", path, json=json, **kw)

    def patch(self, path, json=None, **kw):
        return self.request("PATCH", path, json=json, **kw)

    def put(self, path, json=None, **kw):
        return self.request("PUT", path, json=json, **kw)


def token_for(user) -> str:
    issued = tokens.create_token(user, "tests")
    _db.session.commit()
    return issued.secret


@pytest.fixture
def anon(app, db) -> ApiClient:
    return ApiClient(english(app.test_client()))


@pytest.fixture
def api_for(app, db):
    def make(user) -> ApiClient:
        return ApiClient(english(app.test_client()), token_for(user))

    return make


@pytest.fixture
def sme_api(api_for, sme) -> ApiClient:
    return api_for(sme)


@pytest.fixture
def vendor_api(api_for, vendor) -> ApiClient:
    return api_for(vendor)


@pytest.fixture
def admin_api(api_for, admin) -> ApiClient:
    return api_for(admin)


def assert_problem(response, status: int, *fields: str) -> dict:
    """``response`` is an RFC 9457 problem with ``status``; ``fields`` are in its errors."""
    assert response.status_code == status, (response.status_code, response.get_data(as_text=True))
    assert response.mimetype == "application/problem+json", response.mimetype
    body = response.get_json(force=True)
    assert set(body) == PROBLEM_KEYS, body
    assert body["status"] == status
    assert body["type"].startswith("https://shuzhuan.example/problems/")
    assert body["title"] and body["detail"]
    for name in fields:
        assert name in body["errors"], body["errors"]
    return body
