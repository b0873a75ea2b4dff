"""Ranker models trained in the portal, kept as data (weights and figures), never pickles."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.models.base import enum_column, utcnow


class ModelStatus(enum.StrEnum):
    CANDIDATE = "candidate"  # trained, kept and shown, not used (refused or not yet promoted)
    LIVE = "live"  # ranks every need; at most one
    RETIRED = "retired"  # was live, replaced by a promotion or a rollback


class RankerModel(db.Model):
    """One trained ranker: its weights (``PairwiseRanker.to_dict``), figures and guard verdict."""

    __tablename__ = "ranker_models"
    __table_args__ = (
        # At most one live model, whatever two admins do at the same moment.
        sa.Index(
            "uq_ranker_models_one_live",
            "status",
            unique=True,
            sqlite_where=sa.text("status = 'live'"),
            postgresql_where=sa.text("status = 'live'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(sa.String(80), unique=True)
    status: Mapped[ModelStatus] = mapped_column(
        enum_column(ModelStatus, "ranker_model_status"), default=ModelStatus.CANDIDATE
    )
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    metrics: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    accepted: Mapped[bool] = mapped_column(default=False)  # the guard's verdict
    verdict: Mapped[str] = mapped_column(sa.Text, default="")  # why, in one line
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    activated_at: Mapped[datetime | None] = mapped_column()  # last time it went live
