"""Instant estimate for the job-shop scheduler: yearly fee by scheduled machines."""

from __future__ import annotations

import re

from plugins.toolkit import Estimate, Need, hookimpl

BASE_FEE = 12_000  # per year: planner seats, order import, mobile reporting
PER_MACHINE = 900  # per scheduled machine per year
ONBOARDING = 6_000  # routing set-up and training, first year only
MACHINES_BY_SIZE = {"micro": 8, "small": 30, "medium": 80}

_MACHINE_RE = re.compile(
    r"(\d+)\s*(?:台|个)?\s*(?:机床|设备|加工中心|数控|CNC|车床|铣床|冲床|折弯机)"
    r"|(\d+)\s*(?:machines?|machine tools|CNCs?|lathes)\b",
    re.IGNORECASE,
)


@hookimpl
def estimate(need: Need) -> Estimate:
    """Yearly fee plus onboarding, priced by the number of machines to schedule."""
    match = _MACHINE_RE.search(need.text)
    if match:
        machines = int(match.group(1) or match.group(2))
        basis = f"按需求中提到的 {machines} 台设备估算"
    else:
        machines = MACHINES_BY_SIZE.get(need.company_size or "", 30)
        basis = f"未注明设备数量，按 {machines} 台估算"
    first_year = BASE_FEE + PER_MACHINE * machines + ONBOARDING
    return Estimate(
        price_min=first_year,
        price_max=first_year + 8_000,  # ERP interface, when one is needed
        delivery_weeks=3 if machines <= 30 else 5,
        assumptions=(basis, "首年含实施培训费 6000 元", "如需对接 ERP，另加最多 8000 元"),
    )
