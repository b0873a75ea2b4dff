"""Who may act: the role checks services share."""

from __future__ import annotations

from flask_babel import gettext as _

from app.errors import Forbidden
from app.models import Role, User


def require_admin(user: User | None) -> User:
    """The user, if an active platform admin; Forbidden (403) otherwise."""
    if user is None or user.role != Role.ADMIN or not user.is_active:
        raise Forbidden(_("Only platform admins can do this."))
    return user
