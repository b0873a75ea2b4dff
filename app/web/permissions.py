"""Role guards for views: every page checks the role, not just the links shown."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

from flask_babel import gettext as _
from flask_login import current_user, login_required

from app.errors import Forbidden
from app.models import Role

F = TypeVar("F", bound=Callable)


def role_required(*roles: Role) -> Callable[[F], F]:
    """Log in first, then refuse (403) any role not listed."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                raise Forbidden(_("Your account is not allowed to open this page."))
            return view(*args, **kwargs)

        wrapped.required_roles = frozenset(roles)  # lets a test check every guarded page
        return wrapped  # type: ignore[return-value]

    return decorator
