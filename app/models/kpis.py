"""Measured outcomes of an engagement: a KPI's baseline before the work, its value after.

The SME records a baseline (a KPI of :mod:`app.services.kpi_table`, its value, the server's
time) while the engagement is active, and the value after the work once it is completed.
Reviews show the change, with a badge when the baseline was recorded before the work began
(``baseline_at`` earlier than the engagement's ``work_began_at``).
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.base import TimestampMixin

MAX_OUTCOMES = 6  # KPIs per engagement


class Outcome(TimestampMixin, db.Model):
    __tablename__ = "outcomes"
    __table_args__ = (
        sa.UniqueConstraint("engagement_id", "kpi"),
        sa.CheckConstraint("baseline >= 0", name="baseline_non_negative"),
        sa.CheckConstraint("after IS NULL OR after >= 0", name="after_non_negative"),
        sa.CheckConstraint("(after IS NULL) = (after_at IS NULL)", name="after_with_its_time"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    engagement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), index=True
    )
    kpi: Mapped[str] = mapped_column(sa.String(40))  # a code of app.services.kpi_table
    baseline: Mapped[float] = mapped_column(sa.Float)
    baseline_at: Mapped[datetime]  # the server's clock, never the client's
    after: Mapped[float | None] = mapped_column(sa.Float)
    after_at: Mapped[datetime | None]
    recorded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    engagement = relationship("Engagement")
