"""Task names → functions. A task is ``def name(payload: dict) -> None`` registered with
``@task("name")``; the outbox stores only the name and the JSON payload."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Task = Callable[[dict[str, Any]], None]

TASKS: dict[str, Task] = {}


def task(name: str) -> Callable[[Task], Task]:
    """Register the decorated function as the task ``name`` (names are unique)."""

    def register(function: Task) -> Task:
        if name in TASKS and TASKS[name] is not function:
            raise ValueError(f"task {name!r} is already registered by {TASKS[name].__qualname__}")
        TASKS[name] = function
        return function

    return register


class UnknownTask(LookupError):
    """A job names a task this code does not have (e.g. written by a newer release)."""


def lookup(name: str) -> Task:
    try:
        return TASKS[name]
    except KeyError:
        raise UnknownTask(f"no task named {name!r}; known: {', '.join(sorted(TASKS))}") from None
