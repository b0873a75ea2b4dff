"""E-mail for notifications: the recipient's language, a working link, preferences,
one-click unsubscribe, and delivery to a real SMTP server."""

from __future__ import annotations

import sqlite3
import threading

import pytest
import sqlalchemy as sa
from flask_mailman import EmailMultiAlternatives

from app import create_app
from app.extensions import db as _db
from app.jobs import runner
from app.models import JobStatus, MailMessage, MailStatus, Notification, OutboxJob
from app.services import conversations, email_channel, mailer, preferences, quotes, rfqs
from tests import dbutil, factories
from tests.api.helpers import quote
from tests.conftest import english, submit
from tests.mailbox import links, mails_to, path_of
from tests.smtp import smtp_server


def _rfq(db, vendor_locale: str = "en"):
    sme = factories.sme_user()
    sme.locale = "en"
    vendor = factories.vendor_user()
    vendor.locale = vendor_locale
    listing = factories.listing(vendor)
    rfq = rfqs.send_rfqs(sme, factories.need(sme), [listing.id], "请报价")[0]
    db.session.commit()
    return sme, vendor, rfq


def test_a_notification_is_mailed_in_the_recipients_language_with_a_link(app, db):
    _sme, vendor, rfq = _rfq(db, vendor_locale="zh")
    [mail] = mails_to(app, vendor.email)
    assert mail.subject == "数转：新的询价" and "您好" in mail.body
    url = next(u for u in links(mail) if f"/vendor/rfqs/{rfq.id}" in u)
    assert url.startswith("http://127.0.0.1:5000/")
    assert mail.extra_headers["List-Unsubscribe"].startswith("<http://127.0.0.1:5000/")
    assert mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    # The link works for its recipient.
    page = english(app.test_client(user=vendor)).get(path_of(url))
    assert page.status_code == 200 and rfq.need.title in page.get_data(as_text=True)


def test_unconfirmed_addresses_get_no_notification_mail(app, db):
    vendor = factories.vendor_user(email_verified=False)
    sme = factories.sme_user()
    listing = factories.listing(vendor)
    rfqs.send_rfqs(sme, factories.need(sme), [listing.id], "请报价")
    db.session.commit()
    assert mails_to(app, vendor.email) == []


def test_preferences_off_and_digest(app, db):
    sme, vendor, rfq = _rfq(db)
    preferences.set_modes(sme, {"quote.received": "digest", "message.received": "off"})
    db.session.commit()

    quotes.submit_quote(vendor, rfq, quote())
    db.session.commit()

    conversations.post_message(vendor, rfq, "Any questions?")
    db.session.commit()
    assert mails_to(app, sme.email) == []  # one waits for the digest, one is off
    assert email_channel.send_digests() == 1
    db.session.commit()
    [digest] = mails_to(app, sme.email)
    assert "1 update of the day" in digest.subject and "sent a quote" in digest.body
    assert "Any questions?" not in digest.body
    assert email_channel.send_digests() == 0  # one digest a day


def test_one_click_unsubscribe(app, db, client):
    _sme, vendor, _ = _rfq(db)
    [mail] = mails_to(app, vendor.email)
    path = path_of(mail.extra_headers["List-Unsubscribe"].strip("<>"))
    page = client.get(path)  # a link scanner's GET changes nothing
    assert page.status_code == 200 and "New request for quote" in page.get_data(as_text=True)
    assert preferences.mode_for(vendor, "rfq.received") == "immediately"
    assert client.post(path, data={"List-Unsubscribe": "One-Click"}).status_code == 200
    assert preferences.mode_for(vendor, "rfq.received") == "off"
    assert client.post("/notifications/unsubscribe/forged").status_code == 400


def test_profile_preferences_are_saved(app, db):

    user = factories.vendor_user()
    client = english(app.test_client(user=user))
    page = client.get("/auth/profile").get_data(as_text=True)
    assert 'name="mode-rfq.received"' in page
    response = submit(
        client, "/auth/profile/mail", {"mode-rfq.received": "digest"}, form_url="/auth/profile"
    )
    assert response.status_code == 302
    assert preferences.mode_for(user, "rfq.received") == "digest"
    refused = submit(
        client, "/auth/profile/mail", {"mode-listing.submitted": "off"}, form_url="/auth/profile"
    )
    assert refused.status_code == 422


def test_delivery_to_a_real_smtp_server(app, db):
    with smtp_server(app) as server:
        _sme, vendor, rfq = _rfq(db)
        [received] = server.to(vendor.email)
    assert received.subject == "Shuzhuan: New request for quote"
    assert f"/vendor/rfqs/{rfq.id}" in received.text and "href=" in received.html
    assert received.message["List-Unsubscribe"] and received.message["Message-ID"]
    mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.to == vendor.email))
    assert mail.status == MailStatus.SENT and mail.attempts == 1
    notification = db.session.scalar(
        sa.select(Notification).where(Notification.user_id == vendor.id)
    )
    assert notification.mail_id == mail.id


def test_development_mail_goes_to_a_readable_outbox(database_url, tmp_path, app, db):
    """`make run` needs no mail server: mail lands in files that /dev/mail shows."""

    dev = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "MAIL_BACKEND": "file",
            "MAIL_FILE_PATH": str(tmp_path / "mail"),
            "DEV_MAIL_PAGE": True,
            "JOBS": "sync",
        }
    )
    try:
        with dev.app_context():
            user = factories.sme_user(email_verified=False)
            address = user.email
            mailer.queue(user, "account.verify")
            _db.session.commit()
        page = english(dev.test_client()).get("/dev/mail").get_data(as_text=True)
        assert address in page and "/auth/verify/" in page
    finally:
        with dev.app_context():
            _db.engine.dispose()
    assert "/dev/mail" not in [r.rule for r in app.url_map.iter_rules()]


def test_a_mail_server_failing_once_means_a_retry_and_exactly_one_delivery(app, db, monkeypatch):

    monkeypatch.setitem(app.config, "JOBS_RETRY_SECONDS", 0)  # retry at the next sweep
    with smtp_server(app) as server:
        server.fail_next = 1
        vendor = _rfq(db)[1]
        assert server.refused == 1 and server.to(vendor.email) == []
        job = db.session.scalar(
            sa.select(OutboxJob).where(OutboxJob.task == "deliver_notification")
        )
        assert job.status == JobStatus.FAILED and "451" in (job.last_error or "")
        assert runner.run_due(app) >= 1
        assert runner.run_due(app) == 0  # nothing left to do: never sent twice
        [received] = server.to(vendor.email)
    db.session.expire_all()
    assert db.session.get(OutboxJob, job.id).status == JobStatus.DONE
    mail = db.session.scalar(sa.select(MailMessage).where(MailMessage.to == vendor.email))
    assert mail.status == MailStatus.SENT
    assert received.subject == "Shuzhuan: New request for quote"


@pytest.mark.skipif(dbutil.is_postgres(dbutil.base_url()), reason="SQLite's lock timeout")
def test_a_sent_mail_is_recorded_even_when_writers_hold_the_lock_past_the_timeout(
    app, db, monkeypatch
):
    # Seen under load on SQLite: the "sent" mark outwaited busy_timeout, the job was retried
    # and the mail went out twice.
    user = factories.sme_user()
    mail = MailMessage(user_id=user.id, kind="account.verify", to=user.email, dedupe_key="m-1")
    db.session.add(mail)
    db.session.commit()
    mail_id, send = mail.id, EmailMultiAlternatives.send
    path = db.engine.url.database

    def send_while_a_writer_holds_the_lock(message, *args, **kwargs):
        writer = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        writer.execute("BEGIN IMMEDIATE")  # e.g. a long re-match
        threading.Timer(0.4, lambda: (writer.execute("COMMIT"), writer.close())).start()
        return send(message, *args, **kwargs)

    db.session.connection().exec_driver_sql("PRAGMA busy_timeout=50")  # 10 s in the app
    monkeypatch.setattr(EmailMultiAlternatives, "send", send_while_a_writer_holds_the_lock)
    assert mailer.deliver(mail_id) is True
    assert mailer.deliver(mail_id) is False  # the job's retry finds it sent
    db.session.expire_all()
    stored = db.session.get(MailMessage, mail_id)
    assert (stored.status, stored.attempts) == (MailStatus.SENT, 1)
    assert len(mails_to(app, user.email)) == 1
