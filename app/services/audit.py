"""The audit trail: every state change records who did what to which object, and why."""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import AuditEvent, User


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
