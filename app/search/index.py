"""Searching the catalogue's Whoosh index: parsing, BM25F ranking, facets, sorting, paging.

The index on disk (generations, writes, rebuilds) is :mod:`app.search.storage`; a
:class:`CatalogueIndex` is that store plus the searches.
"""

from __future__ import annotations

import gc
import logging
import os
import time
import warnings
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
from whoosh import query
from whoosh.searching import Searcher

from app.search.analysis import ENGLISH_STOP_WORDS
from app.search.expansion import BRIDGE_FIELD, bridge_query, compound_terms
from app.search.facets import FacetPostings
from app.search.highlight import highlight
from app.search.query import (
    CleanQuery,
    CoordOr,
    clean_query,
    coordinated,
    english_words,
    expand_terms,
    make_parser,
    message_text,
    parse,
    replace_words,
)
from app.search.results import SORTS, FacetValue, Hit, SearchResult
from app.search.schema import (
    FACETS,
    PRICE_BANDS,
    TEXT_FIELDS,
    WILDCARD_FACETS,
)
from app.search.scoring import QueryArrays, Unsupported
from app.search.storage import (
    _READ_RACES,
    BM25_B,
    BM25_K1,
    IndexMissing,
    IndexStore,
    IndexUnreadable,
)
from matching.taxonomy import ANY, label

log = logging.getLogger(__name__)

# Query-time field boosts, measured by ``python -m app.bench.search_tune`` (see docs/search.md):
# with exact ranking, equal weights score best on held-out cases, so no field is favoured.
DEFAULT_BOOSTS: dict[str, float] = {
    "name": 1.0,
    "summary": 1.0,
    "description": 1.0,
    "vendor": 1.0,
    "capability_text": 1.0,
    "industry_text": 1.0,
    "region_text": 1.0,
}
MAX_PER_PAGE = 100
SUMMARY_CHARS = 240


class CatalogueIndex(IndexStore):
    """The catalogue's search over its index on disk (storage in :mod:`app.search.storage`)."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        boosts: Mapping[str, float] | None = None,
        write_timeout: float = 60.0,
    ):
        super().__init__(directory, write_timeout)
        self.boosts = dict(DEFAULT_BOOSTS if boosts is None else boosts)
        unknown = set(self.boosts) - set(TEXT_FIELDS)
        if unknown:
            raise ValueError(f"boosts for unknown fields {sorted(unknown)}; known: {TEXT_FIELDS}")
        self._parsers = {
            match_all: make_parser(self._schema, self.boosts, match_all)
            for match_all in (True, False)
        }

    def search(
        self,
        q: str | None = "",
        filters: Mapping[str, Iterable[str]] | None = None,
        sort: str = "relevance",
        page: int = 1,
        per_page: int = 20,
        lang: str | None = "en",
    ) -> SearchResult:
        """Search the catalogue; never raises for anything a user can type.

        Raises IndexMissing when there is no index, IndexUnreadable when neither
        the current generation nor an older one kept beside it can be read (an
        older one answers, with the ``stale`` notice, while the current is damaged).

        ``filters`` maps facet names (capability, industry, region,
        price_band, deployment) to chosen codes: values within a facet are
        alternatives, facets combine with AND; unknown names and codes are
        ignored. ``sort`` is one of ``SORTS`` (an empty query sorts by
        rating unless told otherwise). ``lang`` picks the labels and message
        language.
        """
        cleaned, chosen, sort, page, per_page = clean_request(q, filters, sort, page, per_page)
        args = (cleaned.text, chosen, sort, page, per_page, lang)
        current = self._current_generation()
        try:
            result = self._search_generation(current, args)
        except IndexUnreadable as damaged:
            for older in reversed(self._generations()):
                if older >= current:
                    continue
                try:
                    result = self._search_generation(older, args, attempts=1)
                except IndexUnreadable:
                    continue
                result.notices.append("stale")
                log.warning("search index %s unreadable, answered from %s", current, older)
                break
            else:
                raise damaged
        result.notices = cleaned.notices + result.notices
        if result.notices:
            result.message = " ".join(message_text(code, lang) for code in result.notices)
        return result

    def _search_generation(self, generation: str, args: tuple, attempts: int = 4) -> SearchResult:
        problem = ""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)  # as in healthy()
            for attempt in range(attempts):
                try:
                    with self._checkout(generation) as (generation, searcher):
                        return self._search(searcher, generation, *args)
                except IndexMissing:
                    raise
                except _READ_RACES as exc:
                    # A writer or rebuild replaced files under us: reopen and try again.
                    problem = f"{type(exc).__name__}: {exc}"
                    log.info("search retry %d after %s", attempt + 1, problem)
                    time.sleep(0.02 * (attempt + 1))
                except Exception as exc:  # damaged files fail in many ways (zlib, pickle, …)
                    problem = f"{type(exc).__name__}: {exc}"
                    break
            gc.collect()
        raise IndexUnreadable(f"{self.root / generation}: {problem}")

    def _search(
        self,
        searcher: Searcher,
        generation: str,
        text: str,
        chosen: dict[str, list[str]],
        sort: str,
        page: int,
        per_page: int,
        lang: str | None,
    ) -> SearchResult:
        notices: list[str] = []
        parsed: query.Query = query.Every()
        if text:
            parsed, as_given = parse(self._parsers[False], text)
            if not as_given:
                notices.append("syntax")
            if parsed is query.NullQuery or not list(parsed.iter_all_terms()):
                parsed = query.Every()
                notices.append("no_terms")
        browsing = isinstance(parsed, query.Every)
        if browsing and sort == "relevance":
            sort = "rating"

        postings = FacetPostings.of(searcher, generation)
        arrays = QueryArrays(searcher, generation, BM25_K1, BM25_B)
        masks = {facet: postings.mask_of(facet, codes) for facet, codes in chosen.items()}
        if not browsing:
            # Ranked OR: any word may match, listings with more of them first (CoordOr).
            literal = parsed
            parsed = self._meaning(searcher, *coordinated(parsed), text)
        base = arrays.live.copy() if browsing else arrays.matching(parsed)
        matched = _combine(base, masks.values())
        if not browsing and matched.any():
            every_word, _ = parse(self._parsers[True], text)
            if (
                every_word != literal
                and not _combine(arrays.matching(every_word), masks.values()).any()
            ):
                notices.append("relaxed")  # the user hears when no listing has every word

        total = int(np.count_nonzero(matched))
        result = SearchResult(text, total, page, per_page, sort, notices=notices)
        result.facets = _facets(postings, base, masks, chosen, lang)
        if not browsing and (total == 0 or "relaxed" in notices):
            # Offered only when the words as typed found little: no noise on good searches.
            result.did_you_mean = _did_you_mean(searcher, text)
        if total == 0:
            result.notices.append("no_results" if searcher.doc_count() else "empty_catalogue")
            return result

        result.page = page = min(page, result.pages)
        # Only the page is ranked in full, scored and highlighted.
        page_hits = _page(searcher, arrays, parsed, matched, sort, page * per_page, chosen)
        terms = {t.decode() if isinstance(t, bytes) else t for f, t in parsed.iter_all_terms()}
        for docnum, score in page_hits[(page - 1) * per_page :]:
            result.hits.append(make_hit(searcher.stored_fields(docnum), score, terms))
        return result

    def _meaning(
        self, searcher: Searcher, wanted: query.Query, unwanted: query.Query | None, text: str
    ) -> query.Query:
        """The words with compound heads and, beside them, the bilingual bridge
        (expansion.py); exclusions apply to both."""
        if '"' in text:  # a quoted phrase asks for exactly those words
            return query.AndNot(wanted, unwanted) if unwanted is not None else wanted
        wanted = expand_terms(wanted, lambda term: compound_terms(searcher, term))
        bridge = bridge_query(text, self.boosts.get(BRIDGE_FIELD, 1.0))
        if bridge is not None:  # one more voice in the coordination: words and bridge agree
            children = list(wanted.subqueries) if isinstance(wanted, CoordOr) else [wanted]
            wanted = CoordOr([*children, bridge])
        return query.AndNot(wanted, unwanted) if unwanted is not None else wanted


def _top(candidates: np.ndarray, keys: list[np.ndarray], limit: int) -> np.ndarray:
    """The first ``limit`` of ``candidates`` ordered by ``keys`` (most significant
    first, ascending), ties in docnum order as Whoosh's collectors break them."""
    if len(candidates) > 4 * limit and len(keys) == 1:
        # Cut to the candidates that can make the page before the full sort.
        key = keys[0]
        bound = np.partition(key, limit - 1)[limit - 1]
        keep = key <= bound
        candidates, keys = candidates[keep], [key[keep]]
    order = np.lexsort([candidates, *reversed(keys)])
    return candidates[order[:limit]]


def _page(
    searcher: Searcher,
    arrays: QueryArrays,
    parsed: query.Query,
    matched: np.ndarray,
    sort: str,
    limit: int,
    chosen: dict[str, list[str]],
) -> list[tuple[int, float | None]]:
    """(docnum, score) of the first ``limit`` results in ``sort`` order."""
    candidates = np.flatnonzero(matched)
    if sort == "relevance":
        try:
            _mask, scores = arrays.scores(parsed)
        except Unsupported:
            # Phrases (and nodes scoring.py does not model): Whoosh scores them itself.
            allowed = set(candidates.tolist()) if chosen else None
            hits = searcher.search(parsed, filter=allowed, limit=limit)
            return [(hit.docnum, hit.score) for hit in hits]
        found = _top(candidates, [-scores[candidates]], limit)
        return [(int(d), float(scores[d])) for d in found.tolist()]
    name = arrays.ranks("name_sort")[candidates]
    rating = arrays.column("rating_sort", _ints)[candidates]
    if sort == "rating":
        keys = [-rating, name]
    elif sort == "price_asc":
        keys = [arrays.column("price_low_sort", _ints)[candidates], -rating, name]
    elif sort == "price_desc":
        keys = [-arrays.column("price_high_sort", _ints)[candidates], -rating, name]
    else:
        keys = [name]
    return [(int(d), None) for d in _top(candidates, keys, limit).tolist()]


def _ints(values: list) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)


def clean_request(
    q: str | None, filters: Mapping[str, Iterable[str]] | None, sort: str, page, per_page
) -> tuple[CleanQuery, dict[str, list[str]], str, int, int]:
    """A search request's user input made safe: query, filters, sort, page, page size."""
    sort = sort if sort in SORTS else "relevance"
    per_page = min(max(int(per_page or 20), 1), MAX_PER_PAGE)
    return clean_query(q), clean_filters(filters), sort, max(int(page or 1), 1), per_page


def clean_filters(filters: Mapping[str, Iterable[str]] | None) -> dict[str, list[str]]:
    """The known facets and codes of ``filters`` (a URL's worth of user input)."""
    chosen: dict[str, list[str]] = {}
    for facet, codes in (filters or {}).items():
        if facet not in FACETS or codes is None:
            continue
        vocabulary = FACETS[facet][1]
        values = [codes] if isinstance(codes, str) else list(codes)
        valid = {
            code
            for code in values
            if isinstance(code, str)
            and (code in vocabulary or (code == ANY and facet in WILDCARD_FACETS))
        }
        if valid:
            chosen[facet] = sorted(valid)
    return chosen


def _combine(base: np.ndarray, masks: Iterable[np.ndarray]) -> np.ndarray:
    combined = base.copy()
    for mask in masks:
        combined &= mask
    return combined


def _facets(
    postings: FacetPostings,
    base: np.ndarray,
    masks: dict[str, np.ndarray],
    chosen: dict[str, list[str]],
    lang: str | None,
) -> dict[str, list[FacetValue]]:
    """Counts per facet value over the results filtered by every *other* facet.

    So a count is what the user gets by choosing that value in place of the
    facet's current choice; for a facet with no choice, it is the number of
    current results having the value.
    """
    facets: dict[str, list[FacetValue]] = {}
    band_order = {band.code: i for i, band in enumerate(PRICE_BANDS)}
    for facet, (_field, vocabulary) in FACETS.items():
        within = _combine(base, (m for f, m in masks.items() if f != facet))
        counts = postings.counts(facet, within)
        selected = set(chosen.get(facet, ()))
        for code in selected - set(counts):
            counts[code] = 0  # keep a chosen value visible so it can be unchosen
        values = [
            FacetValue(code, label(vocabulary, code, lang), count, code in selected)
            for code, count in counts.items()
        ]
        if facet == "price_band":
            values.sort(key=lambda v: band_order.get(v.code, len(band_order)))
        else:
            values.sort(key=lambda v: (-v.count, v.label))
        facets[facet] = values
    return facets


def _did_you_mean(searcher: Searcher, text: str) -> str | None:
    """The query with misspelt English words replaced by the closest indexed word."""
    reader = searcher.reader()
    corrector = None
    corrections: dict[str, str] = {}
    for word in english_words(text):
        lower = word.lower()
        if word in {"AND", "OR", "NOT", "ANDNOT", "ANDMAYBE"} or lower in ENGLISH_STOP_WORDS:
            continue
        if reader.doc_frequency("spell", lower) > 0:
            continue
        corrector = corrector or searcher.corrector("spell")
        suggestions = corrector.suggest(lower, limit=1, maxdist=2, prefix=1)
        if suggestions:
            corrections[word] = suggestions[0]
    return replace_words(text, corrections) if corrections else None


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(v for v in (value or "").split(",") if v)


def make_hit(fields: dict[str, Any], score: float | None, terms: set[str]) -> Hit:
    return Hit(
        slug=fields["slug"],
        score=score,
        name=fields["name"],
        name_html=highlight(fields["name"], terms),
        summary_html=highlight(fields.get("summary"), terms, SUMMARY_CHARS),
        vendor=fields.get("vendor") or None,
        lang=fields.get("lang") or None,
        capabilities=_split(fields.get("capability")),
        industries=_split(fields.get("industry")),
        regions=_split(fields.get("region")),
        deployment=_split(fields.get("deployment")),
        price_min=fields.get("price_min"),
        price_max=fields.get("price_max"),
        rating=fields.get("rating"),
        review_count=fields.get("review_count") or 0,
    )
