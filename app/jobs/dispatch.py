"""Handing committed jobs on: inline (sync), to a thread (thread), or to RQ (rq).

The hand-off happens after the commit that wrote the jobs, and may be lost (Redis down, the
process killed): the job row stays pending and a sweep runs it later. In ``thread`` mode each
web process sweeps on a timer; in ``rq`` mode ``flask jobs worker`` does.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Sequence

from flask import Flask, current_app, has_app_context, has_request_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from sqlalchemy import event
from sqlalchemy.orm import Session

from app.jobs.outbox import POSTED_KEY
from app.jobs.runner import Sweeper, run_job

log = logging.getLogger("app.jobs")

RQ_FUNCTION = "app.jobs.rq_entry.run"
MODES = ("thread", "rq", "sync")


@event.listens_for(Session, "after_commit")
def _dispatch_committed(session: Session) -> None:
    if session.in_nested_transaction():
        return  # a savepoint was released: nothing is committed yet
    job_ids = session.info.pop(POSTED_KEY, None)
    if job_ids and has_app_context():
        dispatch(current_app._get_current_object(), job_ids)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    if not session.in_nested_transaction():
        session.info.pop(POSTED_KEY, None)


def dispatch(app: Flask, job_ids: Sequence[int]) -> None:
    """Hand committed jobs on according to JOBS; never raises (a lost hand-off is swept)."""
    mode = app.config.get("JOBS", "thread")
    try:
        if mode == "rq":
            _enqueue(app, job_ids)
        elif mode == "sync" or not has_request_context():
            # sync, or thread mode in a command: the process may exit before a thread ends.
            for job_id in job_ids:
                run_job(app, job_id)
        else:
            threading.Thread(
                target=_run_all, args=(app, list(job_ids)), name="outbox-jobs", daemon=True
            ).start()
    except Exception:
        log.exception("jobs %s not handed on (%s); the sweep will run them", job_ids, mode)


def _run_all(app: Flask, job_ids: list[int]) -> None:
    for job_id in job_ids:
        run_job(app, job_id)


def rq_queue(app: Flask) -> Queue:
    """The RQ queue of this app's jobs (JOBS_QUEUE on REDIS_URL)."""
    # Short timeouts: a Redis outage must not hold up the request that committed.
    connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=2, socket_timeout=5)
    return Queue(app.config.get("JOBS_QUEUE", "shuzhuan"), connection=connection)


def _enqueue(app: Flask, job_ids: Sequence[int]) -> None:
    queue = rq_queue(app)
    try:
        for job_id in job_ids:
            queue.enqueue(RQ_FUNCTION, job_id, description=f"outbox job {job_id}")
    except RedisError as exc:
        log.warning("Redis is unreachable (%s): jobs %s stay pending for the sweep", exc, job_ids)
    finally:
        queue.connection.close()


def init_app(app: Flask) -> None:
    """Check JOBS and, in thread mode (not under TESTING), start this process's sweeper with
    its first request."""
    mode = app.config.get("JOBS", "thread")
    if mode not in MODES:
        raise ValueError(f"JOBS must be one of {', '.join(MODES)}, not {mode!r}")
    if mode != "thread" or app.testing:
        return  # tests run the sweep themselves; a timer would run jobs behind their back
    lock = threading.Lock()

    @app.before_request
    def _start_sweeper() -> None:
        # Started lazily, per process: gunicorn forks workers after the app is built.
        sweeper = app.extensions.get("shuzhuan.sweeper")
        if sweeper is not None and sweeper.pid == os.getpid():
            return
        with lock:
            sweeper = app.extensions.get("shuzhuan.sweeper")
            if sweeper is None or sweeper.pid != os.getpid():
                interval = float(app.config.get("JOBS_SWEEP_SECONDS", 30))
                app.extensions["shuzhuan.sweeper"] = Sweeper(app, interval).start()
