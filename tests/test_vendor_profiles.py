"""Public vendor profiles: logo, verification tier, regions, listings, reviews with the
reviewer's context, response time and win rate; logo upload; reject-and-re-apply."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from app.errors import DomainError, InvalidInput
from app.models import AuditEvent, Rfq, Verification
from app.services import engagements, logos, quotes, reviews, rfqs, vendors
from app.services.vendor_profiles import median_response_hours, vendor_profile
from tests import factories
from tests.conftest import english, submit
from tests.deal_builders import make_deal, quote_terms


def _image(size=(800, 400), fmt="PNG", colour=(11, 110, 110)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt)
    return out.getvalue()


def test_profile_shows_who_the_vendor_is_and_how_it_does(client, db):
    deal = make_deal(vendors=2, award=True, complete=True, review=True)
    vendor = deal.vendors[0]
    org = vendor.organisation
    org.description = "小批量排产专家。"
    db.session.commit()
    page = client.get(f"/vendors/{org.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert org.name in html and "小批量排产专家。" in html
    assert f'src="/vendors/{org.id}/logo"' in html
    assert 'data-tier="1"' in html and "Tier 1: credit code checked" in html
    assert deal.listings[0].name in html  # its published listing
    assert "Nationwide" in html  # the listing serves "*"
    # the review says what kind of firm wrote it, not which one
    assert "Small" in html and "Jiangxi" in html and "Textiles" in html
    assert deal.sme.organisation.name not in html
    assert "1 verified review" in html and "1 verified reviews" not in html
    assert 'data-stat="win_rate">100 %' in html
    assert 'data-stat="completed">1<' in html


def test_reviewer_name_only_when_the_reviewer_allows_it(client, db):
    deal = make_deal(vendors=1, award=True, complete=True)
    reviews.create_review(
        deal.sme,
        deal.engagement,
        {
            "rating": 4,
            "quality": 4,
            "cost": 4,
            "timeliness": 4,
            "support": 4,
            "show_reviewer_name": True,
        },
    )
    db.session.commit()
    html = client.get(f"/vendors/{deal.vendors[0].organisation_id}").get_data(as_text=True)
    assert deal.sme.organisation.name in html


def test_response_time_is_the_median_time_to_the_first_quote(db):
    deal = make_deal(vendors=1, quoted=1)
    rfq = deal.rfqs[0]
    rfq.created_at = deal.quotes[0].created_at - timedelta(hours=5)
    db.session.commit()
    assert median_response_hours(deal.vendors[0].organisation_id) == pytest.approx(5, abs=0.01)
    profile = vendor_profile(deal.vendors[0].organisation_id)
    assert (profile.requests, profile.quotes, profile.awards) == (1, 1, 0)
    assert profile.win_rate == 0


def test_tiers_documents_then_track_record(db, admin):
    sme = factories.sme_user()
    vendor = factories.vendor_user(verified=False, uscc="91360700MA35XXXX1Y")
    vendor.organisation.verification = Verification.PENDING
    db.session.commit()
    org = vendor.organisation
    assert vendor_profile(org.id).tier == 0
    vendors.verify(admin, org)
    assert vendor_profile(org.id).tier == 1
    vendors.mark_documents_reviewed(admin, org)
    db.session.commit()
    assert vendor_profile(org.id).tier == 2
    with pytest.raises(DomainError):
        vendors.mark_documents_reviewed(admin, org)
    listing = factories.listing(vendor)
    for _ in range(3):
        need = factories.need(sme)
        [rfq] = rfqs.send_rfqs(sme, need, [listing.id], "请报价")
        engagement = engagements.award(sme, quotes.submit_quote(vendor, rfq, quote_terms()))
        engagements.complete_engagement(sme, engagement)
        reviews.create_review(
            sme, engagement, {k: 5 for k in ("rating", "quality", "cost", "timeliness", "support")}
        )
        db.session.commit()
    assert vendor_profile(org.id).tier == 3


def test_reject_with_a_reason_then_the_vendor_reapplies(db, admin, app):
    vendor = factories.vendor_user(verified=False)
    vendors.request_verification(vendor, "91360700MA35XXXX1Y")
    db.session.commit()
    org = vendor.organisation
    with pytest.raises(InvalidInput):
        vendors.reject(admin, org, "  ")
    vendors.reject(admin, org, "The credit code belongs to another company.")
    db.session.commit()
    assert org.verification == Verification.REJECTED
    assert org.verification_reason == "The credit code belongs to another company."
    assert "vendor.verification_rejected" in factories.notification_kinds(vendor)
    with pytest.raises(DomainError):  # rejecting is for pending requests only
        vendors.reject(admin, org, "again")
    with pytest.raises(DomainError):  # suspension is for verified vendors, not requests
        vendors.suspend(admin, org, "fraud")
    vendors.request_verification(vendor, "91360700MA35XXXX1Y")
    db.session.commit()
    assert org.verification == Verification.PENDING and org.verification_reason is None
    actions = [e.action for e in db.session.scalars(db.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions[-2:] == ["vendor.verification_rejected", "vendor.verification_requested"]


def test_admin_rejects_from_the_queue_and_the_vendor_sees_why(admin_client, app, db):
    vendor = factories.vendor_user(verified=False, uscc="91360700MA35XXXX1Y")
    vendor.organisation.verification = Verification.PENDING
    db.session.commit()
    org_id = vendor.organisation_id
    queue = admin_client.get("/admin/vendors").get_data(as_text=True)
    assert f"/admin/vendors/{org_id}/reject" in queue
    assert f"/admin/vendors/{org_id}/suspend" not in queue.split("All vendors")[0]
    missing = submit(
        admin_client, f"/admin/vendors/{org_id}/reject", {"reason": ""}, form_url="/admin/vendors"
    )
    assert missing.status_code == 422
    submit(
        admin_client,
        f"/admin/vendors/{org_id}/reject",
        {"reason": "Licence unreadable"},
        form_url="/admin/vendors",
    )

    vendor_client = english(app.test_client(user=vendor))
    page = vendor_client.get("/vendor/listings/").get_data(as_text=True)
    assert "Licence unreadable" in page and "Ask again" in page


def test_admin_verifies_with_documents_reviewed(admin_client, db):
    vendor = factories.vendor_user(verified=False, uscc="91360700MA35XXXX1Y")
    vendor.organisation.verification = Verification.PENDING
    db.session.commit()
    org_id = vendor.organisation_id
    submit(
        admin_client, f"/admin/vendors/{org_id}/verify?documents=1", {}, form_url="/admin/vendors"
    )
    db.session.refresh(vendor.organisation)
    assert vendor.organisation.verification == Verification.VERIFIED
    assert vendor.organisation.documents_reviewed_at is not None


def test_suspended_and_non_vendor_organisations_have_no_profile(client, db, sme, admin):
    vendor = factories.vendor_user()
    vendors.suspend(admin, vendor.organisation, "fraud")
    db.session.commit()
    assert client.get(f"/vendors/{vendor.organisation_id}").status_code == 404
    assert client.get(f"/vendors/{sme.organisation_id}").status_code == 404
    assert client.get("/vendors/999999").status_code == 404


def test_a_vendor_without_a_logo_gets_its_initials(client, db):
    vendor = factories.vendor_user(name="Wattwise Energy")
    response = client.get(f"/vendors/{vendor.organisation_id}/logo")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml"
    assert ">WE</text>" in response.get_data(as_text=True)
    assert "script" not in response.get_data(as_text=True)


def test_logo_upload_is_resized_and_served_as_png(vendor_client, vendor, client, db):
    response = submit(
        vendor_client,
        "/vendors/profile/logo",
        {"logo": (io.BytesIO(_image((1200, 600), "JPEG")), "logo.jpg")},
        form_url="/vendors/profile",
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    served = client.get(f"/vendors/{vendor.organisation_id}/logo")
    assert served.mimetype == "image/png"
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    image = Image.open(io.BytesIO(served.data))
    assert image.format == "PNG" and image.size == (256, 128)
    again = client.get(
        f"/vendors/{vendor.organisation_id}/logo", headers={"If-None-Match": served.headers["ETag"]}
    )
    assert again.status_code == 304
    page = vendor_client.get("/vendors/profile").get_data(as_text=True)
    assert 'data-logo-size="256x128"' in page


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"%PDF-1.4 not an image", "This file is not an image we can read."),
        (_image((16, 16)), "The image is too small"),
    ],
)
def test_bad_logos_are_refused_with_a_reason(vendor_client, vendor, payload, message, db):
    response = submit(
        vendor_client,
        "/vendors/profile/logo",
        {"logo": (io.BytesIO(payload), "logo.png")},
        form_url="/vendors/profile",
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert logos.logo_for(vendor.organisation_id) is None


def test_a_large_file_is_refused_before_decoding():
    # (through the service: Werkzeug's test client leaks the temporary file of a big body)
    with pytest.raises(InvalidInput, match="larger than 1 MB"):
        logos.process_logo(b"\x89PNG\r\n\x1a\n" + b"0" * (1024 * 1024 + 10))


def test_a_decompression_bomb_is_refused_before_decoding():
    # A valid PNG announcing 7000 × 7000 pixels: refused from its header, never decoded.
    small = io.BytesIO()
    Image.new("1", (7000, 7000)).save(small, format="PNG")
    with pytest.raises(InvalidInput, match="too many pixels"):
        logos.process_logo(small.getvalue())


def test_only_the_vendor_manages_its_logo(sme_client, client, db):
    assert sme_client.get("/vendors/profile").status_code == 403
    assert client.get("/vendors/profile").status_code == 302  # to the login page


def test_vendor_names_link_to_their_profiles(client, db):
    deal = make_deal(vendors=1)
    listing = deal.listings[0]
    html = client.get(f"/solutions/{listing.slug}").get_data(as_text=True)
    assert f'href="/vendors/{listing.vendor_id}"' in html
    html = client.get("/solutions/").get_data(as_text=True)
    assert f'href="/vendors/{listing.vendor_id}"' in html
    assert db.session.get(Rfq, deal.rfqs[0].id) is not None
