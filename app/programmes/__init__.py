"""The public-programme layer: maturity self-assessment, subsidy programmes, pooled requests."""

from flask import Blueprint

bp = Blueprint("programmes", __name__)

from app.programmes import routes  # noqa: E402,F401
