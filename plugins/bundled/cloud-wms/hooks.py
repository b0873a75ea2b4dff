"""Estimate the yearly subscription by warehouse area; log incoming requests."""

from __future__ import annotations

import logging
import re

from plugins.toolkit import Estimate, Need, RfqInfo, hookimpl

logger = logging.getLogger(__name__)

# (largest area in m², yearly fee in CNY): the price list on our website.
TIERS = ((500, 6_800), (2_000, 16_800), (5_000, 32_000), (10_000, 58_000), (20_000, 96_000))
AREA_BY_SIZE = {"micro": 400, "small": 1_500, "medium": 6_000}
_AREA = re.compile(r"(\d[\d,]*)\s*(?:平方米|平米|㎡|m2|m²|sqm|square met(?:er|re)s)", re.IGNORECASE)


@hookimpl
def estimate(need: Need) -> Estimate | None:
    """The tier of the warehouse area named in the need (or typical for the company size)."""
    match = _AREA.search(need.text)
    area = (
        int(match.group(1).replace(",", "")) if match else AREA_BY_SIZE.get(need.company_size or "")
    )
    if area is None:
        return None
    fee = next((fee for limit, fee in TIERS if area <= limit), None)
    if fee is None:
        return None  # over 20 000 m² we quote after a site visit
    return Estimate(
        price_min=fee,
        price_max=fee + 3_000,  # scanners and label printers, if bought through us
        delivery_weeks=2 if area <= 5_000 else 4,
        assumptions=(
            f"仓库面积约 {area} 平方米" + ("" if match else "（按企业规模推断）"),
            "含 10 个账号，每增加 5 个账号加 1200 元/年",
        ),
    )


@hookimpl
def rfq_received(rfq: RfqInfo) -> None:
    """Record the request for our customer-success team, who call back within a day."""
    logger.info(
        "cloud-wms RFQ %s received: %s", rfq.id, (rfq.need.title or rfq.need.description)[:80]
    )
