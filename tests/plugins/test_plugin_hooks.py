"""Each hook end to end, through the manager, with the bundled plug-ins and test plug-ins."""

from __future__ import annotations

import logging

import pytest

from matching.types import Need
from plugins import hookspecs
from plugins.discovery import discover
from plugins.host import HOOK_RESULT_TYPES, PluginHost
from plugins.toolkit import Eligibility, Estimate, RfqInfo

SAMPLE_NEEDS = [
    Need.from_dict(n)
    for n in (
        {
            "id": "jx-dye",
            "title": "打样小单拖垮染缸排产",
            "description": "我们是江西的纺织厂，有十二台溢流染色机，客户常下 1 公斤打样单，"
            "可染缸最小装缸量 2 吨，想要小批量排产方案。用的是金蝶 K/3 Cloud。",
            "lang": "zh",
            "industry": "C17",
            "region": "CN-JX",
            "company_size": "small",
            "budget_max": 150000,
        },
        {
            "id": "pump-pdm",
            "description": "Paper mill with 24 pumps and fans; we want predictive maintenance "
            "before bearings fail. Warehouse of 3,000 m2. We need MLPS level 3 for 2 systems.",
            "lang": "en",
            "industry": "C22",
            "company_size": "medium",
        },
        {"id": "bare", "description": "想做数字化"},
    )
]


@pytest.fixture(scope="module")
def bundled_host() -> PluginHost:
    # A generous budget: this checks results, not speed, and CI machines can be slow.
    return PluginHost.from_discovery(discover(entry_point_group=None), time_budget=5)


def hooked(host: PluginHost, hook: str) -> list[str]:
    return [slug for slug in host.plugins if host.has_hook(slug, hook)]


def test_hook_estimate(bundled_host):
    slugs = hooked(bundled_host, "estimate")
    assert len(slugs) >= 5
    for slug in slugs:
        for need in SAMPLE_NEEDS:
            call = bundled_host.call(slug, "estimate", need=need)
            assert call.status == "ok", (slug, need.id, call.error)
            estimate = call.value
            assert estimate is None or isinstance(estimate, Estimate)
            if estimate:
                assert 0 < estimate.price_min <= estimate.price_max < 2_000_000, slug
                assert estimate.assumptions, f"{slug} should say what its estimate assumes"


def test_hook_estimate_prices_dyeing_scheduling_by_machines(bundled_host):
    def price(description: str) -> Estimate:
        need = Need.from_dict({"id": "d", "description": description, "industry": "C17"})
        return bundled_host.estimate("dye-aps", need)

    small, large = price("我们有 6 台染缸"), price("We run 40 jet dyeing machines")
    assert small.price_max < large.price_min
    assert "6 台" in small.assumptions[0]
    assert price("我们有十二台气流缸") == price("12台气流缸")
    assert large.delivery_weeks > small.delivery_weeks


def test_hook_check_eligibility(bundled_host):
    slugs = hooked(bundled_host, "check_eligibility")
    assert {"dye-aps", "kingdee-mes-lite", "vibrasense-pdm"} <= set(slugs)
    for slug in slugs:
        for need in SAMPLE_NEEDS:
            call = bundled_host.call(slug, "check_eligibility", need=need)
            assert call.status == "ok", (slug, need.id, call.error)
            assert call.value is None or isinstance(call.value, Eligibility)

    u8 = Need.from_dict({"id": "u", "description": "车间 30 个工位，ERP 用的是用友 U8"})
    verdict = bundled_host.check_eligibility("kingdee-mes-lite", u8)
    assert verdict == Eligibility(
        False, "需要金蝶 K/3 Cloud 或云·星空（需求中提到的是 用友），请选通用版"
    )
    dye = bundled_host.check_eligibility("dye-aps", SAMPLE_NEEDS[0])
    assert dye.eligible
    plastics = Need.from_dict({"id": "p", "description": "注塑车间排产", "industry": "C29"})
    assert not bundled_host.check_eligibility("dye-aps", plastics).eligible
    two_fans = Need.from_dict({"id": "f", "description": "We have 2 fans to monitor"})
    assert "minimum deployment" in bundled_host.check_eligibility("vibrasense-pdm", two_fans).reason


def test_hook_rfq_received(bundled_host, write_plugin, tmp_path, caplog, clean_modules):
    rfq = RfqInfo(id="rfq-17", need=SAMPLE_NEEDS[0], message="请报价，下月上线")
    with caplog.at_level(logging.INFO):
        assert bundled_host.rfq_received("mlps-compliance", rfq) is True
        assert bundled_host.rfq_received("cloud-wms", rfq) is True
    assert "rfq-17" in caplog.text
    assert bundled_host.rfq_received("dye-aps", rfq) is False  # has no such hook

    write_plugin(
        "notified",
        hooks="""
            from plugins.toolkit import hookimpl

            RECEIVED = []

            @hookimpl
            def rfq_received(rfq, offering):
                RECEIVED.append((rfq.id, rfq.message, offering.id))
        """,
    )
    found = discover(bundled_dir=None, entry_point_group=None, folders=[tmp_path / "plugins"])
    host = PluginHost.from_discovery(found, time_budget=5)
    assert host.rfq_received("notified", rfq)
    module = next(m for name, m in __import__("sys").modules.items() if "notified" in name)
    assert module.RECEIVED == [("rfq-17", "请报价，下月上线", "notified")]


def test_result_types_cover_every_hookspec():

    specs = {n for n in dir(hookspecs) if hasattr(getattr(hookspecs, n), "shuzhuan_spec")}
    assert specs == set(HOOK_RESULT_TYPES)
