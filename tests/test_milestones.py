"""Milestones tied to acceptance: proposed with a quote, the plan at the award, delivered
with a note and files, accepted or rejected with a reason, the engagement completed only when
all are accepted, overdue notices once (from the tick), disputes settled by an admin with an
audited decision."""

from __future__ import annotations

import io
from datetime import date, datetime, time, timedelta

import pytest
import sqlalchemy as sa

from app.errors import DomainError, InvalidInput, NotFound
from app.models import Attachment, AuditEvent, EngagementStatus, MilestoneStatus, NeedStatus
from app.services import (
    attachments,
    engagements,
    expiry,
    milestone_plans,
    milestones,
    pool_awards,
    pools,
    quotes,
)
from tests import factories
from tests.api.conftest import ApiClient, token_for
from tests.conftest import english, submit
from tests.deal_builders import make_deal, quote_terms
from tests.files import HTML_AS_PDF, PDF
from tests.programmes.test_pools import _quoted, _three_member_pool
from tests.test_conversations import fetch
from tests.test_security_headers import INLINE_HANDLER, INLINE_SCRIPT, INLINE_STYLE, JS_URL

THREE = [
    {"name": "Dye-house survey", "share_pct": 20, "due_week": 2, "criteria": "Survey report"},
    {"name": "Scheduling live", "share_pct": 50, "due_week": 6, "criteria": "Plans 2 weeks"},
    {"name": "Training", "share_pct": 30, "due_week": 8, "criteria": "Two foremen trained"},
]


def _awarded_with_plan(db, plan=THREE):
    deal = make_deal(vendors=2)
    milestone_plans.set_quote_plan(deal.vendors[0], deal.quotes[0], plan)
    db.session.commit()
    deal.engagement = engagements.award(deal.sme, deal.quotes[0])
    db.session.commit()
    return deal


def _deliver_and(db, deal, milestone, decision="accept", reason="Not yet"):
    milestones.deliver(deal.vendors[0], milestone, "Delivered, see the shared folder")
    db.session.commit()
    if decision == "accept":
        milestones.accept(deal.sme, milestone)
    else:
        milestones.reject(deal.sme, milestone, reason)
    db.session.commit()


@pytest.mark.parametrize(
    ("rows", "problem"),
    [
        ([{**THREE[0], "share_pct": 60}, THREE[1]], "add up to 110"),
        ([{**THREE[0], "criteria": ""}, *THREE[1:]], "accept it"),
        ([{**THREE[0], "due_week": 0}, *THREE[1:]], "from 1 to 260"),
        ([{**THREE[0], "due_week": None}, *THREE[1:]], "week after the award"),
        ([{"name": "x", "share_pct": 10, "due_week": 1, "criteria": "y"}] * 9, "At most 8"),
    ],
)
def test_a_plan_is_checked(rows, problem):
    with pytest.raises(InvalidInput) as caught:
        milestone_plans.clean_plan(rows)
    assert problem in " ".join(m for ms in caught.value.errors.values() for m in ms)


def test_blank_rows_are_no_milestones():
    assert milestone_plans.clean_plan([{}, {"name": "", "criteria": ""}]) == []


def test_the_award_turns_the_quote_plan_into_the_engagement_plan(db):
    deal = _awarded_with_plan(db)
    plan = milestone_plans.plan_for(deal.engagement)
    assert [m.name for m in plan] == [m["name"] for m in THREE]
    assert plan[1].due_on == date.today() + timedelta(weeks=6)
    with pytest.raises(DomainError):  # the plan of an awarded quote is fixed
        milestone_plans.set_quote_plan(deal.vendors[0], deal.quotes[0], THREE[:1])


def test_three_milestones_complete_the_engagement_only_when_all_are_accepted(db):
    deal = _awarded_with_plan(db)
    plan = milestone_plans.plan_for(deal.engagement)
    with pytest.raises(DomainError, match="not accepted yet"):
        engagements.complete_engagement(deal.sme, deal.engagement)
    db.session.rollback()
    for milestone in plan[:2]:
        _deliver_and(db, deal, milestone)
        assert deal.engagement.status == EngagementStatus.ACTIVE
    _deliver_and(db, deal, plan[2])
    assert deal.engagement.status == EngagementStatus.COMPLETED
    assert deal.need.status == NeedStatus.CLOSED
    kinds = factories.notification_kinds(deal.vendors[0])
    assert kinds.count("milestone.accepted") == 3 and "engagement.completed" in kinds
    assert factories.notification_kinds(deal.sme).count("milestone.delivered") == 3


def test_illegal_transitions_are_refused(db, admin):
    deal = _awarded_with_plan(db)
    first = milestone_plans.plan_for(deal.engagement)[0]
    with pytest.raises(DomainError, match="not delivered yet"):
        milestones.accept(deal.sme, first)
    with pytest.raises(InvalidInput):
        milestones.deliver(deal.vendors[0], first, "  ")
    with pytest.raises(NotFound):  # another vendor
        milestones.deliver(deal.vendors[1], first, "mine")
    with pytest.raises(NotFound):  # another SME
        milestones.accept(factories.sme_user(), first)
    with pytest.raises(DomainError, match="Only a disputed milestone can be settled"):
        milestones.resolve(admin, first, "accept", "because")


def test_two_rejections_open_a_dispute_that_an_admin_settles(db, admin):
    deal = _awarded_with_plan(db)
    first = milestone_plans.plan_for(deal.engagement)[0]
    _deliver_and(db, deal, first, "reject", "The report misses dye house 2")
    assert first.status == MilestoneStatus.REJECTED
    _deliver_and(db, deal, first, "reject", "Still missing")
    assert first.status == MilestoneStatus.DISPUTED
    assert "milestone.dispute_opened" in factories.notification_kinds(admin)
    assert milestones.disputes() == [first]
    with pytest.raises(InvalidInput):
        milestones.resolve(admin, first, "accept", "")
    milestones.resolve(admin, first, "redeliver", "The report must cover both dye houses")
    db.session.commit()
    assert (first.status, first.rejections) == (MilestoneStatus.REJECTED, 0)
    _deliver_and(db, deal, first, "reject", "Again not complete")
    _deliver_and(db, deal, first, "reject", "And again")
    milestones.resolve(admin, first, "accept", "Both dye houses are covered on page 4")
    db.session.commit()
    assert first.status == MilestoneStatus.ACCEPTED
    event = db.session.scalars(
        db.select(AuditEvent)
        .where(AuditEvent.action == "milestone.resolved")
        .order_by(AuditEvent.id.desc())
    ).first()
    assert event.actor_id == admin.id and event.data["decision"] == "accept"
    assert event.reason == "Both dye houses are covered on page 4"


def _in(weeks: int) -> datetime:
    return datetime.combine(date.today() + timedelta(weeks=weeks), time(9))


def test_the_tick_tells_both_parties_once_about_an_overdue_milestone(db):
    deal = _awarded_with_plan(db)
    assert expiry.tick(_in(3)).milestones_overdue == 1  # only the week-2 survey is late
    assert expiry.tick(_in(3)).milestones_overdue == 0
    assert factories.notification_kinds(deal.sme).count("milestone.overdue") == 1
    assert factories.notification_kinds(deal.vendors[0]).count("milestone.overdue") == 1
    first = milestone_plans.plan_for(deal.engagement)[0]
    assert first.overdue_notified_on == _in(3).date()
    # Delivered milestones are not overdue; the others are told about once each.
    milestones.deliver(deal.vendors[0], milestone_plans.plan_for(deal.engagement)[1], "Live")
    db.session.commit()
    assert expiry.tick(_in(9)).milestones_overdue == 1  # the training, not the delivered one


def test_an_engagement_without_milestones_completes_as_before(db):
    deal = make_deal(vendors=1, award=True)
    engagements.complete_engagement(deal.sme, deal.engagement)
    assert deal.engagement.status == EngagementStatus.COMPLETED


def test_the_vendor_proposes_milestones_with_its_quote_form(app, db):
    deal = make_deal(vendors=1, quoted=0)
    vendor = english(app.test_client(user=deal.vendors[0]))
    rfq_url = f"/vendor/rfqs/{deal.rfqs[0].id}"
    form = {
        "licence": "20000",
        "implementation": "10000",
        "training": "0",
        "annual_fees": "0",
        "delivery_weeks": "8",
        "scope": "All of it",
        "valid_until": (date.today() + timedelta(days=30)).isoformat(),
    }
    for i, row in enumerate(THREE):
        form |= {f"milestones-{i}-{k}": str(v) for k, v in row.items()}
    bad = submit(
        vendor, f"{rfq_url}/quote", {**form, "milestones-0-share_pct": "60"}, form_url=rfq_url
    )
    assert bad.status_code == 422 and "add up to 140" in bad.get_data(as_text=True)
    assert deal.rfqs[0].quotes == []  # nothing saved
    assert submit(vendor, f"{rfq_url}/quote", form, form_url=rfq_url).status_code == 302
    quote = quotes.live_quote(deal.rfqs[0])
    assert [m.share_pct for m in milestone_plans.quote_plan(quote)] == [20, 50, 30]


def test_the_plan_page_walks_a_milestone_through(app, db):
    deal = _awarded_with_plan(db, [*THREE[:1], {**THREE[1], "share_pct": 80}])
    url = f"/engagements/{deal.engagement.id}/plan"
    vendor = english(app.test_client(user=deal.vendors[0]))
    sme = english(app.test_client(user=deal.sme))
    first, second = milestone_plans.plan_for(deal.engagement)
    page = vendor.get(url).get_data(as_text=True)
    assert "Dye-house survey" in page and "0 of 2 accepted" in page
    refused = submit(vendor, f"/milestones/{first.id}/deliver", {"note": ""}, form_url=url)
    assert refused.status_code == 422
    submit(vendor, f"/milestones/{first.id}/deliver", {"note": "Report uploaded"}, form_url=url)
    assert "Report uploaded" in sme.get(url).get_data(as_text=True)
    submit(sme, f"/milestones/{first.id}/reject", {"reason": "Page 3 missing"}, form_url=url)
    assert "Page 3 missing" in vendor.get(url).get_data(as_text=True)
    assert english(app.test_client(user=factories.sme_user())).get(url).status_code == 404
    for milestone in (first, second):
        submit(vendor, f"/milestones/{milestone.id}/deliver", {"note": "Done"}, form_url=url)
        submit(sme, f"/milestones/{milestone.id}/accept", {}, form_url=url)
    page = sme.get(url).get_data(as_text=True)
    assert "2 of 2 accepted" in page and "the engagement is completed" in page


def test_the_api_walks_a_milestone_and_hides_it_from_others(app, db):

    deal = _awarded_with_plan(db, [{**THREE[0], "share_pct": 100}])
    vendor, sme, other = (
        ApiClient(english(app.test_client()), token_for(u))
        for u in (deal.vendors[0], deal.sme, deal.vendors[1])
    )
    plan_url = f"/engagements/{deal.engagement.id}/milestones"
    (item,) = sme.get(plan_url).get_json()["items"]
    assert item["status"] == "planned" and item["share_pct"] == 100
    assert other.get(plan_url).status_code == 404
    assert other.post(f"/milestones/{item['id']}/deliver", json={"note": "x"}).status_code == 404
    assert sme.post(f"/milestones/{item['id']}/accept").status_code == 409
    delivered = vendor.post(f"/milestones/{item['id']}/deliver", json={"note": "done"})
    assert delivered.get_json()["status"] == "delivered"
    assert sme.post(f"/milestones/{item['id']}/accept").get_json()["status"] == "accepted"
    db.session.refresh(deal.engagement)
    assert deal.engagement.status == EngagementStatus.COMPLETED


def test_flask_jobs_tick_announces_overdue_milestones_once(app, db):
    deal = _awarded_with_plan(db)
    first = milestone_plans.plan_for(deal.engagement)[0]
    first.due_on = date.today() - timedelta(days=1)
    db.session.commit()
    runner = app.test_cli_runner()
    assert "milestones overdue: 1" in runner.invoke(args=["jobs", "tick"]).output
    assert "milestones overdue: 0" in runner.invoke(args=["jobs", "tick"]).output


def test_a_loser_is_told_what_happened_first(db):
    deal = _awarded_with_plan(db)
    first = milestone_plans.plan_for(deal.engagement)[0]
    milestones.deliver(deal.vendors[0], first, "Report in the shared folder")
    db.session.commit()
    with pytest.raises(DomainError, match="already delivered"):
        milestones.deliver(deal.vendors[0], first, "Again")
    db.session.rollback()
    milestones.reject(deal.sme, first, "Dye house 2 is missing")
    db.session.commit()
    with pytest.raises(DomainError, match="rejected before your acceptance arrived"):
        milestones.accept(deal.sme, first)
    db.session.rollback()
    with pytest.raises(DomainError, match="already rejected"):
        milestones.reject(deal.sme, first, "Twice")


def test_an_admin_decision_is_one_transition_told_once(db, admin):
    deal = _awarded_with_plan(db, [{**THREE[0], "share_pct": 100}])
    (only,) = milestone_plans.plan_for(deal.engagement)
    _deliver_and(db, deal, only, "reject", "Missing")
    _deliver_and(db, deal, only, "reject", "Still missing")
    milestones.resolve(admin, only, "accept", "Both dye houses are on page 4")
    db.session.commit()
    vendor_kinds = factories.notification_kinds(deal.vendors[0])
    assert vendor_kinds.count("milestone.resolved_accepted") == 1
    assert "milestone.accepted" not in vendor_kinds  # the decision says it, once
    assert factories.notification_kinds(deal.sme).count("milestone.resolved_accepted") == 1
    assert deal.engagement.status == EngagementStatus.COMPLETED  # the last acceptance
    actions = db.session.scalars(
        sa.select(AuditEvent.action).where(
            AuditEvent.subject_type == "Milestone", AuditEvent.subject_id == only.id
        )
    ).all()
    assert actions.count("milestone.resolved") == 1 and "milestone.accepted" not in actions
    with pytest.raises(DomainError, match="settled before your decision arrived"):
        milestones.resolve(admin, only, "accept", "again")


def test_a_milestone_is_delivered_with_files_only_its_parties_read(app, db):
    deal = _awarded_with_plan(db)
    first = milestone_plans.plan_for(deal.engagement)[0]
    url = f"/engagements/{deal.engagement.id}/plan"
    vendor = english(app.test_client(user=deal.vendors[0]))

    def deliver(files):
        return submit(
            vendor,
            f"/milestones/{first.id}/deliver",
            {"note": "Survey report attached", "files": files},
            form_url=url,
            content_type="multipart/form-data",
        )

    refused = deliver([(io.BytesIO(HTML_AS_PDF), "report.pdf")])
    assert refused.status_code == 422 and "Only PDF files" in refused.get_data(as_text=True)
    db.session.expire_all()
    assert first.status == MilestoneStatus.PLANNED  # nothing was saved
    assert deliver([(io.BytesIO(PDF), "勘察报告.pdf")]).status_code == 302
    db.session.expire_all()
    (stored,) = attachments.for_owner(milestone_ids=[first.id])
    assert first.status == MilestoneStatus.DELIVERED and stored.filename == "勘察报告.pdf"
    sme = english(app.test_client(user=deal.sme))
    assert "勘察报告.pdf" in sme.get(url).get_data(as_text=True)
    assert fetch(sme, f"/attachments/{stored.id}").data == PDF
    for outsider in (deal.vendors[1], factories.sme_user()):
        assert fetch(app.test_client(user=outsider), f"/attachments/{stored.id}").status_code == 404
    event = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "milestone.delivered")
    ).one()
    assert event.data["files"] == ["勘察报告.pdf"]
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 1


def test_the_sme_compares_the_milestones_proposed_with_each_quote(app, db):
    deal = make_deal(vendors=2)
    milestone_plans.set_quote_plan(deal.vendors[0], deal.quotes[0], THREE)
    db.session.commit()
    page = english(app.test_client(user=deal.sme)).get(f"/needs/{deal.need.id}/quotes")
    text = page.get_data(as_text=True)
    assert "Dye-house survey" in text and "one delivery, accepted as a whole" in text


def test_a_revision_that_keeps_the_plan_is_not_a_new_proposal(db):
    deal = make_deal(vendors=1)
    quote = deal.quotes[0]
    milestone_plans.set_quote_plan(deal.vendors[0], quote, THREE)
    db.session.commit()
    milestone_plans.set_quote_plan(deal.vendors[0], quote, THREE)
    db.session.commit()
    proposed = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == "quote.milestones_proposed")
    ).all()
    assert len(proposed) == 1
    milestone_plans.set_quote_plan(deal.vendors[0], quote, [])
    db.session.commit()
    assert milestone_plans.quote_plan(quote) == []


def test_the_api_takes_milestones_with_a_quote(app, db):

    deal = make_deal(vendors=1, quoted=0)
    vendor = ApiClient(english(app.test_client()), token_for(deal.vendors[0]))
    body = {**quote_terms(), "valid_until": (date.today() + timedelta(days=30)).isoformat()}
    url = f"/rfqs/{deal.rfqs[0].id}/quotes"
    bad = vendor.post(url, json={**body, "milestones": [{**THREE[0], "share_pct": 60}]})
    assert bad.status_code == 422 and "add up to 60" in bad.get_data(as_text=True)
    sent = vendor.post(url, json={**body, "milestones": THREE})
    assert sent.status_code == 201, sent.get_json()
    assert [m["share_pct"] for m in sent.get_json()["milestones"]] == [20, 50, 30]


def test_a_pooled_members_engagement_takes_the_pool_quotes_plan(db):

    smes, pool = _three_member_pool()
    vendor, quote = _quoted(pool, smes[0])
    milestone_plans.set_quote_plan(vendor, quote, THREE)
    pools.close_joining(smes[0], pool)
    db.session.commit()
    engagement = pool_awards.accept(smes[1], pool, quote)
    db.session.commit()
    plan = milestone_plans.plan_for(engagement)
    assert [(m.name, m.share_pct) for m in plan] == [(m["name"], m["share_pct"]) for m in THREE]
    assert milestone_plans.quote_plan(quote)[0].engagement_id is None  # the pool's own stays free


def test_an_admin_settles_a_dispute_on_the_disputes_page(app, db, admin):
    deal = _awarded_with_plan(db)
    first = milestone_plans.plan_for(deal.engagement)[0]
    _deliver_and(db, deal, first, "reject", "Missing")
    _deliver_and(db, deal, first, "reject", "Still missing")
    client = english(app.test_client(user=admin))
    page = client.get("/admin/")
    assert 'data-queue="milestones.disputes"' in page.get_data(as_text=True)
    url = "/admin/disputes"
    assert "Still missing" in client.get(url).get_data(as_text=True)
    refused = submit(
        client, f"/milestones/{first.id}/resolve", {"decision": "accept"}, form_url=url
    )
    assert refused.status_code == 422
    db.session.expire_all()
    assert first.status == MilestoneStatus.DISPUTED
    done = submit(
        client,
        f"/milestones/{first.id}/resolve",
        {"decision": "redeliver", "reason": "Cover both dye houses"},
        form_url=url,
    )
    assert done.status_code == 302
    db.session.expire_all()
    assert (first.status, first.resolution) == (MilestoneStatus.REJECTED, "Cover both dye houses")
    assert "No milestone is in dispute." in client.get(url).get_data(as_text=True)


def test_the_plan_and_disputes_pages_need_no_inline_script_or_style(app, db, admin):

    deal = _awarded_with_plan(db)
    first, second, _third = milestone_plans.plan_for(deal.engagement)
    _deliver_and(db, deal, first, "reject", "Missing")
    _deliver_and(db, deal, first, "reject", "Still missing")  # disputed
    milestones.deliver(deal.vendors[0], second, "Live since Monday")  # delivered
    db.session.commit()
    pages = [
        (deal.sme, f"/engagements/{deal.engagement.id}/plan"),
        (deal.vendors[0], f"/engagements/{deal.engagement.id}/plan"),
        (admin, f"/engagements/{deal.engagement.id}/plan"),
        (admin, "/admin/disputes"),
        (deal.sme, f"/needs/{deal.need.id}"),
        (deal.vendors[0], f"/vendor/rfqs/{deal.rfqs[0].id}"),
    ]
    for user, url in pages:
        response = english(app.test_client(user=user)).get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER, JS_URL):
            assert pattern.search(page) is None, (url, pattern.pattern)
