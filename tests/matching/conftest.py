"""Small hand-made catalogues in Chinese, English and both (no benchmark data)."""

from __future__ import annotations

import pytest

from matching.types import Need, Offering


def offering(oid: str, **kw) -> Offering:
    kw.setdefault("name", oid)
    return Offering.from_dict({"id": oid, **kw})


ZH = [
    offering(
        "zh-wms",
        name="仓库扫码出入库系统",
        description="条码扫码出入库，库存实时对账，手机盘点。",
        lang="zh",
        capabilities=["supply.warehouse"],
        regions=["CN-ZJ"],
        deployment=["saas"],
        price_min=8000,
        price_max=20000,
        company_sizes=["micro", "small"],
    ),
    offering(
        "zh-energy",
        name="工厂能耗监测",
        description="电表水表蒸汽计量，能耗看板，碳排放核算。",
        lang="zh",
        capabilities=["energy.management"],
        regions=["*"],
        price_min=30000,
        price_max=90000,
    ),
    offering(
        "zh-mes",
        name="车间报工MES",
        description="工单派工、扫码报工、在制品跟踪。",
        lang="zh",
        capabilities=["production.mes"],
        regions=["CN-GD"],
        deployment=["on_prem"],
        price_min=60000,
        price_max=150000,
    ),
]
EN = [
    offering(
        "en-wms",
        name="Cloud warehouse app",
        description="Barcode receiving, picking and stock counts on a phone.",
        lang="en",
        capabilities=["supply.warehouse"],
        regions=["*"],
        price_min=5000,
        price_max=12000,
    ),
    offering(
        "en-vision",
        name="Vision inspection station",
        description="Camera-based defect detection for stamped parts: burrs, scratches.",
        lang="en",
        capabilities=["quality.inspection"],
        regions=["CN-JS"],
        deployment=["on_prem"],
        price_min=90000,
        price_max=200000,
    ),
    offering(
        "en-crm",
        name="Small business CRM",
        description="Customer follow-up, quotes and after-sales tickets.",
        lang="en",
        capabilities=["sales.crm"],
        regions=["*"],
        price_min=3000,
        price_max=9000,
    ),
]


@pytest.fixture
def zh_catalog() -> list[Offering]:
    return list(ZH)


@pytest.fixture
def en_catalog() -> list[Offering]:
    return list(EN)


@pytest.fixture
def mixed_catalog() -> list[Offering]:
    return ZH + EN


@pytest.fixture
def warehouse_need_zh() -> Need:
    return Need.from_dict(
        {
            "id": "n1",
            "description": "仓库库存老是对不上，想用扫码管理出入库",
            "lang": "zh",
            "region": "CN-ZJ",
            "budget_max": 30000,
        }
    )


@pytest.fixture
def warehouse_need_en() -> Need:
    return Need.from_dict(
        {
            "id": "n2",
            "description": "Our stock counts never match; we want "
            "barcode scanning in the warehouse",
            "lang": "en",
            "region": "CN-ZJ",
            "budget_max": 30000,
        }
    )
