"""Routes of the needs blueprint."""

from app.needs import bp  # noqa: F401
