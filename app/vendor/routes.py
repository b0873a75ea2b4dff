"""Routes of the vendor blueprint."""

from app.vendor import bp  # noqa: F401
