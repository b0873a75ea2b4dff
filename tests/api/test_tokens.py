"""API tokens: issued once, stored hashed, expiring, revocable, listed on the token page."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from app.models import ApiToken, UserStatus
from app.models.base import utcnow
from app.services import tokens
from tests.api import helpers
from tests.api.conftest import ApiClient, assert_problem
from tests.conftest import submit


def test_token_from_password_is_stored_hashed(anon, sme, db):
    response = anon.post(
        "/auth/token", json={"email": sme.email.upper(), "password": helpers.PASSWORD}
    )
    assert response.status_code == 201
    secret = response.get_json()["token"]
    row = db.session.scalar(sa.select(ApiToken))
    assert row.token_hash == tokens.hash_secret(secret) and secret not in row.token_hash
    assert secret.startswith(row.prefix) and len(row.prefix) == 12
    api = ApiClient(anon.client, secret)
    assert api.get("/needs").status_code == 200
    assert db.session.get(ApiToken, row.id).last_used_at is not None


def test_wrong_password_is_401(anon, sme, db):
    body = assert_problem(
        anon.post("/auth/token", json={"email": sme.email, "password": "nope"}), 401
    )
    assert "password" in body["detail"]


def test_expired_revoked_and_suspended_tokens_stop_working(sme_api, sme, db):
    assert sme_api.get("/needs").status_code == 200
    row = db.session.scalar(sa.select(ApiToken))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert_problem(sme_api.get("/needs"), 401)

    row.expires_at = utcnow() + timedelta(days=1)
    db.session.commit()
    assert sme_api.get("/needs").status_code == 200
    sme.status = UserStatus.SUSPENDED
    db.session.commit()
    assert_problem(sme_api.get("/needs"), 401)

    sme.status = UserStatus.ACTIVE
    tokens.revoke(sme, row.id)
    db.session.commit()
    assert_problem(sme_api.get("/needs"), 401)


def test_token_page_creates_lists_and_revokes(sme_client, sme, db):
    page = sme_client.get("/api/v1/tokens/page")
    assert page.status_code == 200 and "API tokens" in page.get_data(as_text=True)
    created = submit(sme_client, "/api/v1/tokens/page", {"name": "ERP sync"})
    html = created.get_data(as_text=True)
    row = db.session.scalar(sa.select(ApiToken))
    assert row.name == "ERP sync" and row.prefix in html
    secret = html.split('id="new-token">')[1].split("<")[0]
    assert tokens.hash_secret(secret) == row.token_hash
    # The secret is shown once only.
    assert secret not in sme_client.get("/api/v1/tokens/page").get_data(as_text=True)

    revoked = submit(
        sme_client,
        f"/api/v1/tokens/page/{row.id}/revoke",
        {},
        form_url="/api/v1/tokens/page",
        follow_redirects=True,
    )
    assert revoked.status_code == 200
    assert db.session.get(ApiToken, row.id).revoked_at is not None


def test_token_page_needs_login_and_csrf(client, sme_client, db):
    assert client.get("/api/v1/tokens/page").status_code == 302
    response = sme_client.post("/api/v1/tokens/page", data={"name": "x"})
    assert response.status_code == 400 and response.mimetype == "text/html"
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id))) == 0


def test_someone_elses_token_cannot_be_revoked(api_for, sme, vendor, db, app):
    issued = tokens.create_token(vendor, "vendor's")
    db.session.commit()
    try:
        tokens.revoke(sme, issued.token.id)
    except Exception as exc:
        assert getattr(exc, "status", None) == 404
    else:
        raise AssertionError("revoked someone else's token")
