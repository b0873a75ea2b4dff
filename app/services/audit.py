"""The audit trail: every state change records who did what to which object, and why;
admins read it back filtered."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from app.extensions import db
from app.models import AuditEvent, User
from app.services.rows import contains


def record(
    actor: User | None,
    action: str,
    subject: Any,
    *,
    reason: str | None = None,
    **data: Any,
) -> AuditEvent:
    """Add an audit event for ``subject`` (a model instance) to the current transaction."""
    db.session.flush()  # the subject needs its id
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        action=action,
        subject_type=type(subject).__name__,
        subject_id=getattr(subject, "id", None),
        reason=reason,
        data=data,
    )
    db.session.add(event)
    return event


def audit_query(
    *,
    actor: str | None = None,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> sa.Select:
    """Audit events, newest first. ``actor`` matches part of an e-mail address; ``since``
    and ``until`` are days, both included."""
    query = sa.select(AuditEvent).outerjoin(AuditEvent.actor)
    query = query.where(contains(actor, User.email))
    if action:
        query = query.where(AuditEvent.action == action)
    if subject_type:
        query = query.where(AuditEvent.subject_type == subject_type)
    if subject_id is not None:
        query = query.where(AuditEvent.subject_id == subject_id)
    if since is not None:
        query = query.where(AuditEvent.created_at >= datetime.combine(since, datetime.min.time()))
    if until is not None:
        end = datetime.combine(until + timedelta(days=1), datetime.min.time())
        query = query.where(AuditEvent.created_at < end)
    return query.order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())


def audit_actions() -> list[str]:
    return list(
        db.session.scalars(sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action))
    )


def audit_subject_types() -> list[str]:
    return list(
        db.session.scalars(
            sa.select(AuditEvent.subject_type).distinct().order_by(AuditEvent.subject_type)
        )
    )
