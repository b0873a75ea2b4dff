"""Factories for test data: each returns committed objects with sensible defaults."""

from __future__ import annotations

import itertools
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    ListingSource,
    ListingStatus,
    Need,
    NeedStatus,
    PluginListing,
    Role,
    User,
    Verification,
)
from app.services import accounts
from app.services.accounts import create_admin

PASSWORD = "correct horse battery"
_seq = itertools.count(1)


def _email(prefix: str) -> str:
    return f"{prefix}{next(_seq)}@example.com"


def sme_user(*, email_verified: bool = True, **org: Any) -> User:
    user = accounts.register(
        verified=email_verified,
        email=_email("sme"),
        password=PASSWORD,
        name="Li Wei",
        role=Role.SME,
        organisation={
            "name": "赣州锦绣纺织",
            "industry": "C17",
            "region": "CN-JX",
            "company_size": "small",
            "employees": 160,
            **org,
        },
    )
    db.session.commit()
    return user


def vendor_user(*, verified: bool = True, email_verified: bool = True, **org: Any) -> User:
    user = accounts.register(
        verified=email_verified,
        email=_email("vendor"),
        password=PASSWORD,
        name="Zhou Ming",
        role=Role.VENDOR,
        organisation={"name": f"智织云科技 {next(_seq)}", "region": "CN-ZJ", **org},
    )
    if verified:
        user.organisation.verification = Verification.VERIFIED
    db.session.commit()
    return user


def admin_user() -> User:
    user = create_admin(_email("admin"), PASSWORD)
    db.session.commit()
    return user


def listing(vendor: User, **fields: Any) -> PluginListing:
    values = {
        "slug": f"plugin-{next(_seq)}",
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
        "status": ListingStatus.PUBLISHED,
        "source": ListingSource.PORTAL,
        **fields,
    }
    item = PluginListing(vendor_id=vendor.organisation_id, **values)
    db.session.add(item)
    db.session.commit()
    return item


def need(owner: User, **fields: Any) -> Need:
    values = {
        "title": "打样单太小，染缸起订量太大",
        "description": "客户打样只要1公斤布，可我们的染缸最少要2吨一缸，排产全靠老师傅记在本子上。",
        "lang": "zh",
        "industry": "C17",
        "region": "CN-JX",
        "company_size": "small",
        "employees": 160,
        "budget_max": 100000,
        "timeline_weeks": 12,
        "capabilities": [],
        "maturity_level": 1,
        "status": NeedStatus.OPEN,
        **fields,
    }
    item = Need(organisation_id=owner.organisation_id, author_id=owner.id, **values)
    db.session.add(item)
    db.session.commit()
    return item


def notification_kinds(user: User) -> list[str]:
    """The kinds of ``user``'s notifications, oldest first."""
    from app.models import Notification

    return list(
        db.session.scalars(
            sa.select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )
