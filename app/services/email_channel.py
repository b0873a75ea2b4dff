"""The e-mail channel for notifications (a :class:`app.services.notify.Notifier`).

Mails only verified, active users, and only kinds they want immediately; kinds they chose
for the daily digest wait for :func:`send_digests`. Idempotent: one mail per notification
(its ``dedupe_key``), never sent twice.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import MailMessage, MailMode, Notification, NotificationPreference, User
from app.models.base import utcnow
from app.services import mailer, preferences

DIGEST_WINDOW = timedelta(days=7)  # older unmailed notifications are not worth a mail


def _reachable(user: User | None) -> bool:
    return user is not None and user.is_active and user.email_verified


class EmailNotifier:
    name = "email"

    def deliver(self, notification: Notification) -> None:
        user = notification.user
        if not _reachable(user):
            return
        if preferences.mode_for(user, notification.kind) != MailMode.IMMEDIATELY:
            return
        key = f"notification:{notification.id}"
        mail = mailer.existing(key)
        if mail is None:
            mail = MailMessage(
                user_id=user.id,
                kind="notification",
                to=user.email,
                params={"notification_id": notification.id, "kind": notification.kind},
                dedupe_key=key,
            )
            db.session.add(mail)
            db.session.flush()
            notification.mail_id = mail.id
            db.session.commit()
        mailer.deliver(mail.id)


def send_digests(now: datetime | None = None) -> int:
    """Queue today's digest for every user with digest notifications not mailed yet.

    One digest per user and day (the dedupe key names the day in the site's time zone);
    runs from ``flask jobs tick`` and the scheduler. Returns how many digests were queued.
    """
    now = now or utcnow()
    day = _local_day(now)
    users = db.session.scalars(
        sa.select(User)
        .where(
            User.id.in_(
                sa.select(NotificationPreference.user_id).where(
                    NotificationPreference.mode == MailMode.DIGEST
                )
            )
        )
        .order_by(User.id)
    )
    queued = 0
    for user in users:
        if not _reachable(user):
            continue
        key = f"digest:{user.id}:{day}"
        if mailer.existing(key) is not None:
            continue
        kinds = [
            k for k, mode in preferences.preferences_for(user).items() if mode == MailMode.DIGEST
        ]
        rows = list(
            db.session.scalars(
                sa.select(Notification)
                .where(
                    Notification.user_id == user.id,
                    Notification.kind.in_(kinds),
                    Notification.mail_id.is_(None),
                    Notification.created_at >= now - DIGEST_WINDOW,
                )
                .order_by(Notification.id)
            )
        )
        if not rows:
            continue
        mail = mailer.queue(user, "digest", dedupe_key=key, notification_ids=[n.id for n in rows])
        for row in rows:
            row.mail_id = mail.id
        queued += 1
    return queued


def _local_day(now: datetime) -> str:
    zone = ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))
    return now.replace(tzinfo=ZoneInfo("UTC")).astimezone(zone).date().isoformat()
