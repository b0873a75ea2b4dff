"""Estimate by MLPS level and number of systems; log incoming requests for the sales desk."""

from __future__ import annotations

import logging
import re

from plugins.toolkit import Estimate, Need, RfqInfo, hookimpl

logger = logging.getLogger(__name__)

# Consulting and remediation per system; the test lab's own fee is quoted separately.
PER_SYSTEM = {2: 32_000, 3: 68_000}
_LEVEL3 = re.compile(r"三级|3\s*级|level\s*3|三级等保", re.IGNORECASE)
_SYSTEMS = re.compile(
    r"(\d+)\s*(?:个|套)\s*(?:系统|业务系统|应用)|(\d+)\s*systems?\b", re.IGNORECASE
)


@hookimpl
def estimate(need: Need) -> Estimate:
    """Level 2 unless level 3 is asked for; one system unless more are named."""
    level = 3 if _LEVEL3.search(need.text) else 2
    match = _SYSTEMS.search(need.text)
    systems = int(match.group(1) or match.group(2)) if match else 1
    # Each further system shares the policies and the gap analysis: 60 % of the first.
    price = int(PER_SYSTEM[level] * (1 + 0.6 * (systems - 1)))
    return Estimate(
        price_min=price,
        price_max=int(price * 1.35),  # the upper end includes on-prem security appliances
        delivery_weeks=8 if level == 2 else 12,
        assumptions=(
            f"等保{'三' if level == 3 else '二'}级，{systems} 个系统",
            "不含测评机构的测评费（通常二级 2-4 万元、三级 5-8 万元）",
            "上限含代采购的日志审计或堡垒机",
        ),
    )


@hookimpl
def rfq_received(rfq: RfqInfo) -> None:
    """Our sales desk reads the portal's log stream; note the level asked for."""
    level = "三级" if _LEVEL3.search(rfq.need.text) else "二级或未注明"
    logger.info("收到询价 %s：地区 %s，等保%s", rfq.id, rfq.need.region or "未注明", level)
