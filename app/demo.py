"""Demo data for a first run, in Chinese and English. Loading it twice changes nothing."""

from __future__ import annotations

import sqlalchemy as sa

from app.extensions import db
from app.models import Organisation, Role, User, Verification
from app.services import accounts

DEMO_PASSWORD = "shuzhuan-demo"

# (email, name, role, locale, organisation fields)
DEMO_USERS: list[tuple[str, str, Role, str, dict]] = [
    ("admin@shuzhuan.demo", "平台管理员 Admin", Role.ADMIN, "zh", {}),
    (
        "jinxiu@shuzhuan.demo",
        "赖国华",
        Role.SME,
        "zh",
        {
            "name": "赣州锦绣纺织印染有限公司",
            "industry": "C17",
            "region": "CN-JX",
            "company_size": "small",
            "employees": 160,
            "maturity_level": 1,
            "description": "针织面料织造与染整，客户多为外贸服装品牌，打样单越来越多、越来越小。",
        },
    ),
    (
        "harbour@shuzhuan.demo",
        "Grace Lin",
        Role.SME,
        "en",
        {
            "name": "Ningbo Harbour Hardware Co., Ltd.",
            "industry": "C33",
            "region": "CN-ZJ",
            "company_size": "small",
            "employees": 85,
            "maturity_level": 2,
            "description": "Stamped and machined hardware for appliance makers; exports to Europe.",
        },
    ),
    # Vendor accounts join the organisations of bundled plug-ins (matched by credit code).
    ("vendor@shuzhuan.demo", "刘晓峰", Role.VENDOR, "zh", {"uscc": "91360111MAHY0AFQ40"}),
]


def demo_accounts() -> list[tuple[str, str, str]]:
    """(email, role, organisation) of every demo account, for the console."""
    rows = db.session.execute(
        sa.select(User.email, User.role, Organisation.name)
        .join(Organisation, User.organisation_id == Organisation.id, isouter=True)
        .where(User.email.like("%@shuzhuan.demo"))
        .order_by(User.role, User.email)
    )
    return [(email, str(role), org or "") for email, role, org in rows]


def load_demo() -> int:
    """Add whatever demo records are missing; return how many were created."""
    from flask import current_app

    from app.services.plugin_sync import sync_plugins
    from plugins.manager import discover

    report = sync_plugins(
        discover(folders=current_app.config["PLUGIN_FOLDERS"]), auto_publish_bundled=True
    )
    created = len(report.created)
    for email, name, role, locale, org in DEMO_USERS:
        if accounts.email_taken(email):
            continue
        if role == Role.ADMIN:
            user = accounts.create_admin(email, DEMO_PASSWORD, name)
        elif "uscc" in org:
            user = accounts.join_organisation(
                email=email, password=DEMO_PASSWORD, name=name, role=role, uscc=org["uscc"]
            )
        else:
            user = accounts.register(
                email=email,
                password=DEMO_PASSWORD,
                name=name,
                role=role,
                organisation=org,
                locale=locale,
            )
            if role == Role.VENDOR:
                user.organisation.verification = Verification.VERIFIED
        user.locale = locale
        created += 1
    db.session.flush()
    return created
