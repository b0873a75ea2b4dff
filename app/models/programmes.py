"""The public-programme layer: maturity self-assessments with the needs they propose,
subsidy programmes with what they committed to each award, and the SME's choice of a
programme for a need."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.models.accounts import Organisation, User
from app.models.base import CodeList, TimestampMixin, enum_column, utcnow
from app.models.deals import Engagement, Quote
from app.models.needs import Need


class ProposalStatus(enum.StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DISMISSED = "dismissed"


class Assessment(db.Model):
    """One self-assessment of an organisation, scored with the edition it was taken in.

    Scores are stored, not recomputed: a later edition of the questionnaire (a new data
    file) never changes an old result.
    """

    __tablename__ = "assessments"
    __table_args__ = (
        sa.CheckConstraint("level BETWEEN 0 AND 4", name="level_range"),
        sa.CheckConstraint("total >= 0 AND total <= 100", name="total_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    edition: Mapped[str] = mapped_column(sa.String(60))
    lang: Mapped[str] = mapped_column(sa.String(2))
    answers: Mapped[dict[str, int]] = mapped_column(sa.JSON, default=dict)
    item_scores: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    dimension_scores: Mapped[dict[str, float]] = mapped_column(sa.JSON, default=dict)
    total: Mapped[float]
    level: Mapped[int]  # 0 = under 20 points, below level 1
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    organisation: Mapped[Organisation] = relationship()
    author: Mapped[User | None] = relationship()
    proposals: Mapped[list[NeedProposal]] = relationship(
        back_populates="assessment",
        order_by="NeedProposal.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class NeedProposal(db.Model):
    """A draft need an assessment proposes from a gap; it becomes a need only if accepted."""

    __tablename__ = "need_proposals"
    __table_args__ = (sa.UniqueConstraint("assessment_id", "item_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    assessment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="CASCADE"), index=True
    )
    item_id: Mapped[str] = mapped_column(sa.String(40))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text)
    lang: Mapped[str] = mapped_column(sa.String(2))
    capabilities: Mapped[list[str]] = mapped_column(CodeList, default=list)
    status: Mapped[ProposalStatus] = mapped_column(
        enum_column(ProposalStatus, "proposal_status"), default=ProposalStatus.PROPOSED
    )
    need_id: Mapped[int | None] = mapped_column(sa.ForeignKey("needs.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None]

    assessment: Mapped[Assessment] = relationship(back_populates="proposals")
    need: Mapped[Need | None] = relationship()


class Programme(TimestampMixin, db.Model):
    """A subsidy programme of a city's SME service centre or an industry association.

    ``committed`` only grows inside an award's transaction with the row locked; the
    database refuses a budget overspent whatever the application does.
    """

    __tablename__ = "programmes"
    __table_args__ = (
        sa.CheckConstraint("share_percent BETWEEN 1 AND 100", name="share_range"),
        sa.CheckConstraint("cap_per_sme >= 0", name="cap_non_negative"),
        sa.CheckConstraint("budget_total >= 0", name="budget_non_negative"),
        sa.CheckConstraint("committed >= 0 AND committed <= budget_total", name="within_budget"),
        sa.CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
        sa.CheckConstraint(
            "min_maturity_after IS NULL OR min_maturity_after BETWEEN 1 AND 4",
            name="maturity_range",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    sponsor: Mapped[str] = mapped_column(sa.String(200), default="")
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # Empty lists mean "any".
    regions: Mapped[list[str]] = mapped_column(CodeList, default=list)
    industries: Mapped[list[str]] = mapped_column(CodeList, default=list)
    company_sizes: Mapped[list[str]] = mapped_column(CodeList, default=list)
    capabilities: Mapped[list[str]] = mapped_column(CodeList, default=list)
    eligible_parts: Mapped[list[str]] = mapped_column(CodeList, default=list)
    share_percent: Mapped[int]
    cap_per_sme: Mapped[int]
    budget_total: Mapped[int]
    committed: Mapped[int] = mapped_column(default=0)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    require_verified_vendor: Mapped[bool] = mapped_column(default=True)
    require_listed_solution: Mapped[bool] = mapped_column(default=True)
    min_maturity_after: Mapped[int | None]
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("users.id", ondelete="SET NULL")
    )

    @property
    def remaining(self) -> int:
        return self.budget_total - self.committed

    def name(self, lang: str) -> str:
        return self.name_zh if lang == "zh" else self.name_en

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in PROGRAMME_FIELDS}


PROGRAMME_FIELDS = (
    "name_zh",
    "name_en",
    "sponsor",
    "description",
    "regions",
    "industries",
    "company_sizes",
    "capabilities",
    "eligible_parts",
    "share_percent",
    "cap_per_sme",
    "budget_total",
    "starts_on",
    "ends_on",
    "require_verified_vendor",
    "require_listed_solution",
    "min_maturity_after",
)


class SubsidyChoice(db.Model):
    """The programme an SME means to apply to for one need, and whether matching may count
    on the subsidy when it judges budget fit."""

    __tablename__ = "subsidy_choices"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="CASCADE"), unique=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="RESTRICT"), index=True
    )
    budget_after_subsidy: Mapped[bool] = mapped_column(default=False)
    chosen_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    need: Mapped[Need] = relationship()
    programme: Mapped[Programme] = relationship()


class ProgrammeCommitment(db.Model):
    """The subsidy a programme reserved for one award (one per engagement)."""

    __tablename__ = "programme_commitments"
    __table_args__ = (
        sa.CheckConstraint("amount > 0", name="amount_positive"),
        sa.CheckConstraint("eligible_cost >= 0", name="eligible_cost_non_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programmes.id", ondelete="RESTRICT"), index=True
    )
    organisation_id: Mapped[int] = mapped_column(
        sa.ForeignKey("organisations.id", ondelete="RESTRICT"), index=True
    )
    need_id: Mapped[int] = mapped_column(sa.ForeignKey("needs.id", ondelete="RESTRICT"))
    engagement_id: Mapped[int] = mapped_column(
        sa.ForeignKey("engagements.id", ondelete="RESTRICT"), unique=True
    )
    quote_id: Mapped[int] = mapped_column(sa.ForeignKey("quotes.id", ondelete="RESTRICT"))
    assessment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("assessments.id", ondelete="SET NULL")
    )
    full_price: Mapped[int]
    eligible_cost: Mapped[int]
    amount: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    programme: Mapped[Programme] = relationship()
    organisation: Mapped[Organisation] = relationship()
    need: Mapped[Need] = relationship()
    engagement: Mapped[Engagement] = relationship()
    quote: Mapped[Quote] = relationship()
    assessment: Mapped[Assessment | None] = relationship()
