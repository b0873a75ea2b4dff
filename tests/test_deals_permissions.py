"""Who may do what: a role × action × owner/non-owner matrix through the pages.

For each action, every actor but the owner is refused first (anonymous → log in, wrong role
→ 403, same role but not the owner → 404, never leaking that the object exists) and nothing
changes; then the owner succeeds.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from app.models import AuditEvent
from tests import factories
from tests.conftest import english, submit
from tests.deal_builders import make_deal, quote_form

SME_ONLY = {"sme_owner": "ok", "sme_other": 404, "vendor_owner": 403, "vendor_other": 403}
VENDOR_ONLY = {"vendor_owner": "ok", "vendor_other": 404, "sme_owner": 403, "sme_other": 403}
ANY_BUT_AUTHOR = {"sme_owner": 403, "sme_other": "ok", "vendor_owner": "ok", "vendor_other": "ok"}


@dataclass(frozen=True)
class Action:
    name: str
    method: str
    url: str  # formatted with the world's ids
    stage: str  # quoted, awarded, completed, reviewed
    expected: dict
    data: dict | None = None
    admin: object = 403


ACTIONS = [
    Action("see need", "GET", "/needs/{need}", "quoted", SME_ONLY),
    Action("compare quotes", "GET", "/needs/{need}/quotes", "quoted", SME_ONLY),
    Action("edit need form", "GET", "/needs/{need}/edit", "quoted", SME_ONLY),
    Action(
        "edit need",
        "POST",
        "/needs/{need}/edit",
        "quoted",
        SME_ONLY,
        {"title": "新标题", "description": "染缸排产问题", "submit": "1"},
    ),
    Action("cancel need", "POST", "/needs/{need}/cancel", "quoted", SME_ONLY, {"reason": "不做了"}),
    Action(
        "request quotes",
        "POST",
        "/needs/{need}/rfqs",
        "quoted",
        SME_ONLY,
        {"listing_ids": "{spare_listing}", "message": "请报价"},
    ),
    Action("award", "POST", "/needs/quotes/{quote}/award", "quoted", SME_ONLY, {}),
    Action("complete", "POST", "/needs/engagements/{engagement}/complete", "awarded", SME_ONLY, {}),
    Action(
        "review",
        "POST",
        "/needs/engagements/{engagement}/review",
        "completed",
        SME_ONLY,
        {"rating": "4", "quality": "4", "cost": "4", "timeliness": "4", "support": "4"},
    ),
    Action("see request", "GET", "/vendor/rfqs/{rfq}", "quoted", VENDOR_ONLY),
    Action(
        "revise quote",
        "POST",
        "/vendor/rfqs/{rfq}/quote",
        "quoted",
        VENDOR_ONLY,
        quote_form(licence=1000),
    ),
    Action(
        "decline", "POST", "/vendor/rfqs/{open_rfq}/decline", "quoted", VENDOR_ONLY, {"reason": "x"}
    ),
    Action("withdraw", "POST", "/vendor/quotes/{quote}/withdraw", "quoted", VENDOR_ONLY, {}),
    Action(
        "reply", "POST", "/vendor/reviews/{review}/reply", "reviewed", VENDOR_ONLY, {"text": "谢谢"}
    ),
    Action(
        "flag review",
        "POST",
        "/needs/reviews/{review}/flag",
        "reviewed",
        ANY_BUT_AUTHOR,
        {"reason": "广告"},
        admin="ok",
    ),
]


def _world(stage: str):
    deal = make_deal(
        vendors=3,
        quoted=2,
        award=stage != "quoted",
        complete=stage in ("completed", "reviewed"),
        review=stage == "reviewed",
    )
    # "decline" acts on the third vendor's unanswered request: it is that vendor's action.
    owner_index = 0
    ids = {
        "need": deal.need.id,
        "quote": deal.quotes[0].id,
        "rfq": deal.rfqs[0].id,
        "open_rfq": deal.rfqs[2].id,
        "engagement": deal.engagement.id if deal.engagement else 0,
        "review": deal.review.id if deal.review else 0,
        "spare_listing": factories.listing(factories.vendor_user()).id,
    }
    return deal, owner_index, ids


def _audit_count(db) -> int:
    return db.session.scalar(sa.select(sa.func.count(AuditEvent.id)))


@pytest.mark.parametrize("action", ACTIONS, ids=[a.name for a in ACTIONS])
def test_role_owner_matrix(app, db, action):
    deal, owner, ids = _world(action.stage)
    vendor_owner = deal.vendors[2] if "{open_rfq}" in action.url else deal.vendors[owner]
    vendor_other = deal.vendors[1]
    actors = {
        "sme_owner": deal.sme,
        "sme_other": factories.sme_user(),
        "vendor_owner": vendor_owner,
        "vendor_other": vendor_other,
        "admin": factories.admin_user(),
    }
    expected = {**action.expected, "admin": action.admin, "anonymous": "login"}
    url = action.url.format(**ids)
    data = {k: v.format(**ids) for k, v in (action.data or {}).items()}
    # refusals first: nothing may change
    for actor, outcome in sorted(expected.items(), key=lambda kv: kv[1] == "ok"):
        before = _audit_count(db)
        client = english(app.test_client(user=actors.get(actor)))
        if action.method == "GET":
            response = client.get(url)
        else:
            form_page = "/auth/register" if actor == "anonymous" else "/"
            response = submit(client, url, data, form_url=form_page)
        where = (action.name, actor)
        if outcome == "login":
            assert response.status_code == 302, where
            assert "/auth/login" in response.headers["Location"], where
        elif outcome == "ok":
            assert response.status_code in (200, 302), (*where, response.status_code)
            if response.status_code == 302:
                assert "/auth/login" not in response.headers["Location"], where
            if action.method == "POST":
                assert _audit_count(db) > before, (*where, "no state change")
        else:
            assert response.status_code == outcome, (*where, response.status_code)
            assert _audit_count(db) == before, where
