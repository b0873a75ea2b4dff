"""The JSON API at /api/v1: bearer tokens, problem+json errors, an OpenAPI 3.1 description."""

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("api", __name__)
csrf.exempt(bp)  # bearer tokens, never session cookies, authorise state changes here

from app.api import routes  # noqa: E402,F401
