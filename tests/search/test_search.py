"""Searching the catalogue: languages, highlights, facets, sorting, paging, suggestions."""

from __future__ import annotations

import pytest

from app.search.index import CatalogueIndex

from .conftest import CATALOGUE

FACETS = ("capability", "industry", "region", "price_band", "deployment")


def slugs(result) -> list[str]:
    return [hit.slug for hit in result.hits]


def test_chinese_query_finds_the_chinese_scheduling_listings_first(built: CatalogueIndex):
    result = built.search("小批量 排产", lang="zh")
    assert set(slugs(result)[:2]) == {"dye-aps", "garment-aps"}
    assert result.message is None


def test_english_query_finds_the_english_maintenance_listings_first(built: CatalogueIndex):
    result = built.search("predictive maintenance")
    assert slugs(result)[0] == "vibrasense"
    assert "<mark>Predictive</mark> <mark>Maintenance</mark>" in result.hits[0].name_html


def test_chinese_highlights_mark_the_query_words(built: CatalogueIndex):
    hit = built.search("排产").hits[0]
    assert "<mark>排产</mark>" in hit.name_html + hit.summary_html


def test_capability_labels_let_one_language_find_the_other(built: CatalogueIndex):
    # energy-zh is written in Chinese; its capability's English label is indexed too.
    assert "energy-zh" in slugs(built.search("carbon accounting"))


def test_empty_query_browses_everything_best_rated_first(built: CatalogueIndex):
    result = built.search("")
    assert result.total == len(CATALOGUE)
    assert slugs(result)[0] == "vibrasense"
    assert result.sort == "rating"


@pytest.mark.parametrize("q", ["", "maintenance", "排产"])
def test_facet_counts_agree_with_the_results_of_choosing_them(built: CatalogueIndex, q: str):
    result = built.search(q, per_page=100)
    for facet in FACETS:
        assert result.facets[facet], facet
        for value in result.facets[facet]:
            chosen = built.search(q, filters={facet: [value.code]}, per_page=100)
            assert chosen.total == value.count, (facet, value.code)
            assert len(chosen.hits) == value.count


def test_facets_count_the_whole_result_set_not_the_page(built: CatalogueIndex):
    result = built.search("", per_page=1)
    assert len(result.hits) == 1
    saas = next(v for v in result.facets["deployment"] if v.code == "saas")
    assert saas.count == sum("saas" in doc["deployment"] for doc in CATALOGUE)


def test_nationwide_listings_count_for_every_region(built: CatalogueIndex):
    result = built.search("", filters={"region": ["CN-GD"]})
    assert set(slugs(result)) == {"qr-maintenance", "vibrasense"}
    region = {v.code: v for v in result.facets["region"]}
    assert region["CN-GD"].selected and region["CN-GD"].count == 2
    assert region["*"].label == "Any / nationwide"


def test_filters_combine_facets_with_and_values_with_or(built: CatalogueIndex):
    either = built.search("", filters={"price_band": ["lt10k", "gt200k"]})
    assert set(slugs(either)) == {"qr-maintenance", "garment-aps", "cloud-wms"}
    both = built.search("", filters={"price_band": ["lt10k", "gt200k"], "deployment": ["saas"]})
    assert set(slugs(both)) == {"qr-maintenance", "garment-aps"}


def test_unknown_filters_and_codes_are_ignored(built: CatalogueIndex):
    result = built.search("", filters={"colour": ["red"], "region": ["", "a,b"]})
    assert result.total == len(CATALOGUE)


def test_facet_labels_follow_the_language(built: CatalogueIndex):
    zh = built.search("", lang="zh").facets["capability"]
    assert "设备监测与预测性维护" in {v.label for v in zh}
    bands = [v.code for v in built.search("").facets["price_band"]]
    assert bands == ["lt10k", "10k-50k", "50k-200k", "gt200k"]


def test_sorting_by_price_puts_unpriced_listings_last(built: CatalogueIndex):
    ascending = slugs(built.search("", sort="price_asc", per_page=100))
    assert ascending[0] == "qr-maintenance" and ascending[-1] == "energy-zh"
    descending = slugs(built.search("", sort="price_desc", per_page=100))
    assert descending[0] == "cloud-wms" and descending[-1] == "energy-zh"


def test_sorting_by_rating_and_unknown_sorts(built: CatalogueIndex):
    rated = built.search("maintenance", sort="rating")
    assert slugs(rated)[0] == "vibrasense" and rated.hits[0].score is None
    assert built.search("maintenance", sort="bogus").sort == "relevance"


def test_pagination_covers_every_result_once(built: CatalogueIndex):
    pages = [built.search("", page=n, per_page=4) for n in (1, 2)]
    assert [p.pages for p in pages] == [2, 2]
    assert sorted(slugs(pages[0]) + slugs(pages[1])) == sorted(d["slug"] for d in CATALOGUE)
    assert built.search("", page=99, per_page=4).page == 2


def test_misspelt_english_gets_a_did_you_mean(built: CatalogueIndex):
    result = built.search("predictve maintenence")
    assert result.did_you_mean == "predictive maintenance"


def test_zero_results_help_the_user_on(built: CatalogueIndex):
    result = built.search("blockchain")
    assert result.total == 0 and result.hits == []
    assert "Try fewer or more general words" in result.message
    assert "没有找到" in built.search("区块链", lang="zh").message


def test_words_that_do_not_all_match_fall_back_to_any(built: CatalogueIndex):
    result = built.search("vibration blockchain")
    assert slugs(result)[0] == "vibrasense"  # ranked OR: the listing with the word first
    assert result.notices == ["relaxed"]


def test_phrases_and_exclusions(built: CatalogueIndex):
    assert slugs(built.search('"vibration and temperature"')) == ["vibrasense"]
    assert built.search('"temperature vibration"').total == 0
    assert "vibrasense" not in slugs(built.search("maintenance -vibration"))
    assert "vibrasense" not in slugs(built.search("maintenance NOT vibration"))


def test_hits_carry_what_the_result_card_shows(built: CatalogueIndex):
    hit = built.search("QR").hits[0]
    assert (hit.slug, hit.vendor, hit.price_min, hit.price_max) == (
        "qr-maintenance",
        "FixIt",
        3000,
        9000,
    )
    assert hit.capabilities == ("equipment.maintenance",) and hit.regions == ("CN-GD",)
    assert hit.rating is None and hit.review_count == 0
