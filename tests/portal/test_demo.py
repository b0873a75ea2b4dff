"""The demo marketplace a newcomer sees: a living story in both languages, loaded once."""

from __future__ import annotations

import sqlalchemy as sa
from markupsafe import escape

from app.models import (
    AuditEvent,
    Engagement,
    ListingStatus,
    Need,
    NeedStatus,
    PluginListing,
    Quote,
    Review,
    ReviewStatus,
    User,
)
from app.services.matching import visible_matches
from tests.api.conftest import ApiClient, token_for
from tests.conftest import english, submit


def _count(db, model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_demo_load_tells_the_story_and_is_idempotent(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "jinxiu@shuzhuan.demo" in first.output and "shuzhuan-demo" in first.output
    counts = {
        model.__name__: _count(db, model)
        for model in (User, PluginListing, Need, Quote, Engagement, Review, AuditEvent)
    }
    second = runner.invoke(args=["demo", "load"])
    assert "already loaded" in second.output
    assert counts == {
        model.__name__: _count(db, model)
        for model in (User, PluginListing, Need, Quote, Engagement, Review, AuditEvent)
    }

    assert _count(db, PluginListing, PluginListing.status == ListingStatus.PUBLISHED) >= 40
    states = set(db.session.scalars(sa.select(Need.status)))
    assert states == set(NeedStatus)  # a need in every state
    samples = db.session.scalar(sa.select(Need).where(Need.title.like("打样单1公斤%")))
    assert samples.status == NeedStatus.OPEN and len(samples.matches) >= 5
    assert _count(db, Quote, Quote.need_id == samples.id) == 2  # two quotes to compare
    assert _count(db, Review, Review.status == ReviewStatus.FLAGGED) == 1
    assert _count(db, Review, Review.vendor_reply.is_not(None)) == 1
    langs = set(db.session.scalars(sa.select(Need.lang)))
    assert langs == {"zh", "en"}


def test_demo_logins_work(app, db):
    app.test_cli_runner().invoke(args=["demo", "load"])

    for email in ("jinxiu@shuzhuan.demo", "vendor@shuzhuan.demo", "admin@shuzhuan.demo"):
        client = english(app.test_client())
        response = submit(client, "/auth/login", {"email": email, "password": "shuzhuan-demo"})
        assert response.status_code == 302, email
        assert client.get("/notifications/").status_code == 200


def test_the_demo_sme_sees_explained_matches_for_its_open_need(app, db):
    app.test_cli_runner().invoke(args=["demo", "load"])
    sme = db.session.scalar(sa.select(User).where(User.email == "jinxiu@shuzhuan.demo"))
    need = db.session.scalar(sa.select(Need).where(Need.title.like("打样单1公斤%")))
    page = app.test_client(user=sme).get(f"/needs/{need.id}").get_data(as_text=True)

    top = visible_matches(need)[0]
    assert "染整小批量智能排产系统" in page  # the dyeing scheduler is matched …
    assert str(escape(top.explanation)) in page  # … with the engine's explanation
    assert any("\u4e00" <= ch <= "\u9fff" for ch in top.explanation)  # in Chinese


def test_after_the_demo_load_the_catalogue_search_finds_the_bundled_plugins(app, db, client):
    app.test_cli_runner().invoke(args=["demo", "load"])
    page = client.get("/solutions/", query_string={"q": "小批量 排产"}).get_data(as_text=True)
    assert "dye-aps" in page and "<mark>" in page
    page = client.get("/solutions/", query_string={"q": "predictive maintenance"})
    assert "vibrasense-pdm" in page.get_data(as_text=True)


def test_signed_in_readers_can_report_a_review_from_the_plugin_page(app, db):
    app.test_cli_runner().invoke(args=["demo", "load"])
    reader = db.session.scalar(sa.select(User).where(User.email == "harbour@shuzhuan.demo"))
    page = app.test_client(user=reader).get("/solutions/wattwise-energy").get_data(as_text=True)
    assert "/needs/reviews/" in page and "/flag" in page
    anonymous = app.test_client().get("/solutions/wattwise-energy").get_data(as_text=True)
    assert "/flag" not in anonymous


def test_the_demo_review_is_backed_by_a_measured_outcome(app, db):
    app.test_cli_runner().invoke(args=["demo", "load"])
    client = app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "zh"
    page = client.get("/solutions/wattwise-energy").get_data(as_text=True)
    assert "吨产品能耗 412 千瓦时/吨 → 379 千瓦时/吨" in page
    assert "基线在工作开始前记录" in page and "1 项实测成效" in page


def test_the_dye_schedulers_instant_estimate_reaches_the_page_and_the_api(app, db):

    app.test_cli_runner().invoke(args=["demo", "load"])
    sme = db.session.scalar(sa.select(User).where(User.email == "jinxiu@shuzhuan.demo"))
    need = db.session.scalar(sa.select(Need).where(Need.title.like("打样单1公斤%")))
    api = ApiClient(english(app.test_client()), token_for(sme))
    rows = api.get(f"/api/v1/needs/{need.id}/matches").get_json()["items"]
    dye = next(row for row in rows if row["plugin"]["slug"] == "dye-aps")
    estimate = dye["estimate"]  # asked of the plug-in's hook when matching ran
    assert 0 < estimate["price_min"] <= estimate["price_max"] and estimate["assumptions"]
    page = english(app.test_client(user=sme)).get(f"/needs/{need.id}").get_data(as_text=True)
    assert f"¥{estimate['price_min']:,}" in page
