"""Data for the API tests, as a client would send it."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

from plugins.uscc import uscc_check_char

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def uscc() -> str:
    """A valid unified social credit code, different each call."""
    first17 = f"91360111MA{next(_seq):07d}"
    return first17 + uscc_check_char(first17)


def account(role: str, **org) -> dict:
    n = next(_seq)
    organisation = {
        "sme": {
            "name": "赣州锦绣纺织",
            "industry": "C17",
            "region": "CN-JX",
            "company_size": "small",
            "employees": 160,
        },
        "vendor": {"name": f"智织云科技 {n}", "region": "CN-ZJ", "uscc": uscc()},
    }[role]
    return {
        "email": f"{role}{n}@api.example.com",
        "password": PASSWORD,
        "name": "Li Wei" if role == "sme" else "Zhou Ming",
        "role": role,
        "organisation": {**organisation, **org},
    }


def plugin(**fields) -> dict:
    return {
        "id": f"dye-planner-{next(_seq)}",
        "name": "小批量染色排产系统",
        "version": "1.0.0",
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
        **fields,
    }


def need(**fields) -> dict:
    return {
        "title": "打样单太小，染缸起订量太大",
        "description": "客户打样只要1公斤布，可我们的染缸最少要2吨一缸，排产全靠老师傅记在本子上。",
        "industry": "C17",
        "region": "CN-JX",
        "company_size": "small",
        "employees": 160,
        "budget_max": 100000,
        "timeline_weeks": 12,
        "capabilities": ["production.planning"],
        "maturity_level": 1,
        **fields,
    }


def quote(**fields) -> dict:
    return {
        "licence": 20000,
        "implementation": 15000,
        "training": 5000,
        "annual_fees": 10000,
        "delivery_weeks": 6,
        "scope": "排产模块、染缸对接、两天现场培训",
        "valid_until": (date.today() + timedelta(days=30)).isoformat(),
        **fields,
    }


def review(**fields) -> dict:
    return {
        "rating": 5,
        "quality": 5,
        "cost": 4,
        "timeliness": 4,
        "support": 5,
        "text": "排产效率明显提高。",
        **fields,
    }
