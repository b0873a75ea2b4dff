"""The issue's done-when, as a test: the whole loop through the API with a real SMTP server.

An SME (Chinese) and a vendor (English) register with their e-mail addresses and confirm
them from the mails; the loop runs through the API (plus the clock moved for reminders);
every notification of the loop reaches the SMTP server exactly once per recipient, in the
recipient's language, with a link that opens for the recipient.
"""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from flask_babel import force_locale

from app.models import Quote, User
from app.models.base import utcnow
from app.notifications.messages import subject_for
from app.services import expiry, quotes
from tests import factories
from tests.api import helpers
from tests.api.test_loop import login
from tests.conftest import english
from tests.mailbox import LINK_RE, path_of
from tests.smtp import smtp_server

LOOP_KINDS = {
    # recipient: kinds the loop below must mail them, each exactly once
    "admin": ["vendor.verification_requested", "listing.submitted"],
    "vendor": [
        "vendor.verified",
        "listing.approved",
        "rfq.received",
        "reminder.rfq_unanswered",
        "message.received",
        "quote.accepted",
        "engagement.completed",
        "review.received",
    ],
    "sme": [
        "message.received",
        "quote.received",
        "quote.revised",
        "reminder.quote_expiring",
        "reminder.review_invitation",
        "review.replied",
    ],
}


def _subject(kind: str, locale: str) -> str:
    class _Kind:
        pass

    fake = _Kind()
    fake.kind = kind
    with force_locale(locale):
        return subject_for(fake)


def test_the_loop_mails_every_notification_once_in_the_recipients_language(app, anon, db):
    with smtp_server(app) as server:
        sme_data = {**helpers.account("sme"), "locale": "zh"}
        vendor_data = {**helpers.account("vendor"), "locale": "en"}
        admin_user = factories.admin_user()
        admin_user.locale = "en"
        db.session.commit()
        for data in (sme_data, vendor_data):
            assert anon.post("/accounts", json=data).status_code == 201
            [mail] = server.to(data["email"])
            verify = next(u for u in LINK_RE.findall(mail.text) if "/auth/verify/" in u)
            assert anon.client.get(path_of(verify)).status_code == 302
        assert "确认" in server.to(sme_data["email"])[0].subject  # Chinese for the SME
        assert "Confirm" in server.to(vendor_data["email"])[0].subject

        sme = login(anon, sme_data["email"])
        vendor = login(anon, vendor_data["email"])
        admin = login(anon, admin_user.email, factories.PASSWORD)
        vendor_org = vendor.get("/rfqs").status_code and db.session.scalar(
            db.select(User.organisation_id).where(User.email == vendor_data["email"])
        )

        slug = vendor.post("/plugins", json=helpers.plugin()).get_json()["slug"]
        admin.post(f"/admin/vendors/{vendor_org}/verify")
        admin.post(f"/admin/plugins/{slug}/approve")
        need_id = sme.post("/needs", json=helpers.need()).get_json()["id"]
        rfq_id = sme.post(
            f"/needs/{need_id}/rfqs", json={"plugin": slug, "message": "请报价"}
        ).get_json()["id"]
        expiry.tick(utcnow() + timedelta(days=4))  # unanswered for 3 days: the vendor hears
        sme.post(f"/rfqs/{rfq_id}/messages", json={"body": "可以来现场看看吗？"})
        vendor.post(f"/rfqs/{rfq_id}/messages", json={"body": "Yes, on Tuesday."})
        quote_id = vendor.post(f"/rfqs/{rfq_id}/quotes", json=helpers.quote()).get_json()["id"]
        vendor_user = db.session.scalar(db.select(User).where(User.email == vendor_data["email"]))
        quotes.revise_quote(  # revising has no API endpoint yet: the page's service
            vendor_user,
            db.session.get(Quote, quote_id),
            helpers.quote(valid_until=(date.today() + timedelta(days=2)).isoformat()),
        )
        db.session.commit()
        expiry.tick()  # the quote expires in 2 days: the SME hears
        engagement = sme.post(f"/quotes/{quote_id}/accept").get_json()["engagement"]
        sme.post(f"/engagements/{engagement['id']}/complete")
        expiry.tick(utcnow() + timedelta(days=2))  # the SME is invited to review
        review = sme.post(
            f"/engagements/{engagement['id']}/review", json=helpers.review()
        ).get_json()
        vendor.post(f"/reviews/{review['id']}/reply", json={"text": "Thank you!"})
        received = {
            who: server.to(address)
            for who, address in (
                ("sme", sme_data["email"]),
                ("vendor", vendor_data["email"]),
                ("admin", admin_user.email),
            )
        }

    locales = {"sme": "zh", "vendor": "en", "admin": "en"}
    users = {
        "sme": db.session.scalar(db.select(User).where(User.email == sme_data["email"])),
        "vendor": vendor_user,
        "admin": db.session.get(User, admin_user.id),
    }
    for who, kinds in LOOP_KINDS.items():
        subjects = Counter(m.subject for m in received[who])
        expected = Counter(_subject(kind, locales[who]) for kind in kinds)
        missing_or_doubled = {s: n for s, n in expected.items() if subjects[s] != n}
        assert not missing_or_doubled, (who, missing_or_doubled, subjects)
        client = english(app.test_client(user=users[who]))
        for mail in received[who]:
            if not mail.subject.startswith(("Shuzhuan:", "数转：")):
                continue  # the address confirmation
            link = next(u for u in LINK_RE.findall(mail.text) if "/unsubscribe/" not in u)
            assert link.startswith(app.config["BASE_URL"])
            page = client.get(path_of(link), follow_redirects=True)
            assert page.status_code == 200, (who, mail.subject, link)
    zh = [m.text for m in received["sme"] if m.subject.startswith("数转：")]
    assert zh and all("您好" in text for text in zh)
