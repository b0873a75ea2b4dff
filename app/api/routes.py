"""Routes of the JSON API: importing the resource modules registers their operations."""

from app.api import accounts, admin, deals, docs, needs, plugins, reviews  # noqa: F401
