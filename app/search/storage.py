"""The catalogue's Whoosh index on disk: generations, writes, journaled rebuilds, pooled searchers.

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

from whoosh import index as whoosh_index
from whoosh import query
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import ReaderClosed
from whoosh.scoring import BM25F
from whoosh.searching import Searcher

from app.search.locking import file_lock, try_file_lock
from app.search.schema import (
    SCHEMA_VERSION,
    InvalidDocument,
    build_schema,
    to_fields,
)

log = logging.getLogger(__name__)

# Errors a reader may meet when a writer or a rebuild changes files under it.
_READ_RACES = (OSError, EOFError, struct.error, ReaderClosed, whoosh_index.IndexError)

Progress = Callable[[int, int | None], None]
Op = tuple[str, Any]  # ("upsert", fields-dict) or ("remove", slug)

# BM25F as Whoosh defines it; the NumPy scoring (app.search.scoring) uses the same.
BM25_K1 = 1.2
BM25_B = 0.75
_GEN_RE = re.compile(r"^gen-(\d{6})$")


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


class IndexStore:
    """The index directory's generations and writes; safe to share between threads and
    processes. :class:`app.search.index.CatalogueIndex` adds the searches."""

    def __init__(self, directory: str | os.PathLike[str], write_timeout: float = 60.0):
        self.root = Path(directory)
        self.write_timeout = write_timeout
        self._schema = build_schema()
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

    def __enter__(self) -> IndexStore:
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
