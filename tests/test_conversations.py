"""A conversation per request for quote, with attachments only its parties can download."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import sqlalchemy as sa

from app.models import Attachment, AuditEvent
from app.services import rfqs
from app.services.attachments import clean_filename
from tests import factories
from tests.conftest import english, submit
from tests.deal_builders import make_deal
from tests.factories import notification_kinds
from tests.files import HTML_AS_PDF, PDF, docx, png


@pytest.fixture
def deal(db):
    """An SME, a vendor and the request for quote between them, not answered yet."""
    made = make_deal(vendors=1, quoted=0)
    return made.sme, made.vendors[0], made.rfqs[0]


def fetch(client, url):
    """GET a file and close the response (a streamed file keeps its handle open until then)."""
    response = client.get(url)
    response.get_data()
    response.close()
    return response


def _post(client, rfq, body, files=(), form_url=None):
    data = {"body": body}
    if files:
        data["files"] = [(io.BytesIO(content), name) for name, content in files]
    return submit(
        client,
        f"/conversations/{rfq.id}/messages",
        data,
        form_url=form_url or f"/conversations/{rfq.id}",
        content_type="multipart/form-data",
    )


def test_sme_and_vendor_talk_with_a_pdf_and_an_image(app, db, deal):
    sme, vendor, rfq = deal
    sme_client = english(app.test_client(user=sme))
    vendor_client = english(app.test_client(user=vendor))
    response = _post(
        sme_client, rfq, "能来现场看一下染缸吗？", [("规格书.pdf", PDF), ("machine.png", png())]
    )
    assert response.status_code == 302
    assert "message.received" in notification_kinds(vendor)
    page = vendor_client.get(f"/vendor/rfqs/{rfq.id}").get_data(as_text=True)
    assert "能来现场看一下染缸吗？" in page and "规格书.pdf" in page and "machine.png" in page
    response = _post(vendor_client, rfq, "Tuesday works.", form_url=f"/vendor/rfqs/{rfq.id}")
    assert response.status_code == 302 and "#conversation" in response.headers["Location"]
    assert "message.received" in notification_kinds(sme)
    page = sme_client.get(f"/conversations/{rfq.id}").get_data(as_text=True)
    assert "Tuesday works." in page
    assert f'href="/vendors/{rfq.vendor_id}"' in page  # who they talk with, one click away

    pdf, image = db.session.scalars(sa.select(Attachment).order_by(Attachment.id)).all()
    assert pdf.content_type == "application/pdf" and image.thumbnail_key
    for client in (sme_client, vendor_client):
        download = fetch(client, f"/attachments/{pdf.id}")
        assert download.status_code == 200 and download.data == PDF
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert download.headers["X-Content-Type-Options"] == "nosniff"
        assert "sandbox" in download.headers["Content-Security-Policy"]
        thumb = fetch(client, f"/attachments/{image.id}/thumbnail")
        assert thumb.status_code == 200 and thumb.mimetype == "image/png"
    # Nobody else: another SME, another vendor, anonymous visitors.
    for outsider in (factories.sme_user(), factories.vendor_user()):
        stranger = english(app.test_client(user=outsider))
        assert stranger.get(f"/attachments/{pdf.id}").status_code == 404
        assert stranger.get(f"/attachments/{image.id}/thumbnail").status_code == 404
        assert stranger.get(f"/conversations/{rfq.id}").status_code == 404
    anonymous = english(app.test_client())
    assert anonymous.get(f"/attachments/{pdf.id}").status_code == 302  # to the login page


def test_files_are_checked_by_content_not_by_name(app, db, deal):
    sme, _vendor, rfq = deal
    client = english(app.test_client(user=sme))
    response = _post(client, rfq, "see attached", [("spec.pdf", HTML_AS_PDF)])
    assert response.status_code == 422
    assert "Only PDF files, images" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Attachment.id))) == 0
    # A Word document named like a script is accepted as what it is, with a safe name.
    response = _post(client, rfq, "", [('../../evil"<x>.exe', docx())])
    assert response.status_code == 302
    stored = db.session.scalars(sa.select(Attachment)).one()
    assert stored.filename.endswith(".docx") and not set('/\\"<>') & set(stored.filename)
    assert "wordprocessingml" in stored.content_type


def test_filenames_are_sanitised():

    pdf = "application/pdf"
    assert clean_filename('..\\..\\C:\\报价单 "v2"<b>.exe', pdf) == "报价单 _v2_b.pdf"
    assert clean_filename("\x00\r\n.pdf", pdf) == "file.pdf"
    assert len(clean_filename("a" * 500 + ".pdf", pdf)) <= 120


def test_a_refused_upload_leaves_no_file_behind(app, db, deal):

    sme, _vendor, rfq = deal
    folder = Path(app.config["ATTACHMENTS_DIR"])
    before = set(folder.glob("*/*"))
    client = english(app.test_client(user=sme))
    response = _post(client, rfq, "x", [("a.pdf", PDF), ("b.pdf", HTML_AS_PDF)])
    assert response.status_code == 422
    assert set(folder.glob("*/*")) == before


def test_a_reported_conversation_is_open_to_admins(app, db, deal):
    sme, vendor, rfq = deal
    admin = factories.admin_user()
    admin_client = english(app.test_client(user=admin))
    assert admin_client.get(f"/conversations/{rfq.id}").status_code == 404
    client = english(app.test_client(user=vendor))
    _post(client, rfq, "Pay me in cash, off the platform.", form_url=f"/vendor/rfqs/{rfq.id}")
    sme_client = english(app.test_client(user=sme))
    response = submit(
        sme_client,
        f"/conversations/{rfq.id}/report",
        {"reason": "Asks for payment off the platform"},
        form_url=f"/conversations/{rfq.id}",
    )
    assert response.status_code == 302
    assert "thread.reported" in notification_kinds(admin)
    listing = admin_client.get("/conversations/reported").get_data(as_text=True)
    assert rfq.need.title in listing
    page = admin_client.get(f"/conversations/{rfq.id}").get_data(as_text=True)
    assert "Pay me in cash" in page and "Asks for payment off the platform" in page
    assert db.session.scalar(
        sa.select(AuditEvent.id).where(AuditEvent.action == "thread.read_by_admin")
    )


def test_a_closed_request_keeps_its_conversation_read_only(app, db, deal):
    sme, vendor, rfq = deal
    rfqs.decline_rfq(vendor, rfq, "Out of our region")
    db.session.commit()
    client = english(app.test_client(user=sme))
    response = _post(client, rfq, "Why?")
    assert response.status_code == 422 or response.status_code == 409
