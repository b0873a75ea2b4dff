"""An admin suspends or reinstates an account; suspension ends its sessions and tokens.

Nothing here commits: the caller commits once.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask_babel import gettext as _

from app.errors import DomainError
from app.models import (
    Organisation,
    Role,
    User,
    UserStatus,
)
from app.services import audit
from app.services.notify import notify
from app.services.reasons import clean_reason
from app.services.roles import require_admin
from app.services.rows import contains
from app.services.sessions import end_all_sessions


def suspend_user(admin: User, user: User, reason: str) -> User:
    """Lock an account out (active → suspended); admins cannot lock themselves out."""
    require_admin(admin)
    reason = clean_reason(reason)
    if user.id == admin.id:
        raise DomainError(_("You cannot suspend your own account."))
    if user.status == UserStatus.SUSPENDED:
        raise DomainError(_("This account is already suspended."))
    user.status = UserStatus.SUSPENDED
    end_all_sessions(user)  # signed out everywhere at once, not at their next page
    audit.record(admin, "user.suspended", user, reason=reason)
    notify(user, "account.suspended", reason=reason)  # for e-mail notifiers: they cannot log in
    return user


def reinstate_user(admin: User, user: User, reason: str | None = None) -> User:
    """Let a suspended account log in again (suspended → active)."""
    require_admin(admin)
    reason = clean_reason(reason, required=False)
    if user.status != UserStatus.SUSPENDED:
        raise DomainError(_("Only a suspended account can be reinstated."))
    user.status = UserStatus.ACTIVE
    audit.record(admin, "user.reinstated", user, reason=reason)
    notify(user, "account.reinstated")
    return user


def users_query(
    q: str | None = None, role: str | None = None, status: str | None = None
) -> sa.Select:
    """Users matching a search (name, e-mail or organisation), newest first."""
    query = sa.select(User).outerjoin(User.organisation)
    query = query.where(contains(q, User.email, User.name, Organisation.name))
    if role:
        query = query.where(User.role == Role(role))
    if status:
        query = query.where(User.status == UserStatus(status))
    return query.order_by(User.created_at.desc(), User.id.desc())
