"""Data for the API tests, as a client would send it (the values are tests.data's)."""

from __future__ import annotations

from datetime import date

from tests import data
from tests.data import PASSWORD, uscc


def account(role: str, **org) -> dict:
    n = data.serial()
    organisation = (
        data.sme_organisation(**org)
        if role == "sme"
        else data.vendor_organisation(**{"uscc": uscc(), **org})
    )
    return {
        "email": f"{role}{n}@api.example.com",
        "password": PASSWORD,
        "name": "Li Wei" if role == "sme" else "Zhou Ming",
        "role": role,
        "organisation": organisation,
    }


def plugin(**fields) -> dict:
    return {"id": f"dye-planner-{data.serial()}", "version": "1.0.0", **data.offering(**fields)}


def need(**fields) -> dict:
    return data.need(**{"capabilities": ["production.planning"], **fields})


def quote(**fields) -> dict:
    terms = data.quote_terms(**fields)
    if isinstance(terms["valid_until"], date):
        terms["valid_until"] = terms["valid_until"].isoformat()
    return terms


def review(**fields) -> dict:
    return data.review(**fields)
