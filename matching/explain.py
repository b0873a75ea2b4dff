"""One plain sentence per match in the need's language (zh or en)."""

from __future__ import annotations

from matching.taxonomy import CAPABILITIES, INDUSTRIES, REGIONS, label
from matching.text import detect_lang
from matching.types import Need, Offering

# Each phrase of the sentence, (English, Chinese).
_PHRASES = {
    "what": ("{} for your need", "为您的需求提供{}"),
    "what_unknown": ("For your need", "针对您的需求"),
    "fits": (" — {}", "——{}"),
    "but": (" — but {}", "；但{}"),
    "terms": ("matches your words {}", "与您写的{}相符"),
    "budget_ok": ("within budget (from ¥{:,} vs ¥{:,})", "在预算内（¥{:,} 起，预算 ¥{:,}）"),
    "budget_over": (
        "from ¥{:,}: {:.0%} over the ¥{:,} budget",
        "¥{:,} 起，超出预算 ¥{:,} 的 {:.0%}",
    ),
    "region_local": ("on-site delivery in {}", "可在{}上门实施"),
    "region_remote": ("nationwide / remote delivery", "全国 / 远程交付"),
    "region_far": ("no on-site delivery in {}", "不在{}上门实施"),
    "industry": ("serves your industry ({})", "服务本行业（{}）"),
    "size_off": ("aimed at other company sizes", "面向其他规模的企业"),
    "slow": ("goes live in {} weeks (wanted {})", "上线需 {} 周（期望 {} 周）"),
    "quality": ("verified reviews {:.1f}/5", "认证评价 {:.1f}/5"),
    "precedent": ("chosen for needs like yours", "与您相似的需求选用过"),
    "over_budget_limit": (
        "Dropped: from ¥{price:,.0f}, more than {ratio:g}× the ¥{budget:,} budget",
        "已排除：¥{price:,.0f} 起，超过预算 ¥{budget:,} 的 {ratio:g} 倍",
    ),
    "no_onsite_in_region": (
        "Demoted: needs on-site work but does not deliver in {region}",
        "已降权：需上门实施，但不覆盖{region}",
    ),
}
SEP = {"en": "; ", "zh": "；"}
# The precedent view (likeness × grade) from which "chosen for needs like yours" is said:
# a past need about as alike as a reworded one that chose it as good or ideal.
PRECEDENT_SAID = 0.3


def lang_of(need: Need) -> str:
    """The language explanations are written in for ``need``."""
    return need.lang or detect_lang(need.text)


def t(key: str, lang: str, *args, **kwargs) -> str:
    return _PHRASES[key][1 if lang == "zh" else 0].format(*args, **kwargs)


def reason_text(code: str, facts: dict, lang: str, *, dropped: bool) -> str:
    """One sentence for a drop or demotion reason."""
    facts = dict(facts)
    if "region" in facts:
        facts["region"] = label(REGIONS, facts["region"], lang)
    text = t(code, lang, **facts)
    if not dropped:  # a policy may demote what the default drops, and vice versa
        text = text.replace("Dropped", "Demoted").replace("已排除", "已降权")
    else:
        text = text.replace("Demoted", "Dropped").replace("已降权", "已排除")
    return text


def explain(
    need: Need,
    offering: Offering,
    components: dict[str, float],
    matched_terms: list[str],
    matched_caps: list[str],
    reasons: list[str],
    quality: float | None,
    lang: str | None = None,
) -> str:
    """One plain sentence: what the offering does for this need, why it fits, what does not.

    "Production planning for your need — matches “染缸”, “排产”; on-site delivery in
    Jiangxi; within budget (from ¥30,000 vs ¥100,000) — but goes live in 14 weeks
    (wanted 12)." Demotion reasons come first among what does not fit.
    """
    lang = lang or lang_of(need)
    zh = lang == "zh"
    fits: list[str] = []
    # A reason is a sentence elsewhere ("Demoted: …"); inside this one it is a clause.
    misfits: list[str] = [r if zh else r[:1].lower() + r[1:] for r in reasons]
    if matched_terms:
        quoted = ("、" if zh else ", ").join(f"“{w}”" for w in matched_terms[:4])
        fits.append(t("terms", lang, quoted))
    if components.get("precedent", 0.0) >= PRECEDENT_SAID:
        fits.append(t("precedent", lang))
    price = offering.price_min if offering.price_min is not None else offering.price_max
    if need.budget_max and price is not None:
        if price <= need.budget_max:
            fits.append(t("budget_ok", lang, price, need.budget_max))
        else:
            over = price / need.budget_max - 1
            args = (price, need.budget_max, over) if zh else (price, over, need.budget_max)
            misfits.append(t("budget_over", lang, *args))
    if need.region:
        if need.region in offering.regions:
            fits.append(t("region_local", lang, label(REGIONS, need.region, lang)))
        elif "*" in offering.regions:
            fits.append(t("region_remote", lang))
        elif offering.regions and not any("on-site" in r or "上门" in r for r in reasons):
            misfits.append(t("region_far", lang, label(REGIONS, need.region, lang)))
    if need.industry and need.industry in offering.industries:
        fits.append(t("industry", lang, label(INDUSTRIES, need.industry, lang)))
    if components.get("size", 0.5) < 0.5:
        misfits.append(t("size_off", lang))
    if (
        need.timeline_weeks
        and offering.delivery_weeks
        and offering.delivery_weeks > need.timeline_weeks
    ):
        misfits.append(t("slow", lang, offering.delivery_weeks, need.timeline_weeks))
    if quality is not None:
        fits.append(t("quality", lang, quality))
    caps = matched_caps or offering.capabilities[:1]
    what = ("、" if zh else ", ").join(label(CAPABILITIES, c, lang) for c in caps)
    sentence = t("what", lang, what) if what else t("what_unknown", lang)
    sep = SEP["zh" if zh else "en"]
    if fits:
        sentence += t("fits", lang, sep.join(fits))
    if misfits:
        sentence += t("but", lang, sep.join(misfits))
    return sentence + ("。" if zh else ".")
