"""Plug-in page views, counted in memory and written in the background: a GET never writes.

Each process adds views to its own buffer; a daemon thread writes the buffer every
``VIEW_COUNT_FLUSH_SECONDS`` as ``views = views + n`` (so processes never overwrite each
other's counts) in a transaction of its own, and once more when the process exits. A write
that fails (the database is away) puts its counts back for the next one. What a process
that is killed outright had not written yet is lost: at most a few seconds of views.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections import Counter

import sqlalchemy as sa
from flask import Flask, current_app

from app.extensions import db
from app.models import PluginListing

log = logging.getLogger(__name__)

_EXTENSION = "shuzhuan.view_counts"


class ViewBuffer:
    """This process's unwritten views per listing id, and the thread that writes them."""

    def __init__(self, app: Flask, interval: float):
        self.app = app
        self.interval = interval
        self._views: Counter[int] = Counter()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def add(self, listing_id: int) -> None:
        with self._lock:
            self._views[listing_id] += 1
            if self._thread is None and self.interval > 0:
                self._thread = threading.Thread(target=self._loop, name="view-counts", daemon=True)
                self._thread.start()
                atexit.register(self.flush)

    def pending(self) -> dict[int, int]:
        with self._lock:
            return dict(self._views)

    def flush(self) -> int:
        """Write the buffered views; returns how many were written."""
        with self._lock:
            views, self._views = self._views, Counter()
        if not views:
            return 0
        try:
            with self.app.app_context(), db.engine.begin() as conn:
                conn.execute(
                    sa.update(PluginListing)
                    .where(PluginListing.id == sa.bindparam("listing_id"))
                    # updated_at marks catalogue changes: a view is not one.
                    .values(
                        views=PluginListing.views + sa.bindparam("n"),
                        updated_at=PluginListing.updated_at,
                    ),
                    [{"listing_id": key, "n": n} for key, n in views.items()],
                )
        except Exception:
            log.warning("could not write %d plug-in page views; kept for the next try", len(views))
            with self._lock:
                self._views.update(views)
            return 0
        return sum(views.values())

    def stop(self) -> None:
        """Stop writing, also at exit: the buffer is being thrown away (its app's database
        may be gone by then)."""
        self._stop.set()
        atexit.unregister(self.flush)

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self.flush()


def buffer() -> ViewBuffer:
    """This app's view buffer (one per process)."""
    extensions = current_app.extensions
    if _EXTENSION not in extensions:
        interval = float(current_app.config.get("VIEW_COUNT_FLUSH_SECONDS", 10))
        extensions[_EXTENSION] = ViewBuffer(current_app._get_current_object(), interval)
    return extensions[_EXTENSION]


def count_view(listing: PluginListing) -> None:
    """One view of ``listing``'s page, written within ``VIEW_COUNT_FLUSH_SECONDS``."""
    buffer().add(listing.id)


def flush() -> int:
    """Write this process's buffered views now (tests; the thread does it otherwise)."""
    return buffer().flush()
