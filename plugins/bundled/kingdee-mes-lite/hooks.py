"""Eligibility and estimate for the MES that runs on top of Kingdee K/3 Cloud."""

from __future__ import annotations

import re

from plugins.toolkit import Eligibility, Estimate, Need, hookimpl

_KINGDEE = re.compile(r"金蝶|kingdee|k/3\s*cloud|k3\s*cloud|云·?星空", re.IGNORECASE)
_OTHER_ERP = re.compile(r"用友|U8|NC\s*Cloud|SAP|鼎捷|易飞|浪潮|Oracle|Odoo|管家婆", re.IGNORECASE)
_WORKSTATION_RE = re.compile(r"(\d+)\s*(?:个|台)?\s*(?:工位|工序|产线|生产线|机台)")


@hookimpl
def check_eligibility(need: Need) -> Eligibility | None:
    """Needs Kingdee K/3 Cloud or Cloud Galaxy; other ERPs are told which edition to pick."""
    if _KINGDEE.search(need.text):
        return Eligibility(True, "已使用金蝶 ERP，可直接对接生产订单、BOM 和入库")
    other = _OTHER_ERP.search(need.text)
    if other:
        return Eligibility(
            False, f"需要金蝶 K/3 Cloud 或云·星空（需求中提到的是 {other.group(0)}），请选通用版"
        )
    return None


@hookimpl
def estimate(need: Need) -> Estimate:
    """Base licence plus terminals per workstation."""
    match = _WORKSTATION_RE.search(need.text)
    stations = int(match.group(1)) if match else {"medium": 40}.get(need.company_size or "", 15)
    price = 38_000 + 2_600 * stations
    return Estimate(
        price_min=price,
        price_max=price + 25_000,  # optional data-acquisition boxes
        delivery_weeks=6 if stations <= 30 else 10,
        assumptions=(
            f"按 {stations} 个工位估算" + ("" if match else "（需求中未注明）"),
            "已上线金蝶 K/3 Cloud 或云·星空 V7.5 及以上",
            "上限含设备数据采集盒子",
        ),
    )
