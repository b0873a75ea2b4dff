"""The application pack an SME hands to a programme office: the need, the awarded quote,
the vendor's unified social credit code, the subsidy committed and the assessment taken
before the award, as CSV (opens in Excel and WPS; UTF-8 with a byte-order mark so Chinese
shows correctly)."""

from __future__ import annotations

import csv
import io

from flask_babel import gettext as _

from app.i18n import code_label, current_lang
from app.models import PRICE_PARTS, Need, User
from app.services import assessment as assessments
from app.services import subsidies

PART_LABELS = {
    "licence": lambda: _("Licence"),
    "implementation": lambda: _("Implementation"),
    "training": lambda: _("Training"),
    "annual_fees": lambda: _("Annual fees"),
}


def rows(user: User, need: Need) -> list[tuple[str, str, str]]:
    """(section, field, value) rows of the pack, labelled in the reader's language."""
    commitment = subsidies.get_commitment_for_viewer(user, need)
    lang = current_lang()
    programme, quote, org = commitment.programme, commitment.quote, commitment.organisation
    vendor = quote.vendor
    out: list[tuple[str, str, str]] = []

    def add(section: str, field: str, value) -> None:
        out.append((section, field, "" if value is None else str(value)))

    s = _("Programme")
    add(s, _("Name"), programme.name(lang))
    add(s, _("Sponsor"), programme.sponsor)
    add(s, _("Share of eligible cost"), f"{programme.share_percent}%")
    add(s, _("Cap per enterprise (CNY)"), programme.cap_per_sme)
    if programme.min_maturity_after:
        add(s, _("Maturity level to reach after the project"), programme.min_maturity_after)
    s = _("Enterprise")
    add(s, _("Name"), org.name)
    add(s, _("Unified social credit code"), org.uscc)
    add(s, _("Industry"), code_label("industry", org.industry) if org.industry else "")
    add(s, _("Province"), code_label("region", org.region) if org.region else "")
    add(s, _("Company size"), code_label("size", org.company_size) if org.company_size else "")
    add(s, _("Employees"), org.employees)
    s = _("Need")
    add(s, _("Title"), need.title)
    add(s, _("Description"), need.description)
    add(s, _("Posted"), need.created_at.date().isoformat())
    s = _("Awarded quote")
    add(s, _("Solution"), quote.rfq.listing.name)
    add(s, _("Vendor"), vendor.name)
    add(s, _("Vendor's unified social credit code"), vendor.uscc)
    add(s, _("Vendor verified"), _("yes") if str(vendor.verification) == "verified" else _("no"))
    for part in PRICE_PARTS:
        add(s, PART_LABELS[part](), getattr(quote, part))
    add(s, _("First-year total (CNY)"), quote.first_year_total)
    add(s, _("Delivery (weeks)"), quote.delivery_weeks)
    add(s, _("Scope"), quote.scope)
    add(s, _("Awarded on"), commitment.engagement.created_at.date().isoformat())
    s = _("Subsidy")
    add(s, _("Eligible cost (CNY)"), commitment.eligible_cost)
    add(s, _("Subsidy committed (CNY)"), commitment.amount)
    add(s, _("Price after subsidy (CNY)"), commitment.full_price - commitment.amount)
    s = _("Assessment before the project")
    before = commitment.assessment or assessments.before(org.id, commitment.created_at)
    if before is None:
        add(s, _("Result"), _("No self-assessment was taken before the award."))
    else:
        edition = assessments.edition_of(before)
        add(s, _("Questionnaire edition"), edition.edition)
        add(s, _("Taken on"), before.created_at.date().isoformat())
        add(s, _("Total score"), before.total)
        add(s, _("Level"), before.level)
        for dim in edition.dimensions:
            add(s, dim.name(lang), f"{before.dimension_scores[dim.code]} / {dim.weight}")
    return out


def csv_text(user: User, need: Need) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Section"), _("Field"), _("Value")])
    writer.writerows(rows(user, need))
    return "\ufeff" + buffer.getvalue()
