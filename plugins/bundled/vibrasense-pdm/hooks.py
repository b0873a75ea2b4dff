"""Predictive-maintenance estimate by monitored assets, and the minimum deployment check."""

from __future__ import annotations

import re

from plugins.toolkit import Eligibility, Estimate, Need, hookimpl

PER_ASSET = 2_400  # per monitored asset per year, sensor included
GATEWAY = 4_800  # per site, one-off
MIN_ASSETS = 5  # below this a gateway and onboarding do not pay off for the customer
ASSETS_BY_SIZE = {"micro": 6, "small": 15, "medium": 40}

_ASSETS = re.compile(
    r"(\d+)\s*(?:critical\s+)?(?:machines?|motors?|pumps?|fans?|compressors?|gearboxes|assets)\b"
    r"|(\d+)\s*(?:台|个)\s*(?:设备|电机|水泵|风机|空压机|减速机)",
    re.IGNORECASE,
)


def _assets(need: Need) -> int | None:
    match = _ASSETS.search(need.text)
    return int(match.group(1) or match.group(2)) if match else None


@hookimpl
def estimate(need: Need) -> Estimate:
    """Yearly fee per asset plus one gateway; the upper end adds a second site."""
    assets = _assets(need)
    basis = f"{assets} monitored assets, as stated in the request"
    if assets is None:
        assets = ASSETS_BY_SIZE.get(need.company_size or "", 15)
        basis = f"{assets} monitored assets (typical for the company size; not stated)"
    assets = max(assets, MIN_ASSETS)
    price = PER_ASSET * assets + GATEWAY
    return Estimate(
        price_min=price,
        price_max=price + GATEWAY + 6_000,  # second gateway and an on-site visit
        delivery_weeks=2 if assets <= 20 else 4,
        assumptions=(basis, "4G or Wi-Fi coverage at the machines", "sensors included"),
    )


@hookimpl
def check_eligibility(need: Need) -> Eligibility | None:
    """Deployments start at five monitored assets."""
    assets = _assets(need)
    if assets is None:
        return None
    if assets < MIN_ASSETS:
        return Eligibility(False, f"minimum deployment is {MIN_ASSETS} monitored assets")
    return Eligibility(True, f"{assets} assets can be monitored with one gateway per site")
