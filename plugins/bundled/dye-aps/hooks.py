"""Instant estimate for the dyeing-house scheduling system: priced by dyeing machines."""

from __future__ import annotations

import re

from plugins.toolkit import Eligibility, Estimate, Need, hookimpl

BASE_PRICE = 48_000  # scheduling core, order import, training of planners
PER_MACHINE = 3_800  # machine set-up, process parameters, controller interface
MACHINES_BY_SIZE = {"micro": 4, "small": 12, "medium": 30}
DYEING_INDUSTRIES = {"C17", "C18", "C28"}

_ZH_DIGITS = {
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_MACHINE_RE = re.compile(
    r"(\d+|[一二两三四五六七八九十]+)\s*(?:台|个|部)?\s*"
    r"(?:染缸|染色机|溢流机|溢流染色机|气流缸|气流染色机|筒子纱染色机|染机)"
    r"|(\d+)\s*(?:dyeing machines?|dye machines?|dyeing vessels?|jet dyeing machines?|jets?)\b",
    re.IGNORECASE,
)
_DYE_WORDS = re.compile(r"染|印染|dye|dyeing", re.IGNORECASE)


def _zh_number(text: str) -> int:
    """Chinese numerals up to 99 (十二, 二十, 三十五), as owners write machine counts."""
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return _ZH_DIGITS.get(tens, 1) * 10 + _ZH_DIGITS.get(ones, 0)
    return _ZH_DIGITS.get(text, 0)


def dyeing_machines(need: Need) -> int | None:
    """The number of dyeing machines the need mentions, if any."""
    match = _MACHINE_RE.search(need.text)
    if not match:
        return None
    count = _zh_number(match.group(1)) if match.group(1) else int(match.group(2))
    return count or None


@hookimpl
def estimate(need: Need) -> Estimate:
    """Price = base + per machine, ±15 %; bigger plants take longer to go live."""
    machines = dyeing_machines(need)
    assumptions = []
    if machines is None:
        machines = MACHINES_BY_SIZE.get(need.company_size or "", 12)
        assumptions.append(f"未注明染色机台数，按 {machines} 台估算")
    else:
        assumptions.append(f"按需求中提到的 {machines} 台染色机估算")
    list_price = BASE_PRICE + PER_MACHINE * machines
    weeks = 6 + (machines + 9) // 10
    assumptions += [
        "含部署、工艺参数梳理、计划员培训和 3 个月陪跑",
        "与染色机中控系统对接按每个品牌另计",
    ]
    return Estimate(
        price_min=int(round(list_price * 0.85, -2)),
        price_max=int(round(list_price * 1.15, -2)),
        delivery_weeks=weeks,
        assumptions=assumptions,
    )


@hookimpl
def check_eligibility(need: Need) -> Eligibility | None:
    """Made for dyeing and finishing houses; other plants are told so."""
    if need.industry in DYEING_INDUSTRIES or _DYE_WORDS.search(need.text):
        return Eligibility(True, "适用于有染色工序的纺织、服装和化纤企业")
    if need.industry is None:
        return None
    return Eligibility(False, "本系统专为印染、染整车间设计，需要有染色机台和染色工艺")
