"""Notifications: stored in-app, then handed to pluggable notifiers (e-mail is one away)."""

from __future__ import annotations

import logging
from typing import Any, Protocol

import sqlalchemy as sa

from app.extensions import db
from app.models import Notification, Role, User, UserStatus

log = logging.getLogger("app.notify")


class Notifier(Protocol):
    """Delivers a notification outside the portal (e-mail, SMS, WeCom …)."""

    def send(self, notification: Notification) -> None: ...


_notifiers: list[Notifier] = []


def add_notifier(notifier: Notifier) -> None:
    """Register another delivery channel; the in-app notification is always stored."""
    _notifiers.append(notifier)


def notify(user: User, kind: str, *, link: str | None = None, **params: Any) -> Notification:
    """Tell ``user`` about an event of ``kind``; rendered later in the reader's language."""
    notification = Notification(user_id=user.id, kind=kind, params=params, link=link)
    db.session.add(notification)
    for notifier in _notifiers:
        try:
            notifier.send(notification)
        except Exception:  # a broken channel must not undo the business operation
            log.exception("notifier %r failed for %s", notifier, kind)
    return notification


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
