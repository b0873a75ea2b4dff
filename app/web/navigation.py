"""Role-aware navigation: each role sees the pages it may use, in the reader's language."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from app.models import Role

ANYONE = None

# (endpoint, label, roles that see it; None = everyone). Entries whose blueprint is not
# registered are skipped, so the menu grows with the features.
NAV = [
    ("catalogue.index", _l("Solutions"), ANYONE),
    ("needs.index", _l("My needs"), {Role.SME}),
    ("programmes.assessment_home", _l("Maturity check"), {Role.SME}),
    ("programmes.pools_index", _l("Pooled requests"), {Role.SME}),
    ("programmes.index", _l("Subsidy programmes"), {Role.SME, Role.ADMIN}),
    ("vendor.inbox", _l("Requests for quotes"), {Role.VENDOR}),
    ("listings.index", _l("My plug-ins"), {Role.VENDOR}),
    ("vendor.dashboard", _l("Dashboard"), {Role.VENDOR}),
    ("admin.dashboard", _l("Administration"), {Role.ADMIN}),
]

# Where each role lands after logging in: its work, not the marketing home page.
HOME = {Role.SME: "needs.index", Role.VENDOR: "vendor.inbox", Role.ADMIN: "admin.dashboard"}

ROLE_LABELS = {Role.SME: _l("Enterprise"), Role.VENDOR: _l("Vendor"), Role.ADMIN: _l("Admin")}


def nav_items() -> list[tuple[str, str, set | None]]:
    role = current_user.role if current_user.is_authenticated else None
    return [
        (endpoint, label, roles)
        for endpoint, label, roles in NAV
        if endpoint in current_app.view_functions and (roles is ANYONE or role in roles)
    ]


def role_label(role: Role | str) -> str:
    return str(ROLE_LABELS.get(Role(role), role))


def home_endpoint(role: Role | str) -> str:
    endpoint = HOME.get(Role(role), "main.index")
    return endpoint if endpoint in current_app.view_functions else "main.index"
