"""E-mail: what each user wants mailed, and one delivery record per mail."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import User
from app.models.base import enum_column, utcnow


class MailMode(enum.StrEnum):
    IMMEDIATELY = "immediately"
    DIGEST = "digest"  # one mail a day with everything of these kinds
    OFF = "off"


class MailStatus(enum.StrEnum):
    PENDING = "pending"
    SENT = "sent"


class NotificationPreference(db.Model):
    """How one user wants one kind of notification mailed; no row means immediately."""

    __tablename__ = "notification_preferences"
    __table_args__ = (sa.UniqueConstraint("user_id", "kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(sa.String(50))
    mode: Mapped[MailMode] = mapped_column(enum_column(MailMode, "mail_mode"))


class MailMessage(db.Model):
    """One mail to send, written in the transaction that causes it and delivered after it.

    The body is rendered when it is sent (in the recipient's language, with fresh signed
    links), so no secret link is ever stored. ``dedupe_key`` is unique: a notification is
    mailed once, a day's digest once; delivery skips a mail already ``sent``.
    """

    __tablename__ = "mail_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(50))
    to: Mapped[str] = mapped_column(sa.String(254))
    params: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    dedupe_key: Mapped[str] = mapped_column(sa.String(120), unique=True)
    status: Mapped[MailStatus] = mapped_column(
        enum_column(MailStatus, "mail_status"), default=MailStatus.PENDING, index=True
    )
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]

    user: Mapped[User | None] = relationship()
