"""The notification list; opening one marks it read and follows its link."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.extensions import csrf
from app.notifications import bp
from app.notifications.messages import label, render
from app.services import notify, preferences
from app.web.pagination import paginate

PER_PAGE = 30


@bp.route("/")
@login_required
def index():
    page = paginate(notify.notifications_of(current_user), PER_PAGE)
    return render_template("notifications/index.html", page=page, render=render)


@bp.route("/<id:notification_id>/open", methods=["POST"])
@login_required
def open_one(notification_id: int):
    notification = notify.mark_read(current_user, notification_id)
    link = notification.link or ""
    safe = link.startswith("/") and not link.startswith("//")
    return redirect(link if safe else url_for("notifications.index"))


@bp.route("/read-all", methods=["POST"])
@login_required
def read_all():
    notify.mark_all_read(current_user)
    return redirect(request.referrer if _local(request.referrer) else url_for(".index"))


def _local(url: str | None) -> bool:
    return bool(url) and urlsplit(url).netloc in ("", request.host)


@bp.route("/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # the signed token is the authority; mail clients POST here (RFC 8058)
def unsubscribe(token: str):
    """GET asks (link scanners must not unsubscribe anyone); POST turns the mails off."""
    if request.method == "POST":
        _user, kind = preferences.unsubscribe(token)
        done = True
    else:
        _user, kind = preferences.read_unsubscribe_token(token)
        done = False
    what = _("all notification mails") if kind == preferences.ALL_KINDS else label(kind)
    return render_template("notifications/unsubscribe.html", token=token, what=what, done=done)
