"""Routes of the catalogue blueprint."""

from app.catalogue import bp  # noqa: F401
