"""Plug-in listings: a vendor's solution in the catalogue, from a manifest or the portal."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import Organisation
from app.models.base import CodeList, TimestampMixin, enum_column
from matching.types import Offering


class ListingStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    SUSPENDED = "suspended"
    REJECTED = "rejected"
    RETIRED = "retired"  # its manifest was removed: unpublished, kept for history


class ListingSource(enum.StrEnum):
    BUNDLED = "bundled"
    INSTALLED = "installed"  # a distribution with a `shuzhuan.plugins` entry point
    FOLDER = "folder"  # an extra folder named in configuration
    PORTAL = "portal"  # filled in or uploaded by a vendor: declarative only


class Health(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"


# The offering fields of data-formats.md, as stored on a listing.
OFFERING_FIELDS = (
    "name",
    "summary",
    "description",
    "lang",
    "capabilities",
    "industries",
    "regions",
    "company_sizes",
    "price_min",
    "price_max",
    "price_model",
    "deployment",
    "delivery_weeks",
    "maturity_levels",
)


class PluginListing(TimestampMixin, db.Model):
    __tablename__ = "plugin_listings"
    __table_args__ = (
        sa.CheckConstraint("price_min IS NULL OR price_min >= 0", name="price_min_non_negative"),
        sa.CheckConstraint("price_max IS NULL OR price_max >= 0", name="price_max_non_negative"),
        sa.CheckConstraint(
            "price_min IS NULL OR price_max IS NULL OR price_min <= price_max",
            name="price_range_ordered",
        ),
        sa.CheckConstraint(
            "delivery_weeks IS NULL OR delivery_weeks >= 0", name="delivery_weeks_non_negative"
        ),
        sa.CheckConstraint("hook_failures >= 0", name="hook_failures_non_negative"),
        sa.CheckConstraint("hook_failures_in_row >= 0", name="hook_failures_in_row_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True)
    vendor_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    status: Mapped[ListingStatus] = mapped_column(
        enum_column(ListingStatus, "listing_status"), default=ListingStatus.DRAFT, index=True
    )
    source: Mapped[ListingSource] = mapped_column(enum_column(ListingSource, "listing_source"))
    source_path: Mapped[str | None] = mapped_column(sa.String(500))
    content_hash: Mapped[str | None] = mapped_column(sa.String(64))
    version: Mapped[str] = mapped_column(sa.String(40), default="0.1.0")
    hooks_module: Mapped[str | None] = mapped_column(sa.String(200))
    health: Mapped[Health] = mapped_column(enum_column(Health, "plugin_health"), default=Health.OK)
    hook_failures: Mapped[int] = mapped_column(default=0)
    # Failures since the last success, counted by every process (plugin_hooks.py): the
    # plug-in is degraded when this reaches PLUGIN_DEGRADED_AFTER.
    hook_failures_in_row: Mapped[int] = mapped_column(default=0, server_default="0")
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Taken down by its vendor's suspension (not by its own): re-verifying brings it back.
    suspended_with_vendor: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    published_at: Mapped[datetime | None]
    views: Mapped[int] = mapped_column(default=0)

    # Offering fields (../shared/data-formats.md)
    name: Mapped[str] = mapped_column(sa.String(500))
    summary: Mapped[str | None] = mapped_column(sa.String(1000))
    description: Mapped[str | None] = mapped_column(sa.Text)
    lang: Mapped[str | None] = mapped_column(sa.String(2))
    capabilities: Mapped[list[str]] = mapped_column(CodeList, default=list)
    industries: Mapped[list[str]] = mapped_column(CodeList, default=list)
    regions: Mapped[list[str]] = mapped_column(CodeList, default=list)
    company_sizes: Mapped[list[str]] = mapped_column(CodeList, default=list)
    price_min: Mapped[int | None]
    price_max: Mapped[int | None]
    price_model: Mapped[str | None] = mapped_column(sa.String(20))
    deployment: Mapped[list[str]] = mapped_column(CodeList, default=list)
    delivery_weeks: Mapped[int | None]
    maturity_levels: Mapped[list[int]] = mapped_column(CodeList, default=list)

    vendor: Mapped[Organisation] = relationship()

    @property
    def is_published(self) -> bool:
        return self.status == ListingStatus.PUBLISHED

    def offering_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in OFFERING_FIELDS}

    def to_offering(self) -> Offering:
        """The listing as the matcher sees it."""
        return Offering(id=self.slug, vendor=self.vendor.name, **self.offering_fields())

    def apply_offering(self, offering: Offering) -> None:
        """Copy validated offering fields onto the listing."""
        for name in OFFERING_FIELDS:
            setattr(self, name, getattr(offering, name))

    def __repr__(self) -> str:
        return f"<PluginListing {self.slug} {self.status}>"
