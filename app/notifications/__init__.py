"""In-app notifications: the list, marking as read, and the unread count in the navigation."""

from flask import Blueprint

bp = Blueprint("notifications", __name__)

from app.notifications import routes  # noqa: E402,F401
