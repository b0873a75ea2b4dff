"""Files through the API: multipart uploads to needs, quotes, messages and milestone
deliveries, and downloads with a token for the parties only."""

from __future__ import annotations

import io

from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from app.services import engagements, milestone_plans
from tests import factories, files
from tests.api.conftest import assert_problem
from tests.deal_builders import make_deal


def _files(*named: tuple[str, bytes]) -> dict:
    return {"files": [(io.BytesIO(data), name) for name, data in named]}


def test_an_sme_attaches_a_drawing_and_the_vendors_it_asked_download_it(api_for, db):
    deal = make_deal(vendors=2, quoted=0)
    sme = api_for(deal.sme)
    answer = sme.post(
        f"/needs/{deal.need.id}/attachments",
        data=_files(("染缸图纸.pdf", files.PDF), ("机器.png", files.png())),
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.get_json()
    items = answer.get_json()["items"]
    assert [(i["filename"], i["content_type"]) for i in items] == [
        ("染缸图纸.pdf", "application/pdf"),
        ("机器.png", "image/png"),
    ]
    url = items[0]["url"]
    assert "/api/v1/attachments/" in url
    download = api_for(deal.vendors[0]).get(url.split("localhost", 1)[1])
    assert download.status_code == 200
    assert download.data == files.PDF
    download.close()  # the file it sent
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in download.headers["Content-Security-Policy"]
    stranger = api_for(factories.vendor_user()).get(url.split("localhost", 1)[1])
    assert_problem(stranger, 404)


def test_a_disguised_file_or_no_file_is_refused_with_a_message(api_for, db):
    deal = make_deal(vendors=1, quoted=0)
    sme = api_for(deal.sme)
    disguised = sme.post(
        f"/needs/{deal.need.id}/attachments",
        data=_files(("spec.pdf", files.HTML_AS_PDF)),
        content_type="multipart/form-data",
    )
    assert_problem(disguised, 422, "files")
    empty = sme.post(f"/needs/{deal.need.id}/attachments", json={})
    assert "Choose at least one file." in str(assert_problem(empty, 422, "files"))


def test_a_file_bigger_than_a_json_body_may_be_is_taken_as_an_upload(api_for, db):
    deal = make_deal(vendors=1, quoted=0)
    big = files.PDF + b"%" + b"0" * (3 * 1024 * 1024)  # over the 2 MB limit of other bodies
    # Encoded in memory: the test client would spool a body this big to a temporary file
    # it never closes.
    boundary, body = encode_multipart(
        MultiDict({"files": FileStorage(io.BytesIO(big), filename="big.pdf")})
    )
    answer = api_for(deal.sme).post(
        f"/needs/{deal.need.id}/attachments",
        data=body,
        content_type=f"multipart/form-data; boundary={boundary}",
    )
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["items"][0]["size"] == len(big)


def test_a_vendor_attaches_its_offer_to_its_quote_only(api_for, db):
    deal = make_deal(vendors=2)
    mine, theirs = deal.quotes
    vendor = api_for(deal.vendors[0])
    answer = vendor.post(
        f"/quotes/{mine.id}/attachments",
        data=_files(("报价单.docx", files.docx())),
        content_type="multipart/form-data",
    )
    assert answer.status_code == 201, answer.get_json()
    other = vendor.post(
        f"/quotes/{theirs.id}/attachments",
        data=_files(("报价单.docx", files.docx())),
        content_type="multipart/form-data",
    )
    assert_problem(other, 404)


def test_a_message_carries_a_photo_and_the_other_side_sees_it(api_for, db):
    deal = make_deal(vendors=1, quoted=0)
    rfq = deal.rfqs[0]
    sent = api_for(deal.sme).post(
        f"/rfqs/{rfq.id}/messages",
        data={"body": "这是染缸的照片", **_files(("vat.png", files.png()))},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 201, sent.get_json()
    assert [a["filename"] for a in sent.get_json()["attachments"]] == ["vat.png"]
    thread = api_for(deal.vendors[0]).get(f"/rfqs/{rfq.id}/messages").get_json()
    assert thread["items"][-1]["body"] == "这是染缸的照片"
    assert [a["filename"] for a in thread["items"][-1]["attachments"]] == ["vat.png"]
    # JSON still works, without files.
    plain = api_for(deal.vendors[0]).post(f"/rfqs/{rfq.id}/messages", json={"body": "收到"})
    assert plain.status_code == 201 and plain.get_json()["attachments"] == []


def test_the_api_document_describes_the_uploads(anon):
    spec = anon.get("/openapi.json").get_json()
    upload = spec["paths"]["/needs/{need_id}/attachments"]["post"]["requestBody"]
    assert "multipart/form-data" in upload["content"]
    message = spec["paths"]["/rfqs/{rfq_id}/messages"]["post"]["requestBody"]["content"]
    assert set(message) == {"application/json", "multipart/form-data"}


def test_a_milestone_is_delivered_with_its_report_through_the_api(api_for, db):

    deal = make_deal(vendors=1)
    plan = [{"name": "Survey", "share_pct": 100, "due_week": 2, "criteria": "Survey report"}]
    milestone_plans.set_quote_plan(deal.vendors[0], deal.quotes[0], plan)
    db.session.commit()
    engagement = engagements.award(deal.sme, deal.quotes[0])
    db.session.commit()
    sme = api_for(deal.sme)
    (item,) = sme.get(f"/engagements/{engagement.id}/milestones").get_json()["items"]
    delivered = api_for(deal.vendors[0]).post(
        f"/milestones/{item['id']}/deliver",
        data={"note": "调研报告见附件", **_files(("survey.pdf", files.PDF))},
        content_type="multipart/form-data",
    )
    assert delivered.status_code == 200, delivered.get_json()
    body = delivered.get_json()
    assert body["status"] == "delivered" and body["delivery_note"] == "调研报告见附件"
    assert [f["filename"] for f in body["files"]] == ["survey.pdf"]
