"""Background jobs: in a thread by default, on an RQ worker when configured, inline in tests.

A job is a plain function name in ``app.tasks`` plus JSON-able arguments, so the same call
works in-process and on a Redis-backed worker in another process.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

from flask import Flask, current_app, has_request_context

log = logging.getLogger("app.jobs")


def enqueue(task: str, *args: Any) -> None:
    """Run ``app.tasks.<task>(*args)`` according to the JOBS setting (sync, thread, rq)."""
    app = current_app._get_current_object()
    mode = app.config.get("JOBS", "thread")
    if mode == "sync" or (mode == "thread" and not has_request_context()):
        # A command-line process may exit before a thread finishes: run inline there.
        _run(app, task, args)
    elif mode == "rq":
        from redis import Redis
        from rq import Queue

        queue = Queue(
            app.config.get("JOBS_QUEUE", "shuzhuan"),
            connection=Redis.from_url(app.config["REDIS_URL"]),
        )
        queue.enqueue("app.tasks.run_task", task, *args)
    else:
        threading.Thread(target=_run, args=(app, task, args), daemon=True).start()


def _run(app: Flask, task: str, args: tuple) -> None:
    from app import tasks

    with app.app_context():
        try:
            getattr(tasks, task)(*args)
        except Exception:
            log.exception("background task %s%r failed", task, args)
