"""Every endpoint's permission cases: no token → 401, a role that may not act → 403,
someone else's object → 404 (never a hint that it exists)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.extensions import db as _db
from app.models import ListingStatus, PluginListing
from app.services import matching
from tests import factories
from tests.api import helpers
from tests.api.conftest import ApiClient, assert_problem
from tests.deal_builders import make_deal

ANY = ("sme", "vendor", "admin")

# method, path, body, roles allowed
ENDPOINTS = [
    ("POST", "/plugins", helpers.plugin(), ("vendor",)),
    ("GET", "/needs", None, ("sme", "admin")),
    ("POST", "/needs", helpers.need(), ("sme",)),
    ("GET", "/needs/{need}", None, ("sme", "admin")),
    ("PATCH", "/needs/{need}", {"title": "新标题"}, ("sme",)),
    ("POST", "/needs/{need}/cancel", {"reason": "x"}, ("sme",)),
    ("GET", "/needs/{need}/matches", None, ("sme", "admin")),
    ("POST", "/needs/{need}/rfqs", {"plugin": "{slug}", "message": "请报价"}, ("sme",)),
    ("GET", "/rfqs", None, ("sme", "vendor")),
    ("GET", "/rfqs/{rfq}", None, ("sme", "vendor")),
    ("POST", "/rfqs/{rfq}/quotes", helpers.quote(), ("vendor",)),
    ("POST", "/rfqs/{rfq}/decline", {"reason": "busy"}, ("vendor",)),
    ("GET", "/needs/{need}/quotes", None, ("sme", "admin")),
    ("POST", "/quotes/{quote}/accept", None, ("sme",)),
    ("POST", "/quotes/{quote}/withdraw", {}, ("vendor",)),
    ("POST", "/engagements/{engagement}/complete", None, ("sme",)),
    ("POST", "/engagements/{engagement}/review", helpers.review(), ("sme",)),
    ("POST", "/reviews/{review}/reply", {"text": "谢谢"}, ("vendor",)),
    ("POST", "/reviews/{review}/flag", {"reason": "spam"}, ANY),  # not its author: below
    ("POST", "/admin/plugins/{slug}/approve", None, ("admin",)),
    ("POST", "/admin/plugins/{slug}/reject", {"reason": "x"}, ("admin",)),
    ("POST", "/admin/vendors/{org}/verify", None, ("admin",)),
    ("POST", "/admin/vendors/{org}/suspend", {"reason": "x"}, ("admin",)),
    ("POST", "/admin/vendors/{org}/reject", {"reason": "x"}, ("admin",)),
    ("POST", "/admin/matches/{match}/pin", {}, ("admin",)),
    ("POST", "/admin/matches/{match}/hide", {"reason": "x"}, ("admin",)),
    ("POST", "/admin/reviews/{review}/remove", {"reason": "x"}, ("admin",)),
    ("POST", "/admin/reviews/{review}/keep", {"reason": "x"}, ("admin",)),
    ("GET", "/admin/audit", None, ("admin",)),
]

# Someone else's object: the same role, another organisation.
OTHERS = [
    ("GET", "/needs/{need}", None, "other_sme"),
    ("PATCH", "/needs/{need}", {"title": "新标题"}, "other_sme"),
    ("POST", "/needs/{need}/cancel", {"reason": "x"}, "other_sme"),
    ("GET", "/needs/{need}/matches", None, "other_sme"),
    ("POST", "/needs/{need}/rfqs", {"plugin": "{slug}", "message": "请报价"}, "other_sme"),
    ("GET", "/rfqs/{rfq}", None, "other_sme"),
    ("GET", "/rfqs/{rfq}", None, "other_vendor"),
    ("POST", "/rfqs/{rfq}/quotes", helpers.quote(), "other_vendor"),
    ("POST", "/rfqs/{rfq}/decline", {"reason": "busy"}, "other_vendor"),
    ("GET", "/needs/{need}/quotes", None, "other_sme"),
    ("POST", "/quotes/{quote}/accept", None, "other_sme"),
    ("POST", "/quotes/{quote}/withdraw", {}, "other_vendor"),
    ("POST", "/engagements/{engagement}/complete", None, "other_sme"),
    ("POST", "/engagements/{engagement}/review", helpers.review(), "other_sme"),
    ("POST", "/reviews/{review}/reply", {"text": "谢谢"}, "other_vendor"),
]


MISSING = [
    ("GET", "/needs/999999", "sme"),
    ("GET", "/needs/999999", "admin"),
    ("GET", "/rfqs/999999", "vendor"),
    ("GET", "/rfqs/999999", "sme"),
    ("POST", "/quotes/999999/accept", "sme"),
    ("POST", "/engagements/999999/complete", "sme"),
    ("POST", "/admin/plugins/no-such-plugin/approve", "admin"),
    ("POST", "/admin/vendors/999999/verify", "admin"),
    ("POST", "/admin/matches/999999/pin", "admin"),
    ("GET", "/plugins/no-such-plugin", "anon"),
    ("GET", "/needs/99999999999", "sme"),  # beyond the database's integers
]


@dataclass
class World:
    clients: dict[str, ApiClient]
    ids: dict[str, object]

    def call(self, who: str, method: str, path: str, body):
        path = path.format(**self.ids)
        if isinstance(body, dict):
            body = {k: v.format(**self.ids) if isinstance(v, str) else v for k, v in body.items()}
        return self.clients[who].request(method, path, json=body)


@pytest.fixture
def world(app, db, anon, api_for) -> World:
    open_deal = make_deal(vendors=1)
    sme, vendor = open_deal.sme, open_deal.vendors[0]
    done = make_deal(vendors=1, award=True, complete=True, review=True, sme=sme)
    matches = matching.refresh_matches(open_deal.need)
    _db.session.commit()
    assert matches
    admin = factories.admin_user()
    clients = {
        "anon": anon,
        "sme": api_for(sme),
        "vendor": api_for(vendor),
        "admin": api_for(admin),
        "other_sme": api_for(factories.sme_user()),
        "other_vendor": api_for(factories.vendor_user()),
    }
    # Only the reviewed vendor (the done deal's) may reply.
    clients["reviewed_vendor"] = api_for(done.vendors[0])
    ids = {
        "need": open_deal.need.id,
        "slug": open_deal.listings[0].slug,
        "rfq": open_deal.rfqs[0].id,
        "quote": open_deal.quotes[0].id,
        "engagement": done.engagement.id,
        "review": done.review.id,
        "org": vendor.organisation_id,
        "match": matches[0].id,
    }
    return World(clients, ids)


def test_roles(world):
    """No token: 401; a role the table does not list: 403 (checked before anything else,
    so nothing changes; the allowed roles are exercised in test_loop)."""
    failures = []
    for method, path, body, allowed in ENDPOINTS:
        for who in ("anon", "sme", "vendor", "admin"):
            if who in allowed:
                continue
            response = world.call(who, method, path, body)
            expected = 401 if who == "anon" else 403
            if response.status_code != expected:
                failures.append((method, path, who, response.status_code))
            else:
                assert_problem(response, expected)
    assert not failures


def test_someone_elses_object_is_not_found(world):
    failures = []
    for method, path, body, who in OTHERS:
        response = world.call(who, method, path, body)
        if response.status_code != 404:
            failures.append((method, path, who, response.status_code, response.get_json()))
        else:
            assert_problem(response, 404)
    assert not failures


def test_missing_objects_are_not_found(world):
    for method, path, who in MISSING:
        assert_problem(world.call(who, method, path, None), 404)


def test_only_the_reviewed_vendor_replies_and_authors_cannot_flag(world):
    assert_problem(world.call("vendor", "POST", "/reviews/{review}/reply", {"text": "x"}), 404)
    replied = world.call("reviewed_vendor", "POST", "/reviews/{review}/reply", {"text": "谢谢"})
    assert replied.status_code == 200
    assert_problem(world.call("sme", "POST", "/reviews/{review}/flag", {"reason": "x"}), 403)


def test_unpublished_plugins_are_hidden_from_others(world, db):

    listing = db.session.scalar(db.select(PluginListing).filter_by(slug=world.ids["slug"]))
    listing.status = ListingStatus.PENDING_REVIEW
    db.session.commit()
    assert world.call("vendor", "GET", "/plugins/{slug}", None).status_code == 200
    assert world.call("admin", "GET", "/plugins/{slug}", None).status_code == 200
    assert_problem(world.call("other_vendor", "GET", "/plugins/{slug}", None), 404)
    assert_problem(world.call("anon", "GET", "/plugins/{slug}", None), 404)
