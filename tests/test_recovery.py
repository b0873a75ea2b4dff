"""Accounts people can recover: verification, password reset and change, e-mail change."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from app import create_app
from app.errors import Forbidden
from app.extensions import db as _db
from app.extensions import limiter
from app.models import ApiToken, AuditEvent, User
from app.services import quotes, recovery, rfqs, tokens
from tests import factories
from tests.api.helpers import quote
from tests.conftest import english, submit
from tests.mailbox import confirm_address, link_with, mails_to, outbox


def register(client, email: str = "new@example.com", role: str = "sme"):
    return submit(
        client,
        "/auth/register",
        {
            "role": role,
            "name": "Chen Jing",
            "email": email,
            "password": "a long passphrase",
            "confirm": "a long passphrase",
            "org_name": "宁波五金",
        },
    )


def test_registration_mails_a_link_that_confirms_the_address(app, client):
    assert register(client).status_code == 302
    user = User.query.filter_by(email="new@example.com").one()
    assert not user.email_verified
    [mail] = mails_to(app, "new@example.com")
    assert "Confirm your e-mail address" in mail.subject
    assert "/auth/verify/" in mail.body and mail.body.count("http://127.0.0.1:5000/") >= 1
    confirm_address(client, "new@example.com")
    assert User.query.filter_by(email="new@example.com").one().email_verified
    # A second click is harmless.
    assert client.get(link_with(app, "new@example.com", "/auth/verify/")).status_code == 302


def test_unconfirmed_accounts_cannot_ask_for_or_send_quotes(app, db):

    sme = factories.sme_user(email_verified=False)
    vendor = factories.vendor_user()
    listing = factories.listing(vendor)
    need = factories.need(sme)
    with pytest.raises(Forbidden, match="confirm your e-mail address"):
        rfqs.send_rfqs(sme, need, [listing.id], "请报价")
    db.session.rollback()
    sme = db.session.get(User, sme.id)
    sme.email_verified_at = sme.created_at
    rfq = rfqs.send_rfqs(sme, db.session.get(type(need), need.id), [listing.id], "请报价")[0]
    db.session.commit()
    vendor = db.session.get(User, vendor.id)
    vendor.email_verified_at = None
    db.session.commit()

    with pytest.raises(Forbidden):
        quotes.submit_quote(vendor, rfq, quote())


def test_the_verification_mail_can_be_sent_again(app, db):
    user = factories.sme_user(email_verified=False)
    client = english(app.test_client(user=user))
    response = submit(client, "/auth/verify/resend", {}, form_url="/auth/profile")
    assert response.status_code == 302
    assert len(mails_to(app, user.email)) == 1
    confirm_address(client, user.email)


def test_a_forged_or_expired_link_is_refused_clearly(app, client, monkeypatch):
    response = client.get("/auth/verify/not-a-token")
    assert response.status_code == 400 and "not valid" in response.get_data(as_text=True)
    user = factories.sme_user(email_verified=False)
    recovery.send_verification(user)
    factories.db.session.commit()
    path = link_with(app, user.email, "/auth/verify/")
    later = time.time() + 73 * 3600
    monkeypatch.setattr("itsdangerous.timed.time.time", lambda: later)
    response = client.get(path)
    assert response.status_code == 400 and "expired" in response.get_data(as_text=True)


def test_password_reset_from_the_mail_alone(app, client, db):
    user = factories.sme_user()
    user.locale = "en"
    token = tokens.create_token(user, "erp").secret
    db.session.commit()
    response = submit(client, "/auth/forgot", {"email": user.email.upper()})
    assert response.status_code == 302
    path = link_with(app, user.email, "/auth/reset/")
    assert "60 minutes" in mails_to(app, user.email)[-1].body
    page = submit(client, path, {"password": "short", "confirm": "short"})
    assert page.status_code == 422 and "at least 10 characters" in page.get_data(as_text=True)
    response = submit(client, path, {"password": "brand new secret", "confirm": "brand new secret"})
    assert response.status_code == 302
    assert db.session.get(User, user.id).check_password("brand new secret")
    # Single use: the same link is refused afterwards.
    again = submit(client, path, {"password": "another secret!", "confirm": "another secret!"})
    assert again.status_code == 400 and "already used" in again.get_data(as_text=True)
    # Every API token ended, and the owner is told by mail.
    assert tokens.authenticate(token) is None
    assert (
        "password of your Shuzhuan account was just changed" in mails_to(app, user.email)[-1].body
    )
    login = submit(client, "/auth/login", {"email": user.email, "password": "brand new secret"})
    assert login.status_code == 302


def test_asking_for_a_reset_does_not_reveal_who_has_an_account(app, client, db):
    user = factories.sme_user()
    known = submit(client, "/auth/forgot", {"email": user.email}, follow_redirects=True)
    unknown = submit(client, "/auth/forgot", {"email": "nobody@example.com"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    text = unknown.get_data(as_text=True)
    assert "If nobody@example.com has an account, we sent it a link" in text
    assert mails_to(app, "nobody@example.com") == [] and len(mails_to(app, user.email)) == 1
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(
                AuditEvent.action == "account.reset_requested"
            )
        )
        == 2
    )


def test_password_reset_is_rate_limited(app, database_url):  # app: the schema exists

    enabled = limiter.enabled  # the limiter is shared by every app of this process
    limited = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "RATELIMIT_ENABLED": True,
            "RECOVERY_RATE_LIMIT": "3 per minute",
            "WTF_CSRF_ENABLED": False,
            "MAIL_BACKEND": "locmem",
        }
    )
    try:
        client = english(limited.test_client())
        codes = [
            client.post("/auth/forgot", data={"email": f"x{i}@example.com"}).status_code
            for i in range(4)
        ]
        assert codes == [302, 302, 302, 429]
    finally:
        limiter.enabled = enabled
        with limited.app_context():
            _db.engine.dispose()


def test_changing_the_password_on_the_profile(app, db):
    user = factories.vendor_user()
    token = tokens.create_token(user, "crm").secret
    db.session.commit()
    client = english(app.test_client(user=user))
    data = {"pw-current_password": "wrong", "pw-new_password": "x" * 12, "pw-confirm": "x" * 12}
    refused = submit(client, "/auth/profile/password", data, form_url="/auth/profile")
    assert refused.status_code == 422 and "current password is not right" in refused.get_data(
        as_text=True
    )
    data["pw-current_password"] = factories.PASSWORD
    done = submit(client, "/auth/profile/password", data, form_url="/auth/profile")
    assert done.status_code == 302
    assert db.session.get(User, user.id).check_password("x" * 12)
    assert tokens.authenticate(token) is None
    assert db.session.scalar(sa.select(ApiToken.revoked_at).where(ApiToken.user_id == user.id))


def test_changing_the_email_address_is_confirmed_by_the_new_address(app, db):
    user = factories.sme_user()
    other = factories.vendor_user()
    old = user.email
    client = english(app.test_client(user=user))
    data = {"em-email": "Li.Wei@New.example.com", "em-password": factories.PASSWORD}
    response = submit(client, "/auth/profile/email", data, form_url="/auth/profile")
    assert response.status_code == 302
    assert db.session.get(User, user.id).email == old  # nothing changes before the click
    path = link_with(app, "li.wei@new.example.com", "/auth/email/confirm/")
    assert client.get(path).status_code == 302
    changed = db.session.get(User, user.id)
    assert changed.email == "li.wei@new.example.com" and changed.email_verified
    assert "li.wei@new.example.com" in mails_to(app, old)[-1].body  # the old address is told
    assert client.get(path).status_code == 400  # single use
    # An address of another account gets no mail, but the answer is the same.
    before = len(outbox(app))
    data = {"em-email": other.email, "em-password": factories.PASSWORD}
    response = submit(client, "/auth/profile/email", data, form_url="/auth/profile")
    assert response.status_code == 302 and len(outbox(app)) == before


def test_mail_is_written_in_the_recipients_language(app, db):
    user = factories.sme_user(email_verified=False)
    user.locale = "zh"
    recovery.send_verification(user)
    db.session.commit()
    [mail] = mails_to(app, user.email)
    assert "确认" in mail.subject and "您好" in mail.body
