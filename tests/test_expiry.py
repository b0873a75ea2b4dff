"""Time passes: quotes and requests expire, reminders go out once each."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from app.jobs import runner
from app.models import AuditEvent, OutboxJob, QuoteStatus, RfqStatus
from app.models.base import utcnow
from app.services import engagements, expiry, kpis, quotes
from tests.conftest import english, submit
from tests.deal_builders import make_deal, quote_terms
from tests.factories import notification_kinds


def test_an_expired_quote_is_marked_and_cannot_be_accepted(app, db):
    deal = make_deal(vendors=2)
    expiring = deal.quotes[0]
    expiring.valid_until = date.today() - timedelta(days=1)
    db.session.commit()
    client = english(app.test_client(user=deal.sme))
    page = client.get(f"/needs/{deal.need.id}/quotes").get_data(as_text=True)
    # Before the job runs the page already says so, and offers no Accept button for it.
    assert f'data-expired="{expiring.id}"' in page
    assert f"/needs/quotes/{expiring.id}/award" not in page
    assert f"/needs/quotes/{deal.quotes[1].id}/award" in page

    report = expiry.tick()
    assert report.quotes_expired == 1
    assert db.session.get(type(expiring), expiring.id).status == QuoteStatus.EXPIRED
    assert db.session.get(type(expiring.rfq), expiring.rfq_id).status == RfqStatus.SENT
    assert "quote.expired" in notification_kinds(deal.sme)
    assert "quote.expired" in notification_kinds(deal.vendors[0])
    page = client.get(f"/needs/{deal.need.id}/quotes").get_data(as_text=True)
    assert f'data-expired="{expiring.id}"' in page and "Expired on" in page
    # Pressing Accept anyway (a stale page) is refused with what happened, not a 500.
    response = submit(
        client,
        f"/needs/quotes/{expiring.id}/award",
        {},
        form_url=f"/needs/{deal.need.id}/quotes",
    )
    assert response.status_code == 409
    assert "expired on" in response.get_data(as_text=True)
    assert expiry.tick().quotes_expired == 0  # once


def test_an_unanswered_request_expires_and_reminders_go_out_once(app, db):
    deal = make_deal(vendors=2, quoted=1)
    waiting = deal.rfqs[1]
    now = utcnow()
    assert expiry.tick(now).reminders == 0
    later = now + timedelta(days=4)
    report = expiry.tick(later)
    assert report.reminders == 1
    assert notification_kinds(deal.vendors[1]).count("reminder.rfq_unanswered") == 1
    assert expiry.tick(later + timedelta(hours=1)).reminders == 0  # each reminder once
    report = expiry.tick(now + timedelta(days=15))
    assert report.rfqs_expired == 1
    assert db.session.get(type(waiting), waiting.id).status == RfqStatus.EXPIRED
    assert "rfq.expired" in notification_kinds(deal.sme)
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "rfq.expired")
        )
        == 1
    )


def test_the_sme_hears_of_a_quote_that_expires_soon(app, db):
    deal = make_deal(vendors=1)
    deal.quotes[0].valid_until = date.today() + timedelta(days=2)
    db.session.commit()
    assert expiry.tick().reminders == 1
    assert expiry.tick().reminders == 0
    assert notification_kinds(deal.sme).count("reminder.quote_expiring") == 1


def test_a_completed_engagement_invites_a_review_once(app, db):
    deal = make_deal(vendors=1, award=True, complete=True)
    now = utcnow()
    assert expiry.tick(now).reminders == 0  # a day after completion, not at once
    assert expiry.tick(now + timedelta(days=2)).reminders == 1
    assert expiry.tick(now + timedelta(days=3)).reminders == 0
    assert notification_kinds(deal.sme).count("reminder.review_invitation") == 1
    reviewed = make_deal(vendors=1, award=True, complete=True, review=True)
    expiry.tick(now + timedelta(days=2))
    assert "reminder.review_invitation" not in notification_kinds(reviewed.sme)


def test_a_measured_kpi_without_its_after_value_is_reminded_a_month_later_once(app, db):

    deal = make_deal(vendors=1, award=True)
    kpis.record_baseline(deal.sme, deal.engagement, "on_time_delivery", 82)
    db.session.commit()
    engagements.complete_engagement(deal.sme, deal.engagement)
    db.session.commit()
    now = utcnow()
    kinds = lambda: notification_kinds(deal.sme).count("reminder.outcome_after")  # noqa: E731
    expiry.tick(now + timedelta(days=29))
    assert kinds() == 0  # too early for a change to show
    expiry.tick(now + timedelta(days=31))
    expiry.tick(now + timedelta(days=32))
    assert kinds() == 1
    measured = make_deal(vendors=1, award=True)
    kpis.record_baseline(measured.sme, measured.engagement, "on_time_delivery", 82)
    db.session.commit()
    engagements.complete_engagement(measured.sme, measured.engagement)
    kpis.record_after(measured.sme, measured.engagement, "on_time_delivery", 95)
    db.session.commit()
    expiry.tick(now + timedelta(days=31))
    assert "reminder.outcome_after" not in notification_kinds(measured.sme)


def test_flask_jobs_tick(app, db):
    deal = make_deal(vendors=1)
    deal.quotes[0].valid_until = date.today() - timedelta(days=3)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["jobs", "tick"])
    assert result.exit_code == 0, result.output
    assert "quotes expired: 1" in result.output


def test_the_sweep_schedules_the_tick(app, db, monkeypatch):

    deal = make_deal(vendors=1)
    deal.quotes[0].valid_until = date.today() - timedelta(days=1)
    db.session.commit()
    monkeypatch.setitem(app.config, "TICK_SECONDS", 300)
    runner.run_due(app)
    runner.run_due(app)  # within the interval: no second tick
    db.session.expire_all()
    ticks = db.session.scalars(sa.select(OutboxJob).where(OutboxJob.task == "tick")).all()
    assert len(ticks) == 1
    assert deal.quotes[0].status == QuoteStatus.EXPIRED


def test_a_revised_quote_may_follow_an_expired_one(app, db):
    deal = make_deal(vendors=1)
    deal.quotes[0].valid_until = date.today() - timedelta(days=1)
    db.session.commit()
    expiry.tick()
    rfq = db.session.get(type(deal.rfqs[0]), deal.rfqs[0].id)
    fresh = quotes.submit_quote(deal.vendors[0], rfq, quote_terms())
    db.session.commit()
    assert engagements.award(deal.sme, fresh) is not None
