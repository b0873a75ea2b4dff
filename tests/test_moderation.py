"""Moderation services: matches, vendor blocks, flagged reviews, users, plug-in health, audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.errors import DomainError, Forbidden, InvalidInput
from app.extensions import db
from app.models import (
    AuditEvent,
    Engagement,
    EngagementStatus,
    Health,
    ListingStatus,
    Match,
    MatchStatus,
    NeedStatus,
    Notification,
    OrgKind,
    Quote,
    QuoteStatus,
    Review,
    ReviewFlag,
    ReviewStatus,
    Rfq,
    RfqStatus,
    UserStatus,
    VendorBlock,
    Verification,
)
from app.models.base import utcnow
from app.services import (
    admin_overview,
    audit,
    match_moderation,
    plugin_health,
    review_moderation,
    user_moderation,
)
from app.services.matching import refresh_matches, visible_matches
from app.services.ratings import vendor_ratings
from tests import factories

# ---------------------------------------------------------------------------------------------
# builders shared with the admin page tests


def match(need, listing, rank: int = 1, **fields) -> Match:
    """A stored match, as the engine would have left it."""

    item = Match(
        need=need,
        listing=listing,
        rank=rank,
        score=fields.pop("score", 1.0 - rank / 100),
        components={"text": 0.5, "capability": 1.0},
        explanation=fields.pop("explanation", "Same capability, fits the budget."),
        model_version="test",
        **fields,
    )
    db.session.add(item)
    db.session.commit()
    return item


def matched_need(sme, vendors):
    """An open need with one shown match per vendor's listing, ranked in the given order."""
    need = factories.need(sme)
    matches = [match(need, factories.listing(v), rank=i + 1) for i, v in enumerate(vendors)]
    return need, matches


def review(sme, vendor, *, status=ReviewStatus.PUBLISHED, rating=2, flaggers=()) -> Review:
    """A verified review of a completed engagement, flagged by ``flaggers`` (user, reason)."""

    listing = factories.listing(vendor)
    need = factories.need(sme, status=NeedStatus.AWARDED)
    rfq = Rfq(
        need_id=need.id,
        listing_id=listing.id,
        vendor_id=vendor.organisation_id,
        sender_id=sme.id,
        status=RfqStatus.AWARDED,
    )
    db.session.add(rfq)
    db.session.flush()
    quote = Quote(
        rfq_id=rfq.id,
        need_id=need.id,
        vendor_id=vendor.organisation_id,
        author_id=vendor.id,
        status=QuoteStatus.ACCEPTED,
        licence=20000,
        implementation=10000,
        delivery_weeks=6,
        valid_until=date.today() + timedelta(days=30),
    )
    db.session.add(quote)
    db.session.flush()
    engagement = Engagement(
        need_id=need.id,
        quote_id=quote.id,
        listing_id=listing.id,
        sme_id=sme.organisation_id,
        vendor_id=vendor.organisation_id,
        status=EngagementStatus.COMPLETED,
        completed_at=utcnow(),
    )
    db.session.add(engagement)
    db.session.flush()
    item = Review(
        engagement_id=engagement.id,
        listing_id=listing.id,
        vendor_id=vendor.organisation_id,
        author_id=sme.id,
        rating=rating,
        quality=rating,
        cost=3,
        timeliness=3,
        support=3,
        text="实施拖了三个月，售后电话没人接。",
        status=ReviewStatus.FLAGGED if flaggers else status,
    )
    db.session.add(item)
    db.session.flush()
    for user, reason in flaggers:
        db.session.add(ReviewFlag(review_id=item.id, user_id=user.id, reason=reason))
    db.session.commit()
    return item


def events(db, action: str) -> list[AuditEvent]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        )
    )


# ---------------------------------------------------------------------------------------------
# matches


def test_pin_puts_a_match_first_and_unpin_restores_the_engine_order(db, admin, sme, vendor):
    other = factories.vendor_user()
    need, (first, second) = matched_need(sme, [vendor, other])
    match_moderation.pin_match(admin, second, "Local partner of the SME's association")
    db.session.commit()
    assert visible_matches(need) == [second, first]
    assert (second.status, second.moderated_by_id) == (MatchStatus.PINNED, admin.id)
    [event] = events(db, "match.pinned")
    assert (event.subject_type, event.subject_id) == ("Match", second.id)
    assert event.reason == "Local partner of the SME's association"

    match_moderation.unpin_match(admin, second)
    db.session.commit()
    assert visible_matches(need) == [first, second]
    assert second.status == MatchStatus.SHOWN and events(db, "match.unpinned")


def test_hide_takes_a_match_out_of_the_sme_list_with_a_reason(db, admin, sme, vendor):
    need, (hidden,) = matched_need(sme, [vendor])
    match_moderation.hide_match(admin, hidden, "  Duplicate listing  ")
    db.session.commit()
    assert visible_matches(need) == []
    assert hidden.status == MatchStatus.HIDDEN
    assert hidden.moderation_reason == "Duplicate listing"
    assert events(db, "match.hidden")[0].reason == "Duplicate listing"
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == sme.id))
    assert note.kind == "match.hidden"
    assert note.params == {"need": need.title, "reason": "Duplicate listing"}

    match_moderation.unhide_match(admin, hidden)
    db.session.commit()
    assert visible_matches(need) == [hidden]
    assert hidden.moderation_reason is None


def test_match_transitions_refuse_the_wrong_state_and_a_missing_reason(db, admin, sme, vendor):
    _need, (item,) = matched_need(sme, [vendor])
    with pytest.raises(DomainError, match="pinned match can be unpinned"):
        match_moderation.unpin_match(admin, item)
    with pytest.raises(DomainError, match="hidden match"):
        match_moderation.unhide_match(admin, item)
    with pytest.raises(InvalidInput) as missing:
        match_moderation.hide_match(admin, item, "   ")
    assert missing.value.status == 422 and "reason" in missing.value.errors
    match_moderation.pin_match(admin, item)
    with pytest.raises(DomainError, match="shown match can be pinned"):
        match_moderation.pin_match(admin, item)
    match_moderation.hide_match(admin, item, "Spam")  # a pinned match can be hidden
    with pytest.raises(DomainError, match="already hidden"):
        match_moderation.hide_match(admin, item, "Again")
    with pytest.raises(DomainError):
        match_moderation.pin_match(admin, item)
    with pytest.raises(InvalidInput, match="2000"):
        match_moderation.hide_match(admin, item, "x" * 2001)


def test_a_match_of_an_unpublished_listing_cannot_be_pinned(db, admin, sme, vendor):
    _need, (item,) = matched_need(sme, [vendor])
    item.listing.status = ListingStatus.SUSPENDED
    db.session.commit()
    with pytest.raises(DomainError, match="not published"):
        match_moderation.pin_match(admin, item)


def test_hiding_an_invisible_match_does_not_bother_the_sme(db, admin, sme, vendor):
    _need, (item,) = matched_need(sme, [vendor])
    item.listing.status = ListingStatus.SUSPENDED
    db.session.commit()
    match_moderation.hide_match(admin, item, "Vendor under investigation")
    db.session.commit()
    assert factories.notification_kinds(sme) == []


@pytest.mark.parametrize("who", ["sme", "vendor"])
def test_only_admins_moderate(db, sme, vendor, admin, who):
    actor = {"sme": sme, "vendor": vendor}[who]
    _need, (item,) = matched_need(sme, [vendor])
    with pytest.raises(Forbidden):
        match_moderation.pin_match(actor, item)
    with pytest.raises(Forbidden):
        match_moderation.hide_match(actor, item, "x")
    with pytest.raises(Forbidden):
        match_moderation.block_vendor(actor, vendor.organisation, "x")
    with pytest.raises(Forbidden):
        user_moderation.suspend_user(actor, admin, "x")
    assert events(db, "match.pinned") == [] and item.status == MatchStatus.SHOWN


def test_a_suspended_admin_cannot_moderate(db, admin, sme, vendor):
    _need, (item,) = matched_need(sme, [vendor])
    admin.status = UserStatus.SUSPENDED
    with pytest.raises(Forbidden):
        match_moderation.pin_match(admin, item)


# ---------------------------------------------------------------------------------------------
# vendor blocks


def test_blocking_a_vendor_for_one_need_hides_it_there_only(db, admin, sme, vendor):
    other = factories.vendor_user()
    need, (blocked, kept) = matched_need(sme, [vendor, other])
    elsewhere, (still,) = matched_need(sme, [vendor])
    block = match_moderation.block_vendor(admin, vendor.organisation, "Conflict of interest", need)
    db.session.commit()
    assert visible_matches(need) == [kept]
    assert visible_matches(elsewhere) == [still]
    assert (block.need_id, block.reason, block.created_by_id) == (
        need.id,
        "Conflict of interest",
        admin.id,
    )
    [event] = events(db, "vendor.blocked")
    assert (event.subject_type, event.subject_id) == ("Organisation", vendor.organisation_id)
    assert event.reason == "Conflict of interest" and event.data == {"need_id": need.id}
    assert "match.hidden" in factories.notification_kinds(sme)  # the SME had the vendor in its list

    with pytest.raises(DomainError, match="already blocked for this need"):
        match_moderation.block_vendor(admin, vendor.organisation, "again", need)
    match_moderation.unblock_vendor(admin, block)
    db.session.commit()
    assert visible_matches(need) == [blocked, kept]
    assert events(db, "vendor.unblocked")[0].data == {"need_id": need.id}


def test_blocking_a_vendor_everywhere_removes_it_from_every_need(db, admin, sme, vendor):
    one, (a,) = matched_need(sme, [vendor])
    two, (_b,) = matched_need(sme, [vendor])
    match_moderation.block_vendor(admin, vendor.organisation, "Fraudulent references")
    db.session.commit()
    assert visible_matches(one) == [] and visible_matches(two) == []
    assert match_moderation.global_blocks()[0].vendor_id == vendor.organisation_id
    assert match_moderation.blocks_for(one)[0].need_id is None
    with pytest.raises(DomainError, match="already blocked everywhere"):
        match_moderation.block_vendor(admin, vendor.organisation, "again")
    with pytest.raises(DomainError, match="already blocked everywhere"):
        match_moderation.block_vendor(admin, vendor.organisation, "again", one)
    with pytest.raises(DomainError, match="blocked for this need"):
        match_moderation.pin_match(admin, a)
    assert (
        factories.notification_kinds(sme) == []
    )  # a platform-wide block does not notify every SME


def test_blocks_need_a_reason_and_a_vendor(db, admin, sme, vendor):
    with pytest.raises(InvalidInput):
        match_moderation.block_vendor(admin, vendor.organisation, "")
    with pytest.raises(DomainError, match="vendor organisations"):
        match_moderation.block_vendor(admin, sme.organisation, "not a vendor")
    assert sme.organisation.kind == OrgKind.SME
    assert db.session.scalar(sa.select(sa.func.count(VendorBlock.id))) == 0


def test_refreshing_matches_keeps_admin_decisions(db, admin, sme, vendor):
    """The engine's refresh keeps pins and hides and skips blocked vendors."""

    other = factories.vendor_user()
    blocked = factories.vendor_user()
    need = factories.need(sme)
    listings = [factories.listing(v) for v in (vendor, other, blocked)]
    refresh_matches(need)
    db.session.commit()
    by_listing = {m.listing_id: m for m in match_moderation.all_matches(need)}
    assert set(by_listing) == {item.id for item in listings}
    match_moderation.pin_match(admin, by_listing[listings[1].id])
    match_moderation.hide_match(admin, by_listing[listings[0].id], "Out of region")
    match_moderation.block_vendor(admin, blocked.organisation, "Complaints", need)
    db.session.commit()
    visible = refresh_matches(need)
    db.session.commit()
    assert [m.listing_id for m in visible] == [listings[1].id]
    statuses = {m.listing_id: m.status for m in match_moderation.all_matches(need)}
    assert statuses[listings[0].id] == MatchStatus.HIDDEN
    assert statuses[listings[1].id] == MatchStatus.PINNED
    assert listings[2].id not in statuses


# ---------------------------------------------------------------------------------------------
# reviews


def test_keeping_a_flagged_review_republishes_it_and_resolves_its_flags(db, admin, sme, vendor):
    item = review(sme, vendor, flaggers=[(vendor, "The SME never paid the last instalment")])
    review_moderation.keep_review(admin, item, "Factual account of the project")
    db.session.commit()
    assert item.status == ReviewStatus.PUBLISHED
    assert item.moderation_reason == "Factual account of the project"
    assert all(flag.resolved_at is not None for flag in item.flags)
    assert review_moderation.flagged_reviews() == []
    assert events(db, "review.kept")[0].reason == "Factual account of the project"
    assert factories.notification_kinds(vendor) == [
        "review.kept"
    ]  # flagger and vendor member: told once
    assert factories.notification_kinds(sme) == []


def test_removing_a_flagged_review_tells_author_and_vendor_and_stops_it_counting(
    db, admin, sme, vendor
):
    colleague = factories.sme_user()
    item = review(sme, vendor, rating=1, flaggers=[(colleague, "Insults the vendor's staff")])
    assert vendor_ratings()[vendor.organisation_id].count == 1  # flagged still counts
    review_moderation.remove_review(admin, item, "Personal insults")
    db.session.commit()
    assert item.status == ReviewStatus.REMOVED
    assert vendor.organisation_id not in vendor_ratings()
    assert events(db, "review.removed")[0].reason == "Personal insults"
    assert factories.notification_kinds(sme) == ["review.removed"]
    assert factories.notification_kinds(colleague) == ["review.removed_notice"]
    assert factories.notification_kinds(vendor) == ["review.removed_notice"]


def test_review_moderation_refuses_unflagged_reviews_and_missing_reasons(db, admin, sme, vendor):
    published = review(sme, vendor)
    with pytest.raises(DomainError, match="flagged review can be kept"):
        review_moderation.keep_review(admin, published, "fine")
    with pytest.raises(DomainError, match="flagged review can be removed"):
        review_moderation.remove_review(admin, published, "bad")
    flagged = review(factories.sme_user(), vendor, flaggers=[(vendor, "false")])
    with pytest.raises(InvalidInput):
        review_moderation.keep_review(admin, flagged, "")
    with pytest.raises(InvalidInput):
        review_moderation.remove_review(admin, flagged, None)
    review_moderation.remove_review(admin, flagged, "Not about this project")
    with pytest.raises(DomainError):
        review_moderation.keep_review(admin, flagged, "changed my mind")


# ---------------------------------------------------------------------------------------------
# users


def test_suspend_and_reinstate_a_user(db, admin, sme):
    user_moderation.suspend_user(admin, sme, "Posted fake needs to harvest quotes")
    db.session.commit()
    assert sme.status == UserStatus.SUSPENDED and not sme.is_active
    assert events(db, "user.suspended")[0].reason == "Posted fake needs to harvest quotes"
    with pytest.raises(DomainError, match="already suspended"):
        user_moderation.suspend_user(admin, sme, "again")
    user_moderation.reinstate_user(admin, sme)
    db.session.commit()
    assert sme.status == UserStatus.ACTIVE
    assert factories.notification_kinds(sme) == ["account.suspended", "account.reinstated"]
    assert events(db, "user.reinstated")
    with pytest.raises(DomainError, match="suspended account can be reinstated"):
        user_moderation.reinstate_user(admin, sme)


def test_an_admin_cannot_suspend_themselves_or_anyone_without_a_reason(db, admin, sme):
    with pytest.raises(DomainError, match="your own account"):
        user_moderation.suspend_user(admin, admin, "oops")
    with pytest.raises(InvalidInput):
        user_moderation.suspend_user(admin, sme, " ")
    assert admin.is_active and sme.is_active


def test_users_query_searches_and_filters(db, admin, sme, vendor):
    user_moderation.suspend_user(admin, vendor, "spam")
    db.session.commit()

    def emails(**kw):
        return {u.email for u in db.session.scalars(user_moderation.users_query(**kw))}

    assert emails(q=sme.email.upper()) == {sme.email}
    assert emails(q="锦绣") == {sme.email}  # organisation name
    assert emails(role="admin") == {admin.email}
    assert emails(status="suspended") == {vendor.email}
    assert emails(role="sme", status="suspended") == set()


# ---------------------------------------------------------------------------------------------
# plug-in health, queues, market health


def test_marking_a_degraded_plugin_fixed(db, admin, vendor):
    plugin = factories.listing(
        vendor, hooks_module="no_such_plugin.hooks", health=Health.DEGRADED, hook_failures=4
    )
    assert plugin_health.degraded_plugins() == [plugin]
    plugin_health.mark_plugin_fixed(admin, plugin)
    db.session.commit()
    assert (plugin.health, plugin.hook_failures) == (Health.OK, 0)
    assert events(db, "plugin.reset")[0].data == {"failures": 4}
    with pytest.raises(DomainError, match="not degraded"):
        plugin_health.mark_plugin_fixed(admin, plugin)


def test_queue_counts_and_market_health(db, admin, sme, vendor):
    factories.listing(vendor, status=ListingStatus.PENDING_REVIEW)
    factories.listing(vendor, hooks_module="x.hooks", health=Health.DEGRADED)
    pending = factories.vendor_user(verified=False)
    pending.organisation.verification = Verification.PENDING
    review(sme, vendor, flaggers=[(vendor, "lies")])
    user_moderation.suspend_user(admin, pending, "x")
    db.session.commit()
    queues = admin_overview.queue_counts()
    assert (queues.listings, queues.vendors, queues.reviews, queues.plugins) == (1, 1, 1, 1)
    assert queues.total == 4
    health = admin_overview.market_health()
    assert health["published_plugins"] == 2  # the review's listing and the degraded one
    assert health["open_needs"] == 0  # the review's need is awarded
    assert (health["requests"], health["quotes"], health["awards"]) == (1, 1, 1)
    assert health["suspended_users"] == 1
    later = admin_overview.market_health(now=utcnow() + timedelta(days=31))
    assert (later["requests"], later["quotes"], later["awards"]) == (0, 0, 0)


# ---------------------------------------------------------------------------------------------
# audit log queries


def test_audit_query_filters(db, admin, sme, vendor):
    _need, (item,) = matched_need(sme, [vendor])
    match_moderation.hide_match(admin, item, "Spam")
    user_moderation.suspend_user(admin, vendor, "Spam")
    db.session.commit()

    def actions(**kw):
        return [e.action for e in db.session.scalars(audit.audit_query(**kw))]

    assert actions(actor=admin.email[:6].upper()) == ["user.suspended", "match.hidden"]
    assert actions(action="match.hidden") == ["match.hidden"]
    assert actions(subject_type="User", subject_id=vendor.id) == [
        "user.suspended",
        "account.registered",
    ]
    assert "account.registered" in actions(subject_type="User", subject_id=sme.id)
    today = utcnow().date()  # audit times are UTC
    assert len(actions(since=today, until=today)) == len(actions())
    assert actions(until=today - timedelta(days=1)) == []
    assert actions(since=today + timedelta(days=1)) == []
    assert {"match.hidden", "user.suspended"} <= set(audit.audit_actions())
    assert {"Match", "User"} <= set(audit.audit_subject_types())
