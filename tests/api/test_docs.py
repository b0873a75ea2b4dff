"""The OpenAPI document and the docs page (local assets only)."""

from __future__ import annotations

from app.api.core import OPERATIONS
from app.api.schemas import NeedIn

ISSUE_ENDPOINTS = {
    ("post", "/accounts"),
    ("post", "/auth/token"),
    ("get", "/plugins"),
    ("get", "/plugins/{slug}"),
    ("post", "/plugins"),
    ("post", "/needs"),
    ("get", "/needs"),
    ("get", "/needs/{need_id}"),
    ("patch", "/needs/{need_id}"),
    ("post", "/needs/{need_id}/cancel"),
    ("get", "/needs/{need_id}/matches"),
    ("post", "/needs/{need_id}/rfqs"),
    ("get", "/rfqs"),
    ("get", "/rfqs/{rfq_id}"),
    ("post", "/rfqs/{rfq_id}/quotes"),
    ("post", "/rfqs/{rfq_id}/decline"),
    ("get", "/needs/{need_id}/quotes"),
    ("post", "/quotes/{quote_id}/accept"),
    ("post", "/quotes/{quote_id}/withdraw"),
    ("post", "/engagements/{engagement_id}/complete"),
    ("post", "/engagements/{engagement_id}/review"),
    ("get", "/engagements/{engagement_id}/milestones"),
    ("get", "/engagements/{engagement_id}/outcomes"),
    ("post", "/engagements/{engagement_id}/outcomes"),
    ("post", "/engagements/{engagement_id}/outcomes/after"),
    ("put", "/engagements/{engagement_id}/outcomes"),
    ("put", "/engagements/{engagement_id}/outcomes/after"),
    ("post", "/milestones/{milestone_id}/deliver"),
    ("post", "/milestones/{milestone_id}/accept"),
    ("post", "/milestones/{milestone_id}/reject"),
    ("post", "/admin/milestones/{milestone_id}/resolve"),
    ("post", "/reviews/{review_id}/reply"),
    ("post", "/reviews/{review_id}/flag"),
    ("post", "/admin/plugins/{slug}/approve"),
    ("post", "/admin/plugins/{slug}/reject"),
    ("post", "/admin/vendors/{org_id}/verify"),
    ("post", "/admin/vendors/{org_id}/suspend"),
    ("post", "/admin/vendors/{org_id}/reject"),
    ("post", "/admin/matches/{match_id}/pin"),
    ("post", "/admin/matches/{match_id}/hide"),
    ("post", "/admin/reviews/{review_id}/remove"),
    ("post", "/admin/reviews/{review_id}/keep"),
    ("get", "/admin/audit"),
    ("get", "/openapi.json"),
    # issue 14: conversations and notifications
    ("get", "/rfqs/{rfq_id}/messages"),
    ("post", "/rfqs/{rfq_id}/messages"),
    ("post", "/rfqs/{rfq_id}/report"),
    ("get", "/notifications"),
    ("get", "/notifications/unread-count"),
    ("post", "/notifications/{notification_id}/read"),
    ("post", "/notifications/read-all"),
    ("post", "/needs/{need_id}/attachments"),
    ("post", "/quotes/{quote_id}/attachments"),
    ("get", "/attachments/{attachment_id}"),
}
# Issue 15: the public-programme layer.
PROGRAMME_ENDPOINTS = {
    ("get", "/assessments/questionnaire"),
    ("post", "/assessments"),
    ("get", "/assessments"),
    ("get", "/assessments/{assessment_id}"),
    ("post", "/proposals/{proposal_id}/accept"),
    ("post", "/proposals/{proposal_id}/dismiss"),
    ("get", "/programmes"),
    ("post", "/programmes"),
    ("get", "/programmes/{programme_id}"),
    ("put", "/programmes/{programme_id}"),
    ("get", "/needs/{need_id}/programmes"),
    ("put", "/needs/{need_id}/programme"),
    ("delete", "/needs/{need_id}/programme"),
    ("get", "/needs/{need_id}/subsidies"),
    ("get", "/needs/{need_id}/application-pack"),
    ("post", "/pools"),
    ("get", "/pools"),
    ("get", "/pools/{pool_id}"),
    ("post", "/pools/{pool_id}/join"),
    ("post", "/pools/{pool_id}/leave"),
    ("post", "/pools/{pool_id}/close-joining"),
    ("put", "/quotes/{quote_id}/tiers"),
    ("get", "/pools/{pool_id}/quotes"),
    ("post", "/pools/{pool_id}/quotes/{quote_id}/accept"),
    ("post", "/pools/{pool_id}/quotes/{quote_id}/agree"),
    ("post", "/pools/{pool_id}/quotes/{quote_id}/award-agreed"),
}


def test_document_describes_every_endpoint_with_schemas(anon):
    spec = anon.get("/openapi.json").get_json()
    assert spec["openapi"].startswith("3.1")
    found = {(m, p) for p, item in spec["paths"].items() for m in item}
    assert found == ISSUE_ENDPOINTS | PROGRAMME_ENDPOINTS
    schemas = spec["components"]["schemas"]
    assert {"Problem", "NeedIn", "NeedOut", "QuoteIn", "PluginIn"} <= set(schemas)
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, item in spec["paths"].items():
        for method, op in item.items():
            for status, response in op["responses"].items():
                if "$ref" in response:  # answers shared by every operation
                    response = spec["components"]["responses"][response["$ref"].split("/")[-1]]
                if status in ("414", "431"):  # from gunicorn, before the app sees the request
                    assert set(response["content"]) == {"text/html"}, (path, method)
                elif int(status) >= 400:
                    schema = response["content"]["application/problem+json"]["schema"]
                    assert schema == {"$ref": "#/components/schemas/Problem"}, (path, method)
    # Every state change answers 409 and every input 422, as the issue lists.
    assert "409" in spec["paths"]["/quotes/{quote_id}/accept"]["post"]["responses"]
    assert "429" in spec["paths"]["/auth/token"]["post"]["responses"]


def test_the_schemas_are_the_validators():

    op = next(o for o in OPERATIONS if o.rule == "/needs" and o.method == "POST")
    assert op.body is NeedIn


def test_docs_page_uses_local_assets(anon):
    page = anon.get("/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "/api/v1/docs/assets/swagger-ui-bundle.js" in html
    assert "https://" not in html.replace("https://shuzhuan.example", "")
    assert "/needs/{need_id}/matches" in html  # the server-rendered reference
    asset = anon.get("/docs/assets/swagger-ui-bundle.js")
    assert asset.status_code == 200
    asset.close()
    assert anon.get("/docs/assets/index.html").status_code == 404


def test_docs_page_in_chinese(anon):
    page = anon.get("/docs", headers={"Accept-Language": "zh"})
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "数转 API" in html
