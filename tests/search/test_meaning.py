"""Search finds what people mean: ranked OR, compounds, compound heads, the bilingual bridge.

Over the bundled plug-ins, as a visitor of the catalogue meets them.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.search.analysis import analyse
from app.search.index import CatalogueIndex

BUNDLED = Path(__file__).resolve().parents[2] / "plugins" / "bundled"


def _bundled() -> list[dict]:
    docs = []
    for manifest in sorted(BUNDLED.glob("*/plugin.toml")):
        doc = tomllib.loads(manifest.read_text(encoding="utf-8"))
        doc["slug"] = doc.pop("id")
        doc["vendor"] = doc["vendor"]["name"]
        docs.append(doc)
    return docs


@pytest.fixture(scope="module")
def bundled(tmp_path_factory) -> Iterator[CatalogueIndex]:
    index = CatalogueIndex(tmp_path_factory.mktemp("bundled"))
    index.rebuild(_bundled())
    yield index
    index.close()


def top(index: CatalogueIndex, q: str, n: int = 3) -> list[str]:
    return [hit.slug for hit in index.search(q, lang="en").hits[:n]]


def test_cross_border_online_store_finds_the_cross_border_storefront(bundled):
    # The listing says "Crossborder Storefront", "online shop" and "cross-border carriers";
    # no listing has all three words as typed, and the hyphen is no NOT.
    result = bundled.search("cross-border online store", lang="en")
    assert result.hits[0].slug == "crossborder-storefront"


@pytest.mark.parametrize("q", ["crossborder shop", "cross border store", "storefront"])
def test_compounds_are_found_however_they_are_written(bundled, q):
    assert top(bundled, q, 1) == ["crossborder-storefront"]


def test_a_hyphenated_word_is_indexed_joined_too():
    assert "crossbord" in analyse("cross-border carriers", mode="index")
    assert analyse("cross-border", mode="query") == ["cross", "border"]


def test_a_chinese_query_finds_the_english_plugin_through_the_bridge(bundled):
    found = top(bundled, "能耗", 5)
    assert "wattwise-energy" in found  # English: "energy monitoring", no Chinese word
    assert found[0] == "ceramic-kiln-energy"  # the Chinese listing with the very word first


def test_an_english_query_also_reaches_chinese_listings_of_the_same_capability(bundled):
    slugs = [hit.slug for hit in bundled.search("gateway", per_page=50, lang="en").hits]
    assert {"vibrasense-pdm", "secure-remote"} <= set(slugs)  # the word as typed
    assert "injection-iiot" in slugs  # 注塑机联网: equipment connectivity, in Chinese


def test_listings_with_more_of_the_words_rank_first_and_exclusions_hold(bundled):
    ranked = top(bundled, "vibration maintenance pump", 1)
    assert ranked == ["vibrasense-pdm"]
    excluded = bundled.search("maintenance -vibration", lang="en")
    assert "vibrasense-pdm" not in [hit.slug for hit in excluded.hits]
    assert excluded.total > 0
