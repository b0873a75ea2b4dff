"""How every state change under a need runs: lock the need, re-read, decide, commit once.

A need is the aggregate: its requests for quotes, quotes, engagement, review and matches
change only while the need's row is locked, so two conflicting transitions (accept and
withdraw of one quote, an award and a new quote, two completes) run one after the other and
the second sees what the first did. The lock order is always the same — the need first,
its children after — so transitions never deadlock on each other.

- :func:`lock_need` takes the lock (``SELECT … FOR NO KEY UPDATE`` on PostgreSQL, which
  leaves foreign-key checks of unrelated inserts alone; on SQLite a no-op ``UPDATE`` takes
  the database's single write lock, the semantics of ``BEGIN IMMEDIATE``) and expires what
  the session holds, so every later read in the transition sees the committed state.
- :func:`run` is the operation boundary used by the pages and the API: it runs the work,
  commits once, retries deadlocks and serialisation failures a few times, and turns what is
  left into a clear 409 or 503 (:class:`~app.errors.Conflict`,
  :class:`~app.errors.Unavailable`) instead of a 500.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import TypeVar

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy import exc as sa_exc

from app.errors import Conflict, NotFound, Unavailable, rollback_quietly
from app.extensions import db
from app.models import Need

log = logging.getLogger("app.transitions")

T = TypeVar("T")

ATTEMPTS = 4  # a deadlock or serialisation failure is tried again up to three times
LOCK_TIMEOUT_MS = 5000  # waiting longer for a need's lock means something is stuck: answer 503
RETRY_AFTER_SECONDS = 5

# PostgreSQL SQLSTATEs worth running the whole operation again for.
_RETRY_CODES = {
    "40001": "serialisation failure",
    "40P01": "deadlock",
    "55P03": "lock timeout",
}
# SQLSTATE classes that mean "the database is not there right now".
_UNAVAILABLE_CLASSES = ("08", "53", "57")


def lock_need(need_id: int) -> Need:
    """Lock need ``need_id`` for the rest of the transaction and return it freshly read.

    Everything the session held is expired (pending changes are flushed first), so the
    caller's objects — the quote, the request, the engagement — are read again under the
    lock. Raises NotFound when there is no such need.
    """
    session = db.session
    session.flush()
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text(f"SET LOCAL lock_timeout = {int(LOCK_TIMEOUT_MS)}"))
        locked = session.scalar(
            sa.select(Need.id).where(Need.id == need_id).with_for_update(key_share=True)
        )
    else:
        # SQLite has one write lock for the whole database; a write that changes nothing
        # takes it now instead of at the first real write, as BEGIN IMMEDIATE would.
        result = session.execute(
            sa.text("UPDATE needs SET id = id WHERE id = :id"), {"id": need_id}
        )
        locked = need_id if result.rowcount else None
    if locked is None:
        raise NotFound(_("No such need."))
    session.expire_all()
    return session.get(Need, need_id)


def run(
    work: Callable[[], T],
    *,
    keep: Callable[[T], bool] = lambda result: True,
    on_retry: Callable[[], None] | None = None,
    on_integrity_error: Callable[[], T | None] | None = None,
) -> T:
    """Run ``work`` as one transaction and commit once; roll back on any error.

    ``keep(result)`` decides whether a finished ``work`` is committed (a page that answers
    with an error status is rolled back). Deadlocks, serialisation failures and lock
    timeouts roll back and run ``work`` again (after ``on_retry``) up to :data:`ATTEMPTS`
    times. A unique or foreign-key violation, two requests creating the same thing at once,
    becomes a 409 unless ``on_integrity_error`` has an answer (the API replays the answer
    of a request with the same Idempotency-Key).
    """
    for attempt in range(1, ATTEMPTS + 1):
        try:
            result = work()
            if keep(result):
                db.session.commit()
            else:
                db.session.rollback()
            return result
        except sa_exc.IntegrityError:
            rollback_quietly()
            answer = on_integrity_error() if on_integrity_error is not None else None
            if answer is not None:
                return answer
            raise Conflict(
                _("This conflicts with data saved at the same time; try again.")
            ) from None
        except sa_exc.DBAPIError as exc:
            rollback_quietly()
            reason = retry_reason(exc)
            if reason is None:
                raise
            if attempt == ATTEMPTS:
                log.warning("giving up after %s attempts: %s", attempt, reason)
                if reason == "lock timeout" or reason == "database locked":
                    raise Unavailable(
                        _("The marketplace is busy right now; please try again in a moment."),
                        retry_after=RETRY_AFTER_SECONDS,
                    ) from None
                raise Conflict(
                    _("Someone else changed this at the same moment; please try again.")
                ) from None
            log.info("retrying after a %s (attempt %s)", reason, attempt)
            time.sleep(random.uniform(0.01, 0.05) * attempt)  # let the other side finish
            if on_retry is not None:
                on_retry()
        except BaseException:
            rollback_quietly()
            raise
    raise AssertionError("unreachable")  # the loop returns or raises


def retry_reason(exc: BaseException) -> str | None:
    """Why running the operation again may succeed, or None when it would not."""
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code in _RETRY_CODES:
        return _RETRY_CODES[code]
    if isinstance(exc, sa_exc.OperationalError) and "database is locked" in str(orig):
        return "database locked"  # SQLite: another writer kept the lock past the busy timeout
    return None


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database cannot be reached (answer 503, not 500)."""
    if isinstance(exc, sa_exc.TimeoutError):  # no pooled connection came free in time
        return True
    if not isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError):
        return False
    if getattr(exc, "connection_invalidated", False):
        return True
    orig = getattr(exc, "orig", None)
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    if code is None:
        # No SQLSTATE: the driver failed before the server answered (refused, reset,
        # timed out), or SQLite could not open or lock its file.
        text = str(orig).lower()
        return not text.startswith("no such") and "syntax error" not in text
    return str(code)[:2] in _UNAVAILABLE_CLASSES
