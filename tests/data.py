"""The test data the suite speaks of, once, as plain values: a dye-house SME in Jiangxi, its
vendors, a scheduling plug-in, its need, quote terms and a review. ``tests.factories`` makes
database rows of them, ``tests.api.helpers`` JSON bodies, ``tests.deal_builders`` whole deals.
Each function returns a fresh dict, so a test may change what it gets."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from typing import Any

from plugins.uscc import uscc_check_char

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def serial() -> int:
    """A number no other call returns: unique e-mails, slugs and names."""
    return next(_seq)


def uscc() -> str:
    """A valid unified social credit code, different each call."""
    first17 = f"91360111MA{serial():07d}"
    return first17 + uscc_check_char(first17)


def sme_organisation(**changes: Any) -> dict[str, Any]:
    return {
        "name": "赣州锦绣纺织",
        "industry": "C17",
        "region": "CN-JX",
        "company_size": "small",
        "employees": 160,
        **changes,
    }


def vendor_organisation(**changes: Any) -> dict[str, Any]:
    return {"name": f"智织云科技 {serial()}", "region": "CN-ZJ", **changes}


def offering(**changes: Any) -> dict[str, Any]:
    """A plug-in's offering fields (a listing's, a manifest's)."""
    return {
        "name": "小批量染色排产系统",
        "summary": "按染缸排产，支持1公斤打样单与2吨大货混排。",
        "lang": "zh",
        "capabilities": ["production.planning"],
        "industries": ["C17"],
        "regions": ["*"],
        "company_sizes": ["small", "medium"],
        "price_min": 30000,
        "price_max": 80000,
        "price_model": "subscription_year",
        "deployment": ["saas"],
        "delivery_weeks": 6,
        "maturity_levels": [1, 2],
        **changes,
    }


def need(**changes: Any) -> dict[str, Any]:
    """The SME's need: sample orders of 1 kg against a 2-tonne dyeing vat."""
    return {
        "title": "打样单太小，染缸起订量太大",
        "description": "客户打样只要1公斤布，可我们的染缸最少要2吨一缸，排产全靠老师傅记在本子上。",
        "industry": "C17",
        "region": "CN-JX",
        "company_size": "small",
        "employees": 160,
        "budget_max": 100000,
        "timeline_weeks": 12,
        "maturity_level": 1,
        **changes,
    }


def quote_terms(**changes: Any) -> dict[str, Any]:
    """A quote's price parts and terms (``valid_until`` a date)."""
    return {
        "licence": 20000,
        "implementation": 15000,
        "training": 5000,
        "annual_fees": 10000,
        "delivery_weeks": 6,
        "scope": "排产模块、染缸对接、两天现场培训",
        "valid_until": date.today() + timedelta(days=30),
        **changes,
    }


def review(**changes: Any) -> dict[str, Any]:
    return {
        "rating": 5,
        "quality": 5,
        "cost": 4,
        "timeliness": 4,
        "support": 5,
        "text": "排产效率明显提高。",
        **changes,
    }
