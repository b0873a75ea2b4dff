"""Pooled requests: SMEs of one industry and region ask vendors together.

The pool's request is one need (``lead_need``), matched and quoted as any other: the
organiser sends the requests for quotes, vendors quote a per-member price with volume
tiers. Each member that accepts gets its own need, quote and engagement, so the award,
the work and the verified review stay per member.
"""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import Organisation, User
from app.models.base import enum_column, utcnow
from app.models.deals import Engagement, Quote
from app.models.needs import Need


class PoolStatus(enum.StrEnum):
    JOINING = "joining"  # open for joining: members come and go
    OPEN = "open"  # joining closed, the member count is fixed: members accept
    AWARDED = "awarded"  # at least one member awarded; the others may still accept


class MemberStatus(enum.StrEnum):
    JOINED = "joined"
    AGREED = "agreed"  # agreed to a quote: the organiser may award it for the member
    AWARDED = "awarded"
    LEFT = "left"


class Pool(db.Model):
    __tablename__ = "pools"

    id: Mapped[int] = mapped_column(primary_key=True)
    lead_need_id: Mapped[int] = mapped_column(
        sa.ForeignKey("needs.id", ondelete="RESTRICT"), unique=True
    )
    organiser_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[PoolStatus] = mapped_column(
        enum_column(PoolStatus, "pool_status"), default=PoolStatus.JOINING, index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    joining_closed_at: Mapped[datetime | None]

    lead_need: Mapped[Need] = relationship()
    organiser: Mapped[User | None] = relationship()
    members: Mapped[list[PoolMember]] = relationship(
        back_populates="pool", order_by="PoolMember.id"
    )

    @property
    def active_members(self) -> list[PoolMember]:
        return [m for m in self.members if m.status != MemberStatus.LEFT]


class PoolMember(db.Model):
    __tablename__ = "pool_members"
    __table_args__ = (
        sa.UniqueConstraint("pool_id", "organisation_id"),
        sa.CheckConstraint("sites >= 1", name="sites_positive"),
        sa.CheckConstraint("price IS NULL OR price >= 0", name="price_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pool_id: Mapped[int] = mapped_column(sa.ForeignKey("pools.id", ondelete="CASCADE"))
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    company_size: Mapped[str | None] = mapped_column(sa.String(8))
    employees: Mapped[int | None]
    sites: Mapped[int] = mapped_column(default=1)
    status: Mapped[MemberStatus] = mapped_column(
        enum_column(MemberStatus, "pool_member_status"), default=MemberStatus.JOINED
    )
    agreed_quote_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("quotes.id", ondelete="SET NULL")
    )
    # Set on award: the member's own need, the pool quote it took, the price it pays.
    need_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("needs.id", ondelete="SET NULL"), unique=True
    )
    engagement_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="SET NULL"), unique=True
    )
    price: Mapped[int | None]
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)

    pool: Mapped[Pool] = relationship(back_populates="members")
    organisation: Mapped[Organisation] = relationship()
    agreed_quote: Mapped[Quote | None] = relationship(foreign_keys=[agreed_quote_id])
    need: Mapped[Need | None] = relationship(foreign_keys=[need_id])
    engagement: Mapped[Engagement | None] = relationship(foreign_keys=[engagement_id])


class PoolQuoteTier(db.Model):
    """A volume tier of a quote for a pool: from ``min_members`` members on, each pays
    ``price`` (first-year total) instead of the quote's own total."""

    __tablename__ = "pool_quote_tiers"
    __table_args__ = (
        sa.UniqueConstraint("quote_id", "min_members"),
        sa.CheckConstraint("min_members >= 2", name="min_members_at_least_two"),
        sa.CheckConstraint("price > 0", name="price_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    quote_id: Mapped[int] = mapped_column(
        sa.ForeignKey("quotes.id", ondelete="CASCADE"), index=True
    )
    min_members: Mapped[int]
    price: Mapped[int]
