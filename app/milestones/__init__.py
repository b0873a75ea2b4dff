"""An engagement's plan of milestones: deliver, accept or reject, and the admins' disputes."""

from flask import Blueprint

bp = Blueprint("milestones", __name__)

from app.milestones import routes  # noqa: E402,F401
