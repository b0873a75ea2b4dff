"""Requests for quotes, quotes with their revision history, and engagements."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import Organisation, User
from app.models.base import TimestampMixin, enum_column, utcnow
from app.models.listings import PluginListing
from app.models.needs import Need


class RfqStatus(enum.StrEnum):
    SENT = "sent"
    QUOTED = "quoted"
    DECLINED = "declined"
    EXPIRED = "expired"
    AWARDED = "awarded"
    LOST = "lost"


class QuoteStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"


class EngagementStatus(enum.StrEnum):
    ACTIVE = "active"
    COMPLETED = "completed"


PRICE_PARTS = ("licence", "implementation", "training", "annual_fees")


class Rfq(TimestampMixin, db.Model):
    """A request for quote: an SME asks one plug-in's vendor to quote for one need."""

    __tablename__ = "rfqs"
    __table_args__ = (sa.UniqueConstraint("need_id", "listing_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="RESTRICT"), index=True)
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plugin_listings.id", ondelete="RESTRICT"), index=True
    )
    # The vendor addressed, kept on the row so inbox queries and permission checks are direct.
    vendor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    sender_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(sa.Text, default="")
    status: Mapped[RfqStatus] = mapped_column(
        enum_column(RfqStatus, "rfq_status"), default=RfqStatus.SENT, index=True
    )
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)

    need: Mapped[Need] = relationship()
    listing: Mapped[PluginListing] = relationship()
    vendor: Mapped[Organisation] = relationship()
    sender: Mapped[User | None] = relationship()
    quotes: Mapped[list[Quote]] = relationship(back_populates="rfq", order_by="Quote.id")


class _PriceBreakdown:
    """The structured price of a quote, in whole CNY; the database refuses negatives."""

    licence: Mapped[int] = mapped_column(default=0)
    implementation: Mapped[int] = mapped_column(default=0)
    training: Mapped[int] = mapped_column(default=0)
    annual_fees: Mapped[int] = mapped_column(default=0)
    delivery_weeks: Mapped[int]
    scope: Mapped[str] = mapped_column(sa.Text, default="")
    valid_until: Mapped[date]

    @property
    def first_year_total(self) -> int:
        return sum(getattr(self, part) for part in PRICE_PARTS)

    @property
    def is_past_validity(self) -> bool:
        """Its validity date has passed (the vendor must revise it before it can be accepted)."""
        return self.valid_until < date.today()


def _price_checks() -> tuple[sa.CheckConstraint, ...]:
    return tuple(
        sa.CheckConstraint(f"{col} >= 0", name=f"{col}_non_negative")
        for col in (*PRICE_PARTS, "delivery_weeks")
    )


class Quote(_PriceBreakdown, TimestampMixin, db.Model):
    __tablename__ = "quotes"
    __table_args__ = (
        *_price_checks(),
        sa.CheckConstraint("revision >= 1", name="revision_positive"),
        # At most one accepted quote per need, whatever the application does.
        sa.Index(
            "uq_quotes_one_accepted_per_need",
            "need_id",
            unique=True,
            sqlite_where=sa.text("status = 'accepted'"),
            postgresql_where=sa.text("status = 'accepted'"),
        ),
        # At most one live quote per request: a revision updates it, history goes below.
        sa.Index(
            "uq_quotes_one_live_per_rfq",
            "rfq_id",
            unique=True,
            sqlite_where=sa.text("status = 'submitted'"),
            postgresql_where=sa.text("status = 'submitted'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    rfq_id: Mapped[int] = mapped_column(sa.ForeignKey("rfqs.id", ondelete="RESTRICT"), index=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="RESTRICT"), index=True)
    vendor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[QuoteStatus] = mapped_column(
        enum_column(QuoteStatus, "quote_status"), default=QuoteStatus.SUBMITTED
    )
    revision: Mapped[int] = mapped_column(default=1)

    rfq: Mapped[Rfq] = relationship(back_populates="quotes")
    need: Mapped[Need] = relationship()
    vendor: Mapped[Organisation] = relationship()
    revisions: Mapped[list[QuoteRevision]] = relationship(
        back_populates="quote",
        order_by="QuoteRevision.revision",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class QuoteRevision(_PriceBreakdown, db.Model):
    """A quote as it stood before a revision replaced it."""

    __tablename__ = "quote_revisions"
    __table_args__ = (*_price_checks(), sa.UniqueConstraint("quote_id", "revision"))

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(sa.ForeignKey("quotes.id", ondelete="CASCADE"))
    revision: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    quote: Mapped[Quote] = relationship(back_populates="revisions")


class Engagement(TimestampMixin, db.Model):
    """The work that starts when an SME awards a quote."""

    __tablename__ = "engagements"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(
        sa.ForeignKey("needs.id", ondelete="RESTRICT"), unique=True
    )
    quote_id: Mapped[int] = mapped_column(
        sa.ForeignKey("quotes.id", ondelete="RESTRICT"), unique=True
    )
    listing_id: Mapped[int] = mapped_column(
        sa.ForeignKey("plugin_listings.id", ondelete="RESTRICT"), index=True
    )
    sme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    vendor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[EngagementStatus] = mapped_column(
        enum_column(EngagementStatus, "engagement_status"), default=EngagementStatus.ACTIVE
    )
    completed_at: Mapped[datetime | None]
    # The first delivery of a milestone, or the completion: a KPI's baseline recorded
    # earlier was measured before the work (app.services.kpis).
    work_began_at: Mapped[datetime | None]

    need: Mapped[Need] = relationship()
    quote: Mapped[Quote] = relationship()
    listing: Mapped[PluginListing] = relationship()
    sme: Mapped[Organisation] = relationship(foreign_keys=[sme_id])
    vendor: Mapped[Organisation] = relationship(foreign_keys=[vendor_id])
