"""Home page, language switch and a health check for load balancers."""

from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, jsonify, redirect, render_template, session, url_for
from flask_login import current_user

from app.errors import NotFound
from app.extensions import db
from app.main import bp
from app.models import ListingStatus, Need, NeedStatus, Organisation, OrgKind, PluginListing
from app.web.redirects import safe_next


@bp.route("/")
def index():
    published = sa.select(PluginListing).where(PluginListing.status == ListingStatus.PUBLISHED)
    stats = {
        "plugins": db.session.scalar(sa.select(sa.func.count()).select_from(published.subquery())),
        "vendors": db.session.scalar(
            sa.select(sa.func.count(Organisation.id)).where(Organisation.kind == OrgKind.VENDOR)
        ),
        "needs": db.session.scalar(
            sa.select(sa.func.count(Need.id)).where(Need.status != NeedStatus.DRAFT)
        ),
    }
    featured = db.session.scalars(
        published.order_by(PluginListing.published_at.desc(), PluginListing.id).limit(6)
    ).all()
    return render_template("main/index.html", stats=stats, featured=featured)


@bp.route("/lang/<code>")
def set_language(code: str):
    """Switch the page language; remembered in the session and on the user's profile."""
    if code not in current_app.config["LANGUAGES"]:
        raise NotFound("Unknown language")
    session["locale"] = code
    if current_user.is_authenticated and current_user.locale != code:
        current_user.locale = code
    return redirect(safe_next(url_for("main.index")))


@bp.route("/healthz")
def health():
    db.session.execute(sa.text("SELECT 1"))
    return jsonify(status="ok")
