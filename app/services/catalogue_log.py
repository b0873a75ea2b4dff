"""Every machine's search index follows the catalogue's change log in the shared database.

Each web machine keeps its own Whoosh index in its own instance folder, but a background job
runs on one machine only. The log they all follow is the outbox's ``index_listings`` jobs:
ordered ids, each naming the listings that one committed transaction changed. The job
updates the index of the machine that runs it; every machine, that one included, reads the
jobs it has not applied yet and applies them (at most every ``CATALOGUE_FOLLOW_SECONDS``, on
its next search), so N machines converge within seconds of a commit without talking to each
other. The matcher needs no log: each process compares the listings' newest ``updated_at``
with what it has seen on every ranking (:mod:`app.services.matching`).

Ids are handed out before commit, so a transaction may commit after one with a later id.
Jobs written in the last ``LATE_COMMIT_WINDOW`` are therefore read again and those this
process has not applied yet are applied; applying one twice is harmless, because
:func:`app.services.search.sync_listings` reads the listings as they are stored now.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from app.extensions import db
from app.models import OutboxJob
from app.models.base import utcnow

log = logging.getLogger("app.search")

INDEX_TASK = "index_listings"
LATE_COMMIT_WINDOW = timedelta(seconds=60)
LOOKBACK_IDS = 1000  # how far below the cursor late commits are looked for (a PK range scan)


class CatalogueFollower:
    """One process's reader of the change log for the index in ``directory``.

    ``apply(slugs)`` brings the index in step with those listings; ``rebuild()`` rebuilds it
    from the database (used when the log no longer reaches back to the cursor).
    """

    def __init__(
        self,
        directory: Path,
        apply: Callable[[list[str]], None],
        rebuild: Callable[[], None],
        *,
        interval: float = 2.0,
        keep: timedelta = timedelta(days=7),
    ) -> None:
        self.cursor_file = Path(directory) / "FOLLOWED"
        self.apply = apply
        self.rebuild = rebuild
        self.interval = interval
        self.keep = keep
        self._lock = threading.Lock()
        self._due = 0.0
        self._applied_late: set[int] = set()

    def follow(self, *, force: bool = False) -> int:
        """Apply the log's changes not yet in the index; returns how many listings it synced.

        Cheap when nothing changed (one indexed query, at most every ``interval`` seconds).
        Never runs twice at once in a process; a call that finds it running returns 0.
        """
        if not force and time.monotonic() < self._due:
            return 0
        if not self._lock.acquire(blocking=False):
            return 0
        try:
            self._due = time.monotonic() + self.interval
            return self._follow()
        except sa.exc.SQLAlchemyError:
            raise  # the database is the request's problem, not the index's
        except Exception:  # an index write failed: keep the cursor, try again next time
            log.exception("could not apply catalogue changes to the search index")
            return 0
        finally:
            self._lock.release()

    def _follow(self) -> int:
        cursor = self._read_cursor()
        newest = db.session.scalar(
            sa.select(sa.func.max(OutboxJob.id)).where(OutboxJob.task == INDEX_TASK)
        )
        if newest is None:
            return 0
        if cursor is None or self._too_old():
            # A new index was just built from the database, or this machine was away longer
            # than done jobs are kept: start from a full rebuild, then follow from here.
            if cursor is not None:
                log.warning("search index fell behind the change log: rebuilding")
                self.rebuild()
            self._write_cursor(newest)
            cursor = newest
        recent = utcnow() - LATE_COMMIT_WINDOW
        rows = db.session.execute(
            sa.select(OutboxJob.id, OutboxJob.payload, OutboxJob.created_at)
            .where(OutboxJob.task == INDEX_TASK, OutboxJob.id > cursor - LOOKBACK_IDS)
            .order_by(OutboxJob.id)
        ).all()
        slugs: set[str] = set()
        late: set[int] = set()
        for job_id, payload, created_at in rows:
            if job_id > cursor:
                slugs.update(payload.get("slugs", ()))
            elif created_at >= recent:
                late.add(job_id)
                if job_id not in self._applied_late:
                    slugs.update(payload.get("slugs", ()))
        if slugs:
            self.apply(sorted(slugs))
        self._applied_late = late | {job_id for job_id, _, _ in rows if job_id > cursor}
        if newest > cursor:
            self._write_cursor(newest)
        else:
            os.utime(self.cursor_file)  # followed just now, even if nothing changed
        return len(slugs)

    def _read_cursor(self) -> int | None:
        try:
            return int(self.cursor_file.read_text(encoding="utf-8").strip())
        except (FileNotFoundError, ValueError):
            return None

    def _write_cursor(self, job_id: int) -> None:
        self.cursor_file.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.cursor_file.with_name(f"FOLLOWED.{os.getpid()}.{threading.get_ident()}.tmp")
        tmp.write_text(f"{job_id}\n", encoding="utf-8")
        os.replace(tmp, self.cursor_file)  # atomic, as the index's own pointer

    def _too_old(self) -> bool:
        # Touched on every follow: an old file means this machine has not followed for longer
        # than the log is kept, so changes may have been purged before it read them.
        try:
            age = time.time() - self.cursor_file.stat().st_mtime
        except FileNotFoundError:
            return False
        return age > self.keep.total_seconds()
