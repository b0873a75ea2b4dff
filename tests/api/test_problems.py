"""Every error is an RFC 9457 problem with the documented status."""

from __future__ import annotations

from app import create_app
from app.extensions import db as _db
from app.extensions import limiter
from tests.api import helpers
from tests.api.conftest import assert_problem
from tests.conftest import english


def test_400_for_broken_json_and_wrong_content_type(sme_api):
    broken = sme_api.client.post(
        "/api/v1/needs",
        data=b'{"title": ',
        headers={**sme_api.headers(), "Content-Type": "application/json"},
    )
    assert_problem(broken, 400)
    form = sme_api.client.post("/api/v1/needs", data={"title": "x"}, headers=sme_api.headers())
    assert_problem(form, 400)


def test_401_without_a_valid_token(anon, sme_api):
    response = anon.get("/needs")
    assert_problem(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    for header in ("Bearer", "Bearer nope", "Basic dXNlcjpwYXNz", "Bearer szt_" + "x" * 43):
        assert_problem(anon.get("/needs", headers={"Authorization": header}), 401)


def test_session_cookies_are_ignored(sme_client):
    # Logged in on the pages, but the API wants a bearer token.
    assert_problem(sme_client.get("/api/v1/needs"), 401)
    assert_problem(sme_client.post("/api/v1/needs", json=helpers.need()), 401)


def test_403_404_405(vendor_api, anon):
    assert_problem(vendor_api.post("/needs", json=helpers.need()), 403)
    assert_problem(anon.get("/no-such-endpoint"), 404)
    response = anon.request("DELETE", "/plugins")
    assert_problem(response, 405)
    assert "GET" in response.headers["Allow"]


def test_409_for_an_illegal_transition(sme_api, db):
    need = sme_api.post("/needs", json=helpers.need()).get_json()
    assert sme_api.post(f"/needs/{need['id']}/cancel", json={"reason": "x"}).status_code == 200
    body = assert_problem(sme_api.post(f"/needs/{need['id']}/cancel", json={"reason": "x"}), 409)
    assert body["type"].endswith("/conflict")


def test_413_for_an_oversized_body(sme_api, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    response = sme_api.post("/needs", json=helpers.need(description="长" * 2000))
    assert_problem(response, 413)


def test_422_names_every_bad_field(sme_api, db):
    response = sme_api.post(
        "/needs",
        json={
            "title": "",
            "description": "x",
            "industry": "Z99",
            "budget_max": -1,
            "capabilities": ["nope"],
            "colour": "red",
            "employees": "12",
        },
    )
    body = assert_problem(response, 422, "title", "industry", "budget_max", "colour", "employees")
    assert "capabilities.0" in body["errors"]
    assert body["type"].endswith("/validation")
    assert_problem(sme_api.post("/needs", json=["not", "an", "object"]), 422, "body")
    assert_problem(sme_api.get("/needs", query_string={"per_page": 101}), 422, "per_page")
    assert_problem(sme_api.get("/needs", query_string={"page": "zero"}), 422, "page")


def test_422_from_the_services_rules(vendor_api, db):
    # The manifest rules refuse hooks (declarative listings only) and a listing without
    # the organisation's credit code.
    response = vendor_api.post("/plugins", json=helpers.plugin(hooks="evil.module"))
    assert_problem(response, 422)


def test_429_when_rate_limited(app, database_url):  # app: the schema exists
    limited = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "API_TOKEN_RATE_LIMIT": "2 per minute",
        }
    )
    try:
        client = english(limited.test_client())
        body = {"email": "nobody@example.com", "password": "wrong password"}
        codes = [client.post("/api/v1/auth/token", json=body).status_code for _ in range(3)]
        assert codes == [401, 401, 429]
        assert_problem(client.post("/api/v1/auth/token", json=body), 429)
    finally:
        limiter.enabled = False
        limiter.reset()
        with limited.app_context():
            _db.engine.dispose()


def test_problems_follow_accept_language(anon):
    chinese = anon.get("/needs", headers={"Accept-Language": "zh"})
    english = anon.get("/needs", headers={"Accept-Language": "en"})
    assert chinese.status_code == english.status_code == 401
    assert chinese.get_json()["title"] == "需要身份验证"
    assert english.get_json()["title"] == "Authentication required"


def test_nul_characters_are_a_422_naming_the_field(client, db):
    body = {
        "email": "nul@example.com",
        "password": "a-long-password",
        "role": "sme",
        "organisation": {"name": "Bad\u0000Name"},
    }
    response = client.post("/api/v1/accounts", json=body)
    assert_problem(response, 422)
    assert "organisation.name" in response.get_json()["errors"]
