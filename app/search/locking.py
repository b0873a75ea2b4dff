"""Inter-process locks on files, so several web processes can share one index.

Whoosh allows one writer at a time and fails other writers with LockError;
funnelling every write through an ``flock`` on a file next to the index makes
writers from any thread or process queue up instead. ``flock`` locks belong to
an open file, so two threads of one process exclude each other too, and the
kernel drops a dead process's lock: no stale lock survives a crash.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class LockTimeout(TimeoutError):
    """Another writer held the lock for longer than we were willing to wait."""


@contextmanager
def file_lock(path: Path, timeout: float = 60.0) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if missing), waiting up to ``timeout`` s."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        delay = 0.005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"could not lock {path} within {timeout:.0f} s: another index writer "
                        "is still busy"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.1)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


@contextmanager
def try_file_lock(path: Path) -> Iterator[bool]:
    """Lock ``path`` if nobody holds it; yields whether the lock was taken."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
        else:
            yield True
    finally:
        os.close(fd)
