"""The background tasks. Each is idempotent: running it twice leaves what running it once does.

Adding one is a function taking the job's JSON payload, plus its name::

    @task("send_email")
    def send_email(payload: dict) -> None:
        ...

and ``outbox.post("send_email", {...})`` in the transaction that makes it necessary. A task
may commit on its own (long ones commit in batches); whatever it leaves uncommitted is
committed together with the job's "done".
"""

from __future__ import annotations

import logging
from typing import Any

from app.jobs.registry import task
from app.services import expiry, mailer, matching, notify, search

log = logging.getLogger("app.jobs.tasks")


@task("index_listings")
def index_listings(payload: dict[str, Any]) -> None:
    """Bring the search index in step with the listings ``payload["slugs"]`` as stored now."""
    search.sync_listings(list(payload["slugs"]))


@task("rematch_listings", merges="slugs")
def rematch_listings(payload: dict[str, Any]) -> None:
    """Update the open needs' matches that the changed listings ``payload["slugs"]`` affect
    (pending jobs of the same task are merged into one run: each need is ranked once)."""
    refreshed = matching.rematch_for_listings(list(payload["slugs"]))
    log.info("%d listings changed: %d open needs re-matched", len(payload["slugs"]), refreshed)


@task("rematch_alike", merges="need_ids")
def rematch_alike(payload: dict[str, Any]) -> None:
    """Update the matches of the open needs alike ``payload["need_ids"]``, which an award
    made precedents (pending jobs of the same task are merged into one run)."""
    matching.rematch_alike([int(i) for i in payload["need_ids"]])


@task("rebuild_search_index")
def rebuild_search_index(payload: dict[str, Any]) -> None:
    """Rebuild the search index from the database (it was found damaged or missing)."""
    search.rebuild_if_damaged()


@task("deliver_mail")
def deliver_mail(payload: dict[str, Any]) -> None:
    """Send one queued e-mail (app.services.mailer); skipped once sent, raises while the
    mail server fails so the job is retried."""
    mailer.deliver(int(payload["mail_id"]))


@task("deliver_notification")
def deliver_notification(payload: dict[str, Any]) -> None:
    """Hand one stored notification to one channel (app.services.notify.Notifier)."""
    notify.deliver(int(payload["notification_id"]), str(payload["channel"]))


@task("tick")
def tick(payload: dict[str, Any]) -> None:
    """Expire what is due, send the reminders, overdue milestone notices and digests
    (app.services.expiry)."""
    log.info("tick: %s", expiry.tick())
