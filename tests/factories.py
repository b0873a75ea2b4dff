"""Factories for test data: each returns committed objects with sensible defaults."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    ListingSource,
    ListingStatus,
    Need,
    NeedStatus,
    Notification,
    PluginListing,
    Role,
    User,
    Verification,
)
from app.services import accounts
from app.services.accounts import create_admin
from tests import data
from tests.data import PASSWORD


def _email(prefix: str) -> str:
    return f"{prefix}{data.serial()}@example.com"


def sme_user(*, email_verified: bool = True, **org: Any) -> User:
    user = accounts.register(
        verified=email_verified,
        email=_email("sme"),
        password=PASSWORD,
        name="Li Wei",
        role=Role.SME,
        organisation=data.sme_organisation(**org),
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
        organisation=data.vendor_organisation(**org),
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
        "slug": f"plugin-{data.serial()}",
        **data.offering(),
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
        **data.need(),
        "lang": "zh",
        "capabilities": [],
        "status": NeedStatus.OPEN,
        **fields,
    }
    item = Need(organisation_id=owner.organisation_id, author_id=owner.id, **values)
    db.session.add(item)
    db.session.commit()
    return item


def notification_kinds(user: User) -> list[str]:
    """The kinds of ``user``'s notifications, oldest first."""

    return list(
        db.session.scalars(
            sa.select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )
