"""The notification list; opening one marks it read and follows its link."""

from __future__ import annotations

import sqlalchemy as sa
from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import NotFound
from app.extensions import db
from app.models import Notification
from app.models.base import utcnow
from app.notifications import bp
from app.notifications.messages import render
from app.pagination import paginate

PER_PAGE = 30


def unread_count() -> int:
    if not current_user.is_authenticated:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == current_user.id, Notification.read_at.is_(None)
        )
    )


@bp.route("/")
@login_required
def index():
    page = paginate(
        sa.select(Notification)
        .where(Notification.user_id == current_user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()),
        PER_PAGE,
    )
    return render_template("notifications/index.html", page=page, render=render)


@bp.route("/<id:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id:
        raise NotFound(_("No such notification."))
    notification.read_at = notification.read_at or utcnow()
    db.session.commit()
    link = notification.link or ""
    safe = link.startswith("/") and not link.startswith("//")
    return redirect(link if safe else url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == current_user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    db.session.commit()
    return redirect(request.referrer if _local(request.referrer) else url_for(".index"))


def _local(url: str | None) -> bool:
    from urllib.parse import urlsplit

    return bool(url) and urlsplit(url).netloc in ("", request.host)
