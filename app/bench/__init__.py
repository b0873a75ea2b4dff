"""Benchmarks of the portal's own work (the engine's are in matching.bench)."""

from __future__ import annotations

from flask import Flask

from app import create_app


def seeding_app(database_url: str | None = None) -> Flask:
    """The portal a benchmark seeds its scratch database with (jobs run at once). The URL is
    passed in: app.config read DATABASE_URL when the package was imported."""
    database = {"SQLALCHEMY_DATABASE_URI": database_url} if database_url else {}
    return create_app({"LOG_LEVEL": "WARNING", "JOBS": "sync", **database})
