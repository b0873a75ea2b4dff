"""The factory's configurations, error pages and role guards on every page."""

from __future__ import annotations

import pytest
from flask import abort

from app import ConfigurationError, create_app
from app.extensions import db as _db
from app.models import Role
from tests.conftest import submit


def test_production_refuses_a_default_or_missing_secret_key(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app("production")
    with pytest.raises(ConfigurationError):
        create_app("production", {"SECRET_KEY": "too-short"})


def test_production_starts_with_a_real_secret_key(tmp_path):
    application = create_app(
        "production",
        {"SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/prod.sqlite"},
    )
    assert application.config["SESSION_COOKIE_SECURE"] is True
    assert application.config["LOG_JSON"] is True


def test_an_unknown_configuration_name_is_refused():
    with pytest.raises(ConfigurationError, match="SHUZHUAN_CONFIG"):
        create_app("staging")


def test_the_home_page_shows_in_chinese_by_default(app, db):
    page = app.test_client().get("/").get_data(as_text=True)
    assert "登录" in page and 'lang="zh-CN"' in page


def test_the_language_switch_is_remembered(app, db, sme):
    client = app.test_client(user=sme)
    client.get("/lang/en?next=/")
    assert "Log out" in client.get("/").get_data(as_text=True)
    _db.session.refresh(sme)
    assert sme.locale == "en"
    client.get("/lang/zh")
    assert "退出登录" in client.get("/").get_data(as_text=True)


def test_unknown_pages_get_a_404_in_the_layout(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)
    assert "navbar" in response.get_data(as_text=True)


def test_oversized_bodies_get_413(client):
    response = client.post("/auth/login", data={"email": "x" * (3 * 1024 * 1024)})
    assert response.status_code == 413
    assert "larger than we accept" in response.get_data(as_text=True)


def test_an_unexpected_error_shows_no_stack_trace(database_url):
    application = create_app(
        {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "LOG_LEVEL": "CRITICAL"}
    )
    application.config["PROPAGATE_EXCEPTIONS"] = False

    @application.route("/boom")
    def boom():
        raise RuntimeError("secret internals")

    @application.route("/teapot")
    def teapot():
        abort(400)

    client = application.test_client()
    response = client.get("/boom", headers={"Accept-Language": "en"})
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "secret internals" not in body and "Traceback" not in body
    assert "Something went wrong on our side" in body
    assert client.get("/teapot").status_code == 400
    with application.app_context():
        _db.engine.dispose()


def _guarded_pages(app) -> list[tuple[str, frozenset]]:
    """Every role-guarded GET page, with 1 for each path value (whatever its converter)."""
    urls = app.url_map.bind("localhost")
    pages = []
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        roles = getattr(view, "required_roles", None)
        if roles and "GET" in rule.methods:
            url = urls.build(rule.endpoint, dict.fromkeys(rule.arguments, 1))
            pages.append((url, roles))
    # The walk below proves nothing if it finds no pages: every role's area must be in it.
    found = {role for _, roles in pages for role in roles}
    assert found == {Role.SME, Role.VENDOR, Role.ADMIN} and len(pages) >= 15, pages
    return pages


@pytest.mark.parametrize("role", [Role.SME, Role.VENDOR, Role.ADMIN])
def test_every_guarded_page_refuses_other_roles(app, db, sme, vendor, admin, role):
    users = {Role.SME: sme, Role.VENDOR: vendor, Role.ADMIN: admin}
    client = app.test_client(user=users[role])
    for url, roles in _guarded_pages(app):
        if role not in roles:
            assert client.get(url).status_code == 403, (role, url)


def test_every_guarded_page_asks_anonymous_visitors_to_log_in(client, app):
    for url, _ in _guarded_pages(app):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_nul_characters_in_a_form_get_a_400_not_a_500(client, sme_client):
    response = submit(client, "/auth/login", {"email": "a\x00@b.com", "password": "x"})
    assert response.status_code == 400
    assert "NUL" in response.get_data(as_text=True)
    # The API's own form page too (PostgreSQL refused the token's name with a 500).
    response = submit(sme_client, "/api/v1/tokens/page", {"name": "a\x00b"})
    assert response.status_code == 400 and "NUL" in response.get_data(as_text=True)
    # Every value of a repeated parameter, not only the first.
    assert client.get("/solutions/?industry=C17&industry=a%00b").status_code == 400


def test_a_nul_character_in_a_path_names_nothing(client):
    # A slug or token with NUL reached PostgreSQL, which refuses it: a 500.
    assert client.get("/solutions/a%00b").status_code == 404
    answer = client.get("/api/v1/plugins/a%00b")
    assert answer.status_code == 404 and answer.mimetype == "application/problem+json"
