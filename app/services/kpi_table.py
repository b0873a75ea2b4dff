"""The KPIs an SME can measure an engagement by, kept as data: each with its English and
Chinese name, its unit and whether higher is better, offered per capability code of
:mod:`matching.taxonomy` (``GENERIC`` for every engagement, and alone when none applies).

A KPI in per cent (``unit_en == "%"``) changes by points; the others by a relative change.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Kpi:
    code: str
    en: str
    zh: str
    unit_en: str
    unit_zh: str
    higher_is_better: bool
    high: float = 1_000_000  # a tighter bound than app.models.fields.KPI_VALUE's

    @property
    def is_percent(self) -> bool:
        return self.unit_en == "%"

    def name(self, lang: str) -> str:
        return self.zh if lang == "zh" else self.en

    def unit(self, lang: str) -> str:
        return self.unit_zh if lang == "zh" else self.unit_en


def _percent(code: str, en: str, zh: str, *, higher_is_better: bool) -> Kpi:
    return Kpi(code, en, zh, "%", "%", higher_is_better, high=100)


KPIS: dict[str, Kpi] = {
    kpi.code: kpi
    for kpi in (
        _percent("on_time_delivery", "On-time delivery", "准时交付率", higher_is_better=True),
        Kpi("lead_time", "Lead time", "生产周期", "days", "天", False),
        Kpi(
            "order_processing_time", "Order processing time", "订单处理时长", "hours", "小时", False
        ),
        Kpi("energy_per_tonne", "Energy per tonne", "吨产品能耗", "kWh/t", "千瓦时/吨", False),
        Kpi("co2_per_tonne", "CO₂ per tonne", "吨产品碳排放", "kg/t", "千克/吨", False),
        _percent("scrap_rate", "Scrap rate", "废品率", higher_is_better=False),
        _percent("first_pass_yield", "First-pass yield", "一次合格率", higher_is_better=True),
        _percent("oee", "Overall equipment effectiveness", "设备综合效率", higher_is_better=True),
        Kpi(
            "unplanned_downtime",
            "Unplanned downtime",
            "非计划停机",
            "hours/month",
            "小时/月",
            False,
        ),
        _percent("inventory_accuracy", "Inventory accuracy", "库存准确率", higher_is_better=True),
        Kpi("inventory_turns", "Inventory turns", "库存周转次数", "per year", "次/年", True),
        Kpi("customer_complaints", "Customer complaints", "客户投诉", "per month", "件/月", False),
        Kpi(
            "service_response_time", "Service response time", "售后响应时长", "hours", "小时", False
        ),
        _percent(
            "online_sales_share", "Online share of sales", "线上销售占比", higher_is_better=True
        ),
        Kpi("month_end_close", "Month-end close", "月结用时", "days", "天", False),
        Kpi("report_time", "Time to prepare a report", "报表编制用时", "hours", "小时", False),
        Kpi("design_cycle", "Design cycle", "设计周期", "days", "天", False),
        Kpi("safety_incidents", "Safety incidents", "安全事故", "per year", "起/年", False),
    )
}

GENERIC = ("on_time_delivery", "lead_time", "order_processing_time")

BY_CAPABILITY: dict[str, tuple[str, ...]] = {
    "rd.design": ("design_cycle",),
    "production.mes": ("on_time_delivery", "scrap_rate", "first_pass_yield", "oee"),
    "production.planning": ("on_time_delivery", "lead_time", "oee"),
    "production.iiot": ("oee", "unplanned_downtime"),
    "equipment.maintenance": ("unplanned_downtime", "oee"),
    "quality.inspection": ("scrap_rate", "first_pass_yield", "customer_complaints"),
    "quality.traceability": ("first_pass_yield", "customer_complaints"),
    "energy.management": ("energy_per_tonne", "co2_per_tonne"),
    "safety.ehs": ("safety_incidents",),
    "supply.warehouse": ("inventory_accuracy", "inventory_turns", "order_processing_time"),
    "supply.logistics": ("on_time_delivery", "lead_time"),
    "supply.procurement": ("lead_time", "inventory_turns"),
    "sales.crm": ("service_response_time", "customer_complaints"),
    "sales.ecommerce": ("online_sales_share", "order_processing_time"),
    "sales.marketing": ("online_sales_share",),
    "finance.erp": ("inventory_accuracy", "month_end_close", "order_processing_time"),
    "finance.accounting": ("month_end_close",),
    "data.analytics": ("report_time",),
    "data.ai": ("scrap_rate", "energy_per_tonne"),
    "data.twin": ("oee", "design_cycle"),
}


def kpis_for(capabilities: list[str]) -> list[Kpi]:
    """The KPIs offered for these capability codes, then the generic ones, each once."""
    codes: list[str] = []
    for capability in capabilities:
        codes.extend(BY_CAPABILITY.get(capability, ()))
    codes.extend(GENERIC)
    return [KPIS[code] for code in dict.fromkeys(codes)]
