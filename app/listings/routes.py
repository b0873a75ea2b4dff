"""Routes of the listings blueprint."""

from app.listings import bp  # noqa: F401
