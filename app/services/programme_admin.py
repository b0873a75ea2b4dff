"""Subsidy programmes as an admin defines them: their rules, checked and stored, and which
programmes are running.

Rules of a programme: SME regions, industries and sizes (empty = any); eligible capabilities
of the solution; which price parts count as eligible cost; a share of that cost, capped per
SME over the whole programme; a total budget; validity dates; and conditions: a verified
vendor, a solution listed in the catalogue, a minimum maturity level to reach after the
project. What a programme does for a need and a quote is :mod:`app.services.subsidies`.
Nothing here commits.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import InvalidInput, NotFound
from app.extensions import db
from app.i18n import money
from app.models import (
    PRICE_PARTS,
    Organisation,
    OrgKind,
    Programme,
    User,
)
from app.services import audit
from app.services.notify import members, notify_all
from app.services.roles import require_admin
from matching import taxonomy

MAX_AMOUNT = 1_000_000_000
MAX_NAME = 200


def clean_programme(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Validate a programme's fields; InvalidInput names every bad field."""
    errors: dict[str, list[str]] = {}
    values: dict[str, Any] = {}
    for name in ("name_zh", "name_en"):
        text = str(fields.get(name) or "").strip()
        if not text:
            errors[name] = [_("Give the programme a name in both languages.")]
        elif len(text) > MAX_NAME:
            errors[name] = [_("At most %(n)s characters.", n=MAX_NAME)]
        values[name] = text
    values["sponsor"] = str(fields.get("sponsor") or "").strip()[:MAX_NAME]
    values["description"] = str(fields.get("description") or "").strip()[:5000]
    vocabularies = {
        "regions": taxonomy.REGIONS,
        "industries": taxonomy.INDUSTRIES,
        "company_sizes": taxonomy.COMPANY_SIZES,
        "capabilities": taxonomy.CAPABILITIES,
        "eligible_parts": PRICE_PARTS,
    }
    for name, known in vocabularies.items():
        codes = list(dict.fromkeys(fields.get(name) or []))
        unknown = [c for c in codes if c not in known]
        if unknown:
            errors[name] = [_("Unknown codes: %(codes)s", codes=", ".join(map(str, unknown)))]
        values[name] = codes
    if not values["eligible_parts"] and "eligible_parts" not in errors:
        values["eligible_parts"] = list(PRICE_PARTS)
    for name, low, high in (
        ("share_percent", 1, 100),
        ("cap_per_sme", 1, MAX_AMOUNT),
        ("budget_total", 1, MAX_AMOUNT),
    ):
        raw = fields.get(name)
        try:
            if isinstance(raw, bool):
                raise ValueError
            value = int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            errors[name] = [_("Enter a whole number.")]
            continue
        if not low <= value <= high:
            errors[name] = [_("Must be between %(low)s and %(high)s.", low=low, high=high)]
            continue
        values[name] = value
    for name in ("starts_on", "ends_on"):
        raw = fields.get(name)
        if isinstance(raw, str):
            try:
                raw = date.fromisoformat(raw)
            except ValueError:
                raw = None
        if not isinstance(raw, date):
            errors[name] = [_("Enter a date.")]
        values[name] = raw
    dated = "starts_on" not in errors and "ends_on" not in errors
    if dated and values["ends_on"] < values["starts_on"]:
        errors["ends_on"] = [_("The programme must end after it starts.")]
    level = fields.get("min_maturity_after")
    if level in (None, "", 0):
        values["min_maturity_after"] = None
    else:
        try:
            values["min_maturity_after"] = int(level)
            if values["min_maturity_after"] not in taxonomy.MATURITY_LEVELS:
                raise ValueError
        except (TypeError, ValueError):
            errors["min_maturity_after"] = [_("Choose a level from 1 to 4.")]
    for name in ("require_verified_vendor", "require_listed_solution"):
        values[name] = bool(fields.get(name, True))
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    return values


def create_programme(user: User, fields: Mapping[str, Any]) -> Programme:
    """A new programme; the SMEs it is for hear about it."""
    require_admin(user)
    programme = Programme(**clean_programme(fields), committed=0, created_by_id=user.id)
    db.session.add(programme)
    db.session.flush()
    audit.record(
        user,
        "programme.created",
        programme,
        name=programme.name_en,
        budget=programme.budget_total,
        share=programme.share_percent,
    )
    notify_all(
        _sme_members_for(programme),
        "programme.opened",
        link=f"/programmes/{programme.id}",
        name_zh=programme.name_zh,
        name_en=programme.name_en,
    )
    return programme


def update_programme(user: User, programme: Programme, fields: Mapping[str, Any]) -> Programme:
    """Change a programme's rules; the budget can never drop below what is committed."""
    require_admin(user)
    values = clean_programme(fields)
    if values["budget_total"] < programme.committed:
        raise InvalidInput(
            _("Please correct the marked fields."),
            {
                "budget_total": [
                    _(
                        "At least the %(amount)s already committed.",
                        amount=money(programme.committed),
                    )
                ]
            },
        )
    changed = sorted(k for k, v in values.items() if getattr(programme, k) != v)
    for name, value in values.items():
        setattr(programme, name, value)
    audit.record(user, "programme.edited", programme, changed=changed)
    return programme


def _sme_members_for(programme: Programme) -> list[User]:
    query = sa.select(Organisation.id).where(Organisation.kind == OrgKind.SME)
    if programme.regions:
        query = query.where(Organisation.region.in_(programme.regions))
    if programme.industries:
        query = query.where(Organisation.industry.in_(programme.industries))
    return [user for org_id in db.session.scalars(query) for user in members(org_id)]


def get_programme(programme_id: int) -> Programme:
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise NotFound(_("No such programme."))
    return programme


def all_programmes() -> list[Programme]:
    return list(
        db.session.scalars(sa.select(Programme).order_by(Programme.ends_on.desc(), Programme.id))
    )


def running(programme: Programme, today: date | None = None) -> bool:
    today = today or date.today()
    return programme.starts_on <= today <= programme.ends_on


def active_programmes(today: date | None = None) -> list[Programme]:
    today = today or date.today()
    return list(
        db.session.scalars(
            sa.select(Programme)
            .where(Programme.starts_on <= today, Programme.ends_on >= today)
            .order_by(Programme.ends_on, Programme.id)
        )
    )
