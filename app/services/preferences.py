"""Which notifications each user wants by e-mail: immediately, in a daily digest, or not.

No row means immediately. A signed token (itsdangerous, no expiry: an old mail's link
keeps working) lets the recipient turn a kind off with one click, without logging in.
"""

from __future__ import annotations

from collections.abc import Mapping

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeSerializer

from app.errors import DomainError, InvalidInput
from app.extensions import db
from app.models import MailMode, NotificationPreference, User
from app.services import audit

ALL_KINDS = "*"
_SALT = "shuzhuan.unsubscribe"


def mode_for(user: User, kind: str) -> MailMode:
    mode = db.session.scalar(
        sa.select(NotificationPreference.mode).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    return MailMode(mode) if mode else MailMode.IMMEDIATELY


def preferences_for(user: User) -> dict[str, MailMode]:
    """Every kind the user may receive, with its mode."""
    # here, not at the top: app.notifications (loaded first for its messages) imports its
    # routes, which import this module
    from app.notifications.messages import kinds_for

    stored = dict(
        db.session.execute(
            sa.select(NotificationPreference.kind, NotificationPreference.mode).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {kind: MailMode(stored.get(kind, MailMode.IMMEDIATELY)) for kind in kinds_for(user)}


def set_modes(user: User, modes: Mapping[str, str]) -> dict[str, MailMode]:
    """Save the user's choices; kinds they cannot receive and unknown modes are refused."""
    # here, not at the top: app.notifications imports its routes, which import this module
    from app.notifications.messages import kinds_for

    allowed = set(kinds_for(user))
    errors: dict[str, list[str]] = {}
    clean: dict[str, MailMode] = {}
    for kind, mode in modes.items():
        if kind not in allowed:
            errors[kind] = [_("Not a kind of notification you receive.")]
            continue
        try:
            clean[kind] = MailMode(mode)
        except ValueError:
            errors[kind] = [_("Choose immediately, daily digest or off.")]
    if errors:
        raise InvalidInput(_("Please correct the marked fields."), errors)
    changed = {kind: str(mode) for kind, mode in clean.items() if _store(user, kind, mode)}
    if changed:
        audit.record(user, "preferences.updated", user, modes=changed)
    return preferences_for(user)


def _store(user: User, kind: str, mode: MailMode) -> bool:
    row = db.session.scalar(
        sa.select(NotificationPreference).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    if row is None:
        if mode == MailMode.IMMEDIATELY:
            return False
        db.session.add(NotificationPreference(user_id=user.id, kind=kind, mode=mode))
        return True
    if row.mode == mode:
        return False
    row.mode = mode
    return True


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=_SALT)


def unsubscribe_token(user: User, kind: str | None) -> str:
    return _serializer().dumps({"u": user.id, "k": kind or ALL_KINDS})


def read_unsubscribe_token(token: str) -> tuple[User, str]:
    """The user and kind a token names; a forged or stale one is a 400."""
    try:
        data = _serializer().loads(token)
        user = db.session.get(User, int(data["u"]))
        kind = str(data["k"])
    except (BadSignature, KeyError, TypeError, ValueError):
        user = None
    if user is None:
        raise DomainError(_("This unsubscribe link is not valid."), status=400)
    return user, kind


def unsubscribe(token: str) -> tuple[User, str]:
    """Turn off the mails a token names (one kind, or every kind for ``*``)."""
    # here, not at the top: app.notifications imports its routes, which import this module
    from app.notifications.messages import kinds_for

    user, kind = read_unsubscribe_token(token)
    kinds = kinds_for(user) if kind == ALL_KINDS else [kind]
    changed = [k for k in kinds if _store(user, k, MailMode.OFF)]
    audit.record(None, "preferences.unsubscribed", user, kinds=changed or kinds)
    return user, kind
