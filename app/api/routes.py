"""Routes of the JSON API."""

from app.api import bp  # noqa: F401
