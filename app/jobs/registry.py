"""Task names → functions. A task is ``def name(payload: dict) -> None`` registered with
``@task("name")``; the outbox stores only the name and the JSON payload.

``@task("name", merges="key")`` says that running the task once on the union of several
jobs' ``payload["key"]`` lists does the work of each (re-matching the needs that some
changed listings affect): a job of it takes over the pending ones queued with it
(:func:`app.jobs.outbox.merge_pending`), so a burst of changes is one run, not one each."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Task = Callable[[dict[str, Any]], None]

TASKS: dict[str, Task] = {}
MERGES: dict[str, str] = {}  # task name → the payload list its pending jobs merge on


def task(name: str, merges: str | None = None) -> Callable[[Task], Task]:
    """Register the decorated function as the task ``name`` (names are unique)."""

    def register(function: Task) -> Task:
        if name in TASKS and TASKS[name] is not function:
            raise ValueError(f"task {name!r} is already registered by {TASKS[name].__qualname__}")
        TASKS[name] = function
        if merges is not None:
            MERGES[name] = merges
        return function

    return register


class UnknownTask(LookupError):
    """A job names a task this code does not have (e.g. written by a newer release)."""


def lookup(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise UnknownTask(f"no task named {name!r}; known: {', '.join(sorted(TASKS))}") from None
