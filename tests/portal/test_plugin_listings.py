"""Vendors list solutions with a form or a plugin.toml; admins approve; the catalogue follows."""

from __future__ import annotations

import io
import re

import pytest
import sqlalchemy as sa

from app.jobs.catalogue import catalogue_changed
from app.models import AuditEvent, ListingStatus, Notification, PluginListing
from app.services import listings as service
from tests import factories
from tests.conftest import csrf_token, submit

USCC = "91360111MAHY0AFQ40"  # a valid code (also the dye-aps vendor's)

FORM = {
    "id": "yarn-trace",
    "name": "纱线批次追溯",
    "summary": "扫码记录每一批纱线从进厂到成品的去向。",
    "description": "按批次追溯原料和工序。",
    "lang": "zh",
    "capabilities": ["quality.traceability"],
    "industries": ["C17"],
    "regions": ["*"],
    "company_sizes": ["small"],
    "price_min": "20000",
    "price_max": "60000",
    "price_model": "subscription_year",
    "deployment": ["saas"],
    "delivery_weeks": "4",
    "maturity_levels": ["1", "2"],
    "version": "1.0.0",
}

TYPED = {
    **FORM,
    "price_min": 20000,
    "price_max": 60000,
    "delivery_weeks": 4,
    "maturity_levels": [1, 2],
}

MANIFEST = f"""
id = "yarn-upload"
version = "1.2.0"
name = "Yarn lot tracing"
summary = "Scan every yarn lot from receipt to finished fabric."
lang = "en"
capabilities = ["quality.traceability"]
regions = ["*"]
price_min = 20000
price_max = 60000

[vendor]
name = "Demo vendor"
uscc = "{USCC}"
email = "sales@demo.example.com"
"""


@pytest.fixture
def vendor_with_code(db, vendor):
    vendor.organisation.uscc = USCC
    db.session.commit()
    return vendor


def _search(client, q: str) -> str:
    """The result page's text, highlight markup removed."""
    response = client.get("/solutions/", query_string={"q": q})
    assert response.status_code == 200
    return re.sub(r"<[^>]+>", "", response.get_data(as_text=True))


def test_a_form_listing_goes_through_review_into_the_catalogue(
    app, db, vendor_with_code, vendor_client, admin, client
):
    response = submit(vendor_client, "/vendor/listings/new", FORM)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    listing = db.session.scalar(sa.select(PluginListing).where(PluginListing.slug == "yarn-trace"))
    assert listing.status == ListingStatus.PENDING_REVIEW
    assert listing.price_min == 20000 and listing.maturity_levels == [1, 2]
    assert "纱线批次追溯" not in _search(client, "纱线 追溯")
    assert client.get("/solutions/yarn-trace").status_code == 404  # not public before approval
    assert (
        db.session.scalar(sa.select(Notification).where(Notification.user_id == admin.id)).kind
        == "listing.submitted"
    )

    service.approve(admin, listing)
    db.session.commit()
    assert listing.status == ListingStatus.PUBLISHED
    assert "纱线批次追溯" in _search(client, "纱线 追溯")
    assert client.get("/solutions/yarn-trace").status_code == 200
    kinds = db.session.scalars(
        sa.select(Notification.kind).where(Notification.user_id == vendor_with_code.id)
    ).all()
    assert "listing.approved" in kinds


def test_a_rejected_listing_tells_the_vendor_why(db, vendor_with_code, admin):
    manifest = service.validate_fields(vendor_with_code, TYPED)
    listing = service.create_listing(vendor_with_code, manifest)
    service.reject(admin, listing, "Pricing unclear")
    db.session.commit()
    assert (
        listing.status == ListingStatus.REJECTED and listing.rejection_reason == "Pricing unclear"
    )
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "listing.rejected"))
    assert event.reason == "Pricing unclear"


def test_the_form_shows_validation_problems_next_to_the_fields(db, vendor_with_code, vendor_client):
    bad = {
        **FORM,
        "id": "Bad Slug!",
        "price_min": "90000",
        "price_max": "50000",
        "capabilities": [],
    }
    page = submit(vendor_client, "/vendor/listings/new", bad).get_data(as_text=True)
    assert "Must not be lower than the starting price." in page
    assert "This field is required." in page
    assert db.session.scalar(sa.select(sa.func.count(PluginListing.id))) == 0


def test_the_slug_rule_of_manifests_applies_to_the_form(db, vendor_with_code, vendor_client):
    page = submit(vendor_client, "/vendor/listings/new", {**FORM, "id": "Bad Slug!"})
    assert "must match" in page.get_data(as_text=True)


def test_listing_needs_the_vendors_credit_code(db, vendor, vendor_client):
    page = submit(vendor_client, "/vendor/listings/new", FORM).get_data(as_text=True)
    assert "unified social credit code" in page


def _upload(client, text: str, name: str = "plugin.toml"):

    token = csrf_token(client, "/vendor/listings/upload")
    return client.post(
        "/vendor/listings/upload",
        data={"csrf_token": token, "manifest": (io.BytesIO(text.encode()), name)},
        content_type="multipart/form-data",
    )


def test_an_uploaded_manifest_becomes_a_pending_listing(db, vendor_with_code, vendor_client):
    assert _upload(vendor_client, MANIFEST).status_code == 302
    listing = db.session.scalar(sa.select(PluginListing).where(PluginListing.slug == "yarn-upload"))
    assert listing.status == ListingStatus.PENDING_REVIEW and listing.hooks_module is None


def test_an_uploaded_manifest_with_hooks_is_refused(db, vendor_with_code, vendor_client):
    page = _upload(vendor_client, MANIFEST.replace('lang = "en"', 'lang = "en"\nhooks = "hooks"'))
    assert page.status_code == 422
    assert "hooks" in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(PluginListing.id))) == 0


def test_an_uploaded_manifest_for_another_vendor_is_refused(db, vendor_with_code, vendor_client):
    other = MANIFEST.replace(USCC, "91330106MA2H0TRK8R")
    page = _upload(vendor_client, other).get_data(as_text=True)
    assert "not your organisation" in page or "credit code" in page
    assert db.session.scalar(sa.select(sa.func.count(PluginListing.id))) == 0


def test_broken_uploads_get_a_message_not_an_error(db, vendor_with_code, vendor_client):
    for text in ("id = [unclosed", "\xff\xfe garbage", ""):
        response = _upload(vendor_client, text)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, text
        assert "invalid-feedback" in page, text  # the problem is shown beside the file field
    assert db.session.scalar(sa.select(sa.func.count(PluginListing.id))) == 0


def test_an_edit_goes_back_to_review_and_leaves_the_catalogue(
    db, vendor_with_code, vendor_client, admin, client
):
    manifest = service.validate_fields(vendor_with_code, TYPED)
    listing = service.create_listing(vendor_with_code, manifest)
    service.approve(admin, listing)
    db.session.commit()
    response = submit(
        vendor_client, "/vendor/listings/yarn-trace/edit", {**FORM, "name": "纱线批次追溯 2.0"}
    )
    assert response.status_code == 302
    db.session.refresh(listing)
    assert listing.status == ListingStatus.PENDING_REVIEW and listing.name == "纱线批次追溯 2.0"
    assert "纱线批次追溯" not in _search(client, "纱线 追溯")


def test_a_vendor_cannot_edit_someone_elses_listing(db, vendor_client):
    other = factories.vendor_user()
    factories.listing(other, slug="theirs")
    assert vendor_client.get("/vendor/listings/theirs/edit").status_code == 404


def test_suspension_takes_a_listing_out_of_search_at_once(db, vendor, admin, client):
    listing = factories.listing(vendor, slug="dye-plan", name="染缸排产大师")

    catalogue_changed(listing.slug)
    db.session.commit()
    assert "染缸排产大师" in _search(client, "染缸 排产")
    service.suspend(admin, listing, "Misleading claims")
    db.session.commit()
    assert "染缸排产大师" not in _search(client, "染缸 排产")
    assert client.get("/solutions/dye-plan").status_code == 404


def test_a_rolled_back_change_never_reaches_the_index(db, vendor, admin, client):
    listing = factories.listing(
        vendor, slug="ghost", name="幽灵排产", status=ListingStatus.PENDING_REVIEW
    )
    service.approve(admin, listing)
    db.session.rollback()
    assert "幽灵排产" not in _search(client, "幽灵 排产")


def test_vendor_asks_for_verification_with_a_valid_code(db, vendor, vendor_client, admin):
    vendor.organisation.verification = "unverified"
    db.session.commit()
    page = vendor_client.post(
        "/vendor/listings/verification",
        data={"uscc": "123", "csrf_token": _token(vendor_client)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "Not a valid unified social credit code" in page
    vendor_client.post(
        "/vendor/listings/verification", data={"uscc": USCC, "csrf_token": _token(vendor_client)}
    )
    db.session.refresh(vendor.organisation)
    assert vendor.organisation.verification == "pending" and vendor.organisation.uscc == USCC


def _token(client) -> str:

    return csrf_token(client, "/vendor/listings/")


def test_catalogue_changes_wait_for_the_outer_commit_not_a_savepoint(db, vendor, admin, client):
    listing = factories.listing(
        vendor, slug="nested-aps", name="嵌套排产系统", status=ListingStatus.PENDING_REVIEW
    )
    _search(client, "嵌套 排产")  # the index exists already
    service.approve(admin, listing)
    with db.session.begin_nested():
        pass  # e.g. an award's savepoint in the same operation
    assert "嵌套排产系统" not in _search(client, "嵌套 排产")
    db.session.commit()
    assert "嵌套排产系统" in _search(client, "嵌套 排产")
