"""Energy-monitoring estimate by metering points."""

from __future__ import annotations

import re

from plugins.toolkit import Estimate, Need, hookimpl

BASE = 9_600  # platform, carbon reports and one gateway per year
PER_POINT = 1_100  # leased meter or CT set, data and support per year
POINTS_BY_SIZE = {"micro": 8, "small": 20, "medium": 60}
_POINTS = re.compile(
    r"(\d+)\s*(?:metering points|meters|sub-?meters|circuits|feeders)\b"
    r"|(\d+)\s*(?:个|块|路)\s*(?:电表|计量点|回路)",
    re.IGNORECASE,
)


@hookimpl
def estimate(need: Need) -> Estimate:
    """Base fee plus metering points; installation work varies with the switchboards."""
    match = _POINTS.search(need.text)
    points = int(match.group(1) or match.group(2)) if match else None
    basis = f"{points} metering points, as stated" if points else None
    if points is None:
        points = POINTS_BY_SIZE.get(need.company_size or "", 20)
        basis = f"{points} metering points (typical for the company size)"
    price = BASE + PER_POINT * points
    return Estimate(
        price_min=price,
        price_max=int(price * 1.25),
        delivery_weeks=3 if points <= 30 else 6,
        assumptions=(basis, "installation during a planned stop", "meters leased, not bought"),
    )
