"""The bundled catalogue: the demo a newcomer sees on first run must be valid and varied."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from matching.taxonomy import CAPABILITIES
from plugins.discovery import BUNDLED_DIR, discover
from plugins.manifest import load_manifest, parse_manifest

FOUND = discover(entry_point_group=None)
MANIFESTS = [p.manifest for p in FOUND.plugins]
CJK = re.compile(r"[\u4e00-\u9fff]")


def test_every_bundled_manifest_is_valid():
    assert FOUND.errors == [], "\n".join(line for e in FOUND.errors for line in e.lines)
    assert len(MANIFESTS) == len(list(BUNDLED_DIR.glob("*/plugin.toml")))


def test_catalogue_size_and_coverage():
    assert len(MANIFESTS) >= 40
    covered = {c for m in MANIFESTS for c in m.offering.capabilities}
    assert covered == set(CAPABILITIES), f"uncovered: {set(CAPABILITIES) - covered}"
    assert sum(m.hooks is not None for m in MANIFESTS) >= 5


def test_about_half_chinese_half_english():
    langs = Counter(m.offering.lang for m in MANIFESTS)
    assert set(langs) == {"zh", "en"}
    assert 0.4 <= langs["zh"] / len(MANIFESTS) <= 0.6


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda m: m.id)
def test_listing_is_complete_and_believable(manifest):
    o = manifest.offering
    assert manifest.path.parent.name == o.id, "folder name and id must agree"
    # A real paragraph or two; Chinese says as much in about a third of the characters.
    assert o.description and len(o.description) > (200 if o.lang == "zh" else 600)
    assert o.industries and o.regions and o.company_sizes and o.deployment and o.maturity_levels
    assert o.price_model and o.delivery_weeks
    assert 1_000 <= o.price_min < o.price_max <= 500_000, "first-year CNY for an SME"
    text = f"{o.name} {o.summary} {o.description}"
    if o.lang == "zh":
        assert len(CJK.findall(text)) > 100
    else:
        assert not CJK.search(text), "English listings are written in English"
    assert manifest.vendor.email or manifest.vendor.phone


def test_vendors_are_distinct():
    codes = [m.vendor.uscc for m in MANIFESTS]
    assert len(set(codes)) == len(codes)


def test_regions_mix_nationwide_and_on_site_across_provinces():
    regions = Counter(r for m in MANIFESTS for r in m.offering.regions)
    assert regions["*"] >= 8
    assert len([r for r in regions if r != "*"]) >= 20


def test_flagship_dyeing_scheduler():
    dye = load_manifest(BUNDLED_DIR / "dye-aps" / "plugin.toml")
    assert "production.planning" in dye.offering.capabilities
    assert {"C17", "CN-JX"} <= {*dye.offering.industries, *dye.offering.regions}
    assert dye.hooks == "hooks"


@pytest.mark.parametrize(
    ("lang", "words"),
    [("en", ("predictive maintenance",)), ("zh", ("小批量", "排产"))],
)
def test_search_demo_queries_have_good_answers(lang, words):
    hits = [
        m.id
        for m in MANIFESTS
        if m.offering.lang == lang
        and all(w in f"{m.offering.name} {m.offering.summary}".lower() for w in words)
    ]
    assert len(hits) >= 2, hits


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda m: m.id)
def test_bundled_manifest_exports_to_the_same_listing(manifest):
    again = parse_manifest(manifest.to_toml().encode())
    assert (again.offering, again.vendor, again.hooks) == (
        manifest.offering,
        manifest.vendor,
        manifest.hooks,
    )
