"""A vendor's own plug-in listings: create and edit with a form or a plugin.toml upload."""

from flask import Blueprint

bp = Blueprint("listings", __name__)

from app.listings import routes  # noqa: E402,F401
