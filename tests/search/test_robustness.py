"""Whatever a user types, search answers (results or a friendly message), never an error."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.search.index import CatalogueIndex

from .conftest import catalogue

NASTY = [
    '"unbalanced',
    "(((",
    ")))",
    "AND OR NOT",
    "*",
    "?",
    "field:",
    "name:[a TO",
    "slug:dye-aps",
    "x" * 10_000,
    "排产 " * 2_000,
    "🏭🔧 maintenance 😀",
    "\x00\x1b[31m maintenance \x7f",
    "'; DROP TABLE plugins; --",
    "<script>alert(1)</script>",
    "%",
    "_",
    "^2 ~ \\ / | & && || !",
    "maintenance^1000",
    "a" * 300 + "~2",
    "\ud800",  # a lone surrogate, as a broken form encoding may produce
]


@pytest.mark.parametrize("q", NASTY, ids=range(len(NASTY)))
def test_any_query_string_gets_an_answer(built: CatalogueIndex, q: str):
    result = built.search(q)
    assert result.total >= 0
    assert len(result.query) <= 500
    assert result.hits or result.message
    for hit in result.hits:
        assert "<script" not in hit.name_html + hit.summary_html


def test_long_queries_are_cut_with_a_notice(built: CatalogueIndex):
    result = built.search("maintenance " * 1000)
    assert result.notices[0] == "truncated"
    assert "first 500 characters" in result.message


def test_syntax_errors_fall_back_to_plain_words(built: CatalogueIndex):
    result = built.search("maintenance AND (")
    assert result.total >= 2


def test_html_in_the_data_comes_back_escaped_with_only_marks_unescaped(tmp_path):
    docs = catalogue()
    docs[0]["name"] = "<script>alert(1)</script> 排产 & <b>bold</b>"
    docs[0]["summary"] = '<img src=x onerror="alert(1)"> script'
    with CatalogueIndex(tmp_path) as index:
        index.rebuild(docs)
        hit = index.search("<script>alert(1)</script> 排产").hits[0]
    assert hit.slug == "dye-aps"
    assert "<script>" not in hit.name_html and "<b>" not in hit.name_html
    assert "&lt;<mark>script</mark>&gt;" in hit.name_html
    assert "&amp;" in hit.name_html and "<mark>排产</mark>" in hit.name_html
    assert "<img" not in hit.summary_html and "&lt;img" in hit.summary_html


def test_hostile_filters_sorts_and_pages_are_tolerated(built: CatalogueIndex):
    result = built.search(
        "maintenance",
        filters={"region": ["<script>"], "capability": "equipment.maintenance", "x": None},
        sort="'; DROP",
        page=-3,
        per_page=10_000,
    )
    assert result.page == 1 and result.per_page == 100
    assert sorted(hit.slug for hit in result.hits) == ["qr-maintenance", "vibrasense"]


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(q=st.text(max_size=80))
def test_random_text_never_fails(built: CatalogueIndex, q: str):
    result = built.search(q)
    assert result.total >= 0
