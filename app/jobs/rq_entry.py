"""What an RQ worker runs for an outbox job: claim it in the table, then run it.

Kept apart from the rest of the package because it imports the app factory, which imports
the package (through the dispatcher's session hooks).
"""

from __future__ import annotations

from flask import Flask, current_app, has_app_context

from app import create_app
from app.jobs.runner import run_job

_app: Flask | None = None


def run(job_id: int) -> bool:
    """RQ's entry point. Under ``flask jobs worker`` the CLI's app is current; a plain
    ``rq worker`` builds one app per process from the environment."""
    global _app
    if has_app_context():
        return run_job(current_app._get_current_object(), job_id)
    if _app is None:
        _app = create_app()
    return run_job(_app, job_id)
