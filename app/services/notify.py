"""Notifications: stored in-app, then handed after commit to each configured channel."""

from __future__ import annotations

import logging
from importlib import import_module
from typing import Any, Protocol

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.errors import NotFound
from app.extensions import db
from app.jobs.outbox import post
from app.models import Notification, Role, User, UserStatus
from app.models.base import utcnow

log = logging.getLogger("app.notify")


class Notifier(Protocol):
    """A channel that carries notifications outside the portal (e-mail, WeChat Work, SMS).

    To add one, write a class with a unique ``name`` and a :meth:`deliver` method and list
    it in the ``NOTIFIERS`` setting as ``"package.module:ClassName"`` (instantiated once,
    without arguments). For every stored notification, each channel's :meth:`deliver` runs
    as background work after the commit that made the notification, never inside it: a
    rolled-back operation tells no one, and a slow or broken channel never undoes or delays
    the business operation. When :meth:`deliver` raises, the job is retried, so it must be
    idempotent: remember what was sent (e.g. by the notification's id) and skip it the
    second time. The recipient is ``notification.user``; the text in their language is
    :func:`app.notifications.messages.render` inside ``flask_babel.force_locale``.
    """

    name: str

    def deliver(self, notification: Notification) -> None: ...


def notifiers() -> dict[str, Notifier]:
    """The configured channels by name (``NOTIFIERS``), loaded once per app."""
    loaded = current_app.extensions.get("shuzhuan.notifiers")
    if loaded is None:
        loaded = {}
        for path in current_app.config.get("NOTIFIERS", ()):
            module, _sep, attr = path.partition(":")
            channel = getattr(import_module(module), attr)()
            loaded[channel.name] = channel
        current_app.extensions["shuzhuan.notifiers"] = loaded
    return loaded


def notify(user: User, kind: str, *, link: str | None = None, **params: Any) -> Notification:
    """Tell ``user`` about an event of ``kind``; rendered later in the reader's language.

    The in-app notification is stored in the current transaction, together with one
    ``deliver_notification`` outbox job per channel of :func:`notifiers` (:class:`Notifier`),
    so a rolled-back operation tells no one and a committed one reaches every channel."""
    notification = Notification(user_id=user.id, kind=kind, params=params, link=link)
    db.session.add(notification)
    db.session.flush()
    for name in notifiers():
        post("deliver_notification", {"notification_id": notification.id, "channel": name})
    return notification


def deliver(notification_id: int, channel: str) -> None:
    """Run one channel for one stored notification (the background job of :func:`notify`)."""
    notification = db.session.get(Notification, notification_id)
    notifier = notifiers().get(channel)
    if notification is None or notifier is None:
        log.warning("nothing to deliver: notification %s on %s", notification_id, channel)
        return
    notifier.deliver(notification)


def notify_all(users, kind: str, *, link: str | None = None, **params: Any) -> None:
    """Tell each active user once, however often they appear among ``users``."""
    seen: set[int] = set()
    for user in users:
        if user is not None and user.id not in seen and user.is_active:
            seen.add(user.id)
            notify(user, kind, link=link, **params)


def members(org_id: int | None) -> list[User]:
    """The active users acting for an organisation: who hears about its business."""
    if org_id is None:
        return []
    return list(
        db.session.scalars(
            sa.select(User).where(User.organisation_id == org_id, User.status == UserStatus.ACTIVE)
        )
    )


def admins() -> list[User]:
    """The active platform admins: who hears about queues and moderation."""
    return list(
        db.session.scalars(
            sa.select(User).where(User.role == Role.ADMIN, User.status == UserStatus.ACTIVE)
        )
    )


# --- reading one's notifications (pages and the API) -------------------------------------


def notifications_of(user: User, *, unread_only: bool = False) -> sa.Select:
    """The user's notifications, newest first."""
    query = sa.select(Notification).where(Notification.user_id == user.id)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return query.order_by(Notification.created_at.desc(), Notification.id.desc())


def unread_count(user: User) -> int:
    return db.session.scalar(
        sa.select(sa.func.count(Notification.id)).where(
            Notification.user_id == user.id, Notification.read_at.is_(None)
        )
    )


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the user's own notifications read; anyone else's is 'not found'."""
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != user.id:
        raise NotFound(_("No such notification."))
    notification.read_at = notification.read_at or utcnow()
    return notification


def mark_all_read(user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    result = db.session.execute(
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    return result.rowcount or 0
