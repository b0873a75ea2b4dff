"""A small bilingual catalogue and indexes built from it."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from app.search.index import CatalogueIndex

CATALOGUE: list[dict[str, Any]] = [
    {
        "slug": "dye-aps",
        "name": "印染小单快反排产系统",
        "summary": "把小批量和打样订单按颜色、工艺自动拼缸，并按染缸容量排产。",
        "description": "面向印染厂的计划排产工具，支持插单、拼缸和交期预测。",
        "vendor": "绍兴织云",
        "lang": "zh",
        "capabilities": ["production.planning"],
        "industries": ["C17"],
        "regions": ["CN-ZJ", "CN-JS"],
        "price_min": 30_000,
        "price_max": 80_000,
        "deployment": ["saas"],
        "rating": 4.6,
        "review_count": 12,
    },
    {
        "slug": "garment-aps",
        "name": "服装柔性排产",
        "summary": "为服装厂做小批量、多款式、快速返单的排产和产线切换管理。",
        "description": "按款式和工序自动生成生产计划。",
        "vendor": "杭州衣数",
        "lang": "zh",
        "capabilities": ["production.planning", "production.mes"],
        "industries": ["C18"],
        "regions": ["CN-ZJ"],
        "price_min": 8_000,
        "price_max": 20_000,
        "deployment": ["saas", "hybrid"],
        "rating": 4.1,
        "review_count": 5,
    },
    {
        "slug": "vibrasense",
        "name": "VibraSense Predictive Maintenance Kit",
        "summary": "Wireless vibration and temperature sensors with anomaly detection for motors.",
        "description": "Predicts bearing failures weeks ahead; alerts go to the maintenance team.",
        "vendor": "VibraSense Ltd",
        "lang": "en",
        "capabilities": ["equipment.maintenance", "production.iiot"],
        "industries": ["*"],
        "regions": ["*"],
        "price_min": 15_000,
        "price_max": 60_000,
        "deployment": ["saas"],
        "rating": 4.8,
        "review_count": 30,
    },
    {
        "slug": "qr-maintenance",
        "name": "QR Maintenance app",
        "summary": "Stick a QR code on every machine: checklists, repair requests and spare parts.",
        "description": "Simple maintenance records for small workshops.",
        "vendor": "FixIt",
        "lang": "en",
        "capabilities": ["equipment.maintenance"],
        "industries": ["C33", "C34"],
        "regions": ["CN-GD"],
        "price_min": 3_000,
        "price_max": 9_000,
        "deployment": ["saas"],
        "rating": None,
        "review_count": 0,
    },
    {
        "slug": "cloud-wms",
        "name": "Cloud WMS for small warehouses",
        "summary": "Barcode receiving, picking and stock counts on phones.",
        "description": "Warehouse management with stock alerts; links to e-commerce stores.",
        "vendor": "StockPilot",
        "lang": "en",
        "capabilities": ["supply.warehouse"],
        "industries": ["F51", "F52"],
        "regions": ["CN-SH", "CN-JS"],
        "price_min": 250_000,
        "price_max": 400_000,
        "deployment": ["on_prem", "hybrid"],
        "rating": 3.9,
        "review_count": 8,
    },
    {
        "slug": "energy-zh",
        "name": "能耗在线监测",
        "summary": "电、水、汽分表计量，能耗看板和碳排放核算。",
        "description": None,
        "vendor": None,
        "lang": "zh",
        "capabilities": ["energy.management"],
        "industries": ["*"],
        "regions": ["CN-ZJ", "CN-AH"],
        "price_min": None,
        "price_max": None,
        "deployment": ["on_prem"],
        "rating": None,
        "review_count": 0,
    },
]


def catalogue() -> list[dict[str, Any]]:
    """A fresh copy of the test catalogue (tests may change it)."""
    return copy.deepcopy(CATALOGUE)


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Iterator[CatalogueIndex]:
    """An index of CATALOGUE shared by the read-only tests of a module."""
    with CatalogueIndex(tmp_path_factory.mktemp("search")) as index:
        index.rebuild(catalogue())
        yield index


@pytest.fixture
def fresh(tmp_path: Path) -> Iterator[CatalogueIndex]:
    """An index of CATALOGUE of the test's own, free to change."""
    with CatalogueIndex(tmp_path / "search") as index:
        index.rebuild(catalogue())
        yield index
