"""Conflicting transitions raced through the JSON API on real PostgreSQL connections.

Each round builds a fresh deal, then several threads — each its own test client, so its own
app context, session and database connection — wait at a barrier and send their requests
at once. A short hold after the need's lock is taken (an engine event, see
:func:`hold_locks`) makes the others queue at the lock rather than arrive after the first
commit, so the rounds exercise the lock and not just luck.

Every round asserts: exactly one winner, every other answer a 409 saying what happened, no
5xx, and each audit event and notification written once per real transition. SQLite has a
single writer and no row locks, so these run in CI's PostgreSQL pass only.
"""

from __future__ import annotations

import os
import random
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from app.extensions import db as _db
from app.models import (
    AuditEvent,
    Engagement,
    EngagementStatus,
    Milestone,
    MilestoneStatus,
    Need,
    NeedStatus,
    Notification,
    Outcome,
    Quote,
    QuoteStatus,
    Review,
    Rfq,
    RfqStatus,
    User,
)
from app.services import engagements, kpis, matching, milestone_plans, milestones, tokens
from tests import dbutil, factories
from tests.deal_builders import make_deal

pytestmark = pytest.mark.skipif(
    not dbutil.is_postgres(dbutil.base_url()),
    reason="races need PostgreSQL row locks and concurrent connections (TEST_DATABASE_URL)",
)

ROUNDS = int(os.environ.get("RACE_ROUNDS", "10"))
API = "/api/v1"


@contextmanager
def hold_locks(seconds: float = 0.03) -> Iterator[None]:
    """Keep each need lock a little longer (random up to ``seconds``) once it is taken."""
    engine = _db.engine

    def after(conn, cursor, statement, parameters, context, executemany) -> None:
        if "FOR NO KEY UPDATE" in statement:
            time.sleep(random.uniform(0, seconds))

    event.listen(engine, "after_cursor_execute", after)
    try:
        yield
    finally:
        event.remove(engine, "after_cursor_execute", after)


def bearer(user: User) -> dict[str, str]:
    issued = tokens.create_token(user, "race")
    _db.session.commit()
    return {"Authorization": f"Bearer {issued.secret}", "Accept-Language": "en"}


def race(app, requests: list[tuple[str, str, dict, dict | None]]) -> list[tuple[int, dict]]:
    """Send ``(method, path, headers, json)`` requests at the same moment, one thread each;
    the answers come back in the order given, as ``(status, body)``."""
    _db.session.commit()  # the test's session holds no transaction while the threads run
    start = threading.Barrier(len(requests))
    answers: list[tuple[int, dict] | None] = [None] * len(requests)

    def send(i: int, method: str, path: str, headers: dict, body: dict | None) -> None:
        client = app.test_client()
        start.wait(timeout=20)
        response = client.open(API + path, method=method, headers=headers, json=body)
        answers[i] = (response.status_code, response.get_json(silent=True) or {})

    threads = [threading.Thread(target=send, args=(i, *r)) for i, r in enumerate(requests)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert all(a is not None for a in answers), answers
    return answers  # type: ignore[return-value]


def statuses(answers: list[tuple[int, dict]]) -> Counter:
    return Counter(status for status, _ in answers)


def assert_no_server_errors(answers: list[tuple[int, dict]]) -> None:
    assert all(status < 500 for status, _ in answers), answers


def audit_count(action: str, *subject_ids: int) -> int:
    """Audit events ``action`` about these subjects (the rounds share one database)."""
    return _db.session.scalar(
        sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action == action, AuditEvent.subject_id.in_(subject_ids)
        )
    )


def ids(model, **where) -> list[int]:
    query = sa.select(model.id)
    for name, value in where.items():
        query = query.where(getattr(model, name) == value)
    return list(_db.session.scalars(query))


def notifications(user_id: int, kind: str) -> int:
    return _db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user_id, Notification.kind == kind
        )
    )


def rounds(body: Callable[[int], None]) -> None:
    with hold_locks():
        for n in range(ROUNDS):
            body(n)


def quote_json() -> dict:
    return {
        "licence": 20000,
        "implementation": 15000,
        "delivery_weeks": 6,
        "scope": "排产模块与培训",
        "valid_until": (date.today() + timedelta(days=30)).isoformat(),
    }


REVIEW = {"rating": 5, "quality": 5, "cost": 4, "timeliness": 4, "support": 5, "text": "好"}


def test_accept_against_withdraw_of_one_quote(app, db):
    outcomes = Counter()

    def one(n: int) -> None:
        deal = make_deal(vendors=1)
        quote, sme, vendor = deal.quotes[0], deal.sme, deal.vendors[0]
        quote_id, sme_id, vendor_id, need_id = quote.id, sme.id, vendor.id, deal.need.id
        requests = [
            ("POST", f"/quotes/{quote_id}/accept", bearer(sme), None),
            ("POST", f"/quotes/{quote_id}/withdraw", bearer(vendor), None),
        ]
        if n % 2:
            requests.reverse()
        answers = race(app, requests)
        assert_no_server_errors(answers)
        assert sorted(s for s, _ in answers) == [200, 409], answers
        by_path = {path: answer for (_, path, _, _), answer in zip(requests, answers, strict=True)}
        accepted = by_path[f"/quotes/{quote_id}/accept"][0] == 200
        final = db.session.get(Quote, quote_id).status
        loser = by_path[f"/quotes/{quote_id}/{'withdraw' if accepted else 'accept'}"][1]
        if accepted:
            outcomes["accepted"] += 1
            assert final == QuoteStatus.ACCEPTED
            assert "accepted before your withdrawal arrived" in loser["detail"]
            assert db.session.get(Need, deal.need.id).status == NeedStatus.AWARDED
        else:
            outcomes["withdrawn"] += 1
            assert final == QuoteStatus.WITHDRAWN
            assert "withdrew this quote before your acceptance arrived" in loser["detail"]
            assert ids(Engagement, need_id=need_id) == []
        assert audit_count("quote.accepted", quote_id) == int(accepted)
        assert audit_count("quote.withdrawn", quote_id) == int(not accepted)
        assert notifications(vendor_id, "quote.accepted") == int(accepted)
        assert notifications(sme_id, "quote.withdrawn") == int(not accepted)

    rounds(one)
    assert sum(outcomes.values()) == ROUNDS


def test_award_against_a_new_quote_leaves_no_live_quote_on_an_awarded_need(app, db):
    def one(n: int) -> None:
        deal = make_deal(vendors=2, quoted=1)
        first, late_rfq = deal.quotes[0], deal.rfqs[1]
        late_vendor_id = deal.vendors[1].id
        requests = [
            ("POST", f"/quotes/{first.id}/accept", bearer(deal.sme), None),
            ("POST", f"/rfqs/{late_rfq.id}/quotes", bearer(deal.vendors[1]), quote_json()),
        ]
        need_id, rfq_id = deal.need.id, late_rfq.id
        answers = race(app, requests)
        assert_no_server_errors(answers)
        (award_status, _), (quote_status, quote_body) = answers
        assert award_status == 200, answers  # the award wins either way
        assert db.session.get(Need, need_id).status == NeedStatus.AWARDED
        live = db.session.scalars(
            sa.select(Quote).where(Quote.need_id == need_id, Quote.status == QuoteStatus.SUBMITTED)
        ).all()
        assert live == [], "a quote survived as live on an awarded need"
        late = db.session.scalars(sa.select(Quote).where(Quote.rfq_id == rfq_id)).all()
        if quote_status == 201:  # the quote came first and was declined by the award
            assert [q.status for q in late] == [QuoteStatus.REJECTED]
            assert db.session.get(Rfq, rfq_id).status == RfqStatus.LOST
            assert notifications(late_vendor_id, "quote.rejected") == 1
        else:
            assert quote_status == 409, answers
            assert "awarded to another vendor before your quote arrived" in quote_body["detail"]
            assert late == []
            assert db.session.get(Rfq, rfq_id).status == RfqStatus.EXPIRED
            assert notifications(late_vendor_id, "rfq.closed") == 1
        quote_ids = ids(Quote, need_id=need_id)
        assert len(quote_ids) == 1 + (quote_status == 201)
        assert audit_count("quote.submitted", *quote_ids) == len(quote_ids)
        assert audit_count("need.awarded", need_id) == 1

    rounds(one)


def test_two_awards_of_one_need_end_with_one_winner(app, db):
    def one(n: int) -> None:
        deal = make_deal(vendors=3)
        headers = bearer(deal.sme)
        need_id = deal.need.id
        answers = race(
            app, [("POST", f"/quotes/{q.id}/accept", headers, None) for q in deal.quotes]
        )
        assert_no_server_errors(answers)
        assert statuses(answers) == Counter({200: 1, 409: 2}), answers
        for status, body in answers:
            if status == 409:
                assert "Another quote was accepted for this need" in body["detail"]
        accepted = db.session.scalars(
            sa.select(Quote).where(Quote.need_id == need_id, Quote.status == QuoteStatus.ACCEPTED)
        ).all()
        assert len(accepted) == 1
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Engagement.id)).where(Engagement.need_id == need_id)
            )
            == 1
        )
        assert audit_count("need.awarded", need_id) == 1
        quote_ids = ids(Quote, need_id=need_id)
        assert audit_count("quote.accepted", *quote_ids) == 1
        assert audit_count("quote.rejected", *quote_ids) == 2
        winner = accepted[0]
        assert notifications(deal.vendors[deal.quotes.index(winner)].id, "quote.accepted") == 1

    rounds(one)


def test_concurrent_completes_of_one_engagement_complete_it_once(app, db):
    def one(n: int) -> None:
        deal = make_deal(vendors=1, award=True)
        engagement_id, vendor_id = deal.engagement.id, deal.vendors[0].id
        headers = bearer(deal.sme)
        answers = race(app, [("POST", f"/engagements/{engagement_id}/complete", headers, None)] * 6)
        assert_no_server_errors(answers)
        assert statuses(answers) == Counter({200: 1, 409: 5}), answers
        assert all(
            "already completed" in body["detail"] for status, body in answers if status == 409
        )
        assert db.session.get(Engagement, engagement_id).status == EngagementStatus.COMPLETED
        assert db.session.get(Need, deal.need.id).status == NeedStatus.CLOSED
        assert audit_count("engagement.completed", engagement_id) == 1
        assert notifications(vendor_id, "engagement.completed") == 1

    rounds(one)


def test_the_rfq_cap_holds_under_concurrent_requests(app, db):
    cap = app.config["RFQ_CAP_PER_NEED"]

    def one(n: int) -> None:
        sme = factories.sme_user()
        vendors = [factories.vendor_user() for _ in range(10)]
        listings = [factories.listing(v) for v in vendors]
        need = factories.need(sme)
        headers = bearer(sme)
        body = {"message": "请报价"}
        answers = race(
            app,
            [
                ("POST", f"/needs/{need.id}/rfqs", headers, {**body, "plugin": item.slug})
                for item in listings
            ],
        )
        assert_no_server_errors(answers)
        # The late ones are refused as a request over the cap is when sent alone (422).
        assert statuses(answers) == Counter({201: cap, 422: 10 - cap}), answers
        assert all(
            f"at most {cap} plug-ins per need for quotes; 0 left" in body["detail"]
            for status, body in answers
            if status == 422
        )
        assert (
            db.session.scalar(sa.select(sa.func.count(Rfq.id)).where(Rfq.need_id == need.id)) == cap
        )
        assert audit_count("rfq.sent", *ids(Rfq, need_id=need.id)) == cap
        received = sum(notifications(v.id, "rfq.received") for v in vendors)
        assert received == cap

    rounds(one)


def test_concurrent_review_submits_store_one_review(app, db):
    def one(n: int) -> None:
        deal = make_deal(vendors=1, award=True, complete=True)
        engagement_id, vendor_id = deal.engagement.id, deal.vendors[0].id
        headers = bearer(deal.sme)
        request = ("POST", f"/engagements/{engagement_id}/review", headers, REVIEW)
        answers = race(app, [request] * 6)
        assert_no_server_errors(answers)
        assert statuses(answers) == Counter({201: 1, 409: 5}), answers
        assert all(
            "already been reviewed" in body["detail"] for status, body in answers if status == 409
        )
        assert (
            db.session.scalar(
                sa.select(sa.func.count(Review.id)).where(Review.engagement_id == engagement_id)
            )
            == 1
        )
        assert audit_count("review.published", *ids(Review, engagement_id=engagement_id)) == 1
        assert notifications(vendor_id, "review.received") == 1

    rounds(one)


def awarded_plan(shares: list[int]):
    """An awarded deal whose plan has milestones of these shares, none delivered yet."""
    deal = make_deal(vendors=1)
    plan = [
        {"name": f"阶段{i}", "share_pct": share, "due_week": i, "criteria": "现场验收"}
        for i, share in enumerate(shares, start=1)
    ]
    milestone_plans.set_quote_plan(deal.vendors[0], deal.quotes[0], plan)
    _db.session.commit()
    deal.engagement = engagements.award(deal.sme, deal.quotes[0])
    _db.session.commit()
    return deal, milestone_plans.plan_for(deal.engagement)[0]


def delivered_plan(shares: list[int]):
    """An awarded deal whose plan has milestones of these shares, the first delivered."""
    deal, first = awarded_plan(shares)
    milestones.deliver(deal.vendors[0], first, "报告已上传共享盘")
    _db.session.commit()
    return deal, first.id


def test_accept_against_reject_of_one_delivered_milestone(app, db):
    outcomes = Counter()

    def one(n: int) -> None:
        deal, milestone_id = delivered_plan([40, 60])
        headers = bearer(deal.sme)
        requests = [
            ("POST", f"/milestones/{milestone_id}/accept", headers, None),
            ("POST", f"/milestones/{milestone_id}/reject", headers, {"reason": "缺少二号染缸"}),
        ]
        if n % 2:
            requests.reverse()
        answers = race(app, requests)
        assert_no_server_errors(answers)
        assert sorted(s for s, _ in answers) == [200, 409], answers
        by_action = {
            path.rsplit("/", 1)[-1]: answer
            for (_, path, _, _), answer in zip(requests, answers, strict=True)
        }
        accepted = by_action["accept"][0] == 200
        final = db.session.get(Milestone, milestone_id)
        vendor_id = deal.vendors[0].id
        if accepted:
            outcomes["accepted"] += 1
            assert final.status == MilestoneStatus.ACCEPTED and final.rejections == 0
            assert "accepted before your rejection arrived" in by_action["reject"][1]["detail"]
        else:
            outcomes["rejected"] += 1
            assert final.status == MilestoneStatus.REJECTED and final.rejections == 1
            assert "rejected before your acceptance arrived" in by_action["accept"][1]["detail"]
        assert audit_count("milestone.accepted", milestone_id) == int(accepted)
        assert audit_count("milestone.rejected", milestone_id) == int(not accepted)
        assert notifications(vendor_id, "milestone.accepted") == int(accepted)
        assert notifications(vendor_id, "milestone.rejected") == int(not accepted)
        # One milestone of two: the engagement goes on either way.
        assert db.session.get(Engagement, deal.engagement.id).status == EngagementStatus.ACTIVE

    rounds(one)
    assert sum(outcomes.values()) == ROUNDS


def test_concurrent_accepts_of_the_last_milestone_complete_the_engagement_once(app, db):
    def one(n: int) -> None:
        deal, milestone_id = delivered_plan([100])
        engagement_id, vendor_id = deal.engagement.id, deal.vendors[0].id
        headers = bearer(deal.sme)
        answers = race(app, [("POST", f"/milestones/{milestone_id}/accept", headers, None)] * 5)
        assert_no_server_errors(answers)
        assert statuses(answers) == Counter({200: 1, 409: 4}), answers
        assert all(
            "already accepted" in body["detail"] for status, body in answers if status == 409
        )
        assert db.session.get(Milestone, milestone_id).status == MilestoneStatus.ACCEPTED
        assert db.session.get(Engagement, engagement_id).status == EngagementStatus.COMPLETED
        assert db.session.get(Need, deal.need.id).status == NeedStatus.CLOSED
        assert audit_count("milestone.accepted", milestone_id) == 1
        assert audit_count("engagement.completed", engagement_id) == 1
        assert notifications(vendor_id, "milestone.accepted") == 1
        assert notifications(vendor_id, "engagement.completed") == 1

    rounds(one)


def completed_with_baseline(kpi: str, value: float):
    """A completed deal whose KPI ``kpi`` has its baseline ``value`` (no after value yet)."""
    deal = make_deal(vendors=1, award=True)
    kpis.record_baseline(deal.sme, deal.engagement, kpi, value)
    _db.session.commit()
    engagements.complete_engagement(deal.sme, deal.engagement)
    _db.session.commit()
    return deal


def test_concurrent_after_values_of_one_kpi_record_one(app, db):
    def one(n: int) -> None:
        deal = completed_with_baseline("on_time_delivery", 82)
        engagement_id = deal.engagement.id
        headers = bearer(deal.sme)
        path = f"/engagements/{engagement_id}/outcomes/after"
        values = [90, 95]
        answers = race(
            app, [("POST", path, headers, {"kpi": "on_time_delivery", "value": v}) for v in values]
        )
        assert_no_server_errors(answers)
        assert statuses(answers) == Counter({200: 1, 409: 1}), answers
        (winner,) = [v for v, (status, _) in zip(values, answers, strict=True) if status == 200]
        assert all(
            "already recorded" in body["detail"] for status, body in answers if status == 409
        )
        outcome = outcome_of(engagement_id)
        assert outcome.after == winner
        assert audit_count("outcome.after_recorded", outcome.id) == 1

    rounds(one)


def test_concurrent_baselines_of_one_kpi_store_one(app, db):
    def one(n: int) -> None:
        deal = make_deal(vendors=1, award=True)
        engagement_id = deal.engagement.id
        headers = bearer(deal.sme)
        body = {"kpi": "lead_time", "value": 12}
        answers = race(app, [("POST", f"/engagements/{engagement_id}/outcomes", headers, body)] * 4)
        assert_no_server_errors(answers)
        assert statuses(answers) == Counter({201: 1, 409: 3}), answers
        assert (
            audit_count("outcome.baseline_recorded", *ids(Outcome, engagement_id=engagement_id))
            == 1
        )

    rounds(one)


def race_both(app, requests: dict[str, tuple], n: int) -> dict[str, tuple[int, dict]]:
    """Race two named requests, in the given order on even rounds and reversed on odd ones;
    the answers by name, none of them a server error."""
    names = list(requests)
    if n % 2:
        names.reverse()
    answers = dict(zip(names, race(app, [requests[name] for name in names]), strict=True))
    assert_no_server_errors(list(answers.values()))
    return answers


def outcome_of(engagement_id: int) -> Outcome:
    """The engagement's one outcome as the database holds it now."""
    outcome = _db.session.scalar(sa.select(Outcome).where(Outcome.engagement_id == engagement_id))
    _db.session.refresh(outcome)
    return outcome


def test_a_baseline_correction_against_the_first_delivery(app, db):
    """Whichever comes first, a corrected baseline is never newer than the work's start:
    the badge "recorded before the work began" stays true."""
    won = Counter()

    def one(n: int) -> None:
        deal, first = awarded_plan([100])
        kpis.record_baseline(deal.sme, deal.engagement, "lead_time", 12)
        db.session.commit()
        engagement_id = deal.engagement.id
        requests = [
            (
                "PUT",
                f"/engagements/{engagement_id}/outcomes",
                bearer(deal.sme),
                {"kpi": "lead_time", "value": 10},
            ),
            ("POST", f"/milestones/{first.id}/deliver", bearer(deal.vendors[0]), {"note": "装好"}),
        ]
        answers = race_both(app, dict(zip(["correct", "deliver"], requests, strict=True)), n)
        assert answers["deliver"][0] == 200, answers
        outcome = outcome_of(engagement_id)
        engagement = db.session.get(Engagement, engagement_id)
        db.session.refresh(engagement)
        corrected = answers["correct"][0] == 200
        won["correct" if corrected else "deliver"] += 1
        if not corrected:
            assert (
                answers["correct"][0] == 409
                and "The work has begun" in answers["correct"][1]["detail"]
            )
        assert outcome.baseline == (10 if corrected else 12)
        assert outcome.baseline_at < engagement.work_began_at
        assert audit_count("outcome.baseline_corrected", outcome.id) == int(corrected)

    rounds(one)
    assert sum(won.values()) == ROUNDS


def test_an_after_value_correction_against_the_review(app, db):
    """The review shows the value after the work as it is when the review is stored: a
    correction either comes before it (and the review carries it) or is refused."""

    def one(n: int) -> None:
        deal = completed_with_baseline("on_time_delivery", 82)
        kpis.record_after(deal.sme, deal.engagement, "on_time_delivery", 90)
        db.session.commit()
        engagement_id = deal.engagement.id
        headers = bearer(deal.sme)
        requests = [
            (
                "PUT",
                f"/engagements/{engagement_id}/outcomes/after",
                headers,
                {"kpi": "on_time_delivery", "value": 95},
            ),
            ("POST", f"/engagements/{engagement_id}/review", headers, REVIEW),
        ]
        answers = race_both(app, dict(zip(["correct", "review"], requests, strict=True)), n)
        assert answers["review"][0] == 201, answers
        corrected = answers["correct"][0] == 200
        if not corrected:
            assert answers["correct"][0] == 409, answers
        outcome = outcome_of(engagement_id)
        assert outcome.after == (95 if corrected else 90)
        (shown,) = answers["review"][1]["outcomes"]
        assert shown["after"] == outcome.after  # the review showed what is stored
        assert audit_count("outcome.after_corrected", outcome.id) == int(corrected)

    rounds(one)


def test_concurrent_rematches_of_the_same_needs_take_turns(app, db, vendor):
    # Two jobs re-matching the same open needs at once (a sweeper and a queue worker, say)
    # must not both insert a need's match: each need is locked while it is re-matched.
    from app.models import Match

    owner = factories.sme_user()
    needs = [factories.need(owner, title=f"仓库扫码 {i}") for i in range(3)]
    listing = factories.listing(vendor, slug="race-rematch", capabilities=["supply.warehouse"])
    slug, listing_id, need_ids = listing.slug, listing.id, [need.id for need in needs]
    app.extensions.pop("shuzhuan.matcher", None)
    _db.session.commit()

    def rematch(start: threading.Barrier, errors: list[BaseException]) -> None:
        with app.app_context():
            start.wait(timeout=20)
            try:
                matching.rematch_for_listings([slug])
            except Exception as exc:  # the assertion below shows it
                errors.append(exc)

    for _ in range(ROUNDS):
        _db.session.execute(sa.delete(Match))
        _db.session.commit()
        start, errors = threading.Barrier(2), []
        with hold_locks():
            threads = [threading.Thread(target=rematch, args=(start, errors)) for _ in range(2)]
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join(timeout=60)
        assert errors == []
        for need_id in need_ids:
            count = _db.session.scalar(
                sa.select(sa.func.count()).where(
                    Match.need_id == need_id, Match.listing_id == listing_id
                )
            )
            assert count == 1
