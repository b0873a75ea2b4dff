"""Files attached to a need, a message, a quote or a delivered milestone, stored outside the
web root."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class Attachment(db.Model):
    """One uploaded file; exactly one of need, message, quote or milestone owns it."""

    __tablename__ = "attachments"
    __table_args__ = (
        sa.CheckConstraint(
            "(CASE WHEN need_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN message_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN quote_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN milestone_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_owner",
        ),
        sa.CheckConstraint("size >= 0", name="size_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("messages.id", ondelete="CASCADE"), index=True
    )
    quote_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("quotes.id", ondelete="CASCADE"), index=True
    )
    # What the vendor handed over for a milestone (app.services.milestones.deliver).
    milestone_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("milestones.id", ondelete="CASCADE"), index=True
    )
    uploader_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    filename: Mapped[str] = mapped_column(sa.String(200))  # sanitised, for display only
    content_type: Mapped[str] = mapped_column(sa.String(100))  # detected from the content
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    storage_key: Mapped[str] = mapped_column(sa.String(100), unique=True)
    thumbnail_key: Mapped[str | None] = mapped_column(sa.String(100))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
