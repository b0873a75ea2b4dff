"""The public catalogue: search with facets, and each published plug-in's page."""

from flask import Blueprint

bp = Blueprint("catalogue", __name__)

from app.catalogue import routes  # noqa: E402,F401
