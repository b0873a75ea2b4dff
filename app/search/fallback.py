"""A plain search over catalogue documents, for when the index cannot be read.

Same input and the same :class:`SearchResult` shape as :meth:`CatalogueIndex.search`, so the
pages and the API cannot tell which one answered, except for the ``fallback`` notice. Words
are the index analyzer's (jieba words and stemmed English), matched against each document's
analysed text; any word may match, as in the index, and ranking puts listings with more of the
words first, then counts matched words (name twice); facets are counted over the whole
filtered result as the index does. Meant for a few thousand candidate documents at most: the
caller narrows them with SQL first.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from app.search.analysis import bilingual_analyzer
from app.search.index import clean_request, make_hit
from app.search.query import message_text
from app.search.results import FacetValue, SearchResult
from app.search.schema import FACETS, PRICE_BANDS, TEXT_FIELDS, WILDCARD_FACETS, to_fields
from matching.taxonomy import ANY, label

_ANALYZER = bilingual_analyzer()
_OPERATORS = {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"}


def query_words(text: str) -> list[str]:
    """The analysed words of a query, as the index would look them up."""
    kept = " ".join(w for w in text.split() if w not in _OPERATORS)
    words = [t.text for t in _ANALYZER(kept, mode="query") if not t.stopped]
    return list(dict.fromkeys(words))


def _tokens(text: str) -> set[str]:
    return {t.text for t in _ANALYZER(text, mode="index") if not t.stopped} if text else set()


def _values(fields: Mapping[str, Any], facet: str) -> set[str]:
    return {v for v in str(fields.get(FACETS[facet][0]) or "").split(",") if v}


def _passes(fields: Mapping[str, Any], facet: str, codes: list[str]) -> bool:
    wanted = set(codes)
    if facet in WILDCARD_FACETS and wanted - {ANY}:
        wanted.add(ANY)
    return bool(_values(fields, facet) & wanted)


def search_documents(
    docs: Iterable[Mapping[str, Any]],
    q: str | None = "",
    filters: Mapping[str, Iterable[str]] | None = None,
    sort: str = "relevance",
    page: int = 1,
    per_page: int = 20,
    lang: str | None = "en",
) -> SearchResult:
    """Search ``docs`` (catalogue documents, as given to the index) like the index would."""
    cleaned, chosen, sort, page, per_page = clean_request(q, filters, sort, page, per_page)
    words = query_words(cleaned.text) if cleaned.text else []
    notices = [*cleaned.notices, "fallback"]
    if cleaned.text and not words:
        notices.append("no_terms")
    if not words and sort == "relevance":
        sort = "rating"

    rows: list[tuple[dict[str, Any], int, int]] = []  # fields, words matched, score
    known: dict[str, set[str]] = {facet: set() for facet in FACETS}  # as the index's lexicon
    for doc in docs:
        fields = to_fields(doc)
        for facet, codes in known.items():
            codes.update(_values(fields, facet))
        if not words:
            rows.append((fields, 0, 0))
            continue
        name = _tokens(fields["name"])
        rest = set().union(*(_tokens(fields.get(f) or "") for f in TEXT_FIELDS if f != "name"))
        found = [w for w in words if w in name or w in rest]
        if found:
            rows.append((fields, len(found), sum(2 if w in name else 1 for w in found)))
    if rows and words and not any(r[1] == len(words) for r in rows):
        notices.append("relaxed")  # any word may match, as in the index (ranked OR)

    def in_facets(fields: Mapping[str, Any], skip: str | None = None) -> bool:
        return all(_passes(fields, f, codes) for f, codes in chosen.items() if f != skip)

    matched = [r for r in rows if in_facets(r[0])]
    result = SearchResult(cleaned.text, len(matched), page, per_page, sort, notices=notices)
    result.facets = _facets([r[0] for r in rows], known, chosen, in_facets, lang)
    if not matched:
        result.notices.append("no_results")
    else:
        result.page = page = min(page, result.pages)
        matched.sort(key=_sort_key(sort))
        terms = set(words)
        for fields, _found, score in matched[(page - 1) * per_page : page * per_page]:
            result.hits.append(make_hit(fields, float(score) if words else None, terms))
    result.message = " ".join(message_text(code, lang) for code in result.notices)
    return result


def _sort_key(sort: str):
    def key(row: tuple[dict[str, Any], int, int]) -> tuple:
        fields, found, score = row
        rating, name = -fields["rating_sort"], fields["name_sort"]
        if sort == "relevance":
            return (-found, -score, rating, name)  # more of the words first, as CoordOr
        if sort == "price_asc":
            return (fields["price_low_sort"], rating, name)
        if sort == "price_desc":
            return (-fields["price_high_sort"], rating, name)
        if sort == "name":
            return (name,)
        return (rating, name)

    return key


def _facets(rows, known, chosen, in_facets, lang) -> dict[str, list[FacetValue]]:
    """Counts per facet value over the rows filtered by every other facet, as the index
    counts them: under the wildcard facets a value's count includes the "*" listings."""
    facets: dict[str, list[FacetValue]] = {}
    band_order = {band.code: i for i, band in enumerate(PRICE_BANDS)}
    for facet, (_field, vocabulary) in FACETS.items():
        within = [_values(fields, facet) for fields in rows if in_facets(fields, skip=facet)]
        wildcard = facet in WILDCARD_FACETS
        counts = {
            code: sum(1 for values in within if code in values or (wildcard and ANY in values))
            for code in known[facet]
        }
        if ANY in counts:
            counts[ANY] = sum(1 for values in within if ANY in values)
        selected = set(chosen.get(facet, ()))
        values = [
            FacetValue(code, label(vocabulary, code, lang), count, code in selected)
            for code, count in counts.items()
            if count or code in selected
        ]
        values += [
            FacetValue(code, label(vocabulary, code, lang), 0, True)
            for code in selected - set(counts)
        ]
        if facet == "price_band":
            values.sort(key=lambda v: band_order.get(v.code, len(band_order)))
        else:
            values.sort(key=lambda v: (-v.count, v.label))
        facets[facet] = values
    return facets
