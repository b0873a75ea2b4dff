"""The catalogue's Whoosh index on disk: writes, atomic rebuilds and searches.

Layout of the index directory (one per instance, shared by all web processes)::

    CURRENT          "gen-000007 schema=1": the generation searches read
    gen-000007/      a complete Whoosh index
    gen-000006/      the previous one, kept so searches begun on it can finish
    write.lock       flock held by whoever writes (one writer at a time)
    rebuild.lock     flock held for the whole of a rebuild
    journal.jsonl    writes made while a rebuild runs, replayed onto the new generation

Writes go to the current generation under ``write.lock``; a rebuild builds a
new generation beside it without blocking them, replays the journal of
writes made meanwhile, then swaps ``CURRENT`` with an atomic rename. Readers
look at ``CURRENT`` before every search and never take a lock.

The portal calls ``add``/``update``/``remove`` after its database commit (never
before): the index changes only when told to, so a rolled-back change never
reaches it.
"""

from __future__ import annotations

import gc
import json
import logging
import os
import re
import shutil
import struct
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import ReaderClosed
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from app.search.analysis import ENGLISH_STOP_WORDS
from app.search.evaluate import QueryArrays, Unsupported
from app.search.expansion import BRIDGE_FIELD, bridge_query, compound_terms
from app.search.facets import FacetPostings
from app.search.highlight import highlight
from app.search.locking import file_lock, try_file_lock
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
    SCHEMA_VERSION,
    TEXT_FIELDS,
    WILDCARD_FACETS,
    InvalidDocument,
    build_schema,
    to_fields,
)
from matching.taxonomy import ANY, label

log = logging.getLogger(__name__)

# Query-time field boosts, measured by ``python -m app.search.tune`` (see docs/search.md):
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
BM25_K1 = 1.2
BM25_B = 0.75

MAX_PER_PAGE = 100
SUMMARY_CHARS = 240
_GEN_RE = re.compile(r"^gen-(\d{6})$")
# Errors a reader may meet when a writer or a rebuild changes files under it.
_READ_RACES = (OSError, EOFError, struct.error, ReaderClosed, whoosh_index.IndexError)

Progress = Callable[[int, int | None], None]
Op = tuple[str, Any]  # ("upsert", fields-dict) or ("remove", slug)


def _open_index(directory: Path) -> whoosh_index.Index:
    """Open one generation with plain reads, not mmap: a file overwritten or truncated under
    a mapped reader kills the whole process with SIGBUS, where a read only raises."""
    return FileStorage(str(directory), supports_mmap=False).open_index()


class IndexMissing(RuntimeError):
    """There is no usable index yet: call ``ensure`` (or ``rebuild``) first."""


class IndexUnreadable(RuntimeError):
    """No generation of the index can be read (damaged files): rebuild it."""


class RebuildInProgress(RuntimeError):
    """Another thread or process is already rebuilding this index."""


@dataclass(frozen=True)
class RebuildReport:
    documents: int
    skipped: list[str]
    seconds: float
    generation: str


class CatalogueIndex:
    """Adapter over the on-disk catalogue index; safe to share between threads and processes."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        boosts: Mapping[str, float] | None = None,
        write_timeout: float = 60.0,
    ):
        self.root = Path(directory)
        self.boosts = dict(DEFAULT_BOOSTS if boosts is None else boosts)
        unknown = set(self.boosts) - set(TEXT_FIELDS)
        if unknown:
            raise ValueError(f"boosts for unknown fields {sorted(unknown)}; known: {TEXT_FIELDS}")
        self.write_timeout = write_timeout
        self._schema = build_schema()
        self._parsers = {
            match_all: make_parser(self._schema, self.boosts, match_all)
            for match_all in (True, False)
        }
        self._pool_lock = threading.Lock()
        self._idle: list[tuple[str, Searcher]] = []

    # ----------------------------------------------------------------- layout

    @property
    def _pointer(self) -> Path:
        return self.root / "CURRENT"

    @property
    def _journal(self) -> Path:
        return self.root / "journal.jsonl"

    def _lock(self) -> Any:
        return file_lock(self.root / "write.lock", self.write_timeout)

    def _current_generation(self) -> str:
        try:
            content = self._pointer.read_text(encoding="utf-8").split()
        except FileNotFoundError:
            raise IndexMissing(f"no search index in {self.root}") from None
        if len(content) != 2 or not _GEN_RE.match(content[0]):
            raise IndexMissing(f"unreadable {self._pointer}: {content!r}")
        if content[1] != f"schema={SCHEMA_VERSION}":
            raise IndexMissing(f"index in {self.root} has {content[1]}, need {SCHEMA_VERSION}")
        return content[0]

    def _set_current_generation(self, generation: str) -> None:
        tmp = self.root / f"CURRENT.{os.getpid()}.{threading.get_ident()}.tmp"
        tmp.write_text(f"{generation} schema={SCHEMA_VERSION}\n", encoding="utf-8")
        os.replace(tmp, self._pointer)  # atomic: readers see the old or the new, never half

    def _generations(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if _GEN_RE.match(p.name))

    # ----------------------------------------------------------------- writes

    def add(self, doc: Mapping[str, Any]) -> None:
        """Index a newly published plug-in (same as ``update``)."""
        self.apply([("upsert", doc)])

    def update(self, doc: Mapping[str, Any]) -> None:
        """Replace the indexed version of the plug-in ``doc["slug"]`` (or add it)."""
        self.apply([("upsert", doc)])

    def remove(self, slug: str) -> None:
        """Drop a plug-in (suspended, unpublished, deleted); a missing slug is fine."""
        self.apply([("remove", slug)])

    def apply(self, changes: Iterable[tuple[str, Any]]) -> None:
        """Apply ``("upsert", doc)`` / ``("remove", slug)`` changes in order, in one commit.

        Searches see all of them or none. Raises InvalidDocument before
        touching the index if any document is unusable, IndexMissing if there
        is no index yet.
        """
        ops: list[Op] = []
        for kind, value in changes:
            if kind == "upsert":
                ops.append(("upsert", to_fields(value)))
            elif kind == "remove":
                if not isinstance(value, str) or not value:
                    raise InvalidDocument(f"remove needs a slug string, got {value!r}")
                ops.append(("remove", value))
            else:
                raise ValueError(f"unknown change {kind!r}: use 'upsert' or 'remove'")
        if not ops:
            return
        if not self._pointer.exists():
            raise IndexMissing(f"no search index in {self.root}: call ensure() first")
        with self._lock():
            generation = self._current_generation()
            self._write(self.root / generation, ops)
            self._journal_if_rebuilding(ops)

    def _write(self, directory: Path, ops: list[Op]) -> None:
        ix = _open_index(directory)
        try:
            # Our flock makes whoosh's own lock free; the timeout only covers
            # a writer that bypasses this class.
            writer = ix.writer(timeout=self.write_timeout, delay=0.05)
            # Whoosh deletes only from committed segments, so an upsert then a
            # remove of one slug in one commit would keep it: the last op wins.
            last: dict[str, Op] = {}
            for kind, value in ops:
                slug = value["slug"] if kind == "upsert" else value
                last.pop(slug, None)
                last[slug] = (kind, value)
            try:
                for kind, value in last.values():
                    if kind == "upsert":
                        writer.update_document(**value)
                    else:
                        writer.delete_by_term("slug", value)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
        finally:
            ix.close()

    def _journal_if_rebuilding(self, ops: list[Op]) -> None:
        if not self._journal.exists():
            return
        with try_file_lock(self.root / "rebuild.lock") as nobody_rebuilding:
            if nobody_rebuilding:  # left over by a rebuild that crashed
                self._journal.unlink(missing_ok=True)
                return
            with self._journal.open("a", encoding="utf-8") as journal:
                for op in ops:
                    journal.write(json.dumps(op, ensure_ascii=False) + "\n")

    # --------------------------------------------------------------- rebuilds

    def rebuild(
        self,
        docs: Iterable[Mapping[str, Any]],
        progress: Progress | None = None,
        total: int | None = None,
        procs: int = 1,
        limitmb: int = 128,
    ) -> RebuildReport:
        """Build a fresh generation from ``docs`` and swap it in atomically.

        Searches keep answering from the current generation meanwhile;
        writes made during the build are replayed onto the new one before
        the swap. ``progress(done, total)`` is called as documents are added
        (``total`` defaults to ``len(docs)`` when it has one). Documents that
        cannot be indexed are skipped and named in the report. Raises
        RebuildInProgress if another rebuild is running.
        """
        self.root.mkdir(parents=True, exist_ok=True)
        with try_file_lock(self.root / "rebuild.lock") as got_it:
            if not got_it:
                raise RebuildInProgress(f"the index in {self.root} is being rebuilt already")
            return self._rebuild_locked(docs, progress, total, procs, limitmb)

    def ensure(
        self,
        docs_factory: Callable[[], Iterable[Mapping[str, Any]]],
        progress: Progress | None = None,
    ) -> bool:
        """Rebuild from ``docs_factory()`` if the index is missing, outdated or corrupt.

        Returns True when it rebuilt. Several processes starting together
        rebuild once: the others wait for it and find the index healthy.
        """
        if self.healthy():
            return False
        self.root.mkdir(parents=True, exist_ok=True)
        with file_lock(self.root / "rebuild.lock", timeout=3600):
            if self.healthy():
                return False
            log.warning("search index in %s is missing or unusable: rebuilding", self.root)
            self._rebuild_locked(docs_factory(), progress, None, 1, 128)
            return True

    def healthy(self) -> bool:
        """True if the current generation opens and answers a query."""
        try:
            generation = self._current_generation()
        except IndexMissing as exc:
            log.info("%s", exc)
            return False
        problem = None
        with warnings.catch_warnings():
            # Whoosh leaves the file of a segment it failed to read open, and
            # drops it while unwinding: keep that ResourceWarning quiet here.
            warnings.simplefilter("ignore", ResourceWarning)
            try:
                ix = _open_index(self.root / generation)
                try:
                    with ix.searcher() as searcher:
                        searcher.search(query.Every(), limit=1)
                        next(iter(searcher.reader().lexicon("slug")), None)
                finally:
                    ix.close()
            except Exception as exc:  # any failure to open or read means "rebuild it"
                problem = f"{type(exc).__name__}: {exc}"
            if problem:
                gc.collect()
        if problem:
            log.info("search index in %s is not usable: %s", self.root, problem)
            return False
        return True

    def _rebuild_locked(
        self,
        docs: Iterable[Mapping[str, Any]],
        progress: Progress | None,
        total: int | None,
        procs: int,
        limitmb: int,
    ) -> RebuildReport:
        started = time.perf_counter()
        if total is None and hasattr(docs, "__len__"):
            total = len(docs)  # type: ignore[arg-type]
        with self._lock():
            self._journal.write_text("", encoding="utf-8")  # from now on writes are journaled
            existing = [int(_GEN_RE.match(g).group(1)) for g in self._generations()]
            generation = f"gen-{max(existing, default=0) + 1:06d}"
            (self.root / generation).mkdir()
        directory = self.root / generation
        try:
            count, skipped = self._build(directory, docs, progress, total, procs, limitmb)
            with self._lock():
                self._replay_journal(directory)
                try:
                    previous = self._current_generation()
                except IndexMissing:
                    previous = None
                self._set_current_generation(generation)
                self._journal.unlink(missing_ok=True)
        except BaseException:
            with self._lock():
                self._journal.unlink(missing_ok=True)
            shutil.rmtree(directory, ignore_errors=True)
            raise
        self._drop_generations(keep={generation, previous})
        return RebuildReport(count, skipped, time.perf_counter() - started, generation)

    def _build(
        self,
        directory: Path,
        docs: Iterable[Mapping[str, Any]],
        progress: Progress | None,
        total: int | None,
        procs: int,
        limitmb: int,
    ) -> tuple[int, list[str]]:
        ix = whoosh_index.create_in(str(directory), self._schema)
        writer = ix.writer(procs=procs, limitmb=limitmb, multisegment=procs > 1)
        count, skipped = 0, []
        step = max(1, (total or 10_000) // 200)
        try:
            for doc in docs:
                try:
                    fields = to_fields(doc)
                except InvalidDocument as exc:
                    skipped.append(str(doc.get("slug", "?")) if isinstance(doc, Mapping) else "?")
                    log.warning("search rebuild skipped a document: %s", exc)
                    continue
                writer.add_document(**fields)
                count += 1
                if progress is not None and count % step == 0:
                    progress(count, total)
        except BaseException:
            writer.cancel()
            ix.close()
            raise
        writer.commit()
        ix.close()
        if progress is not None:
            progress(count, total)
        return count, skipped

    def _replay_journal(self, directory: Path) -> None:
        try:
            lines = self._journal.read_text(encoding="utf-8").splitlines()
        except FileNotFoundError:
            return
        ops = [tuple(json.loads(line)) for line in lines if line.strip()]
        if ops:
            self._write(directory, ops)  # type: ignore[arg-type]

    def _drop_generations(self, keep: set[str | None]) -> None:
        for generation in self._generations():
            if generation not in keep:
                shutil.rmtree(self.root / generation, ignore_errors=True)

    # --------------------------------------------------------------- searches

    @contextmanager
    def _checkout(self, generation: str | None = None) -> Iterator[tuple[str, Searcher]]:
        """A searcher on the current generation (or ``generation``), refreshed to the last
        commit.

        Searchers are pooled: Whoosh's are not meant to be shared between
        threads, and opening one per search would cost more than the search.
        """
        generation = generation or self._current_generation()
        with self._pool_lock:
            idle = self._idle.pop() if self._idle else None
        if idle is not None and (idle[0] != generation or not idle[1].up_to_date()):
            # A commit or a rebuild happened. Not Searcher.refresh(): it reuses
            # segment readers with their old deletions, so a suspended plug-in
            # would linger.
            idle[1].close()
            idle = None
        if idle is None:
            ix = _open_index(self.root / generation)
            searcher = ix.searcher(weighting=BM25F(B=BM25_B, K1=BM25_K1))
        else:
            searcher = idle[1]
        try:
            yield generation, searcher
        except BaseException:
            searcher.close()
            raise
        with self._pool_lock:
            self._idle.append((generation, searcher))

    def close(self) -> None:
        """Close the pooled searchers (the index on disk is untouched)."""
        with self._pool_lock:
            idle, self._idle = self._idle, []
        for _generation, searcher in idle:
            searcher.close()

    def __enter__(self) -> CatalogueIndex:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def doc_count(self) -> int:
        """Number of plug-ins in the index (0 if there is none; IndexUnreadable if damaged)."""
        problem = None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)  # as in healthy()
            try:
                with self._checkout() as (_generation, searcher):
                    return searcher.doc_count()
            except IndexMissing:
                return 0
            except Exception as exc:
                problem = f"{type(exc).__name__}: {exc}"
            gc.collect()
        raise IndexUnreadable(f"{self.root}: {problem}")

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
            # Phrases (and nodes evaluate.py does not model): Whoosh scores them itself.
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


def _split(value: str | None) -> list[str]:
    return [v for v in (value or "").split(",") if v]


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
