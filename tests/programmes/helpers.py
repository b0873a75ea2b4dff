"""Shared set-ups for the programme tests: answers to the questionnaire, a programme."""

from __future__ import annotations

from datetime import date, timedelta

from app.extensions import db
from app.models import Programme, User
from app.services import assessment, programme_admin


def answers(choice: int | dict[str, int] = 0, **by_item: int) -> dict[str, str]:
    """The same option for every question (or per item), as the form posts them."""
    edition = assessment.current_edition()
    base = {item.id: str(choice) for item in edition.items}
    base.update({k: str(v) for k, v in by_item.items()})
    return base


def programme(admin: User, **changes) -> Programme:
    fields = {
        "name_zh": "赣州纺织业数字化转型专项",
        "name_en": "Ganzhou textile digitalisation grant",
        "sponsor": "赣州市中小企业服务中心",
        "regions": ["CN-JX"],
        "industries": ["C17"],
        "company_sizes": ["small", "medium"],
        "capabilities": ["production.planning", "production.mes"],
        "eligible_parts": ["licence", "implementation", "training"],
        "share_percent": 30,
        "cap_per_sme": 50000,
        "budget_total": 200000,
        "starts_on": date.today() - timedelta(days=1),
        "ends_on": date.today() + timedelta(days=180),
        "require_verified_vendor": True,
        "require_listed_solution": True,
        "min_maturity_after": 2,
        **changes,
    }
    item = programme_admin.create_programme(admin, fields)
    db.session.commit()
    return item
