"""The admin pages: guards, queues, moderation actions through the forms, the audit log."""

from __future__ import annotations

import re

import sqlalchemy as sa

from app.models import (
    AuditEvent,
    Health,
    ListingStatus,
    MatchStatus,
    Notification,
    PluginListing,
    ReviewStatus,
    UserStatus,
    Verification,
)
from app.services import match_moderation, user_moderation
from app.services.matching import visible_matches
from tests import factories
from tests.conftest import csrf_token, submit
from tests.test_moderation import matched_need, review


def admin_rules(app) -> list[tuple[str, str]]:
    rules = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("admin."):
            url = re.sub(r"<id:\w+>", "1", rule.rule)
            assert "<" not in url, f"{rule.rule}: route arguments must be <id:...>"
            for method in sorted(rule.methods & {"GET", "POST"}):
                rules.append((method, url))
    return rules


def test_every_admin_page_and_action_refuses_smes_and_vendors(app, db, sme, vendor, admin):
    rules = admin_rules(app)
    assert ("GET", "/admin/audit") in rules and ("POST", "/admin/matches/1/hide") in rules
    for user in (sme, vendor):
        client = app.test_client(user=user)
        token = csrf_token(client, "/auth/profile")
        for method, url in rules:
            if method == "GET":
                response = client.get(url)
            else:
                response = client.post(url, data={"csrf_token": token, "reason": "x"})
            assert response.status_code == 403, (user.role, method, url)
    assert (
        db.session.scalar(
            sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action.notlike("account.%"))
        )
        == 0
    )


def test_anonymous_visitors_are_sent_to_the_login_page(client):
    response = client.get("/admin/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_actions_are_post_only_and_need_a_csrf_token(admin_client, sme):
    assert admin_client.get(f"/admin/users/{sme.id}/suspend").status_code == 405
    response = admin_client.post(f"/admin/users/{sme.id}/suspend", data={"reason": "x"})
    assert response.status_code == 400


def test_unknown_ids_are_404(admin_client):
    response = submit(admin_client, "/admin/matches/999/hide", {"reason": "x"}, form_url="/admin/")
    assert response.status_code == 404
    assert (
        submit(admin_client, "/admin/vendors/999/verify", {}, form_url="/admin/").status_code == 404
    )


def test_all_admin_pages_render_when_empty(admin_client):
    for url in (
        "/admin/",
        "/admin/listings",
        "/admin/vendors",
        "/admin/plugins",
        "/admin/needs",
        "/admin/reviews",
        "/admin/users",
        "/admin/audit",
    ):
        response = admin_client.get(url)
        assert response.status_code == 200, url
        page = response.get_data(as_text=True)
        assert "Audit log" in page and "nav-tabs" in page  # the shared admin tabs


def test_admin_nav_link_leads_to_the_dashboard(admin_client):
    assert 'href="/admin/"' in admin_client.get("/").get_data(as_text=True)


# ---------------------------------------------------------------------------------------------
# dashboard


def test_dashboard_counts_the_queues_and_market_health(admin_client, db, sme, vendor):
    factories.listing(vendor, status=ListingStatus.PENDING_REVIEW)
    factories.listing(vendor, hooks_module="p.hooks", health=Health.DEGRADED)
    review(sme, vendor, flaggers=[(vendor, "lies")])
    factories.need(sme)
    page = admin_client.get("/admin/").get_data(as_text=True)
    assert "listings waiting for review" in page and "flagged reviews" in page
    assert "degraded plug-ins" in page and "open needs" in page
    assert "awards, last 30 days" in page
    assert re.search(
        r'data-queue="admin.listings_index">\s*<div class="card-body">\s*'
        r'<div class="sz-stat-num ">1</div>',
        page,
    )


# ---------------------------------------------------------------------------------------------
# listings


def test_listing_queue_shows_fields_and_approval_publishes(admin_client, db, vendor):
    listing = factories.listing(vendor, status=ListingStatus.PENDING_REVIEW, name="染缸排产")
    page = admin_client.get("/admin/listings").get_data(as_text=True)
    assert "染缸排产" in page and vendor.organisation.name in page
    assert "Production planning" in page or "production.planning" in page
    assert "¥30,000" in page
    response = submit(
        admin_client, f"/admin/listings/{listing.id}/approve", {}, form_url="/admin/listings"
    )
    assert response.status_code == 302
    db.session.refresh(listing)
    assert listing.status == ListingStatus.PUBLISHED
    assert "is published" in admin_client.get("/admin/listings").get_data(as_text=True)
    again = submit(
        admin_client, f"/admin/listings/{listing.id}/approve", {}, form_url="/admin/listings"
    )
    assert again.status_code == 409
    assert "waiting for review" in again.get_data(as_text=True)


def test_rejecting_a_listing_needs_a_reason_and_tells_the_vendor(admin_client, db, vendor):
    listing = factories.listing(vendor, status=ListingStatus.PENDING_REVIEW)
    url = f"/admin/listings/{listing.id}/reject"
    missing = submit(admin_client, url, {"reason": " "}, form_url="/admin/listings")
    assert missing.status_code == 422 and "reason" in missing.get_data(as_text=True)
    db.session.refresh(listing)
    assert listing.status == ListingStatus.PENDING_REVIEW
    submit(admin_client, url, {"reason": "Price range missing"}, form_url="/admin/listings")
    db.session.refresh(listing)
    assert (listing.status, listing.rejection_reason) == (
        ListingStatus.REJECTED,
        "Price range missing",
    )
    note = db.session.scalar(sa.select(Notification).where(Notification.user_id == vendor.id))
    assert note.kind == "listing.rejected"


def test_suspend_and_reinstate_a_published_listing(admin_client, db, vendor):
    listing = factories.listing(vendor)
    page = admin_client.get("/admin/listings?status=published").get_data(as_text=True)
    assert f"/admin/listings/{listing.id}/suspend" in page
    submit(
        admin_client,
        f"/admin/listings/{listing.id}/suspend",
        {"reason": "Misleading claims"},
        form_url="/admin/listings",
    )
    db.session.refresh(listing)
    assert listing.status == ListingStatus.SUSPENDED
    filtered = admin_client.get("/admin/listings?status=suspended").get_data(as_text=True)
    assert "Misleading claims" in filtered
    assert listing.slug not in admin_client.get("/admin/listings?status=draft").get_data(
        as_text=True
    )
    submit(admin_client, f"/admin/listings/{listing.id}/reinstate", {}, form_url="/admin/listings")
    db.session.refresh(listing)
    assert listing.status == ListingStatus.PUBLISHED


# ---------------------------------------------------------------------------------------------
# vendors


def test_vendor_verification_queue(admin_client, db):
    waiting = factories.vendor_user(verified=False, uscc="91360700MA35XXXX1Y")
    waiting.organisation.verification = Verification.PENDING
    db.session.commit()
    page = admin_client.get("/admin/vendors").get_data(as_text=True)
    assert waiting.organisation.name in page and "91360700MA35XXXX1Y" in page
    org_id = waiting.organisation_id
    submit(admin_client, f"/admin/vendors/{org_id}/verify", {}, form_url="/admin/vendors")
    db.session.refresh(waiting.organisation)
    assert waiting.organisation.verification == Verification.VERIFIED
    missing = submit(
        admin_client, f"/admin/vendors/{org_id}/suspend", {"reason": ""}, form_url="/admin/vendors"
    )
    assert missing.status_code == 422
    submit(
        admin_client,
        f"/admin/vendors/{org_id}/suspend",
        {"reason": "Fake licence"},
        form_url="/admin/vendors",
    )
    db.session.refresh(waiting.organisation)
    assert waiting.organisation.verification == Verification.SUSPENDED
    page = admin_client.get("/admin/vendors?status=suspended").get_data(as_text=True)
    assert waiting.organisation.name in page


def test_vendor_pages_refuse_sme_organisations(admin_client, sme):
    response = submit(
        admin_client, f"/admin/vendors/{sme.organisation_id}/verify", {}, form_url="/admin/vendors"
    )
    assert response.status_code == 404


# ---------------------------------------------------------------------------------------------
# plug-in health


def test_plugin_health_page_and_mark_fixed(admin_client, db, vendor):
    plugin = factories.listing(
        vendor, hooks_module="acme_dyeing.hooks", health=Health.DEGRADED, hook_failures=5
    )
    factories.listing(vendor, name="Declarative only")
    page = admin_client.get("/admin/plugins").get_data(as_text=True)
    assert "acme_dyeing.hooks" in page and "degraded" in page
    assert "Declarative only" not in page
    submit(admin_client, f"/admin/plugins/{plugin.id}/reset", {}, form_url="/admin/plugins")
    db.session.refresh(plugin)
    assert (plugin.health, plugin.hook_failures) == (Health.OK, 0)
    again = submit(admin_client, f"/admin/plugins/{plugin.id}/reset", {}, form_url="/admin/plugins")
    assert again.status_code == 409


# ---------------------------------------------------------------------------------------------
# needs and matches


def test_need_page_shows_every_match_including_hidden_ones(admin_client, db, admin, sme, vendor):
    need, (shown, hidden) = matched_need(sme, [vendor, factories.vendor_user()])
    match_moderation.hide_match(admin, hidden, "Off-topic plug-in")
    db.session.commit()
    listing_page = admin_client.get("/admin/needs").get_data(as_text=True)
    assert need.title in listing_page and "1 hidden" in listing_page
    page = admin_client.get(f"/admin/needs/{need.id}").get_data(as_text=True)
    assert f'id="match-{shown.id}"' in page and f'id="match-{hidden.id}"' in page
    assert "Off-topic plug-in" in page and "Same capability, fits the budget." in page
    assert (
        admin_client.get("/admin/needs?q=no-such-need").get_data(as_text=True).count(need.title)
        == 0
    )
    assert admin_client.get("/admin/needs/999").status_code == 404


def test_pin_hide_and_block_reach_the_sme_list_at_once(admin_client, db, sme, vendor):
    other = factories.vendor_user()
    need, (first, second) = matched_need(sme, [vendor, other])
    form_url = f"/admin/needs/{need.id}"

    response = submit(
        admin_client, f"/admin/matches/{second.id}/pin", {"reason": ""}, form_url=form_url
    )
    assert response.status_code == 302 and response.headers["Location"] == form_url
    assert visible_matches(need) == [second, first]

    submit(admin_client, f"/admin/matches/{second.id}/unpin", {}, form_url=form_url)
    assert visible_matches(need) == [first, second]

    missing = submit(admin_client, f"/admin/matches/{first.id}/hide", {}, form_url=form_url)
    assert missing.status_code == 422
    submit(
        admin_client,
        f"/admin/matches/{first.id}/hide",
        {"reason": "Vendor out of business"},
        form_url=form_url,
    )
    assert visible_matches(need) == [second]
    assert first.status == MatchStatus.HIDDEN
    assert (
        submit(
            admin_client, f"/admin/matches/{first.id}/hide", {"reason": "again"}, form_url=form_url
        ).status_code
        == 409
    )
    submit(admin_client, f"/admin/matches/{first.id}/unhide", {}, form_url=form_url)
    assert visible_matches(need) == [first, second]

    submit(
        admin_client,
        f"/admin/vendors/{other.organisation_id}/block",
        {"need_id": need.id, "scope": "need", "reason": "Relative of the owner"},
        form_url=form_url,
    )
    assert visible_matches(need) == [first]
    page = admin_client.get(form_url).get_data(as_text=True)
    assert "Relative of the owner" in page and "vendor blocked" in page

    block = match_moderation.blocks_for(need)[0]
    assert block.need_id == need.id
    submit(admin_client, f"/admin/blocks/{block.id}/remove", {}, form_url=form_url)
    assert visible_matches(need) == [first, second]

    submit(
        admin_client,
        f"/admin/vendors/{vendor.organisation_id}/block",
        {"need_id": need.id, "scope": "everywhere", "reason": "Fraud"},
        form_url=form_url,
    )
    assert visible_matches(need) == [second]
    assert match_moderation.global_blocks()[0].vendor_id == vendor.organisation_id
    assert "Fraud" in admin_client.get("/admin/vendors").get_data(as_text=True)

    actions = [
        e.action
        for e in db.session.scalars(
            sa.select(AuditEvent)
            .where(AuditEvent.actor_id.is_not(None), AuditEvent.action.notlike("account.%"))
            .order_by(AuditEvent.id)
        )
    ]
    assert actions == [
        "match.pinned",
        "match.unpinned",
        "match.hidden",
        "match.unhidden",
        "vendor.blocked",
        "vendor.unblocked",
        "vendor.blocked",
    ]


# ---------------------------------------------------------------------------------------------
# reviews


def test_flagged_review_queue_keep_and_remove(admin_client, db, sme, vendor):
    kept = review(sme, vendor, flaggers=[(vendor, "He never paid us")])
    removed = review(factories.sme_user(), vendor, flaggers=[(vendor, "Contains a phone number")])
    page = admin_client.get("/admin/reviews").get_data(as_text=True)
    assert "He never paid us" in page and "Contains a phone number" in page
    assert "实施拖了三个月" in page

    missing = submit(
        admin_client, f"/admin/reviews/{kept.id}/keep", {"reason": ""}, form_url="/admin/reviews"
    )
    assert missing.status_code == 422
    submit(
        admin_client,
        f"/admin/reviews/{kept.id}/keep",
        {"reason": "Honest experience"},
        form_url="/admin/reviews",
    )
    submit(
        admin_client,
        f"/admin/reviews/{removed.id}/remove",
        {"reason": "Personal data"},
        form_url="/admin/reviews",
    )
    db.session.refresh(kept)
    db.session.refresh(removed)
    assert (kept.status, removed.status) == (ReviewStatus.PUBLISHED, ReviewStatus.REMOVED)
    assert "No flagged review is waiting." in admin_client.get("/admin/reviews").get_data(
        as_text=True
    )
    again = submit(
        admin_client,
        f"/admin/reviews/{removed.id}/keep",
        {"reason": "x"},
        form_url="/admin/reviews",
    )
    assert again.status_code == 409
    reasons = dict(
        db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.reason).where(
                AuditEvent.action.like("review.%")
            )
        ).all()
    )
    assert reasons == {"review.kept": "Honest experience", "review.removed": "Personal data"}


# ---------------------------------------------------------------------------------------------
# users


def test_users_page_search_and_filters(admin_client, db, sme, vendor):
    page = admin_client.get(f"/admin/users?q={sme.email}").get_data(as_text=True)
    assert sme.email in page and vendor.email not in page
    page = admin_client.get("/admin/users?role=vendor").get_data(as_text=True)
    assert vendor.email in page and sme.email not in page
    page = admin_client.get("/admin/users?role=nonsense").get_data(as_text=True)
    assert "Not a valid choice" in page and sme.email in page  # a bad filter is ignored


def test_suspending_a_user_locks_them_out_and_reinstating_lets_them_back(
    app, admin_client, db, admin, sme
):
    response = submit(
        admin_client,
        f"/admin/users/{sme.id}/suspend",
        {"reason": "Harvesting quotes"},
        form_url="/admin/users",
    )
    assert response.status_code == 302
    db.session.refresh(sme)
    assert sme.status == UserStatus.SUSPENDED
    assert sme.email in admin_client.get("/admin/users?status=suspended").get_data(as_text=True)

    login = app.test_client()
    login.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    refused = submit(login, "/auth/login", {"email": sme.email, "password": factories.PASSWORD})
    assert "suspended" in refused.get_data(as_text=True)

    submit(admin_client, f"/admin/users/{sme.id}/reinstate", {}, form_url="/admin/users")
    db.session.refresh(sme)
    assert sme.status == UserStatus.ACTIVE
    again = submit(admin_client, f"/admin/users/{sme.id}/reinstate", {}, form_url="/admin/users")
    assert again.status_code == 409


def test_an_admin_cannot_suspend_themselves_through_the_page(admin_client, db, admin):
    response = submit(
        admin_client,
        f"/admin/users/{admin.id}/suspend",
        {"reason": "test"},
        form_url="/admin/users",
    )
    assert response.status_code == 409
    assert "your own account" in response.get_data(as_text=True)
    db.session.refresh(admin)
    assert admin.status == UserStatus.ACTIVE


def test_a_suspended_user_is_logged_out_on_the_next_request(app, db, admin, sme):
    """Flask-Login's UserMixin counts an inactive user as not authenticated."""
    client = app.test_client(user=sme)
    assert client.get("/auth/profile").status_code == 200
    user_moderation.suspend_user(admin, sme, "spam")
    db.session.commit()
    assert client.get("/auth/profile").status_code == 302


# ---------------------------------------------------------------------------------------------
# audit log


def test_audit_page_filters(admin_client, db, admin, sme, vendor):
    _need, (item,) = matched_need(sme, [vendor])
    match_moderation.hide_match(admin, item, "Spam listing")
    user_moderation.suspend_user(admin, vendor, "Fake company")
    db.session.commit()

    def rows(query: str) -> str:
        response = admin_client.get("/admin/audit" + query)
        assert response.status_code == 200
        return response.get_data(as_text=True)

    page = rows("")
    assert "match.hidden" in page and "Spam listing" in page and "Fake company" in page
    assert '<option value="match.hidden">' in page  # the action select lists what happened
    page = rows("?action=match.hidden")
    assert page.count('class="audit-row"') == 1 and "Spam listing" in page
    page = rows(f"?actor={admin.email.split('@')[0]}")
    assert page.count('class="audit-row"') == 2
    page = rows(f"?subject_type=User&subject_id={vendor.id}")
    assert "Fake company" in page and "Spam listing" not in page
    page = rows("?since=2000-01-01&until=2000-01-02")
    assert "No event matches these filters." in page
    page = rows("?since=not-a-date")
    assert "Not a valid date value" in page and "Spam listing" in page
    assert db.session.scalar(sa.select(sa.func.count(PluginListing.id))) == 1
