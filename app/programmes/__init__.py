"""The public-programme layer: maturity self-assessment, subsidy programmes, pooled requests."""

from flask import Blueprint

bp = Blueprint("programmes", __name__)

from app.programmes import pool_routes, routes  # noqa: E402,F401
