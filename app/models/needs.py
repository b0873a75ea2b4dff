"""SME needs profiles and the matches the engine found for them."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import Organisation, User
from app.models.base import CodeList, TimestampMixin, enum_column, utcnow
from app.models.listings import PluginListing
from matching.types import Need as NeedRecord


class NeedStatus(enum.StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    AWARDED = "awarded"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class MatchStatus(enum.StrEnum):
    SHOWN = "shown"
    PINNED = "pinned"  # an admin put it first
    HIDDEN = "hidden"  # an admin took it out, with a reason


# The need fields of data-formats.md, as stored on a need (labels excepted).
NEED_FIELDS = (
    "title",
    "description",
    "lang",
    "industry",
    "region",
    "company_size",
    "employees",
    "budget_max",
    "timeline_weeks",
    "capabilities",
    "maturity_level",
)


class Need(TimestampMixin, db.Model):
    __tablename__ = "needs"
    __table_args__ = (
        sa.CheckConstraint("budget_max IS NULL OR budget_max >= 0", name="budget_non_negative"),
        sa.CheckConstraint("employees IS NULL OR employees >= 0", name="employees_non_negative"),
        sa.CheckConstraint(
            "timeline_weeks IS NULL OR timeline_weeks >= 0", name="timeline_non_negative"
        ),
        sa.CheckConstraint(
            "maturity_level IS NULL OR maturity_level BETWEEN 1 AND 4", name="maturity_level_range"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[NeedStatus] = mapped_column(
        enum_column(NeedStatus, "need_status"), default=NeedStatus.OPEN, index=True
    )
    cancel_reason: Mapped[str | None] = mapped_column(sa.Text)
    matched_at: Mapped[datetime | None]

    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    lang: Mapped[str | None] = mapped_column(sa.String(2))
    industry: Mapped[str | None] = mapped_column(sa.String(8))
    region: Mapped[str | None] = mapped_column(sa.String(8))
    company_size: Mapped[str | None] = mapped_column(sa.String(8))
    employees: Mapped[int | None]
    budget_max: Mapped[int | None]
    timeline_weeks: Mapped[int | None]
    capabilities: Mapped[list[str]] = mapped_column(CodeList, default=list)
    maturity_level: Mapped[int | None]
    # Slugs of fitting plug-ins the 2x budget limit kept out of the last matching (None:
    # matched before this was recorded); written with the matches, read by the need page.
    over_budget: Mapped[list[str] | None] = mapped_column(CodeList)

    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship()
    matches: Mapped[list[Match]] = relationship(
        back_populates="need", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def was_awarded(self) -> bool:
        """Only an award makes an engagement (and a subsidy commitment): awarded, then closed."""
        return self.status in (NeedStatus.AWARDED, NeedStatus.CLOSED)

    def need_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in NEED_FIELDS}

    def to_record(self) -> NeedRecord:
        """The need as the matcher sees it."""
        return NeedRecord(id=str(self.id), **self.need_fields())

    def __repr__(self) -> str:
        return f"<Need {self.id} {self.status} {self.title!r}>"


class Match(db.Model):
    """One ranked plug-in for one need, as the engine explained it and admins moderated it."""

    __tablename__ = "matches"
    __table_args__ = (sa.UniqueConstraint("need_id", "listing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plugin_listings.id", ondelete="CASCADE"), index=True
    )
    rank: Mapped[int]
    score: Mapped[float]
    components: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    explanation: Mapped[str] = mapped_column(sa.Text, default="")
    # The plug-in's instant estimate and eligibility verdict for this need, asked when the
    # match was computed ({"estimate": {...} | None, "eligibility": {...} | None}) so pages
    # never call plug-in code; None for matches stored before this was recorded.
    hook_results: Mapped[dict[str, Any] | None] = mapped_column(sa.JSON)
    model_version: Mapped[str] = mapped_column(sa.String(80))
    status: Mapped[MatchStatus] = mapped_column(
        enum_column(MatchStatus, "match_status"), default=MatchStatus.SHOWN
    )
    moderation_reason: Mapped[str | None] = mapped_column(sa.Text)
    moderated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    need: Mapped[Need] = relationship(back_populates="matches")
    listing: Mapped[PluginListing] = relationship()


class VendorBlock(db.Model):
    """An admin's decision that a vendor must not be matched for one need, or anywhere."""

    __tablename__ = "vendor_blocks"
    __table_args__ = (
        sa.UniqueConstraint("vendor_id", "need_id"),
        # NULLs are distinct in the constraint above: one "everywhere" block per vendor.
        sa.Index(
            "uq_vendor_blocks_one_global_per_vendor",
            "vendor_id",
            unique=True,
            sqlite_where=sa.text("need_id IS NULL"),
            postgresql_where=sa.text("need_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    vendor: Mapped[Organisation] = relationship()
