"""Background work through a transactional outbox: never lost, run until done, visible.

Posting a job (the whole API most code needs)::

    from app.jobs import outbox
    outbox.post("rematch_listings", {"slugs": ["mes-lite"]})   # inside a service
    # ... the request's commit writes the job row with the change that caused it

- ``outbox.post(task, payload, dedupe_key=None)`` adds an ``OutboxJob`` row to the current
  transaction. If the transaction rolls back, the job never existed; if it commits, the job
  is handed on right after the commit (``dispatch.py``).
- ``outbox.submit(task, payload, dedupe_key=None)`` is the same in a transaction of its own,
  committed at once: for work found while only reading (a damaged search index).
- A task is a function of the JSON payload, registered by name in ``tasks.py``::

      @task("send_email")
      def send_email(payload: dict) -> None: ...

  Tasks must be idempotent: a job may run twice (a process dies after the work, before
  "done"), and running it twice must leave what running it once does.
- ``catalogue.catalogue_changed(slug)`` is the catalogue's shorthand: the listings changed
  in a transaction become one ``index_listings`` and one ``rematch_listings`` job.

Lifecycle of a job (``app.models.JobStatus``): pending → running → done, or failed → (after
an exponential backoff, JOBS_RETRY_SECONDS doubled per attempt) pending again … → dead after
JOBS_MAX_ATTEMPTS; an admin retries dead ones (``/admin/jobs``, ``flask jobs retry``). Ids
are ordered as the jobs' transactions wrote them.

Where jobs run (JOBS): ``thread`` (default) in a thread of the web process after the commit,
plus a sweep every JOBS_SWEEP_SECONDS; ``rq`` on ``flask jobs worker`` through Redis, whose
sweep of the table covers lost hand-offs (Redis down or restarted without persistence, a
web process killed); ``sync`` inline after the commit (tests). Whoever runs a job first
claims it with one conditional UPDATE, so two processes never run it at the same time, and a
running job whose process died is taken back when its lease (JOBS_LEASE_SECONDS) runs out.

Modules: ``outbox`` (the table's state changes), ``registry`` (task names), ``tasks`` (the
tasks), ``runner`` (claim and run; the sweep), ``dispatch`` (after-commit hand-off),
``rq_entry`` (what RQ calls), ``catalogue`` (catalogue changes); ``flask jobs`` is in
:mod:`app.cli.jobs`.
"""
