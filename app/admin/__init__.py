"""Platform admin: queues, moderation of vendors, listings, matches, reviews, users; audit log."""

from flask import Blueprint

bp = Blueprint("admin", __name__)

from app.admin import routes  # noqa: E402,F401
