"""What a vendor shows on its public profile beyond the organisation row: its logo."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import utcnow


class VendorLogo(db.Model):
    """A vendor's logo, already validated and resized (a small PNG).

    Kept in the database rather than on disk so every web machine serves the same image
    and a backup of the database is a backup of the profiles.
    """

    __tablename__ = "vendor_logos"
    __table_args__ = (sa.CheckConstraint("width > 0 AND height > 0", name="logo_size_positive"),)

    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), primary_key=True
    )
    image: Mapped[bytes] = mapped_column(sa.LargeBinary)
    media_type: Mapped[str] = mapped_column(sa.String(30))
    width: Mapped[int]
    height: Mapped[int]
    digest: Mapped[str] = mapped_column(sa.String(64))  # sha256 of the image: the ETag
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
