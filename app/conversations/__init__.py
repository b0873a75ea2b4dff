"""Conversations per request for quote: the thread page, posting, reporting, the admins' list."""

from flask import Blueprint

bp = Blueprint("conversations", __name__)

from app.conversations import routes  # noqa: E402,F401
