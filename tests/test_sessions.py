"""Sessions that end, sign-in without a timing oracle, throttling that counts failures only."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from flask import session

import app.models.accounts as models
import app.services.accounts as service
from app import create_app
from app.extensions import db as _db
from app.extensions import limiter
from app.models import UserSession
from app.services import accounts, sessions
from tests import factories
from tests.conftest import empty_database, english, submit


def _sign_in(client, user) -> None:
    response = submit(client, "/auth/login", {"email": user.email, "password": factories.PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)


def _cookie(client) -> str:
    return client.get_cookie("session").value


def _opens_needs(app, cookie: str) -> bool:
    other = english(app.test_client())
    other.set_cookie("session", cookie)
    return other.get("/needs/").status_code == 200


def test_a_cookie_copied_before_logout_no_longer_opens_pages(app, client, sme):
    _sign_in(client, sme)
    copied = _cookie(client)
    assert _opens_needs(app, copied)
    submit(client, "/auth/logout", {}, form_url="/needs/")
    assert not _opens_needs(app, copied)
    response = english(app.test_client())
    response.set_cookie("session", copied)
    assert response.get("/needs/").status_code == 302  # to the login page


def test_logout_ends_only_that_browser(app, client, sme):
    _sign_in(client, sme)
    laptop = english(app.test_client())
    _sign_in(laptop, sme)
    submit(client, "/auth/logout", {}, form_url="/needs/")
    assert laptop.get("/needs/").status_code == 200


def test_end_other_sessions_keeps_this_browser_only(app, db, sme):
    phone, laptop = english(app.test_client()), english(app.test_client())
    _sign_in(phone, sme)
    _sign_in(laptop, sme)
    with app.test_request_context():
        session[sessions.SESSION_KEY] = _token(laptop)
        assert accounts.end_other_sessions(db.session.merge(sme)) == 1
        db.session.commit()
    assert laptop.get("/needs/").status_code == 200
    assert phone.get("/needs/").status_code == 302


def _token(client) -> str:
    with client.session_transaction() as sess:
        return sess[sessions.SESSION_KEY]


def test_end_all_sessions_signs_every_browser_out(app, db, sme):
    browsers = [english(app.test_client()) for _ in range(2)]
    for browser in browsers:
        _sign_in(browser, sme)
    assert accounts.end_all_sessions(sme) == 2
    db.session.commit()
    assert [b.get("/needs/").status_code for b in browsers] == [302, 302]
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 0


def test_sessions_expire(app, db, client, sme):
    _sign_in(client, sme)
    db.session.execute(sa.update(UserSession).values(created_at=sa.func.date("2000-01-01")))
    db.session.commit()
    assert client.get("/needs/").status_code == 302


@pytest.mark.parametrize("known", [True, False])
def test_unknown_and_known_accounts_cost_one_password_hash(app, db, sme, monkeypatch, known):
    calls = []

    for module in (models, service):
        real = module.check_password_hash
        monkeypatch.setattr(
            module, "check_password_hash", lambda h, p, real=real: calls.append(1) or real(h, p)
        )
    email = sme.email if known else "nobody@example.com"
    client = english(app.test_client())
    api = client.post("/api/v1/auth/token", json={"email": email, "password": "wrong password"})
    assert api.status_code == 401
    assert len(calls) == 1
    page = submit(client, "/auth/login", {"email": email, "password": "wrong password"})
    assert page.status_code == 422 and "Wrong e-mail or password." in page.get_data(as_text=True)
    assert len(calls) == 2


@pytest.fixture
def limited(app, database_url):  # app: the schema exists

    enabled = limiter.enabled  # the limiter is shared by every app of this process
    limited = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "LOGIN_RATE_LIMIT": "3 per minute",
            "LOGIN_ACCOUNT_RATE_LIMIT": "2 per hour",
            "API_TOKEN_RATE_LIMIT": "3 per minute",
            "WTF_CSRF_ENABLED": False,
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
        }
    )
    limiter.reset()
    try:
        with limited.app_context():
            yield limited
            empty_database()
    finally:
        limiter.reset()
        limiter.enabled = enabled
        with limited.app_context():
            _db.engine.dispose()


def _post_login(app, email, password, address="10.0.0.1"):
    client = english(app.test_client())
    return client.post(
        "/auth/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address, "HTTP_ACCEPT_LANGUAGE": "en"},
    )


def test_an_office_behind_one_address_is_not_locked_out_by_successful_logins(limited):
    users = [factories.sme_user() for _ in range(5)]
    codes = [_post_login(limited, u.email, factories.PASSWORD).status_code for u in users * 2]
    assert codes == [302] * 10


def test_failures_per_address_are_limited_and_the_page_says_when(limited):
    codes = [_post_login(limited, f"guess{i}@example.com", "wrong").status_code for i in range(4)]
    assert codes == [422, 422, 422, 429]
    refused = _post_login(limited, "guess9@example.com", "wrong")
    page = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "Please try again in" in page and "seconds" in page
    assert int(refused.headers["Retry-After"]) > 0
    # another office is not affected
    assert _post_login(limited, "guess1@example.com", "wrong", "10.0.0.2").status_code == 422


def test_failures_per_account_are_limited_from_any_address(limited):
    user = factories.sme_user()
    codes = [_post_login(limited, user.email, "wrong", f"10.1.0.{i}").status_code for i in range(3)]
    assert codes == [422, 422, 429]
    page = _post_login(limited, user.email.upper(), "wrong", "10.1.0.9").get_data(as_text=True)
    assert "Please try again in" in page and "minutes" in page


def test_the_token_endpoint_counts_failures_only(limited):
    user = factories.sme_user()
    client = english(limited.test_client())
    good = {"email": user.email, "password": factories.PASSWORD}
    assert [client.post("/api/v1/auth/token", json=good).status_code for _ in range(4)] == [201] * 4
    bad = [
        client.post("/api/v1/auth/token", json={"email": f"x{i}@e.com", "password": "p"})
        for i in range(4)
    ]
    assert [r.status_code for r in bad] == [401, 401, 401, 429]
    assert "Please try again in" in bad[-1].get_json()["detail"]


def test_a_password_change_ends_the_other_browsers_but_not_this_one(app, client, sme):
    _sign_in(client, sme)
    laptop = english(app.test_client())
    _sign_in(laptop, sme)
    response = submit(
        client,
        "/auth/profile/password",
        {
            "pw-current_password": factories.PASSWORD,
            "pw-new_password": "a-brand-new-password",
            "pw-confirm": "a-brand-new-password",
        },
        form_url="/auth/profile",
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    assert client.get("/needs/").status_code == 200
    assert laptop.get("/needs/").status_code == 302  # signed out: to the login page
